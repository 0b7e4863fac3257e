// Package infra is Okaeri's AWS deployment: template.yaml (SAM) and the
// offline tests that hold it to the code. Its sub-packages build the Lambda
// functions (lambdabuild), run them under a local Lambda Runtime API
// (runtimeapi) and read the template (cfn); cmd/lambdas is `make lambdas`
// and cmd/lambdabench is the Lambda part of `make bench`.
package infra
