package handler

import "github.com/backupfn/backupfn/signature"

// The webhook signature scheme (see package signature), re-exported for
// the entrypoints and tests that sign requests.
const SignatureHeader = signature.Header

// Sign, SignSlack and VerifySlack are package signature's.
var (
	Sign        = signature.Sign
	SignSlack   = signature.SignSlack
	VerifySlack = signature.VerifySlack
)
