package paramstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/okaeri/okaeri/functions/paramstore"
)

// fakeSSM answers SSM's GetParameters as the service does, and refuses a
// request that is not SigV4-signed for ssm.
func fakeSSM(t *testing.T, params map[string]string, calls *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/ap-northeast-1/ssm/aws4_request") ||
			r.Header.Get("X-Amz-Security-Token") != "session-token" {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"__type":"MissingAuthenticationTokenException","message":"unsigned"}`))
			return
		}
		if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameters" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"UnknownOperationException"}`))
			return
		}
		var in struct {
			Names          []string
			WithDecryption bool
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !in.WithDecryption || len(in.Names) > 10 {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"ValidationException"}`))
			return
		}
		out := map[string]any{"Parameters": []any{}, "InvalidParameters": []string{}}
		for _, n := range in.Names {
			if v, ok := params[n]; ok {
				out["Parameters"] = append(out["Parameters"].([]any), map[string]any{"Name": n, "Type": "SecureString", "Value": v, "Version": 1})
			} else {
				out["InvalidParameters"] = append(out["InvalidParameters"].([]string), n)
			}
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(out)
	}))
}

func client(url string) func(context.Context) (paramstore.Client, error) {
	return func(context.Context) (paramstore.Client, error) {
		return &paramstore.API{Endpoint: url, HTTP: http.DefaultClient, Config: aws.Config{Region: "ap-northeast-1",
			Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "session-token")}}, nil
	}
}

func TestGetenvResolvesSSMReferences(t *testing.T) {
	var calls atomic.Int32
	srv := fakeSSM(t, map[string]string{"/okaeri/prod/session-keys": "k1:c2VjcmV0", "/okaeri/prod/sendgrid-api-key": "SG.key"}, &calls)
	defer srv.Close()
	getenv, err := paramstore.Getenv(context.Background(), []string{
		"OKAERI_SESSION_KEYS=ssm:/okaeri/prod/session-keys",
		"SENDGRID_API_KEY=ssm:/okaeri/prod/sendgrid-api-key",
		"OKAERI_BASE_URL=https://alumni.example.co.jp",
		"ALSO_KEYS=ssm:/okaeri/prod/session-keys",
	}, client(srv.URL))
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
	defer srv.Close()
	_, err := paramstore.Getenv(context.Background(), []string{"A=ssm:/okaeri/prod/session-keys", "B=ssm:/okaeri/prod/missing"}, client(srv.URL))
	if err == nil || !strings.Contains(err.Error(), "/okaeri/prod/missing") || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("error %v", err)
	}
	bad := &paramstore.API{Endpoint: srv.URL, HTTP: http.DefaultClient, Config: aws.Config{Region: "ap-northeast-1",
		Credentials: credentials.NewStaticCredentialsProvider("OTHER", "secret", "")}}
	if _, _, err := bad.GetParameters(context.Background(), []string{"/okaeri/prod/session-keys"}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a refused request: %v", err)
	}
}
