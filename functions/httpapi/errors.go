// Package httpapi holds what every Okaeri function shares on the wire:
// application errors and their one mapping to RFC 9457 problem+json, language
// negotiation, and the middleware (security headers, same-origin checks,
// request logs without personal data).
package httpapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is an application error code; each maps to exactly one HTTP status.
type Code string

// The application error codes (in the manner of benbjohnson/wtf's error.go).
const (
	EINVALID      Code = "invalid"      // 400 or 422: the input is wrong
	EUNAUTHORIZED Code = "unauthorized" // 401: no or bad session
	EFORBIDDEN    Code = "forbidden"    // 403: not allowed, or cross-origin
	ENOTFOUND     Code = "not-found"    // 404
	ECONFLICT     Code = "conflict"     // 409: state does not allow it
	ETOOLARGE     Code = "too-large"    // 413
	EUNSUPPORTED  Code = "unsupported"  // 415
	ERATELIMITED  Code = "rate-limited" // 429
	EINTERNAL     Code = "internal"     // 500: details are logged, never shown
	EUNAVAILABLE  Code = "unavailable"  // 503
	EMETHOD       Code = "method"       // 405
	EIDEMPOTENCY  Code = "idempotency"  // 422: an Idempotency-Key reused with another request
	EMISDIRECTED  Code = "misdirected"  // 421: a Host this server does not answer for
)

var statusOf = map[Code]int{
	EINVALID:      http.StatusBadRequest,
	EUNAUTHORIZED: http.StatusUnauthorized,
	EFORBIDDEN:    http.StatusForbidden,
	ENOTFOUND:     http.StatusNotFound,
	ECONFLICT:     http.StatusConflict,
	ETOOLARGE:     http.StatusRequestEntityTooLarge,
	EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	ERATELIMITED:  http.StatusTooManyRequests,
	EINTERNAL:     http.StatusInternalServerError,
	EUNAVAILABLE:  http.StatusServiceUnavailable,
	EMETHOD:       http.StatusMethodNotAllowed,
	EIDEMPOTENCY:  http.StatusUnprocessableEntity,
	EMISDIRECTED:  http.StatusMisdirectedRequest,
}

// Status is the HTTP status for a code (500 for an unknown one).
func (c Code) Status() int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// FieldError is one problem with one input field. Message is a key in the
// message catalog (see messages.go); Params fill its placeholders.
type FieldError struct {
	Field  string
	Code   string // machine-readable, e.g. "required", "format", "too_long"
	Params []any
}

// Error is an application error: a code, a message key for the person, and
// per-field problems. Internal causes are kept for the log only.
type Error struct {
	Code    Code
	Key     string // message catalog key for the detail; "" uses the code's default
	Params  []any
	Fields  []FieldError
	Cause   error // logged, never shown
	Headers http.Header
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Key != "" {
		s += ": " + e.Key
	}
	for _, f := range e.Fields {
		s += fmt.Sprintf(" [%s:%s]", f.Field, f.Code)
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an application error with a message key.
func Errorf(code Code, key string, params ...any) *Error {
	return &Error{Code: code, Key: key, Params: params}
}

// Invalid builds a 400 error from field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Key: "invalid_input", Fields: fields}
}

// Internal wraps an unexpected error: the person sees a generic message.
func Internal(cause error) *Error { return &Error{Code: EINTERNAL, Cause: cause} }

// AsError returns err as an *Error, wrapping unknown errors as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
