// Package chain is the AWS SDK's default configuration chain as an
// awsenv.Loader, for the okaeri command.
//
// Deprecated: awsenv.Load now uses the SDK's default chain for every
// client, on Lambda too; pass nil (or awsenv.Default). This package only
// forwards to awsenv.Default until its last caller drops it.
package chain

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/awsenv"
)

// Load is awsenv.Default.
func Load(ctx context.Context, o awsenv.Options) (aws.Config, error) {
	return awsenv.Default(ctx, o)
}
