// Package chain is the AWS SDK's default configuration chain (environment,
// shared config and credentials files, SSO, the EC2 and container metadata
// services) as an awsenv.Loader, for the okaeri command. Lambda functions
// use awsenv.FromEnv and never import this package.
package chain

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/okaeri/okaeri/functions/awsenv"
)

// Load is an awsenv.Loader.
func Load(ctx context.Context, o awsenv.Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Emulator {
		// Probing the EC2 metadata service would only time out on a laptop.
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}
