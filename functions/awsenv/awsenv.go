// Package awsenv gives AWS clients their region and credentials.
//
// A Lambda function reads both from its environment, where the Lambda
// runtime puts the function role's temporary credentials (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and AWS_REGION: FromEnv, which
// is the default. The okaeri command, run by people on laptops and CI
// runners, wants the SDK's whole default chain (profiles, SSO, the EC2
// metadata service): package chain gives that Loader. It lives apart
// because importing the SDK's config package costs every Lambda about
// 1 ms of cold start (it links the STS, SSO and sign-in clients and their
// endpoint tables); see docs/aws.md.
package awsenv

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Options say what a client needs.
type Options struct {
	// Region overrides the environment's region when not empty.
	Region string
	// Emulator is set when the client talks to a local emulator (DynamoDB
	// Local, a test server): any region and any signed credentials do.
	Emulator bool
}

// Loader finds the region and credentials.
type Loader func(ctx context.Context, o Options) (aws.Config, error)

// FromEnv is the Lambda environment's configuration. Credentials is nil
// when the environment holds none.
func FromEnv(ctx context.Context, o Options) (aws.Config, error) {
	cfg := aws.Config{Region: o.Region}
	if cfg.Region == "" {
		cfg.Region = os.Getenv("AWS_REGION")
	}
	if cfg.Region == "" {
		cfg.Region = os.Getenv("AWS_DEFAULT_REGION")
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id != "" && secret != "" {
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
	if o.Emulator {
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		if !hasCredentials(ctx, cfg) {
			// DynamoDB Local's access key ids may hold only letters and digits.
			cfg.Credentials = credentials.NewStaticCredentialsProvider("okaerilocal", "okaerilocal", "")
		}
		return cfg, nil
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: set AWS_REGION")
	}
	if cfg.Credentials == nil {
		return aws.Config{}, errors.New("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE for the okaeri command)")
	}
	return cfg, nil
}

// hasCredentials reports whether cfg yields credentials within a second.
func hasCredentials(ctx context.Context, cfg aws.Config) bool {
	if cfg.Credentials == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := cfg.Credentials.Retrieve(ctx)
	return err == nil
}
