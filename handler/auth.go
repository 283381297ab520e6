package handler

import "github.com/backupfn/backupfn/signature"

// The webhook signature scheme (see package signature), re-exported for
// the entrypoints and tests that sign requests.
const SignatureHeader = signature.Header

// Sign (v1: the body only), SignRequest (v2: the route, the dedupe headers
// and the body), SignSlack and VerifySlack are package signature's.
var (
	Sign        = signature.Sign
	SignRequest = signature.SignRequest
	SignSlack   = signature.SignSlack
	VerifySlack = signature.VerifySlack
)
