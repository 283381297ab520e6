package core

import "time"

// SetRenewEvery sets how often a held lease is renewed (tests).
func (s *Service) SetRenewEvery(d time.Duration) { s.renewEvery = d }
