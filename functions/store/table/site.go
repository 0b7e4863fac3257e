package table

import (
	"context"
	"fmt"

	"github.com/okaeri/okaeri/functions/store"
)

// The site document is one item, PK = SITE, SK = DOCUMENT, replaced whole
// by each `okaeri sync`; functions read it with one consistent Get.
const (
	pkSite           = "SITE"
	skSiteDocument   = "DOCUMENT"
	typeSiteDocument = "site-document"
)

func init() { indexTypes(typeSiteDocument) } // never exported: see store.SiteDocuments

// PutSiteDocument implements store.SiteDocuments with one Put.
func (s *Store) PutSiteDocument(ctx context.Context, doc store.SiteDocument) error {
	switch {
	case len(doc.Data) == 0:
		return fmt.Errorf("put site document: %w", &store.ValidationError{Field: "data", Code: "required"})
	case len(doc.Data) > store.MaxSiteDocument:
		return fmt.Errorf("put site document: %w", &store.ValidationError{Field: "data", Code: "too_long"})
	}
	if doc.SyncedAt.IsZero() {
		doc.SyncedAt = s.now()
	}
	it := with(key(pkSite, skSiteDocument), item{
		"type":      str(typeSiteDocument),
		"data":      append([]byte{}, doc.Data...),
		"synced_at": timeAttr(doc.SyncedAt),
	})
	return wrapOp("put site document", s.put(ctx, it))
}

// GetSiteDocument implements store.SiteDocuments.
func (s *Store) GetSiteDocument(ctx context.Context) (store.SiteDocument, error) {
	it, err := s.getItem(ctx, "get site document", key(pkSite, skSiteDocument))
	if err != nil {
		return store.SiteDocument{}, fmt.Errorf("get site document: %w", err)
	}
	d := decoder{it: it}
	doc := store.SiteDocument{SyncedAt: d.time("synced_at")}
	if b, ok := it["data"].([]byte); ok {
		doc.Data = b
	} else {
		d.fail("data", "not binary")
	}
	return wrapResult("get site document", doc, d.err)
}
