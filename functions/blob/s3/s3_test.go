package s3_test

import (
	"bytes"
	"context"
	"errors"
	"github.com/okaeri/okaeri/functions/awsenv/chain"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/blob/blobtest"
	"github.com/okaeri/okaeri/functions/blob/s3"
)

const bucket = "okaeri-blobs"

// server is an S3 implementation (gofakes3 on its in-memory backend)
// behind an HTTP server, with bucket already made. It refuses requests
// that are not SigV4-signed for s3 in ap-northeast-1 (gofakes3 checks no
// signatures) and keeps the requests that reached it.
type server struct {
	*httptest.Server
	backend *s3mem.Backend
	mu      sync.Mutex
	seen    []string // "METHOD /path"
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{backend: s3mem.New()}
	if err := s.backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(s.backend).Server()
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/ap-northeast-1/s3/aws4_request") {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>unsigned</Message></Error>`)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// object is what the bucket holds under key.
func (s *server) object(t *testing.T, key string) (data []byte, contentType string) {
	t.Helper()
	obj, err := s.backend.GetObject(bucket, key, nil)
	if err != nil {
		t.Fatalf("object %s: %v", key, err)
	}
	defer obj.Contents.Close()
	data, err = io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatal(err)
	}
	return data, obj.Metadata["Content-Type"]
}

// credentials gives the store signing credentials from the environment,
// and only those: no profile or metadata service of the machine running
// the test.
func credentials(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
}

func newStore(t *testing.T, srv *server, bucket, prefix string) *s3.Store {
	t.Helper()
	credentials(t)
	st, err := s3.New(context.Background(), s3.Config{Bucket: bucket, Prefix: prefix, Region: "ap-northeast-1", Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestS3(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newStore(t, newServer(t), bucket, "") })
}

func TestS3PrefixAndContentType(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	st := newStore(t, srv, bucket, "portal-a/")
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	if err := st.Put(ctx, "resumes/x.pdf", bytes.NewReader(pdf), int64(len(pdf)), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if got, typ := srv.object(t, "portal-a/resumes/x.pdf"); !bytes.Equal(got, pdf) || typ != "application/pdf" {
		t.Fatalf("object in the bucket: %q type %q", got, typ)
	}
	// Path-style: the bucket is the path's first element.
	if got := srv.requests(); len(got) != 1 || got[0] != "PUT /okaeri-blobs/portal-a/resumes/x.pdf" {
		t.Fatalf("requests %q", got)
	}
	if b, p := s3.ParseSpec("okaeri-blobs/portal-a"); b != "okaeri-blobs" || p != "portal-a/" {
		t.Fatalf("ParseSpec: %q %q", b, p)
	}
	// A key refused by the engine never reaches S3.
	if err := st.Put(ctx, "../other-portal/x.pdf", bytes.NewReader(pdf), int64(len(pdf)), ""); !errors.Is(err, blob.ErrInvalidKey) {
		t.Fatalf("Put with an escaping key: %v", err)
	}
	if got := srv.requests(); len(got) != 1 {
		t.Fatalf("an invalid key reached S3: %q", got)
	}
}

// A reader that cannot seek is stored whole over plain HTTP too, where the
// SDK cannot read it twice to sign it.
func TestS3UnseekableBody(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	st := newStore(t, srv, bucket, "")
	data := bytes.Repeat([]byte("履歴書 "), 100000)
	body := struct{ io.Reader }{bytes.NewReader(data)}
	if err := st.Put(ctx, "resumes/stream.pdf", body, int64(len(data)), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.object(t, "resumes/stream.pdf"); !bytes.Equal(got, data) {
		t.Fatalf("stored %d bytes, want %d", len(got), len(data))
	}
	if got := blobtest.Read(t, st, "resumes/stream.pdf"); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, want %d", len(got), len(data))
	}
}

// A bucket that is not there is an error, not a missing résumé.
func TestS3MissingBucketIsNotAMissingBlob(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, newServer(t), "no-such-bucket", "")
	_, _, err := st.Get(ctx, "resumes/a.pdf")
	if err == nil || errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Fatalf("Get from a missing bucket: %v", err)
	}
	if err := st.Put(ctx, "resumes/a.pdf", strings.NewReader("x"), 1, ""); err == nil {
		t.Fatal("Put into a missing bucket succeeded")
	}
}

// The SDK's own endpoint variable reaches an S3-compatible server,
// path-style, through the default chain the okaeri command uses.
func TestS3EndpointFromTheEnvironment(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	credentials(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	st, err := s3.New(ctx, s3.Config{Bucket: bucket, Region: "ap-northeast-1", AWS: chain.Load})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "k.pdf", strings.NewReader("x"), 1, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.object(t, "k.pdf"); string(got) != "x" {
		t.Fatalf("stored %q", got)
	}
}

// Signing credentials are required: the server refuses others, and the
// refusal is an error with S3's code.
func TestS3RefusedRequest(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	credentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "OTHER")
	st, err := s3.New(ctx, s3.Config{Bucket: bucket, Region: "ap-northeast-1", Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "k.pdf", strings.NewReader("x"), 1, ""); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("refused Put: %v", err)
	}
}
