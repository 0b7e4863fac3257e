// Package awsenv is where every AWS client of Okaeri (S3 for résumés, SSM
// for secrets, DynamoDB for the store) gets its aws.Config.
//
// Two loaders, one per kind of process:
//   - Lambda functions (the default, FromEnv): the region and the function
//     role's credentials are what the Lambda runtime puts in the
//     environment (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//     AWS_SESSION_TOKEN), which is all the SDK's default chain would find
//     there. FromEnv reads just those, with the SDK's own static provider,
//     because importing the SDK's config package links the STS, SSO,
//     SSO-OIDC and sign-in clients, their endpoint tables and schemas into
//     every function: measured with `lambdabench -why`, about 3 ms of
//     package init and 1.5 MB per function, for credential sources a
//     Lambda never has.
//   - The okaeri command, run by people and CI (package chain): the SDK's
//     whole default chain, config.LoadDefaultConfig (profiles, SSO,
//     assumed roles, instance and container roles, AWS_ENDPOINT_URL_*).
//
// A client makes its configuration with one call and hands it to the
// SDK's client:
//
//	cfg, err := awsenv.Load(ctx, loader, awsenv.Options{Region: region, Endpoint: endpoint})
//	if err != nil {
//		return nil, err
//	}
//	db := dynamodb.NewFromConfig(cfg)
//
// loader is nil for FromEnv, or chain.Load. Region, when not empty,
// overrides the environment's. Endpoint, when not empty, is a local
// emulator or test server (DynamoDB Local, an S3 implementation): it
// becomes cfg.BaseEndpoint and any region and signing credentials do.
// Without an Endpoint, Load fails at once, naming the variables to set,
// when there is no region or no credentials, so a misconfigured function
// says so at start and not at its first request.
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
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

// Loader finds the region and credentials: FromEnv, chain.Load, or a test's.
type Loader func(ctx context.Context, o Options) (aws.Config, error)

// FromEnv is the Lambda environment's configuration: the region from
// o.Region, AWS_REGION or AWS_DEFAULT_REGION, and the credentials from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (nil
// when the environment holds none).
func FromEnv(ctx context.Context, o Options) (aws.Config, error) {
	cfg := aws.Config{Region: o.Region}
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if cfg.Region == "" {
			cfg.Region = os.Getenv(k)
		}
	}
	if id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))
	}
	return cfg, ctx.Err()
}

// Load runs load (FromEnv when nil) and checks what it found. For an
// emulator it fills in a region and credentials when there are none, as
// emulators check that requests are signed, not by whom.
func Load(ctx context.Context, load Loader, o Options) (aws.Config, error) {
	if load == nil {
		load = FromEnv
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
