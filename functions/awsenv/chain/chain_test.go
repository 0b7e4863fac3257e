package chain_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/awsenv/chain"
)

// isolate clears every variable the SDK's default chain reads and points
// its shared files into a temporary folder.
func isolate(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k) // an empty AWS_PROFILE is a profile named ""
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

// The okaeri command, run by a person, finds a profile as the AWS CLI does.
func TestLoadReadsTheSharedProfile(t *testing.T) {
	ctx := context.Background()
	dir := isolate(t)
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("config", "[profile okaeri]\nregion = ap-northeast-3\n")
	write("credentials", "[okaeri]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n")
	t.Setenv("AWS_PROFILE", "okaeri")
	cfg, err := awsenv.Load(ctx, chain.Load, awsenv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil || cfg.Region != "ap-northeast-3" || creds.AccessKeyID != "AKIDPROFILE" {
		t.Fatalf("got region %q creds %+v (%v)", cfg.Region, creds, err)
	}
}
