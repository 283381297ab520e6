package core

import "time"

// SetRenewEvery sets how often a held lease is renewed (tests).
func (s *Service) SetRenewEvery(d time.Duration) { s.renewEvery = d }

// SetLease sets the lease a delivery takes (instead of the retry budget
// plus a minute) and how often it is renewed (tests).
func (s *Service) SetLease(lease, every time.Duration) { s.lease, s.renewEvery = lease, every }
