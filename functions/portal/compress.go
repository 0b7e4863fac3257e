package portal

import (
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
)

// Compress gzips text answers (HTML, CSS, JavaScript, JSON, SVG, plain
// text) for clients that accept it, as CloudFront does on AWS (Compress:
// true in infra/template.yaml): a Japanese page is about a fifth of its
// size gzipped. Answers already encoded, ranges, HEAD and answers without
// a body pass through unchanged.
func Compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if r.Method == http.MethodHead || r.Header.Get("Range") != "" || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// acceptsGzip reads Accept-Encoding: gzip listed and not refused (q=0).
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// compressible are the content types worth compressing.
var compressible = []string{"text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
	"application/json", "application/problem+json", "application/manifest+json", "image/svg+xml", "application/xml"}

var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}

type compressWriter struct {
	http.ResponseWriter
	gz      *gzip.Writer
	decided bool
}

func (c *compressWriter) WriteHeader(status int) {
	if !c.decided {
		c.decided = true
		h := c.Header()
		ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
		if status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified && status != http.StatusPartialContent &&
			h.Get("Content-Encoding") == "" && isCompressible(strings.TrimSpace(ct)) {
			h.Del("Content-Length")
			h.Set("Content-Encoding", "gzip")
			c.gz = gzipWriters.Get().(*gzip.Writer)
			c.gz.Reset(c.ResponseWriter)
		}
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *compressWriter) Write(b []byte) (int, error) {
	if !c.decided {
		if c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(b))
		}
		c.WriteHeader(http.StatusOK)
	}
	if c.gz != nil {
		return c.gz.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// Flush sends what is compressed so far (a streamed answer).
func (c *compressWriter) Flush() {
	if c.gz != nil {
		_ = c.gz.Flush()
	}
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *compressWriter) close() {
	if c.gz != nil {
		_ = c.gz.Close()
		c.gz.Reset(nil)
		gzipWriters.Put(c.gz)
		c.gz = nil
	}
}

func isCompressible(ct string) bool {
	for _, t := range compressible {
		if strings.EqualFold(ct, t) {
			return true
		}
	}
	return false
}
