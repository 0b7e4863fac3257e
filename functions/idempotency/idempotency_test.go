package idempotency_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/okaeri/okaeri/functions/idempotency"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// counter is a handler that creates "one thing" per run and says which.
type counter struct {
	runs   atomic.Int64
	status int
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := c.runs.Add(1)
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	http.SetCookie(w, &http.Cookie{Name: "s", Value: "first"})
	status := c.status
	if status == 0 {
		status = http.StatusCreated
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"run":%d,"echo":%q}`, n, body)
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	return newServerWith(t, h, idempotency.Options{})
}

// newServerWith scopes keys by the X-Member header unless opt says otherwise;
// "stranger" is a caller whose requests are not recorded.
func newServerWith(t *testing.T, h http.Handler, opt idempotency.Options) *httptest.Server {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "okaeri.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if opt.Scope == nil {
		opt.Scope = func(r *http.Request) (string, bool) {
			m := r.Header.Get("X-Member")
			return m, m != "stranger"
		}
	}
	srv := httptest.NewServer(idempotency.Middleware(st, opt)(h))
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url, key, member, body string) (int, string, *http.Response) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/api/things", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	req.Header.Set("X-Member", member)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

func TestRetryReplaysFirstAnswer(t *testing.T) {
	h := &counter{}
	srv := newServer(t, h)
	s1, b1, r1 := post(t, srv.URL, "k-1", "m1", `{"x":1}`)
	s2, b2, r2 := post(t, srv.URL, "k-1", "m1", `{"x":1}`)
	if s1 != 201 || s2 != 201 || b1 != b2 || h.runs.Load() != 1 {
		t.Fatalf("first %d %s, retry %d %s, runs %d", s1, b1, s2, b2, h.runs.Load())
	}
	if len(r1.Cookies()) != 1 || len(r2.Cookies()) != 0 {
		t.Errorf("cookies must not be replayed: first %v, retry %v", r1.Cookies(), r2.Cookies())
	}
	if r2.Header.Get("Content-Type") != "application/json" {
		t.Errorf("replayed headers lost")
	}
	// Another member using the same key is another request.
	if _, b3, _ := post(t, srv.URL, "k-1", "m2", `{"x":1}`); !strings.Contains(b3, `"run":2`) {
		t.Errorf("keys leak across members: %s", b3)
	}
	// Without a key, every request runs.
	post(t, srv.URL, "", "m1", `{"x":1}`)
	if h.runs.Load() != 3 {
		t.Errorf("runs = %d, want 3", h.runs.Load())
	}
}

func TestSameKeyOtherBodyIsRefused(t *testing.T) {
	h := &counter{}
	srv := newServer(t, h)
	post(t, srv.URL, "k-2", "m1", `{"x":1}`)
	status, body, resp := post(t, srv.URL, "k-2", "m1", `{"x":2}`)
	if status != http.StatusUnprocessableEntity || resp.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" {
		t.Errorf("reuse with another body: %d %s", status, body)
	}
	if h.runs.Load() != 1 {
		t.Errorf("runs = %d", h.runs.Load())
	}
}

func TestServerErrorFreesTheKey(t *testing.T) {
	h := &counter{status: 503}
	srv := newServer(t, h)
	post(t, srv.URL, "k-3", "m1", `{}`)
	h.status = 201
	status, body, _ := post(t, srv.URL, "k-3", "m1", `{}`)
	if status != 201 || !strings.Contains(body, `"run":2`) {
		t.Errorf("retry after 503: %d %s", status, body)
	}
}

func TestConcurrentRetriesRunOnce(t *testing.T) {
	h := &counter{}
	srv := newServer(t, h)
	var wg sync.WaitGroup
	statuses := make([]int, 32)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, _ = post(t, srv.URL, "k-4", "m1", `{"same":true}`)
		}()
	}
	wg.Wait()
	if h.runs.Load() != 1 {
		t.Fatalf("handler ran %d times under 32 concurrent retries", h.runs.Load())
	}
	for _, s := range statuses {
		if s != 201 && s != http.StatusConflict {
			t.Errorf("unexpected status %d", s)
		}
	}
}

// Refusals are not replayed: 401 until the caller logs in, 429 until the
// window passes, and every other 4xx changed nothing; a retry runs again.
func TestRefusalsAreNotReplayed(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503} {
		h := &counter{status: status}
		srv := newServer(t, h)
		key := fmt.Sprintf("k-%d", status)
		if s, _, _ := post(t, srv.URL, key, "m1", `{}`); s != status {
			t.Fatalf("first answer %d, want %d", s, status)
		}
		h.status = 201
		s, body, _ := post(t, srv.URL, key, "m1", `{}`)
		if s != 201 || !strings.Contains(body, `"run":2`) {
			t.Errorf("after %d the retry must run again: %d %s", status, s, body)
		}
	}
	// Success and a form's redirect are what is replayed.
	for _, status := range []int{200, 201, 202, 204, 303} {
		h := &counter{status: status}
		srv := newServer(t, h)
		key := fmt.Sprintf("k-%d", status)
		post(t, srv.URL, key, "m1", `{}`)
		h.status = 500
		if s, _, _ := post(t, srv.URL, key, "m1", `{}`); s != status || h.runs.Load() != 1 {
			t.Errorf("%d was not replayed: retry answered %d after %d runs", status, s, h.runs.Load())
		}
	}
}

// A caller the scope does not record passes straight through: the
// middleware reads nothing of its body (the handler refuses it unread).
func TestUnrecordedCallersAreNotBuffered(t *testing.T) {
	var read atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	})
	srv := newServerWith(t, h, idempotency.Options{MaxBody: 16})
	body := &countingReader{n: &read, left: 1 << 20}
	req, _ := http.NewRequest("POST", srv.URL+"/api/jobs/j/applications", body)
	req.ContentLength = -1 // chunked: nothing says how much is coming
	req.Header.Set(idempotency.Header, "k-5")
	req.Header.Set("X-Member", "stranger")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want the handler's 401 (not the middleware's 413)", resp.StatusCode)
	}
}

// The body compared between retries is read up to the route's limit only.
func TestBodyIsReadUpToTheRoutesLimit(t *testing.T) {
	h := &counter{}
	srv := newServerWith(t, h, idempotency.Options{MaxBody: 64})
	status, body, _ := post(t, srv.URL, "k-6", "m1", `{"x":"`+strings.Repeat("a", 100)+`"}`)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "64") || h.runs.Load() != 0 {
		t.Errorf("a body over the limit: %d %s, %d runs", status, body, h.runs.Load())
	}
	if status, _, _ := post(t, srv.URL, "k-7", "m1", `{"x":1}`); status != 201 {
		t.Errorf("a body within it: %d", status)
	}
}

type countingReader struct {
	n    *atomic.Int64
	left int
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	c.left -= n
	c.n.Add(int64(n))
	return n, nil
}
