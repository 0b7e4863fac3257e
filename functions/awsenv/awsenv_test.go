package awsenv

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func setenv(t *testing.T, kv ...string) {
	for i := 0; i < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

func TestFromEnvReadsLambdasVariables(t *testing.T) {
	ctx := context.Background()
	setenv(t, "AWS_REGION", "ap-northeast-1", "AWS_DEFAULT_REGION", "us-west-2",
		"AWS_ACCESS_KEY_ID", "AKIDLAMBDA", "AWS_SECRET_ACCESS_KEY", "secret", "AWS_SESSION_TOKEN", "token")
	cfg, err := Load(ctx, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil || cfg.Region != "ap-northeast-1" || creds.AccessKeyID != "AKIDLAMBDA" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Fatalf("got region %q creds %+v (%v)", cfg.Region, creds, err)
	}
	if cfg, _ := Load(ctx, nil, Options{Region: "eu-west-1"}); cfg.Region != "eu-west-1" {
		t.Errorf("Options.Region did not override: %q", cfg.Region)
	}
	t.Setenv("AWS_REGION", "")
	if cfg, _ := Load(ctx, nil, Options{}); cfg.Region != "us-west-2" {
		t.Errorf("AWS_DEFAULT_REGION not used: %q", cfg.Region)
	}
}

func TestLoadSaysWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	setenv(t, "AWS_REGION", "", "AWS_DEFAULT_REGION", "", "AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "")
	if _, err := Load(ctx, nil, Options{}); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region: %v", err)
	}
	if _, err := Load(ctx, nil, Options{Region: "ap-northeast-1"}); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("no credentials: %v", err)
	}
	// An emulator needs neither: it gets a region and signing credentials.
	cfg, err := Load(ctx, nil, Options{Emulator: true})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil || cfg.Region == "" || creds.AccessKeyID == "" {
		t.Fatalf("emulator config %q %+v (%v)", cfg.Region, creds, err)
	}
	// A loader's error is passed on.
	failing := func(context.Context, Options) (aws.Config, error) { return aws.Config{}, errTest }
	if _, err := Load(ctx, failing, Options{Emulator: true}); err != errTest {
		t.Errorf("loader error: %v", err)
	}
}

var errTest = &testError{}

type testError struct{}

func (*testError) Error() string { return "test loader failed" }
