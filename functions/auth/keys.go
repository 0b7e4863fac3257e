// Package auth signs and checks what proves who a visitor is: session
// cookies (HMAC with rotating keys) and one-time link tokens.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key is one HMAC key with a short id, so that cookies signed with an old key
// still verify after a rotation while new cookies use the newest.
type Key struct {
	ID     string
	Secret []byte
}

// Keyring signs with its first key and verifies with any of them.
type Keyring struct{ keys []Key }

// MinSecretBytes is the shortest secret accepted.
const MinSecretBytes = 32

// ParseKeys reads "id:base64secret,id:base64secret" (newest first).
func ParseKeys(spec string) (*Keyring, error) {
	var keys []Key
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" || strings.ContainsAny(id, ".") {
			return nil, errors.New("session keys: each key must be id:base64secret with an id without dots")
		}
		secret, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			if secret, err = base64.RawURLEncoding.DecodeString(b64); err != nil {
				return nil, fmt.Errorf("session key %s: not base64", id)
			}
		}
		if len(secret) < MinSecretBytes {
			return nil, fmt.Errorf("session key %s: at least %d bytes of secret", id, MinSecretBytes)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	if len(keys) == 0 {
		return nil, errors.New("session keys: none given")
	}
	return &Keyring{keys: keys}, nil
}

// NewKeyring builds a keyring from keys, newest first.
func NewKeyring(keys ...Key) *Keyring { return &Keyring{keys: keys} }

// LocalKeyring reads the key kept in dir/session.key, creating it on first
// use: for `okaeri serve` on one machine, where nobody configures secrets.
func LocalKeyring(dir string) (*Keyring, error) {
	path := filepath.Join(dir, "session.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret := make([]byte, MinSecretBytes)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		b = []byte("local:" + base64.StdEncoding.EncodeToString(secret))
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("write session key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read session key: %w", err)
	}
	return ParseKeys(strings.TrimSpace(string(b)))
}

func mac(secret []byte, kid, value string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(kid))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Sign returns value.kid.signature. value must not contain dots.
func (k *Keyring) Sign(value string) string {
	key := k.keys[0]
	return value + "." + key.ID + "." + mac(key.Secret, key.ID, value)
}

// Verify returns the signed value if the signature is good under any key.
func (k *Keyring) Verify(signed string) (string, bool) {
	parts := strings.Split(signed, ".")
	if len(parts) != 3 {
		return "", false
	}
	value, kid, sig := parts[0], parts[1], parts[2]
	for _, key := range k.keys {
		if key.ID == kid && hmac.Equal([]byte(sig), []byte(mac(key.Secret, kid, value))) {
			return value, true
		}
	}
	return "", false
}

// NewToken returns a fresh random token for a link (256 bits, URL-safe).
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
