// Command hellodynamo is hello plus the store every table function opens
// at init (engine.Open of OKAERI_STORE: DynamoDB on AWS): `make bench`
// shows it as the floor of every function that opens the table, so that
// the store's and the AWS SDK's own cost is told apart from the features'.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/okaeri/okaeri/functions/store/engine"
)

func main() {
	st, err := engine.Open(context.Background(), engine.Config{Spec: os.Getenv("OKAERI_STORE"), Endpoint: os.Getenv("OKAERI_DYNAMODB_ENDPOINT")})
	if err != nil {
		panic(err)
	}
	lambda.Start(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		_ = st // opened as a function opens it; no request needs it here
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello"}, nil
	})
}
