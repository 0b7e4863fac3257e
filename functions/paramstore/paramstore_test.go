package paramstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/paramstore"
)

// fakeSSM answers GetParameters in SSM's JSON 1.1 protocol, as the service
// does, for the SDK's ssm client. SSM has no local emulator (unlike S3 and
// DynamoDB), so this small server is the other end; it checks what matters
// about each request: the operation's target header, the protocol's
// content type, WithDecryption, at most ten names, and a SigV4 signature
// for ssm in ap-northeast-1 with the session token.
func fakeSSM(t *testing.T, params map[string]string, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fail := func(status int, typ, msg string) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"__type":%q,"message":%q}`, typ, msg)
		}
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/ap-northeast-1/ssm/aws4_request") ||
			r.Header.Get("X-Amz-Security-Token") != "session-token" {
			fail(http.StatusForbidden, "MissingAuthenticationTokenException", "unsigned")
			return
		}
		if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameters" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			fail(http.StatusBadRequest, "UnknownOperationException", r.Header.Get("X-Amz-Target"))
			return
		}
		var in struct {
			Names          []string
			WithDecryption *bool
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.WithDecryption == nil || !*in.WithDecryption || len(in.Names) == 0 || len(in.Names) > 10 {
			fail(http.StatusBadRequest, "ValidationException", "want 1 to 10 names, decrypted")
			return
		}
		type param struct{ Name, Type, Value string }
		out := struct {
			Parameters        []param
			InvalidParameters []string
		}{Parameters: []param{}, InvalidParameters: []string{}}
		for _, n := range in.Names {
			if v, ok := params[n]; ok {
				out.Parameters = append(out.Parameters, param{Name: n, Type: "SecureString", Value: v})
			} else {
				out.InvalidParameters = append(out.InvalidParameters, n)
			}
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// client is the package's API on the SDK's client, pointed at srv.
func client(srv *httptest.Server, accessKey string) func(context.Context) (paramstore.Client, error) {
	return func(context.Context) (paramstore.Client, error) {
		cfg := aws.Config{Region: "ap-northeast-1", Credentials: credentials.NewStaticCredentialsProvider(accessKey, "secret", "session-token")}
		return paramstore.New(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(srv.URL) }), nil
	}
}

func TestGetenvResolvesSSMReferences(t *testing.T) {
	var calls atomic.Int32
	srv := fakeSSM(t, map[string]string{"/okaeri/prod/session-keys": "k1:c2VjcmV0", "/okaeri/prod/sendgrid-api-key": "SG.key"}, &calls)
	getenv, err := paramstore.Getenv(context.Background(), []string{
		"OKAERI_SESSION_KEYS=ssm:/okaeri/prod/session-keys",
		"SENDGRID_API_KEY=ssm:/okaeri/prod/sendgrid-api-key",
		"OKAERI_BASE_URL=https://alumni.example.co.jp",
		"ALSO_KEYS=ssm:/okaeri/prod/session-keys",
	}, client(srv, "AKIDTEST"))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"OKAERI_SESSION_KEYS": "k1:c2VjcmV0", "SENDGRID_API_KEY": "SG.key",
		"OKAERI_BASE_URL": "https://alumni.example.co.jp", "ALSO_KEYS": "k1:c2VjcmV0", "UNSET": ""} {
		if got := getenv(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls to SSM, want one", calls.Load())
	}
}

// GetParameters takes at most ten names: twelve take two calls.
func TestGetenvReadsTenNamesPerCall(t *testing.T) {
	var calls atomic.Int32
	params := map[string]string{}
	var environ []string
	for i := range 12 {
		name := fmt.Sprintf("/okaeri/prod/p%d", i)
		params[name] = fmt.Sprint("value ", i)
		environ = append(environ, fmt.Sprintf("V%d=ssm:%s", i, name))
	}
	getenv, err := paramstore.Getenv(context.Background(), environ, client(fakeSSM(t, params, &calls), "AKIDTEST"))
	if err != nil {
		t.Fatal(err)
	}
	if getenv("V0") != "value 0" || getenv("V11") != "value 11" || calls.Load() != 2 {
		t.Errorf("V0 %q, V11 %q, %d calls", getenv("V0"), getenv("V11"), calls.Load())
	}
}

func TestGetenvWithoutReferencesMakesNoCall(t *testing.T) {
	getenv, err := paramstore.Getenv(context.Background(), []string{"A=1"}, func(context.Context) (paramstore.Client, error) {
		return nil, errors.New("must not be called")
	})
	if err != nil || getenv("A") != "1" {
		t.Fatalf("%v %q", err, getenv("A"))
	}
}

func TestGetenvFailsOnAMissingParameterWithoutShowingValues(t *testing.T) {
	var calls atomic.Int32
	srv := fakeSSM(t, map[string]string{"/okaeri/prod/session-keys": "k1:c2VjcmV0"}, &calls)
	_, err := paramstore.Getenv(context.Background(), []string{"A=ssm:/okaeri/prod/session-keys", "B=ssm:/okaeri/prod/missing"}, client(srv, "AKIDTEST"))
	if err == nil || !strings.Contains(err.Error(), "/okaeri/prod/missing") || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("error %v", err)
	}
	bad, _ := client(srv, "OTHER")(context.Background())
	if _, _, err := bad.GetParameters(context.Background(), []string{"/okaeri/prod/session-keys"}); err == nil ||
		!strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "MissingAuthenticationTokenException") {
		t.Errorf("a refused request: %v", err)
	}
}

// The Lambda functions' client takes its region and credentials from the
// variables the Lambda runtime sets (awsenv.FromEnv, what NewClient
// loads), and signs its requests with them; only the endpoint is the
// test's.
func TestClientFromLambdasEnvironment(t *testing.T) {
	var calls atomic.Int32
	srv := fakeSSM(t, map[string]string{"/okaeri/prod/session-keys": "k1:c2VjcmV0"}, &calls)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_REGION": "ap-northeast-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "session-token",
		"AWS_CONFIG_FILE":   dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	newClient := func(ctx context.Context) (paramstore.Client, error) {
		cfg, err := awsenv.Load(ctx, nil, awsenv.Options{})
		if err != nil {
			return nil, err
		}
		return paramstore.New(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(srv.URL) }), nil
	}
	getenv, err := paramstore.Getenv(context.Background(), []string{"OKAERI_SESSION_KEYS=ssm:/okaeri/prod/session-keys"}, newClient)
	if err != nil {
		t.Fatal(err)
	}
	if got := getenv("OKAERI_SESSION_KEYS"); got != "k1:c2VjcmV0" || calls.Load() != 1 {
		t.Errorf("OKAERI_SESSION_KEYS = %q after %d calls", got, calls.Load())
	}
}
