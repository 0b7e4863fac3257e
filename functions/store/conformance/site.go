package conformance

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// siteDocumentTests are the site document's rules: absent until put, put
// replaces it whole (bytes kept as they are), bad documents are refused
// and change nothing, and it is never exported.
func siteDocumentTests() []subtest {
	return []subtest{
		{"SiteDocumentPutGet", testSiteDocumentPutGet},
		{"SiteDocumentInvalidRejected", testSiteDocumentInvalid},
		{"SiteDocumentNotExported", testSiteDocumentNotExported},
	}
}

func testSiteDocumentPutGet(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.GetSiteDocument(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSiteDocument before any put: err = %v, want ErrNotFound", err)
	}
	first := []byte(`{"company":{"name":{"ja":"株式会社ひかりテック"}},"frames":{}}`)
	if err := s.PutSiteDocument(ctx, store.SiteDocument{Data: first, SyncedAt: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSiteDocument(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, first) || !got.SyncedAt.Equal(t0) {
		t.Fatalf("GetSiteDocument = %q at %v, want %q at %v", got.Data, got.SyncedAt, first, t0)
	}
	// A later put replaces the whole document, however much shorter.
	second := append([]byte(`{"v":2}`), 0xff) // not UTF-8: kept as bytes
	if err := s.PutSiteDocument(ctx, store.SiteDocument{Data: second, SyncedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, err = s.GetSiteDocument(ctx); err != nil || !bytes.Equal(got.Data, second) || !got.SyncedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after the second put: %q at %v, %v; want %q", got.Data, got.SyncedAt, err, second)
	}
	// A zero SyncedAt is set to the current time.
	if err := s.PutSiteDocument(ctx, store.SiteDocument{Data: first}); err != nil {
		t.Fatal(err)
	}
	if got, err = s.GetSiteDocument(ctx); err != nil || got.SyncedAt.IsZero() {
		t.Fatalf("a put without SyncedAt: SyncedAt = %v, %v; want the current time", got.SyncedAt, err)
	}
}

func testSiteDocumentInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	good := []byte(`{"ok":true}`)
	if err := s.PutSiteDocument(ctx, store.SiteDocument{Data: good, SyncedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"empty":    nil,
		"too long": []byte(strings.Repeat("x", store.MaxSiteDocument+1)),
	} {
		if err := s.PutSiteDocument(ctx, store.SiteDocument{Data: data, SyncedAt: t0.Add(time.Hour)}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s document: err = %v, want ErrInvalid", name, err)
		}
	}
	if got, err := s.GetSiteDocument(ctx); err != nil || !bytes.Equal(got.Data, good) {
		t.Fatalf("after refused puts: %q, %v; want the good document unchanged", got.Data, err)
	}
}

func testSiteDocumentNotExported(t *testing.T, s store.Store) {
	if err := s.PutSiteDocument(context.Background(), store.SiteDocument{Data: []byte(`{}`), SyncedAt: t0}); err != nil {
		t.Fatal(err)
	}
	wantEmpty(t, s)
}
