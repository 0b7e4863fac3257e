package sendgrid

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"
)

// Event Webhook signature headers.
const (
	SignatureHeader = eventwebhook.VerificationHTTPHeader // base64 DER ECDSA signature
	TimestampHeader = eventwebhook.TimestampHTTPHeader    // Unix seconds
)

// MaxWebhookAge is how old (or how far ahead) a signed timestamp may be:
// an older request is a replay, refused even with a good signature.
const MaxWebhookAge = 10 * time.Minute

// Webhook verification errors.
var (
	ErrBadSignature = errors.New("sendgrid webhook: bad or missing signature")
	ErrStale        = errors.New("sendgrid webhook: timestamp too old or too far ahead")
)

// WebhookVerifier checks SendGrid's signed Event Webhook requests: an ECDSA
// P-256 signature over the timestamp header followed by the raw body.
type WebhookVerifier struct {
	key *ecdsa.PublicKey
	Now func() time.Time
}

// NewWebhookVerifier parses the verification key SendGrid shows in its
// Event Webhook settings: a base64 DER (PKIX) ECDSA P-256 public key.
func NewWebhookVerifier(publicKeyBase64 string) (*WebhookVerifier, error) {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(publicKeyBase64))
	if err != nil {
		return nil, errors.New("sendgrid webhook key: not base64")
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errors.New("sendgrid webhook key: not a DER public key")
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("sendgrid webhook key: not an ECDSA P-256 key")
	}
	return &WebhookVerifier{key: key, Now: time.Now}, nil
}

// Verify checks the signature and the age of one request's body.
func (v *WebhookVerifier) Verify(h http.Header, body []byte) error {
	sig, ts := h.Get(SignatureHeader), h.Get(TimestampHeader)
	if sig == "" || ts == "" {
		return ErrBadSignature
	}
	ok, err := eventwebhook.VerifySignature(v.key, body, sig, ts)
	if err != nil || !ok {
		return ErrBadSignature
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrStale
	}
	age := v.Now().Sub(time.Unix(secs, 0))
	if age > MaxWebhookAge || age < -MaxWebhookAge {
		return ErrStale
	}
	return nil
}
