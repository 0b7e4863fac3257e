package portal_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

// Text answers are gzipped for a client that accepts it, and only then;
// what was gzipped reads back as the page; a refused gzip (q=0), a HEAD
// and an image pass as they are; every answer says it varies by
// Accept-Encoding, so no cache hands a gzipped page to a client without it.
func TestTextAnswersAreGzipped(t *testing.T) {
	h := newHarness(t, false, nil)
	big := strings.Repeat("<p>おかえりなさい、卒業生のみなさん。</p>", 200)
	h2 := newHarnessWith(t, map[string]string{"index.html": "<html lang=ja>" + big + "</html>", "404.html": "404", "en/404.html": "404",
		"images/a.png": "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 2000)})
	resp, body := h2.do(t, "GET", "/", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"}, "")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("home: Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(plain, []byte(big)) {
		t.Fatalf("the gzipped home does not read back: %v", err)
	}
	if len(body)*4 > len(plain) {
		t.Errorf("gzipped %d bytes of %d: less than 4x smaller", len(body), len(plain))
	}
	for _, c := range []struct{ method, path, accept string }{
		{"GET", "/", ""}, {"GET", "/", "gzip;q=0"}, {"HEAD", "/", "gzip"}, {"GET", "/images/a.png", "gzip"},
	} {
		resp, _ := h2.do(t, c.method, c.path, map[string]string{"Accept-Encoding": c.accept}, "")
		if enc := resp.Header.Get("Content-Encoding"); enc != "" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s %s with %q: Content-Encoding %q, Vary %q", c.method, c.path, c.accept, enc, resp.Header.Get("Vary"))
		}
	}
	// An API's problem+json is text too.
	resp, _ = h.do(t, "GET", "/api/nothing-here", map[string]string{"Accept-Encoding": "gzip"}, "")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("API 404: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}
