// Package chain is the AWS SDK's default configuration chain,
// config.LoadDefaultConfig, as an awsenv.Loader, for the okaeri command:
// people and CI runners have profiles, SSO, assumed roles and instance
// roles. Lambda functions do not link it (see awsenv).
package chain

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/okaeri/okaeri/functions/awsenv"
)

// Load is config.LoadDefaultConfig with o.Region. For an emulator it does
// not probe the EC2 metadata service, which would only time out on a
// laptop.
func Load(ctx context.Context, o awsenv.Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Emulator || o.Endpoint != "" {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}
