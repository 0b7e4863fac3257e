package store

import (
	"context"
	"time"
)

// Blocks keeps members' blocks: a member (the blocker) who does not want
// to be found by another (the blocked) in the directory. The blocked
// member is never told; only the blocker can list their blocks.
type Blocks interface {
	// Block records that b.Blocker blocks b.Blocked (a zero At is the
	// current time) and returns the block as stored. Blocking again is a
	// no-op that returns the first block (created false). ErrNotFound if
	// either member does not exist; ErrInvalid for a malformed id or a
	// member blocking themselves.
	Block(ctx context.Context, b Block) (stored Block, created bool, err error)
	// Unblock removes blocker's block of blocked and reports whether there
	// was one; removing it again is a no-op.
	Unblock(ctx context.Context, blocker, blocked string) (bool, error)
	// ListBlocks returns every block blocker made, oldest first. Consistent.
	ListBlocks(ctx context.Context, blocker string) ([]Block, error)
	// BlockedBy returns the ids of the members who block memberID, in no set
	// order. Consistent: a block that has returned is in it.
	BlockedBy(ctx context.Context, memberID string) ([]string, error)
	// DeleteMemberBlocks removes every block made by or against memberID
	// (erasure) and reports how many.
	DeleteMemberBlocks(ctx context.Context, memberID string) (int, error)
}

// Block is one member hiding from another.
type Block struct {
	Blocker string    `json:"blocker"`
	Blocked string    `json:"blocked"`
	At      time.Time `json:"at"`
}

// RecordBlock is a block in an export.
const RecordBlock RecordType = "block"

// Normalized returns b with its time in UTC.
func (b Block) Normalized() Block {
	b.At = utc(b.At)
	return b
}

// Validate checks a block: two member ids, not the same, and a time.
func (b Block) Validate() error {
	var errs []error
	if !ValidID(b.Blocker) {
		errs = append(errs, invalid("blocker", "format"))
	}
	if !ValidID(b.Blocked) {
		errs = append(errs, invalid("blocked", "format"))
	}
	if b.Blocker != "" && b.Blocker == b.Blocked {
		errs = append(errs, invalid("blocked", "self"))
	}
	if b.At.IsZero() {
		errs = append(errs, invalid("at", "required"))
	}
	return joinInvalid(errs)
}
