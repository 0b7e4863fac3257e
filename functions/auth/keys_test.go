package auth

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func secret(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

func TestSignVerifyAndRotate(t *testing.T) {
	old, err := ParseKeys("k1:" + secret(1))
	if err != nil {
		t.Fatal(err)
	}
	signedOld := old.Sign("session123")
	if v, ok := old.Verify(signedOld); !ok || v != "session123" {
		t.Fatalf("verify: %q %v", v, ok)
	}
	rotated, _ := ParseKeys("k2:" + secret(2) + ",k1:" + secret(1))
	if v, ok := rotated.Verify(signedOld); !ok || v != "session123" {
		t.Error("a cookie signed before the rotation no longer verifies")
	}
	if s := rotated.Sign("x"); !strings.Contains(s, ".k2.") {
		t.Errorf("new cookies not signed with the newest key: %s", s)
	}
	retired, _ := ParseKeys("k2:" + secret(2))
	if _, ok := retired.Verify(signedOld); ok {
		t.Error("a retired key still verifies")
	}
	for _, forged := range []string{
		"session124" + signedOld[len("session123"):],
		strings.Replace(signedOld, ".k1.", ".k2.", 1),
		"session123",
		"a.b.c.d",
		"",
	} {
		if _, ok := rotated.Verify(forged); ok {
			t.Errorf("forged value verified: %q", forged)
		}
	}
}

func TestParseKeysRefusesWeakKeys(t *testing.T) {
	for _, spec := range []string{"", "k1", "k1:short", "k.1:" + secret(1), ":" + secret(1), "k1:***"} {
		if _, err := ParseKeys(spec); err == nil {
			t.Errorf("accepted %q", spec)
		}
	}
}

func TestLocalKeyringPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := LocalKeyring(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LocalKeyring(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Verify(a.Sign("v")); !ok {
		t.Error("a restarted server rejects its own cookies")
	}
	if NewToken() == NewToken() || len(NewToken()) < 43 {
		t.Error("tokens are not fresh 256-bit values")
	}
}
