package edge_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/edge"
)

func newKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func decode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(s))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return b
}

func TestSetSignsAPolicyForTheMembersPaths(t *testing.T) {
	key := newKey(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// As an environment variable may carry it: PKCS #8, newlines as \n.
	pemKey := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})), "\n", `\n`)
	s, err := edge.New("K2JCJMDEHXQW5F", pemKey, "https://alumni.example.co.jp/", true)
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Date(2026, 12, 5, 10, 30, 0, 0, time.UTC)
	rec := httptest.NewRecorder()
	if err := s.Set(rec, expires); err != nil {
		t.Fatal(err)
	}
	got := map[string]*http.Cookie{}
	for _, c := range rec.Result().Cookies() {
		got[c.Name] = c
	}
	for _, name := range edge.CookieNames {
		c := got[name]
		if c == nil {
			t.Fatalf("no %s", name)
		}
		if !c.Secure || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || !c.Expires.Equal(expires) {
			t.Errorf("%s: %+v", name, c)
		}
	}
	if got["CloudFront-Key-Pair-Id"].Value != "K2JCJMDEHXQW5F" {
		t.Errorf("key id %q", got["CloudFront-Key-Pair-Id"].Value)
	}
	policy := decode(t, got["CloudFront-Policy"].Value)
	var p struct {
		Statement []struct {
			Resource  string
			Condition map[string]map[string]int64
		}
	}
	if err := json.Unmarshal(policy, &p); err != nil || len(p.Statement) != 1 {
		t.Fatalf("policy %s: %v", policy, err)
	}
	if p.Statement[0].Resource != "https://alumni.example.co.jp/*members/*" {
		t.Errorf("resource %q", p.Statement[0].Resource)
	}
	if e := p.Statement[0].Condition["DateLessThan"]["AWS:EpochTime"]; e != expires.Unix() {
		t.Errorf("expires %d, want %d", e, expires.Unix())
	}
	sum := sha1.Sum(policy)
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA1, sum[:], decode(t, got["CloudFront-Signature"].Value)); err != nil {
		t.Errorf("signature: %v", err)
	}
	other := newKey(t)
	if rsa.VerifyPKCS1v15(&other.PublicKey, crypto.SHA1, sum[:], decode(t, got["CloudFront-Signature"].Value)) == nil {
		t.Error("the signature verifies with another key")
	}
}

func TestClearRemovesTheCookies(t *testing.T) {
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(newKey(t))}))
	s, err := edge.New("K1", pemKey, "http://localhost:8080", false)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Clear(rec)
	cs := rec.Result().Cookies()
	if len(cs) != len(edge.CookieNames) {
		t.Fatalf("cookies %v", cs)
	}
	for _, c := range cs {
		if c.MaxAge >= 0 || c.Value != "" || c.Path != "/" {
			t.Errorf("%s is not cleared: %+v", c.Name, c)
		}
	}
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(newKey(t))}))
	for name, args := range map[string][3]string{
		"no key id": {"", pemKey, "https://a.example"},
		"not PEM":   {"K1", "secret", "https://a.example"},
		"no host":   {"K1", pemKey, "alumni"},
	} {
		if _, err := edge.New(args[0], args[1], args[2], true); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "MII") {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
	}
	// PEM around something that is not a key is found at the first login
	// (the key is parsed on first use, not at every cold start): Set
	// fails and sets no cookie.
	s, err := edge.New("K1", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "https://a.example", true)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := s.Set(rec, time.Now().Add(time.Hour)); err == nil || strings.Contains(err.Error(), "AAAA") {
		t.Errorf("garbage key: Set gave %v", err)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Errorf("garbage key: cookies set %v", rec.Result().Cookies())
	}
}
