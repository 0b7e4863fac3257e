package awsenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// isolate clears every variable the SDK's default chain reads and points
// its shared files into a temporary folder, so a test sees only what it
// sets, whatever the machine running it has configured.
func isolate(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k) // an empty AWS_PROFILE is a profile named ""
		}
	}
	setenv(t, "AWS_CONFIG_FILE", filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

func setenv(t *testing.T, kv ...string) {
	t.Helper()
	for i := 0; i < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

func TestLoadReadsLambdasVariables(t *testing.T) {
	ctx := context.Background()
	isolate(t)
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
	if cfg.BaseEndpoint != nil {
		t.Errorf("BaseEndpoint %q without an Endpoint", *cfg.BaseEndpoint)
	}
	if cfg, _ := Load(ctx, nil, Options{Region: "eu-west-1"}); cfg.Region != "eu-west-1" {
		t.Errorf("Options.Region did not override: %q", cfg.Region)
	}
	os.Unsetenv("AWS_REGION")
	if cfg, _ := Load(ctx, nil, Options{}); cfg.Region != "us-west-2" {
		t.Errorf("AWS_DEFAULT_REGION not used: %q", cfg.Region)
	}
}

func TestLoadSaysWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	isolate(t)
	if _, err := Load(ctx, nil, Options{}); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region: %v", err)
	}
	if _, err := Load(ctx, nil, Options{Region: "ap-northeast-1"}); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("no credentials: %v", err)
	}
	// An emulator needs neither: it gets a region, signing credentials
	// and its endpoint.
	cfg, err := Load(ctx, nil, Options{Endpoint: "http://127.0.0.1:8000"})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil || cfg.Region == "" || creds.AccessKeyID == "" || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:8000" {
		t.Fatalf("emulator config %q %+v %v (%v)", cfg.Region, creds, cfg.BaseEndpoint, err)
	}
	// Credentials configured for the emulator are kept.
	setenv(t, "AWS_ACCESS_KEY_ID", "minio", "AWS_SECRET_ACCESS_KEY", "minio-secret")
	cfg, _ = Load(ctx, nil, Options{Emulator: true})
	if creds, _ := cfg.Credentials.Retrieve(ctx); creds.AccessKeyID != "minio" {
		t.Errorf("emulator credentials replaced: %+v", creds)
	}
	// A loader's error is passed on.
	errTest := errors.New("test loader failed")
	failing := func(context.Context, Options) (aws.Config, error) { return aws.Config{}, errTest }
	if _, err := Load(ctx, failing, Options{Emulator: true}); err != errTest {
		t.Errorf("loader error: %v", err)
	}
}
