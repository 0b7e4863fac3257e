package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
)

// Problem is an RFC 9457 problem details document with per-field errors.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Errors []ProblemField `json:"errors,omitempty"`
}

// ProblemField is one field's problem in a Problem.
type ProblemField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ProblemTypeBase prefixes the problem type URIs; each code has a page.
const ProblemTypeBase = "https://okaeri.dev/problems/"

// ProblemFor renders err as a Problem in lang. Internal causes never appear.
func ProblemFor(err error, lang string) Problem {
	e := AsError(err)
	p := Problem{
		Type:   ProblemTypeBase + string(e.Code),
		Title:  Message(lang, "title."+string(e.Code)),
		Status: e.Code.Status(),
	}
	switch {
	case e.Key != "":
		p.Detail = Message(lang, e.Key, e.Params...)
	case e.Code == EINTERNAL:
		p.Detail = Message(lang, "internal")
	}
	if e.Code == EINVALID && len(e.Fields) > 0 && e.Key == "" {
		p.Detail = Message(lang, "invalid_input")
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, ProblemField{
			Field: f.Field, Code: f.Code, Message: Message(lang, "field."+f.Code, f.Params...),
		})
	}
	return p
}

// WriteError answers err as application/problem+json in the request's
// language. Internal errors are logged with the request's method and path
// (never its body or query, which may hold personal data).
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	logInternal(r, log, AsError(err))
	writeProblem(w, AsError(err), Lang(r))
}

// Fail answers a failed request in its language: as a page with a link back
// (see WriteFormError) for a browser, as problem+json for anything else.
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, back string) {
	FailIn(w, r, log, err, back, Lang(r))
}

// FailIn is Fail on a page whose language is known (the path's, the
// member's own, HR's choice), which then wins over the browser's.
// Internal errors are logged either way.
func FailIn(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, back, lang string) {
	e := AsError(err)
	logInternal(r, log, e)
	if WantsPage(r) {
		writeFormError(w, r, e, back, lang)
		return
	}
	writeProblem(w, e, lang)
}

// WantsPage reports whether a request is a browser's, to be answered with a
// page: a form post that does not ask for JSON, or a GET for text/html.
func WantsPage(r *http.Request) bool {
	if IsForm(r) {
		accept := r.Header.Get("Accept")
		return !strings.Contains(accept, "application/json") && !strings.Contains(accept, "application/problem+json")
	}
	return r.Method == http.MethodGet && AcceptsHTML(r)
}

// AcceptsHTML reports whether the request asks for a page first.
func AcceptsHTML(r *http.Request) bool {
	for _, a := range r.Header.Values("Accept") {
		if strings.HasPrefix(a, "text/html") {
			return true
		}
	}
	return false
}

func logInternal(r *http.Request, log *slog.Logger, e *Error) {
	if e.Code == EINTERNAL && log != nil {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", e.Cause)
	}
}

func writeProblem(w http.ResponseWriter, e *Error, lang string) {
	p := ProblemFor(e, lang)
	addHeaders(w, e)
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func addHeaders(w http.ResponseWriter, e *Error) {
	for k, vs := range e.Headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
