// Package awsenv is where every AWS client of Okaeri (S3 for résumés, SSM
// for secrets, DynamoDB for the store) gets its aws.Config: the SDK's own
// default chain, config.LoadDefaultConfig, for the region and the
// credentials, the same on Lambda (the function role's credentials and
// AWS_REGION from the environment) and in the okaeri command (profiles,
// SSO, instance and container roles).
//
// A client makes its configuration with one call and hands it to the
// SDK's client:
//
//	cfg, err := awsenv.Load(ctx, nil, awsenv.Options{Region: region, Endpoint: endpoint})
//	if err != nil {
//		return nil, err
//	}
//	db := dynamodb.NewFromConfig(cfg)
//
// The second argument is a Loader, nil for the SDK's default chain
// (Default); tests may pass their own. Region, when not empty, overrides
// AWS_REGION and the profile's region. Endpoint, when not empty, is a
// local emulator or test server (DynamoDB Local, an S3 implementation):
// it becomes cfg.BaseEndpoint, any region and any signing credentials do,
// and the EC2 metadata service is not probed. Without an Endpoint, Load
// fails at once, naming the variables to set, when there is no region or
// no credentials, so a misconfigured function says so at start and not at
// its first request. The SDK's own endpoint variables (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL_DYNAMODB)
// are honoured by the clients as usual.
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// Options say what a client needs.
type Options struct {
	// Region overrides the environment's region when not empty.
	Region string
	// Endpoint is a custom endpoint (an emulator, a test server, an
	// S3-compatible server); Load sets it as the config's BaseEndpoint.
	Endpoint string
	// Emulator is set when the client talks to a local emulator whose
	// endpoint it sets itself: any region and any signed credentials do.
	// A non-empty Endpoint implies it.
	Emulator bool
}

func (o Options) emulator() bool { return o.Emulator || o.Endpoint != "" }

// Loader finds the region and credentials. Default is the one every
// client uses; the type lets tests and older callers pass their own.
type Loader func(ctx context.Context, o Options) (aws.Config, error)

// Default is the SDK's default configuration chain
// (config.LoadDefaultConfig) with o.Region. For an emulator it does not
// probe the EC2 metadata service, which would only time out on a laptop.
func Default(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.emulator() {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// FromEnv is Default.
//
// Deprecated: it read only the Lambda environment's variables; every
// client now uses the SDK's default chain. Pass nil or Default to Load.
func FromEnv(ctx context.Context, o Options) (aws.Config, error) { return Default(ctx, o) }

// Load runs load (Default when nil) and checks what it found. For an
// emulator it fills in a region and credentials when there are none, as
// emulators check that requests are signed, not by whom.
func Load(ctx context.Context, load Loader, o Options) (aws.Config, error) {
	if load == nil {
		load = Default
	}
	cfg, err := load(ctx, o)
	if err != nil {
		return aws.Config{}, err
	}
	if o.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(o.Endpoint)
	}
	if o.emulator() {
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		if credentialsError(ctx, cfg, time.Second) != nil {
			// DynamoDB Local's access key ids may hold only letters and digits.
			cfg.Credentials = credentials.NewStaticCredentialsProvider("okaerilocal", "okaerilocal", "")
		}
		return cfg, nil
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: set AWS_REGION (or a profile's region)")
	}
	// On Lambda the credentials are in the environment and this costs
	// nothing; elsewhere it resolves them once (the config caches them).
	if err := credentialsError(ctx, cfg, 5*time.Second); err != nil {
		return aws.Config{}, fmt.Errorf("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE for the okaeri command): %w", err)
	}
	return cfg, nil
}

// credentialsError is why cfg yields no credentials within timeout, or nil.
func credentialsError(ctx context.Context, cfg aws.Config, timeout time.Duration) error {
	if cfg.Credentials == nil {
		return errors.New("no credentials provider")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := cfg.Credentials.Retrieve(ctx)
	return err
}
