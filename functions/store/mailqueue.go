package store

import (
	"context"
	"time"
)

// MailQueue keeps the mail that answers a request (a verification or login
// link, an approval notice ...) between the request and its sending: the
// request writes one item and answers, whoever the address belongs to, and
// a sender (functions/mail/queue) claims items, sends them and deletes them.
// A sender that crashes mid-way leaves its claim to lapse, and the item is
// claimed again: delivery is at least once.
//
// The queue is not part of Export: its items live for seconds, and they
// carry live login links in plain text, which an export file must not.
type MailQueue interface {
	// EnqueueMail stores a new item and returns it as stored: an empty ID
	// is replaced by NewID(). CreatedAt and ExpiresAt are required
	// (ExpiresAt after CreatedAt); a LeaseUntil after now holds the first
	// attempt back until then. An item is identified by its ID and
	// CreatedAt together: ErrAlreadyExists if that pair is taken.
	EnqueueMail(ctx context.Context, m QueuedMail) (QueuedMail, error)
	// ClaimMail leases up to limit items that are due at now (LeaseUntil at
	// or before now, not expired), oldest CreatedAt first: each is returned
	// with LeaseUntil = now+lease and Attempts counted up by one. Under any
	// concurrency an item is claimed by one caller until its lease lapses;
	// then it may be claimed again (its holder crashed, or is slow). Items
	// that have expired are never claimed (and may be removed on the way).
	// ErrInvalid if lease is not positive or limit is not in 1..MaxMailClaim.
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]QueuedMail, error)
	// RetryMail gives a claimed item back to be claimed again from at
	// (a failed attempt's backoff), keeping its Attempts. m is the item as
	// ClaimMail returned it: ErrPrecondition if it has been claimed again
	// since (the lease lapsed), ErrNotFound if it is gone.
	RetryMail(ctx context.Context, m QueuedMail, at time.Time) error
	// DeleteMail removes an item (sent, or given up), found by m's ID and
	// CreatedAt; ErrNotFound if it is gone.
	DeleteMail(ctx context.Context, m QueuedMail) error
}

// QueuedMail is one item of the mail queue. The store does not read
// Payload: functions/mail/queue writes and reads it.
type QueuedMail struct {
	ID        string    `json:"id"`
	Payload   []byte    `json:"payload"`
	CreatedAt time.Time `json:"createdAt"`
	// LeaseUntil: not claimable before it (zero: at once). ClaimMail sets
	// it to the end of the claim's lease, RetryMail to the next attempt.
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
	// Attempts counts the claims so far.
	Attempts  int       `json:"attempts"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Mail queue bounds.
const (
	// MaxMailPayload keeps an item well inside DynamoDB's 400 KB.
	MaxMailPayload = 300 << 10
	// MaxMailClaim is the most items one ClaimMail may lease.
	MaxMailClaim = 100
)

// Expired reports whether the item is past its expiry at now.
func (m QueuedMail) Expired(now time.Time) bool { return !now.Before(m.ExpiresAt) }

// Due reports whether the item may be claimed at now.
func (m QueuedMail) Due(now time.Time) bool { return !m.Expired(now) && !m.LeaseUntil.After(now) }

// PrepareQueuedMail fills the ID, puts times in UTC and validates an item
// before EnqueueMail writes it.
func PrepareQueuedMail(m QueuedMail) (QueuedMail, error) {
	if m.ID == "" {
		m.ID = NewID()
	}
	m.CreatedAt, m.LeaseUntil, m.ExpiresAt = utc(m.CreatedAt), utc(m.LeaseUntil), utc(m.ExpiresAt)
	var errs []error
	if !idPattern.MatchString(m.ID) {
		errs = append(errs, invalid("id", "format"))
	}
	switch {
	case len(m.Payload) == 0:
		errs = append(errs, invalid("payload", "required"))
	case len(m.Payload) > MaxMailPayload:
		errs = append(errs, invalid("payload", "too_long"))
	}
	if m.CreatedAt.IsZero() {
		errs = append(errs, invalid("createdAt", "required"))
	}
	if !m.ExpiresAt.After(m.CreatedAt) {
		errs = append(errs, invalid("expiresAt", "not_after_created"))
	}
	if m.Attempts < 0 {
		errs = append(errs, invalid("attempts", "negative"))
	}
	return m, joinInvalid(errs)
}

// ValidateMailClaim checks ClaimMail's arguments.
func ValidateMailClaim(lease time.Duration, limit int) error {
	var errs []error
	if lease <= 0 {
		errs = append(errs, invalid("lease", "not_positive"))
	}
	if limit < 1 || limit > MaxMailClaim {
		errs = append(errs, invalid("limit", "range"))
	}
	return joinInvalid(errs)
}
