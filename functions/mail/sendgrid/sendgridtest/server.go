// Package sendgridtest is a fake SendGrid v3 Mail Send API for tests and
// benchmarks. It enforces the documented contract (Bearer auth, the JSON
// shape, at most 1,000 personalizations and 1,000 recipients per request,
// required from, subject and content, text/plain first, unique recipients
// per personalization, reserved headers, the 10,000-byte limits on
// substitutions and custom_args), answers 202 with an X-Message-Id, and
// answers 429 or 5xx on demand. It records every request for assertions,
// can add latency, and builds signed Event Webhook requests.
package sendgridtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"
)

// Limits of the v3 Mail Send API, from SendGrid's documentation.
const (
	MaxPersonalizations   = 1000
	MaxRecipients         = 1000
	MaxSubstitutionBytes  = 10000
	MaxCustomArgsBytes    = 10000
	MaxBodyBytes          = 30 << 20
	DefaultRateLimitLimit = 600
)

// reservedHeaders may not be set through "headers" (SendGrid answers 400).
var reservedHeaders = []string{"x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type",
	"content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc"}

// Request is one request the server saw.
type Request struct {
	N         int // 1-based arrival order
	Header    http.Header
	Body      sgmail.SGMailV3
	Status    int    // what the server answered (0: the client went away first)
	MessageID string // for 202
	At        time.Time
}

// Answer is a scripted reply to one request.
type Answer struct {
	Status int
	Header http.Header
	Body   string
	// Drop hangs up without answering, as a network failure after the
	// request arrived would: the request is recorded with Status 0 (not
	// accepted), and the client cannot tell whether it was.
	Drop bool
}

// Server is the fake API. Configure it before the first request.
type Server struct {
	*httptest.Server
	// APIKey is the key requests must carry as "Authorization: Bearer <key>".
	APIKey string
	// Latency is added before every answer, as a real request takes time.
	Latency time.Duration
	// Before, if set, runs when a valid request arrives, before it is
	// answered; it may block (to hold a request while a test kills the
	// sender). Returning a non-nil Answer replaces the normal one.
	Before func(n int, r *Request) *Answer

	mu       sync.Mutex
	n        int
	requests []*Request
	script   []Answer
}

// New starts a fake on a local port; Close it when done.
func New() *Server {
	s := &Server{APIKey: "SG.test-key"}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// Fail makes the next requests answer as given, in order, before any
// normal 202 (for example 429 then 500).
func (s *Server) Fail(answers ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, answers...)
}

// SetBefore sets the Before hook while requests may be arriving.
func (s *Server) SetBefore(f func(n int, r *Request) *Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Before = f
}

// TooManyRequests is a 429 answer with SendGrid's rate-limit headers,
// resetting after wait.
func TooManyRequests(wait time.Duration) Answer {
	return Answer{Status: http.StatusTooManyRequests, Header: http.Header{
		"X-Ratelimit-Limit":     {strconv.Itoa(DefaultRateLimitLimit)},
		"X-Ratelimit-Remaining": {"0"},
		"X-Ratelimit-Reset":     {strconv.FormatInt(time.Now().Add(wait).Unix(), 10)},
		"Retry-After":           {strconv.Itoa(int((wait + time.Second - 1) / time.Second))},
	}, Body: `{"errors":[{"field":null,"message":"too many requests"}]}`}
}

// ServerError is a 5xx answer.
func ServerError(status int) Answer {
	return Answer{Status: status, Body: `{"errors":[{"field":null,"message":"internal error"}]}`}
}

// Requests returns every request seen so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// Accepted returns the requests answered 202.
func (s *Server) Accepted() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Status == http.StatusAccepted {
			out = append(out, r)
		}
	}
	return out
}

// Delivered counts, per lowercased address, how many accepted
// personalizations were addressed to it: the mail people actually get.
func (s *Server) Delivered() map[string]int {
	out := map[string]int{}
	for _, r := range s.Accepted() {
		for _, p := range r.Body.Personalizations {
			for _, list := range [][]*sgmail.Email{p.To, p.CC, p.BCC} {
				for _, e := range list {
					out[strings.ToLower(e.Address)]++
				}
			}
		}
	}
	return out
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v3/mail/send" {
		writeErrors(w, http.StatusNotFound, "not found", "")
		return
	}
	if r.Method != http.MethodPost {
		writeErrors(w, http.StatusMethodNotAllowed, "method not allowed", "")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.APIKey {
		writeErrors(w, http.StatusUnauthorized, "The provided authorization grant is invalid, expired, or revoked", "")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeErrors(w, http.StatusUnsupportedMediaType, "Content-Type should be application/json.", "")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return // the client went away
	}
	if len(raw) > MaxBodyBytes {
		writeErrors(w, http.StatusRequestEntityTooLarge, "The JSON payload cannot be larger than 30MB.", "")
		return
	}
	var body sgmail.SGMailV3
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&body); err != nil {
		writeErrors(w, http.StatusBadRequest, "Bad Request", "")
		return
	}
	if field, msg := Check(&body); msg != "" {
		writeErrors(w, http.StatusBadRequest, msg, field)
		return
	}

	s.mu.Lock()
	s.n++
	req := &Request{N: s.n, Header: r.Header.Clone(), Body: body, At: time.Now()}
	s.requests = append(s.requests, req)
	var scripted *Answer
	if len(s.script) > 0 {
		a := s.script[0]
		s.script = s.script[1:]
		scripted = &a
	}
	before := s.Before
	s.mu.Unlock()

	if before != nil {
		if a := before(req.N, req); a != nil {
			scripted = a
		}
	}
	if s.Latency > 0 {
		t := time.NewTimer(s.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if r.Context().Err() != nil {
		return // nobody is listening: not accepted
	}
	if scripted != nil && scripted.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return
	}
	if scripted != nil {
		for k, vs := range scripted.Header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json")
		s.setStatus(req, scripted.Status, "")
		w.WriteHeader(scripted.Status)
		io.WriteString(w, scripted.Body)
		return
	}
	id := messageID()
	s.setStatus(req, http.StatusAccepted, id)
	w.Header().Set("X-Message-Id", id)
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) setStatus(r *Request, status int, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Status, r.MessageID = status, id
}

// Check applies the v3 contract to a request body; it returns the field
// and message SendGrid would answer 400 with, or "" if the body is good.
func Check(b *sgmail.SGMailV3) (field, message string) {
	if b.From == nil || !validAddress(b.From.Address) {
		return "from.email", "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter."
	}
	n := len(b.Personalizations)
	if n == 0 {
		return "personalizations", "The personalizations field is required and must have at least one personalization."
	}
	if n > MaxPersonalizations {
		return "personalizations", fmt.Sprintf("You may not have more than %d personalizations per API request.", MaxPersonalizations)
	}
	recipients := 0
	subjectEverywhere := true
	for i, p := range b.Personalizations {
		if p == nil || len(p.To) == 0 {
			return fmt.Sprintf("personalizations.%d.to", i), "The to array is required for all personalization objects, and must have at least one email object with a valid email address."
		}
		seen := map[string]bool{}
		for _, list := range [][]*sgmail.Email{p.To, p.CC, p.BCC} {
			for _, e := range list {
				if e == nil || !validAddress(e.Address) {
					return fmt.Sprintf("personalizations.%d", i), "Does not contain a valid address."
				}
				a := strings.ToLower(e.Address)
				if seen[a] {
					return fmt.Sprintf("personalizations.%d", i), "Each email address in the personalization block should be unique between to, cc, and bcc."
				}
				seen[a] = true
				recipients++
			}
		}
		if p.Subject == "" {
			subjectEverywhere = false
		}
		if size(p.Substitutions) > MaxSubstitutionBytes {
			return fmt.Sprintf("personalizations.%d.substitutions", i), "The total size of your substitutions may not exceed 10,000 bytes per personalization object."
		}
		if size(p.CustomArgs) > MaxCustomArgsBytes {
			return fmt.Sprintf("personalizations.%d.custom_args", i), "The total size of custom arguments may not exceed 10,000 bytes per personalization object."
		}
		if f := reservedHeader(p.Headers); f != "" {
			return fmt.Sprintf("personalizations.%d.headers", i), "You may not set the reserved header " + f + "."
		}
	}
	if recipients > MaxRecipients {
		return "personalizations", fmt.Sprintf("The total number of recipients must be %d or fewer.", MaxRecipients)
	}
	if b.TemplateID == "" {
		if strings.TrimSpace(b.Subject) == "" && !subjectEverywhere {
			return "subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined."
		}
		if len(b.Content) == 0 {
			return "content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block."
		}
		for i, c := range b.Content {
			if c == nil || c.Type == "" || c.Value == "" {
				return fmt.Sprintf("content.%d", i), "The content value must be a string at least one character in length."
			}
			if c.Type == "text/plain" && i != 0 {
				return "content", "If present, text/plain and text/html may only be provided in this order: text/plain, text/html."
			}
		}
	}
	if f := reservedHeader(b.Headers); f != "" {
		return "headers", "You may not set the reserved header " + f + "."
	}
	return "", ""
}

func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func size(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	return n
}

func reservedHeader(h map[string]string) string {
	for k := range h {
		for _, r := range reservedHeaders {
			if strings.EqualFold(k, r) {
				return k
			}
		}
	}
	return ""
}

func writeErrors(w http.ResponseWriter, status int, message, field string) {
	var f any
	if field != "" {
		f = field
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": message, "field": f, "help": nil}}})
}

func messageID() string {
	b := make([]byte, 11)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ---- the Event Webhook

// WebhookKey is an Event Webhook signing key pair as SendGrid keeps it: the
// private half signs, PublicBase64 is what the portal is configured with.
type WebhookKey struct {
	Private      *ecdsa.PrivateKey
	PublicBase64 string
}

// NewWebhookKey makes a fresh ECDSA P-256 key pair.
func NewWebhookKey() (WebhookKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return WebhookKey{}, err
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return WebhookKey{}, err
	}
	return WebhookKey{Private: priv, PublicBase64: base64.StdEncoding.EncodeToString(der)}, nil
}

// Sign returns the signature header value for a timestamp and raw body:
// base64 of the DER ECDSA signature over SHA-256(timestamp + body).
func (k WebhookKey) Sign(timestamp string, body []byte) (string, error) {
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write(body)
	sig, err := ecdsa.SignASN1(rand.Reader, k.Private, h.Sum(nil))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// WebhookRequest builds a signed Event Webhook POST to url carrying events,
// signed at time at.
func (k WebhookKey) WebhookRequest(url string, events []map[string]any, at time.Time) (*http.Request, error) {
	body, err := json.Marshal(events)
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	sig, err := k.Sign(ts, body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", sig)
	req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
	return req, nil
}

// Events builds one SendGrid event of kind ("processed", "delivered",
// "open", "bounce" ...) for every personalization of an accepted request,
// with its custom_args at the top level as SendGrid sends them.
func Events(r Request, kind string, at time.Time) []map[string]any {
	var out []map[string]any
	for i, p := range r.Body.Personalizations {
		for _, to := range p.To {
			e := map[string]any{
				"email":         to.Address,
				"event":         kind,
				"timestamp":     at.Unix(),
				"sg_event_id":   EventID(r.MessageID, i, kind),
				"sg_message_id": fmt.Sprintf("%s.filter0001.%d.0", r.MessageID, i),
			}
			for k, v := range p.CustomArgs {
				e[k] = v
			}
			out = append(out, e)
		}
	}
	return out
}

// EventID is a stable sg_event_id for one event of one personalization.
func EventID(messageID string, i int, kind string) string {
	sum := sha256.Sum256([]byte(fmt.Sprint(messageID, "/", i, "/", kind)))
	return hex.EncodeToString(sum[:11])
}
