package httpapi

import (
	"log/slog"
	"net/http"
)

// MaxBodyBytes bounds a JSON or urlencoded form body, on every route that
// declares no other limit (WithBodyLimit). It is the largest form the
// portal takes, measured: the profile form with every field at its longest
// in 4-byte characters, each sent by the browser as 12 bytes of percent
// escapes (about 66 KB; TestMaxBodyBytesFitsTheLargestForm), plus slack.
const MaxBodyBytes = 80 << 10

// BodyLimit refuses a request body over n bytes before anything reads it:
// a Content-Length over n is answered 413 problem+json at once, unread, and
// a body of no stated length (chunked) is cut at n: its reader fails with
// *http.MaxBytesError, which Decode and the idempotency middleware answer
// with 413.
func BodyLimit(n int64, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				w.Header().Set("Connection", "close") // the rest of the body is not worth reading
				WriteError(w, r, log, Errorf(ETOOLARGE, "body_too_large", n))
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// WithBodyLimit declares that h takes bodies of up to n bytes rather than
// MaxBodyBytes: a feature marks its upload and webhook routes so in its
// Routes, and the one place that wraps every route (core's Guard) applies
// the limit with BodyLimit.
func WithBodyLimit(h http.Handler, n int64) http.Handler { return limited{h, n} }

type limited struct {
	http.Handler
	n int64
}

// BodyLimitOf is the body limit h declares, else MaxBodyBytes.
func BodyLimitOf(h http.Handler) int64 {
	if l, ok := h.(limited); ok {
		return l.n
	}
	return MaxBodyBytes
}
