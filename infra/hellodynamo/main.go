// Command hellodynamo is hello plus a DynamoDB client made the way the
// store makes it: `make bench` shows it as the floor of every function that
// opens the table, so that the SDK's own cost is told apart from Okaeri's.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/okaeri/okaeri/functions/store/dynamo"
)

func main() {
	st, err := dynamo.New(context.Background(), dynamo.Config{Table: "hello", Endpoint: os.Getenv("OKAERI_DYNAMODB_ENDPOINT")})
	if err != nil {
		panic(err)
	}
	lambda.Start(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		_, err := st.GetMember(ctx, req.RawPath)
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello"}, err
	})
}
