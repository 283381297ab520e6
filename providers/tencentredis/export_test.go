package tencentredis

// KindOf exposes the error table to the tests.
var KindOf = kindOf
