// Package store is the portal's persistence boundary: one interface in domain
// terms, implemented by the engines in store/bolt (embedded, one file) and
// store/dynamo (DynamoDB single-table), and proven by store/conformance.
//
// Conventions every engine follows:
//   - Errors wrap the sentinels below with %w, so callers use errors.Is.
//   - Bad data is rejected with ErrInvalid (a *ValidationError naming the
//     field) before anything is written.
//   - Times are stored with nanosecond precision in UTC; the store never reads
//     a clock where a method takes `now`, so tests control time.
//   - Anything with an expiry that has passed is absent, even while it is
//     still physically stored (DynamoDB's TTL deletes lazily, bolt sweeps in
//     DeleteExpired).
package store

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Sentinel errors. Engines wrap them with the operation, for example
// fmt.Errorf("create member: %w", store.ErrAlreadyExists).
var (
	// ErrNotFound: no such item, or it has expired or been used.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists: a unique key (id, email, employee number, token hash ...) is taken.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrPrecondition: the item is not in the state the operation needs
	// (an idempotency key reused with another request, a completed record completed again).
	ErrPrecondition = errors.New("store: precondition failed")
	// ErrInvalid: the data breaks a rule; the error is a *ValidationError (or several, joined).
	ErrInvalid = errors.New("store: invalid data")
)

// Store is everything the portal keeps. Engines are safe for concurrent use.
type Store interface {
	Members
	Tokens
	Sessions
	Idempotency
	Audit
	RateLimits
	Roster
	Events
	Jobs
	Newsletters
	MailQueue
	SiteDocuments
	Backup
	Counters
	Blocks
	MailSwitches

	// DeleteExpired physically removes items whose expiry is at or before now
	// and reports how many it removed. Reads already treat them as absent;
	// this only reclaims space (dynamo may leave the work to TTL and return 0).
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
	// Close releases the engine (bolt's file lock); the Store is unusable afterwards.
	Close() error
}

// Members keeps alumni accounts.
type Members interface {
	// CreateMember stores a new member and returns it as stored: an empty ID is
	// replaced by NewID(), zero CreatedAt/UpdatedAt by the current time, and
	// Version is set to 1. ErrAlreadyExists (a *ConflictError) if the id, the
	// email (case-insensitively) or the employee number is taken.
	CreateMember(ctx context.Context, m Member) (Member, error)
	// GetMember returns the member with this id, or ErrNotFound.
	GetMember(ctx context.Context, id string) (Member, error)
	// GetMemberByEmail finds a member by email, case-insensitively, or ErrNotFound.
	GetMemberByEmail(ctx context.Context, email string) (Member, error)
	// GetMemberByEmployeeNumber finds a member by employee number, or ErrNotFound.
	GetMemberByEmployeeNumber(ctx context.Context, number string) (Member, error)
	// UpdateMember is a compare-and-swap update: it reads the member, calls
	// update with it and writes the result only if nobody changed the member in
	// between, retrying otherwise, so update may run more than once and must not
	// call the store. An error from update aborts and is returned (wrapped).
	// ID, CreatedAt and Version are kept from old; Version is incremented;
	// UpdatedAt is set to the current time unless update changed it. Email and
	// employee number may change (their uniqueness is enforced, ErrAlreadyExists).
	UpdateMember(ctx context.Context, id string, update func(old Member) (Member, error)) (Member, error)
	// ListMembersByRole returns every member holding role (a handful: the
	// HR team), ordered by ID. Consistent: it reads what was just granted.
	ListMembersByRole(ctx context.Context, role Role) ([]Member, error)
	// ListMembersByStatus pages through members with a status, ordered by
	// CreatedAt then ID. Pass the returned cursor to get the next page; an empty
	// cursor means there is none.
	ListMembersByStatus(ctx context.Context, status Status, page Page) ([]Member, string, error)
	// DeleteMember removes a member and its index entries, or ErrNotFound.
	// (Erasure across every record is the accounts issue's work.)
	DeleteMember(ctx context.Context, id string) error
}

// Tokens keeps one-time tokens (email verification, login links). The store
// only ever sees HashToken(plaintext).
type Tokens interface {
	// CreateToken stores a token. ErrInvalid if it is already expired
	// (ExpiresAt not after CreatedAt) or malformed; ErrAlreadyExists if the hash is taken.
	CreateToken(ctx context.Context, t Token) error
	// ConsumeToken atomically marks the token used at now and returns it.
	// ErrNotFound if it is unknown, of another purpose, expired (ExpiresAt <= now)
	// or already used: under any concurrency exactly one caller succeeds.
	ConsumeToken(ctx context.Context, hash string, purpose TokenPurpose, now time.Time) (Token, error)
	// PeekToken returns the token, consistently read and left unused, when
	// ConsumeToken at now would take it; ErrNotFound in every case where
	// it would not. A link's page asks it to say at once that the link is
	// used or expired; only ConsumeToken decides.
	PeekToken(ctx context.Context, hash string, purpose TokenPurpose, now time.Time) (Token, error)
}

// Sessions keeps server-side login sessions, so logout and erasure can revoke them.
type Sessions interface {
	// CreateSession stores a session; ErrAlreadyExists if the id is taken,
	// ErrInvalid if it is malformed or already expired.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns a live session; ErrNotFound if unknown or expired (ExpiresAt <= now).
	GetSession(ctx context.Context, id string, now time.Time) (Session, error)
	// TouchSession renews a live session: LastSeenAt = now, ExpiresAt = expiresAt.
	// ErrNotFound if unknown or expired; ErrInvalid if expiresAt is not after now.
	TouchSession(ctx context.Context, id string, expiresAt, now time.Time) (Session, error)
	// DeleteSession removes a session (logout), or ErrNotFound.
	DeleteSession(ctx context.Context, id string) error
	// DeleteMemberSessions removes every session of a member and reports how many.
	DeleteMemberSessions(ctx context.Context, memberID string) (int, error)
}

// Idempotency keeps the records behind the Idempotency-Key header, in the
// manner of Powertools for AWS Lambda's idempotency utility.
type Idempotency interface {
	// BeginIdempotency claims key for the request whose hash is requestHash.
	//   - No live record (none, expired, or in progress with LockedUntil <= now):
	//     it writes an in-progress record locked until now+lockFor (expiring then
	//     too) and returns (nil, nil): the caller owns the key and runs the request.
	//     Under any concurrency exactly one caller gets (nil, nil).
	//   - A live record with another request hash: (nil, ErrPrecondition) (HTTP 422).
	//   - A live record with the same hash: (record, nil); the caller replays
	//     record.Response if it is completed, or answers 409 while it is in progress.
	BeginIdempotency(ctx context.Context, key, requestHash string, lockFor time.Duration, now time.Time) (*IdempotencyRecord, error)
	// CompleteIdempotency stores the response of an in-progress record and keeps
	// it until expiresAt. The lock is not checked: an owner that finishes late,
	// while nobody has taken over, still stores its answer. ErrNotFound if there
	// is no record (released, or swept by DeleteExpired/TTL); ErrPrecondition if
	// it is already completed.
	CompleteIdempotency(ctx context.Context, key string, resp StoredResponse, expiresAt time.Time) error
	// ReleaseIdempotency deletes the record (the request failed and may be
	// retried), or ErrNotFound.
	ReleaseIdempotency(ctx context.Context, key string) error
}

// Audit keeps the append-only audit log.
type Audit interface {
	// AppendAudit adds an entry and returns it as stored (an empty ID is
	// replaced by NewID()). ErrAlreadyExists if the ID is taken; entries are never changed.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// ListAudit pages through entries matching q, ordered by At then ID.
	ListAudit(ctx context.Context, q AuditQuery, page Page) ([]AuditEntry, string, error)
}

// RateLimits keeps fixed-window counters.
type RateLimits interface {
	// HitRateLimit counts one hit on key in the fixed window containing now
	// (windows start at now.Truncate(window)) and returns the count so far in
	// that window, this hit included. Atomic under concurrency; the counter
	// expires when its window ends. Windows of different lengths on one key
	// are separate counters. Keys must not contain personal data: hash an
	// address before using it as a key.
	HitRateLimit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
}

// Backup moves every record in and out, for `okaeri store export/import`
// and moving between engines.
type Backup interface {
	// Export calls fn once per live record (nothing expired at now), streaming:
	// the engine never holds the whole store in memory. The order is the
	// engine's own. An error from fn stops the export and is returned.
	Export(ctx context.Context, now time.Time, fn func(Record) error) error
	// Import writes one exported record as it is, keeping ids, versions and
	// times, and maintaining indexes. Importing the same record again is a
	// no-op; a record with the same identity replaces the stored one. A member
	// whose email or employee number belongs to another member is
	// ErrAlreadyExists. Records are validated (ErrInvalid) except for expiry.
	// A used token stays used: importing it again unused (an older export)
	// is a no-op, so a login link never works twice.
	Import(ctx context.Context, r Record) error
}

// Page asks for one page of a list.
type Page struct {
	// Limit is the page size; 0 means DefaultPageLimit, larger than MaxPageLimit is cut to it.
	Limit int
	// Cursor is the value returned with the previous page; empty for the first.
	Cursor string
}

// Page size bounds.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// Status is where a member is in registration review.
type Status string

// Member statuses.
const (
	StatusPending   Status = "pending"   // registered, email not yet verified
	StatusVerified  Status = "verified"  // email verified, waiting for HR
	StatusApproved  Status = "approved"  // HR matched them to the leaver roster
	StatusRejected  Status = "rejected"  // HR could not match them
	StatusSuspended Status = "suspended" // access withdrawn
)

// Language is a member's preferred language.
type Language string

// Languages, Japanese first.
const (
	LanguageJa Language = "ja"
	LanguageEn Language = "en"
)

// Member is one alumnus.
type Member struct {
	ID    string `json:"id"`
	Email string `json:"email"` // as entered; uniqueness uses NormalizeEmail(Email)
	Name  string `json:"name"`  // in kanji (or as written), e.g. 山田 花子
	Kana  string `json:"kana,omitempty"`
	Roman string `json:"roman,omitempty"` // in roman letters, e.g. Hanako Yamada

	Department     string   `json:"department,omitempty"`
	Joined         string   `json:"joined,omitempty"` // month joined the company, YYYY-MM
	Left           string   `json:"left,omitempty"`   // month left, YYYY-MM
	EmployeeNumber string   `json:"employeeNumber,omitempty"`
	Language       Language `json:"language"`
	Status         Status   `json:"status"`

	// Consents by purpose (for example "newsletter", "directory").
	Consents map[string]Consent `json:"consents,omitempty"`
	// ConsentHistory records every change of a consent, oldest first.
	ConsentHistory []ConsentChange `json:"consentHistory,omitempty"`
	// Profile holds what the member shows others.
	Profile Profile `json:"profile"`
	// PendingEmail is a new address waiting for its owner to confirm it;
	// Email stays in force until then.
	PendingEmail string `json:"pendingEmail,omitempty"`
	// PendingEmailToken is the hash of the newest change-email token: a
	// newer request revokes the links mailed before it.
	PendingEmailToken string `json:"pendingEmailToken,omitempty"`
	// PreviousEmail is the address before the last confirmed change, which
	// the undo link mailed to it can put back.
	PreviousEmail string `json:"previousEmail,omitempty"`

	// Roles are rights granted explicitly (RoleHR) and audited; no right
	// ever follows from a field the member can edit, such as the address.
	Roles []Role `json:"roles,omitempty"`
	// RosterNumber is the employee number of the roster entry this member
	// was matched to when approved (by their verified address, or by HR
	// looking at both): erasure removes that entry and no other.
	RosterNumber string `json:"rosterNumber,omitempty"`
	// Decisions are HR's review decisions on this registration, oldest
	// first: who approved or rejected it, when, and any undo.
	Decisions []Decision `json:"decisions,omitempty"`

	// LastVisitAt is when the member's current (or last) visit to the
	// members' home began, PreviousVisitAt when the one before it did: what
	// is new is what was published since PreviousVisitAt. Only the server
	// sets them (account.Service.Visit), at most once per visit; no form
	// or API field reaches them.
	LastVisitAt     time.Time `json:"lastVisitAt,omitzero"`
	PreviousVisitAt time.Time `json:"previousVisitAt,omitzero"`

	// Lifecycle holds the lifecycle mails claimed for the member, by key
	// ("welcome", "nudge", "yearly-2027"), each at the time it was claimed.
	// A mail is sent only by the caller whose UpdateMember added its key,
	// before sending: a crash or a re-run never sends it twice. Only the
	// server sets it (account's lifecycle job); erasure removes it with
	// the member.
	Lifecycle map[string]time.Time `json:"lifecycle,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version counts writes (1 after create) for optimistic concurrency.
	Version int64 `json:"version"`
}

// Decision is one of HR's review decisions on a registration.
type Decision struct {
	// Status is what the decision made the member: StatusApproved or
	// StatusRejected, or StatusVerified for an undo.
	Status Status    `json:"status"`
	By     string    `json:"by"` // the actor, as in the audit log ("hr:<member id>")
	At     time.Time `json:"at"`
	// Version is the member's version the decision wrote: an undo is
	// allowed only while the member is still at it.
	Version int64 `json:"version"`
	// RosterNumber is the member's roster match before the decision, which
	// an undo puts back.
	RosterNumber string `json:"rosterNumber,omitempty"`
}

// UndoWindow is how long HR may take a review decision back.
const UndoWindow = 10 * time.Minute

// Role is a right granted to a member.
type Role string

// Roles.
const (
	// RoleHR sees and acts on the /hr/ pages and grants or revokes roles.
	RoleHR Role = "hr"
)

// HasRole reports whether the member holds role.
func (m Member) HasRole(role Role) bool {
	for _, r := range m.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Consent is a member's answer for one purpose under one policy version.
type Consent struct {
	Given         bool      `json:"given"`
	PolicyVersion string    `json:"policyVersion"`
	At            time.Time `json:"at"`
}

// ConsentChange is one entry of a member's consent history.
type ConsentChange struct {
	Purpose       string    `json:"purpose"`
	Given         bool      `json:"given"`
	PolicyVersion string    `json:"policyVersion"`
	At            time.Time `json:"at"`
}

// Profile is the member's self-description, shown in the directory only as
// far as Visible allows.
type Profile struct {
	Company  string `json:"company,omitempty"`
	Role     string `json:"role,omitempty"`
	Location string `json:"location,omitempty"`
	Bio      string `json:"bio,omitempty"` // Markdown
	// BioHTML is Bio rendered and sanitized when it was saved (functions/
	// account/bio): the directory shows it as it is and renders nothing.
	BioHTML   string   `json:"bioHtml,omitempty"`
	Skills    []string `json:"skills,omitempty"`
	Interests []string `json:"interests,omitempty"`
	OpenTo    OpenTo   `json:"openTo"`
	// Visible names the fields the member shows in the directory. A new
	// member starts with the consent's promise (department, years).
	Visible []string `json:"visible,omitempty"`
	// VisibleChosenAt is when the member last saved their choice of
	// Visible; zero until they have (the profile page then asks).
	VisibleChosenAt time.Time `json:"visibleChosenAt,omitzero"`
}

// OpenTo says what a member is open to hearing about.
type OpenTo struct {
	Rehire    bool `json:"rehire"`
	Sidework  bool `json:"sidework"`
	Mentoring bool `json:"mentoring"`
	Referrals bool `json:"referrals"`
}

// TokenPurpose says what a one-time token is for.
type TokenPurpose string

// Token purposes.
const (
	PurposeVerifyEmail TokenPurpose = "verify-email"
	PurposeLogin       TokenPurpose = "login"
	PurposeChangeEmail TokenPurpose = "change-email"
	// PurposeUndoEmail is mailed to the old address after a change: it puts
	// that address back.
	PurposeUndoEmail TokenPurpose = "undo-email"
)

// Token is a one-time token as stored: only its hash.
type Token struct {
	Hash    string       `json:"hash"` // HashToken(plaintext): lowercase hex SHA-256
	Purpose TokenPurpose `json:"purpose"`
	Subject string       `json:"subject"` // a member id or an email hash, never an address
	// AddressHash binds a verify, change-email or undo token to the exact
	// address it was mailed to (EmailHash): using it applies that address
	// and no other. The address itself lives on the member, where erasure
	// removes it.
	AddressHash string `json:"addressHash,omitempty"`
	// Next binds a login token to the page of this site it was asked from
	// (a path, checked by the caller), so the link leads back there and an
	// edited link cannot lead elsewhere.
	Next      string    `json:"next,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	UsedAt    time.Time `json:"usedAt,omitzero"` // zero until consumed
}

// Session is a server-side login session.
type Session struct {
	ID         string    `json:"id"`
	MemberID   string    `json:"memberId"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// IdempotencyStatus is the state of an idempotency record.
type IdempotencyStatus string

// Idempotency record states.
const (
	IdempotencyInProgress IdempotencyStatus = "in-progress"
	IdempotencyCompleted  IdempotencyStatus = "completed"
)

// IdempotencyRecord remembers one request made under an Idempotency-Key.
type IdempotencyRecord struct {
	Key         string            `json:"key"`
	RequestHash string            `json:"requestHash"`
	Status      IdempotencyStatus `json:"status"`
	LockedUntil time.Time         `json:"lockedUntil,omitzero"` // while in progress
	Response    *StoredResponse   `json:"response,omitempty"`   // once completed
	CreatedAt   time.Time         `json:"createdAt"`
	ExpiresAt   time.Time         `json:"expiresAt"`
}

// StoredResponse is the first answer to an idempotent request, replayed on retries.
type StoredResponse struct {
	StatusCode int         `json:"statusCode"`
	Header     http.Header `json:"header,omitempty"`
	Body       []byte      `json:"body,omitempty"`
}

// AuditEntry records who did what to whom; it names changed fields, never their values.
type AuditEntry struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`   // a member id, "hr:<login>" or "system"; never an address
	Action  string    `json:"action"`  // e.g. "member.approve"
	Subject string    `json:"subject"` // what it was done to, e.g. a member id
	Fields  []string  `json:"fields,omitempty"`
}

// AuditQuery selects audit entries; zero fields do not filter.
type AuditQuery struct {
	Subject string
	From    time.Time // inclusive
	To      time.Time // exclusive
	// Newest lists the newest entries first (default: oldest first).
	Newest bool
}

// RateLimitCounter is one fixed window of a rate limit, as exported. Its
// identity is (Key, WindowStart, ExpiresAt): ExpiresAt-WindowStart is the window length.
type RateLimitCounter struct {
	Key         string    `json:"key"`
	WindowStart time.Time `json:"windowStart"`
	Count       int       `json:"count"`
	ExpiresAt   time.Time `json:"expiresAt"` // the end of the window
}

// RecordType names a kind of record in an export.
type RecordType string

// Record types, as written in the "type" field of each exported line.
const (
	RecordMember      RecordType = "member"
	RecordToken       RecordType = "token"
	RecordSession     RecordType = "session"
	RecordIdempotency RecordType = "idempotency"
	RecordAudit       RecordType = "audit"
	RecordRateLimit   RecordType = "ratelimit"
	RecordRoster      RecordType = "roster"
	RecordEvent       RecordType = "event"
	RecordRSVP        RecordType = "rsvp"
	RecordJob         RecordType = "job"
	RecordApplication RecordType = "application"
	RecordReferral    RecordType = "referral"
	// Newsletters (newsletter.go).
	RecordNewsletterSend RecordType = "newsletter-send"
	RecordDeliveryBatch  RecordType = "delivery-batch"
	RecordDelivery       RecordType = "delivery"
	RecordSuppression    RecordType = "suppression"
	RecordEngagement     RecordType = "engagement"
)

// Record is one exported item: exactly one field is set.
type Record struct {
	Member      *Member
	Token       *Token
	Session     *Session
	Idempotency *IdempotencyRecord
	Audit       *AuditEntry
	RateLimit   *RateLimitCounter
	Roster      *RosterEntry
	Event       *Event
	RSVP        *RSVP
	Job         *Job
	Application *Application
	Referral    *Referral

	NewsletterSend *NewsletterSend
	DeliveryBatch  *DeliveryBatch
	Delivery       *Delivery
	Suppression    *Suppression
	Engagement     *Engagement

	Block        *Block
	MailSettings *MailSettings
}
