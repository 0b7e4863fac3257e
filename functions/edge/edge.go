// Package edge issues the CloudFront signed cookies that let a logged-in
// member through the members-only cache behaviors (/members/* and
// /en/members/*), which CloudFront checks at the edge before it serves a
// page from S3. Locally nothing checks them and no signer is configured.
package edge

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
)

// MembersResource is the policy's resource path: CloudFront allows one
// statement per custom policy, and its "*" spans slashes, so /*members/*
// covers both /members/... and /en/members/... in one.
const MembersResource = "/*members/*"

// CookieNames are the three cookies CloudFront reads.
var CookieNames = []string{sign.CookiePolicyName, sign.CookieSignatureName, sign.CookieKeyIDName}

// Signer sets and clears the members' CloudFront cookies.
type Signer struct {
	// signer parses the key on first use: an RSA key's parse and check
	// take about 0.25 ms, which every cold start of the accounts function
	// would pay although most of its requests are not logins.
	signer   func() (*sign.CookieSigner, error)
	resource string
	secure   bool
}

// New builds a Signer from the CloudFront public key's ID, the PEM private
// key (PKCS #1 or PKCS #8 RSA), and the portal's public origin.
func New(keyID, privateKeyPEM, baseURL string, secure bool) (*Signer, error) {
	if keyID == "" {
		return nil, errors.New("edge: no CloudFront key ID")
	}
	// What is not PEM at all fails here, at start; the key inside is
	// parsed (and a bad one reported) at the first login.
	if block, _ := pem.Decode([]byte(unescapeNewlines(privateKeyPEM))); block == nil {
		return nil, errors.New("edge: the CloudFront private key is not PEM")
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("edge: base URL %q has no host", baseURL)
	}
	return &Signer{
		signer: sync.OnceValues(func() (*sign.CookieSigner, error) {
			key, err := ParsePrivateKey(privateKeyPEM)
			if err != nil {
				return nil, err
			}
			return sign.NewCookieSigner(keyID, key), nil
		}),
		resource: u.Scheme + "://" + u.Host + MembersResource,
		secure:   secure,
	}, nil
}

// ParsePrivateKey reads an RSA private key in PEM. Environment variables
// often lose newlines, so literal "\n" sequences are accepted too.
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(unescapeNewlines(s)))
	if block == nil {
		return nil, errors.New("edge: the CloudFront private key is not PEM")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("edge: parse CloudFront private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("edge: the CloudFront private key is not RSA")
	}
	return rk, nil
}

func unescapeNewlines(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), `\n`, "\n") }

// Policy is the custom policy for a session that ends at expires.
func (s *Signer) Policy(expires time.Time) *sign.Policy {
	return &sign.Policy{Statements: []sign.Statement{{
		Resource:  s.resource,
		Condition: sign.Condition{DateLessThan: sign.NewAWSEpochTime(expires)},
	}}}
}

// Set writes the signed cookies, valid until expires (the session's end).
func (s *Signer) Set(w http.ResponseWriter, expires time.Time) error {
	signer, err := s.signer()
	if err != nil {
		return err
	}
	cookies, err := signer.SignWithPolicy(s.Policy(expires), func(o *sign.CookieOptions) {
		o.Path, o.Secure, o.SameSite, o.Expires = "/", s.secure, http.SameSiteLaxMode, expires
	})
	if err != nil {
		return fmt.Errorf("edge: sign cookies: %w", err)
	}
	for _, c := range cookies {
		http.SetCookie(w, c)
	}
	return nil
}

// Clear removes the cookies.
func (s *Signer) Clear(w http.ResponseWriter) {
	for _, name := range CookieNames {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
}
