// Package idempotency makes POST, PUT, PATCH and DELETE safe to retry: a
// request carrying an Idempotency-Key header runs once, and every retry with
// the same key and the same body gets the first answer replayed (in the
// manner of Powertools for AWS Lambda's idempotency utility).
package idempotency

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Header is the request header that names an idempotent request.
const Header = "Idempotency-Key"

// Options tune the middleware.
type Options struct {
	// Scope separates keys of different callers: whom the request is from
	// once authenticated (a member's id; for anonymous callers, the client),
	// so two callers using the same key never collide and a forged session
	// cookie buys no scope of its own. ok false runs the request without a
	// record: nothing is buffered or kept (a stranger on an upload route).
	// Nil: one scope for everyone.
	Scope func(r *http.Request) (scope string, ok bool)
	// MaxBody bounds the body that is read to tell a retry from another
	// request: the route's own limit, never more (httpapi.BodyLimitOf).
	// Default httpapi.MaxBodyBytes.
	MaxBody int64
	// LockFor bounds how long an in-progress request holds its key (a crashed
	// request frees the key after it). Default 30s.
	LockFor time.Duration
	// Keep is how long a completed answer is replayed. Default 24h.
	Keep time.Duration
	Now  func() time.Time
	Log  *slog.Logger
}

// Middleware wraps state-changing handlers.
func Middleware(st store.Idempotency, opt Options) func(http.Handler) http.Handler {
	if opt.LockFor == 0 {
		opt.LockFor = 30 * time.Second
	}
	if opt.Keep == 0 {
		opt.Keep = 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxBody == 0 {
		opt.MaxBody = httpapi.MaxBodyBytes
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get(Header)
			if key == "" || r.Method == http.MethodGet || r.Method == http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			if len(key) > 255 {
				httpapi.WriteError(w, r, opt.Log, httpapi.Invalid(httpapi.FieldError{Field: Header, Code: "too_long", Params: []any{255}}))
				return
			}
			// Whose key it is comes first: nothing of a request that will
			// not be recorded is read here.
			scope, ok := "", true
			if opt.Scope != nil {
				scope, ok = opt.Scope(r)
			}
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, opt.MaxBody))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					httpapi.WriteError(w, r, opt.Log, httpapi.Errorf(httpapi.ETOOLARGE, "body_too_large", mbe.Limit))
				} else {
					httpapi.WriteError(w, r, opt.Log, httpapi.Errorf(httpapi.EINVALID, "malformed_body"))
				}
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			storeKey := hashOf(scope, r.Method, r.URL.Path, key)
			reqHash := hashOf(r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(body))
			now := opt.Now()
			rec, err := st.BeginIdempotency(r.Context(), storeKey, reqHash, opt.LockFor, now)
			switch {
			case errors.Is(err, store.ErrPrecondition):
				httpapi.WriteError(w, r, opt.Log, httpapi.Errorf(httpapi.EIDEMPOTENCY, "idempotency_reused"))
				return
			case err != nil:
				httpapi.WriteError(w, r, opt.Log, httpapi.Internal(err))
				return
			case rec != nil && rec.Status == store.IdempotencyCompleted && rec.Response != nil:
				replay(w, *rec.Response)
				return
			case rec != nil:
				httpapi.WriteError(w, r, opt.Log, &httpapi.Error{Code: httpapi.ECONFLICT, Key: "idempotency_in_progress",
					Headers: http.Header{"Retry-After": {"1"}}})
				return
			}
			cw := &capture{header: http.Header{}}
			next.ServeHTTP(cw, r)
			if cw.status == 0 {
				cw.status = http.StatusOK
			}
			// Only an answer after which the request may have taken effect is
			// replayed; any other frees the key so that a retry runs again.
			if !Replayable(cw.status) {
				if err := st.ReleaseIdempotency(r.Context(), storeKey); err != nil && opt.Log != nil {
					opt.Log.WarnContext(r.Context(), "idempotency release", "err", err)
				}
			} else {
				resp := store.StoredResponse{StatusCode: cw.status, Header: replayable(cw.header), Body: cw.body.Bytes()}
				if err := st.CompleteIdempotency(r.Context(), storeKey, resp, opt.Now().Add(opt.Keep)); err != nil && opt.Log != nil {
					opt.Log.WarnContext(r.Context(), "idempotency complete", "err", err)
				}
			}
			replay(w, store.StoredResponse{StatusCode: cw.status, Header: cw.header, Body: cw.body.Bytes()})
		})
	}
}

// Replayable reports whether an answer with status is kept and replayed to
// retries: success and redirects (a form's 303), after which the request
// may have changed something. Refusals are not (4xx: 401 and 403 until the
// caller logs in or gains a right, 429 until the window passes, 400, 404,
// 409, 413 and the rest changed nothing, so running the retry is safe and
// tells the truth of the moment), nor are server errors (5xx).
func Replayable(status int) bool { return status >= 200 && status < 400 }

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		_, _ = io.WriteString(h, p)
		_, _ = h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// replayable drops headers that must not be replayed to another request
// (cookies: a session cookie belongs to the first response only).
func replayable(h http.Header) http.Header {
	out := h.Clone()
	out.Del("Set-Cookie")
	return out
}

func replay(w http.ResponseWriter, resp store.StoredResponse) {
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(resp.Body)
}

// capture buffers a handler's answer so it can be stored before it is sent.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *capture) Header() http.Header { return c.header }
func (c *capture) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}
