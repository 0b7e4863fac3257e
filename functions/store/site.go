package store

import (
	"context"
	"time"
)

// SiteDocuments keeps what the built site publishes for the functions: the
// page frame and the company (functions/brand.Site), as one JSON document
// that `okaeri sync` puts here after each build. The functions read it
// instead of the site's files, which a Lambda does not have.
//
// The document is not part of Export: it is rebuilt from the site by the
// next `okaeri sync`.
type SiteDocuments interface {
	// PutSiteDocument replaces the site document. ErrInvalid if doc is
	// empty or larger than MaxSiteDocument; nothing is written then.
	PutSiteDocument(ctx context.Context, doc SiteDocument) error
	// GetSiteDocument returns the document last put, or ErrNotFound.
	GetSiteDocument(ctx context.Context) (SiteDocument, error)
}

// SiteDocument is the site's document as stored.
type SiteDocument struct {
	Data []byte // JSON, as the site built it
	// SyncedAt is when it was put; a zero value is set to the current time.
	SyncedAt time.Time
}

// MaxSiteDocument bounds the document well under DynamoDB's 400 KB item.
const MaxSiteDocument = 300 << 10
