package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/blob/blobtest"
	"github.com/okaeri/okaeri/functions/blob/s3"
)

// fakeS3 is the part of S3's REST API the engine uses, path-style:
// PUT, GET and DELETE /BUCKET/KEY, with S3's error document for a missing
// key. It refuses unsigned requests and requests for another bucket, and it
// counts requests, so a test can see what reached "S3".
type fakeS3 struct {
	bucket string
	mu     sync.Mutex
	// objects by key; each with its content type
	objects  map[string][]byte
	types    map[string]string
	requests map[string]int
}

func newFakeS3(bucket string) *fakeS3 {
	return &fakeS3{bucket: bucket, objects: map[string][]byte{}, types: map[string]string{}, requests: map[string]int{}}
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		s3Error(w, http.StatusForbidden, "AccessDenied")
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != f.bucket {
		s3Error(w, http.StatusNotFound, "NoSuchBucket")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[r.Method]++
	switch r.Method {
	case http.MethodPut:
		if strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
			s3Error(w, http.StatusNotImplemented, "NotImplemented") // the engine sends plain bodies
			return
		}
		data, err := io.ReadAll(r.Body)
		if err != nil || int64(len(data)) != r.ContentLength {
			s3Error(w, http.StatusBadRequest, "IncompleteBody")
			return
		}
		f.objects[key], f.types[key] = data, r.Header.Get("Content-Type")
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, len(data)))
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		data, ok := f.objects[key]
		if !ok {
			s3Error(w, http.StatusNotFound, "NoSuchKey")
			return
		}
		w.Header().Set("Content-Type", f.types[key])
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		_, _ = w.Write(data)
	case http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed")
	}
}

func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>fake</RequestId></Error>`, code, code)
}

func newStore(t *testing.T, fake *fakeS3, prefix string) *s3.Store {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	st, err := s3.New(context.Background(), s3.Config{Bucket: fake.bucket, Prefix: prefix, Region: "ap-northeast-1", Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestS3AgainstFake(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newStore(t, newFakeS3("okaeri-blobs"), "") })
}

func TestS3PrefixAndContentType(t *testing.T) {
	ctx := context.Background()
	fake := newFakeS3("okaeri-blobs")
	st := newStore(t, fake, "portal-a/")
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	if err := st.Put(ctx, "resumes/x.pdf", bytes.NewReader(pdf), int64(len(pdf)), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	got, typ := fake.objects["portal-a/resumes/x.pdf"], fake.types["portal-a/resumes/x.pdf"]
	fake.mu.Unlock()
	if !bytes.Equal(got, pdf) || typ != "application/pdf" {
		t.Fatalf("object in the bucket: %q type %q", got, typ)
	}
	if b, p := s3.ParseSpec("okaeri-blobs/portal-a"); b != "okaeri-blobs" || p != "portal-a/" {
		t.Fatalf("ParseSpec: %q %q", b, p)
	}
	// A key refused by the engine never reaches S3.
	before := fake.requests[http.MethodPut]
	if err := st.Put(ctx, "../other-portal/x.pdf", bytes.NewReader(pdf), int64(len(pdf)), ""); !errors.Is(err, blob.ErrInvalidKey) {
		t.Fatalf("Put with an escaping key: %v", err)
	}
	if fake.requests[http.MethodPut] != before {
		t.Fatal("an invalid key reached S3")
	}
}
