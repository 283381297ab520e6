// Package functest runs the built function binaries (functions/scf, fc,
// lambda and http) the way each platform invokes them: the SCF Go1 runtime's
// net/rpc, the Lambda and FC runtime APIs faked with local HTTP servers, and
// plain HTTP for FunctionGraph-style HTTP functions. The cloud APIs are an
// in-process cloudemu server. It has tests only.
package functest
