// Package lambda runs an Okaeri function on AWS Lambda behind an API Gateway
// HTTP API (payload format 2.0). It is the only place that knows about Lambda.
package lambda

import (
	"net/http"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Start serves h as this Lambda's handler and never returns.
func Start(h http.Handler) {
	awslambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
