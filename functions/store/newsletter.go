package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Newsletters keeps what sending a newsletter to every subscriber exactly
// once needs: one send per newsletter (its frozen content, status and final
// report), delivery batches and one delivery per recipient, the suppression
// list, and engagement events reported by SendGrid.
//
// The exactly-once rule lives in two places. A member has at most one
// Delivery per newsletter, naming the batch that carries them, so no member
// is ever in two batches. A batch moves claimed -> sending -> sent|failed|
// uncertain by compare-and-swap, so only one runner ever puts a batch on the
// wire for one attempt, and a batch left in "sending" by a crash is never
// sent again automatically (see BatchStatus).
type Newsletters interface {
	Suppressions

	// CreateNewsletterSend stores a new send and returns it as stored: zero
	// CreatedAt/UpdatedAt become the current time, Version 1.
	// ErrAlreadyExists if the slug has a send; ErrInvalid for bad data.
	CreateNewsletterSend(ctx context.Context, s NewsletterSend) (NewsletterSend, error)
	// GetNewsletterSend returns the send of a newsletter, or ErrNotFound.
	GetNewsletterSend(ctx context.Context, slug string) (NewsletterSend, error)
	// UpdateNewsletterSend is a compare-and-swap update, as UpdateMember:
	// update may run more than once and must not call the store. Slug and
	// CreatedAt are kept, Version incremented, UpdatedAt set to the current
	// time. ErrNotFound, or ErrInvalid for a bad result.
	UpdateNewsletterSend(ctx context.Context, slug string, update func(old NewsletterSend) (NewsletterSend, error)) (NewsletterSend, error)
	// ListNewsletterSends returns every send ordered by CreatedAt then Slug.
	// A company sends a few newsletters a month, so there is no paging.
	ListNewsletterSends(ctx context.Context) ([]NewsletterSend, error)

	// ClaimDeliveryBatch stores batch b with Status claimed and gives each of
	// its recipients a Delivery naming it, unless the recipient already has
	// a Delivery of this newsletter in another batch: such recipients are
	// left out of the stored batch, which is returned. Under any concurrency
	// a member is claimed by one batch only. The send must exist
	// (ErrNotFound). A batch with b's id that is already claimed (or later)
	// is returned unchanged; one left in BatchClaiming by an interrupted
	// call is completed. ErrInvalid for a bad batch or more than
	// MaxBatchRecipients recipients.
	ClaimDeliveryBatch(ctx context.Context, b DeliveryBatch) (DeliveryBatch, error)
	// GetDeliveryBatch returns one batch of a send, or ErrNotFound.
	GetDeliveryBatch(ctx context.Context, slug, id string) (DeliveryBatch, error)
	// UpdateDeliveryBatch is a compare-and-swap update of a batch, as
	// UpdateMember. The status may only move as CanMoveBatch allows
	// (ErrPrecondition otherwise, nothing written); Slug, ID, Language and
	// CreatedAt are kept, recipients may be blanked but not added, Version is
	// incremented and UpdatedAt set to the current time.
	UpdateDeliveryBatch(ctx context.Context, slug, id string, update func(old DeliveryBatch) (DeliveryBatch, error)) (DeliveryBatch, error)
	// ListDeliveryBatches returns every batch of a send ordered by ID.
	ListDeliveryBatches(ctx context.Context, slug string) ([]DeliveryBatch, error)
	// GetDelivery returns a member's delivery of a newsletter, or ErrNotFound.
	GetDelivery(ctx context.Context, slug, memberID string) (Delivery, error)

	// RecordEngagement stores an open, click or unsubscribe once per EventID
	// (SendGrid's sg_event_id): created is false, and nothing changes, when
	// the event was recorded before. The member's first event of each type
	// for a send adds one to CounterEngaged(slug, type) in the same
	// transaction, so those counters count members, each once, under any
	// concurrency and retries. ErrInvalid for bad data.
	RecordEngagement(ctx context.Context, e Engagement) (created bool, err error)
	// ListMemberEngagement returns a member's engagement events ordered by
	// At then EventID (for their data export).
	ListMemberEngagement(ctx context.Context, memberID string) ([]Engagement, error)

	// EraseNewsletterMember removes a member's personal data from
	// newsletters: their deliveries and engagement events go, and their
	// address and name are blanked in every batch (only the member id, an
	// anonymous number once the member is gone, stays for the counts).
	// Running it again does nothing.
	EraseNewsletterMember(ctx context.Context, memberID string) error
}

// IsSuppressed reports whether the address is suppressed for any reason.
func IsSuppressed(ctx context.Context, s Suppressions, email string) (bool, error) {
	_, err := s.GetSuppression(ctx, email)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("is suppressed: %w", err)
}

// Suppressions is the list of addresses that must not be mailed. The store
// keeps only EmailHash(address), never the address itself.
type Suppressions interface {
	// Suppress adds reason to an address's suppressions. The first mark of a
	// reason is kept (a repeated webhook event changes nothing): added
	// reports whether this reason is new for the address. ErrInvalid for an
	// empty address or an unknown reason.
	Suppress(ctx context.Context, email string, reason SuppressionReason, mark SuppressionMark) (added bool, err error)
	// GetSuppression returns every reason an address is suppressed for, or ErrNotFound.
	GetSuppression(ctx context.Context, email string) (Suppression, error)
	// FindSuppressions looks up many addresses at once, by EmailHash, and
	// returns the suppressed ones keyed by hash (at most MaxBatchRecipients
	// hashes per call; ErrInvalid beyond).
	FindSuppressions(ctx context.Context, emailHashes []string) (map[string]Suppression, error)
	// Unsuppress removes one reason (an address fixed after a bounce);
	// ErrNotFound if the address was not suppressed for it.
	Unsuppress(ctx context.Context, email string, reason SuppressionReason) error
}

// MaxBatchRecipients is SendGrid v3's documented maximum of personalizations
// (and of recipients) in one /v3/mail/send request, and so the largest batch.
const MaxBatchRecipients = 1000

// maxSendSource bounds the frozen newsletter source, well inside a DynamoDB item.
const maxSendSource = 256 << 10

// maxSendContent bounds the source and its rendering together as stored
// (JSON, where the HTML's < and > take six bytes each): a DynamoDB item
// holds 400 KB, and the rest of the send needs a little of it.
const maxSendContent = 360 << 10

// SendStatus is where a newsletter send is.
type SendStatus string

// Send statuses.
const (
	SendReady     SendStatus = "ready"     // synced from content/, not started: HR starts it
	SendScheduled SendStatus = "scheduled" // waiting for SendAt; the scheduler starts it
	SendSending   SendStatus = "sending"   // running, or interrupted: the scheduler resumes it
	SendPaused    SendStatus = "paused"    // a run stopped at --limit; the next `send` continues
	SendDone      SendStatus = "done"      // every recipient has a batch that is sent, failed or uncertain
	SendFailed    SendStatus = "failed"    // stopped on an error (see Error); the next `send` continues
)

// NewsletterSend is the one send of one newsletter.
type NewsletterSend struct {
	Slug   string     `json:"slug"` // the newsletter's file name under content/newsletters/
	Status SendStatus `json:"status"`
	// Source is the newsletter's Markdown file by language ("ja", "en"):
	// updated by sync while the send is ready, frozen once it starts, so
	// every batch and every re-run sends the same words.
	Source map[string]string `json:"source"`
	// Rendered is the newsletter as `okaeri sync` rendered it from Source:
	// all the send job reads, so the newsletter function parses no Markdown
	// (goldmark and YAML would slow its cold start). Written with Source and
	// frozen with it; nil in a send stored by an older version, which cannot
	// be sent until sync renders it.
	Rendered *RenderedNewsletter `json:"rendered,omitempty"`
	SendAt   time.Time           `json:"sendAt,omitzero"` // zero: as soon as started
	Actor    string              `json:"actor"`           // who started it: "hr:<member id>" or "cli"
	// LeaseOwner runs the send until LeaseUntil; another runner waits for
	// the lease to run out, so two processes never work on one send at once.
	LeaseOwner string     `json:"leaseOwner,omitempty"`
	LeaseUntil time.Time  `json:"leaseUntil,omitzero"`
	Report     SendReport `json:"report"`
	Error      string     `json:"error,omitempty"` // why the last run stopped; never personal data

	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	StartedAt  time.Time `json:"startedAt,omitzero"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	Version    int64     `json:"version"`
}

// RenderedNewsletter is a newsletter made ready for email from its
// Markdown: who gets it and, per language, its texts and its body as an
// HTML fragment and as plain text. The email's frame and each recipient's
// name and unsubscribe link are added at send time.
type RenderedNewsletter struct {
	// BaseURL is the portal origin the body's links were made absolute with.
	BaseURL  string                       `json:"baseUrl"`
	Segment  NewsletterSegment            `json:"segment"`
	Editions map[Language]RenderedEdition `json:"editions"` // ja always; en if translated
}

// RenderedEdition is one language's text of a newsletter, rendered.
type RenderedEdition struct {
	Title     string `json:"title"` // HR's name for the issue, the email's heading
	Subject   string `json:"subject"`
	Preheader string `json:"preheader,omitempty"` // the preview line mail clients show after the subject
	HTML      string `json:"html"`                // the body: email HTML (inline styles, absolute links)
	Text      string `json:"text"`                // the body as plain text
}

// Edition returns the edition for lang, or the Japanese one when the
// newsletter has no translation.
func (r RenderedNewsletter) Edition(lang Language) (Language, RenderedEdition) {
	if e, ok := r.Editions[lang]; ok {
		return lang, e
	}
	return LanguageJa, r.Editions[LanguageJa]
}

// NewsletterSegment selects a newsletter's recipients among approved
// members with newsletter consent; zero fields do not filter.
type NewsletterSegment struct {
	// Language is "ja" or "en" to send to members of that language only
	// ("all" or empty: everyone).
	Language Language `json:"language,omitempty"`
	// Departments: members whose department is one of these (exactly).
	Departments []string `json:"departments,omitempty"`
	// LeftFrom and LeftTo bound the month members left, inclusive: YYYY or
	// YYYY-MM (a year means January for LeftFrom and December for LeftTo).
	LeftFrom string `json:"leftFrom,omitempty"`
	LeftTo   string `json:"leftTo,omitempty"`
	// OpenTo: members open to at least one of these (SegmentOpenTo).
	OpenTo []string `json:"openTo,omitempty"`
}

// SegmentOpenTo are the values NewsletterSegment.OpenTo may hold.
var SegmentOpenTo = []string{"rehire", "sidework", "mentoring", "referrals"}

// LeftMonths is the segment's leaving months as YYYY-MM bounds; an empty
// bound is open.
func (s NewsletterSegment) LeftMonths() (from, to string) {
	from, to = s.LeftFrom, s.LeftTo
	if len(from) == 4 {
		from += "-01"
	}
	if len(to) == 4 {
		to += "-12"
	}
	return from, to
}

// Matches reports whether a member is in the segment. Consent, status and
// suppression are checked elsewhere.
func (s NewsletterSegment) Matches(m Member) bool {
	if (s.Language == LanguageJa || s.Language == LanguageEn) && m.Language != s.Language {
		return false
	}
	if len(s.Departments) > 0 && !slices.Contains(s.Departments, strings.TrimSpace(m.Department)) {
		return false
	}
	if s.LeftFrom != "" || s.LeftTo != "" {
		from, to := s.LeftMonths()
		if m.Left == "" || (from != "" && m.Left < from) || (to != "" && m.Left > to) {
			return false
		}
	}
	if len(s.OpenTo) > 0 {
		o := m.Profile.OpenTo
		open := map[string]bool{"rehire": o.Rehire, "sidework": o.Sidework, "mentoring": o.Mentoring, "referrals": o.Referrals}
		if !slices.ContainsFunc(s.OpenTo, func(f string) bool { return open[f] }) {
			return false
		}
	}
	return true
}

// SendReport counts recipients by outcome.
type SendReport struct {
	Recipients int `json:"recipients"` // members with consent in the segment, at the last run
	Sent       int `json:"sent"`       // in batches SendGrid accepted (202)
	Suppressed int `json:"suppressed"` // left out: on the suppression list
	Failed     int `json:"failed"`     // in batches SendGrid refused; a later run retries them
	Uncertain  int `json:"uncertain"`  // in batches that may or may not have gone (never resent automatically)
	Pending    int `json:"pending"`    // claimed, not yet sent
	Batches    int `json:"batches"`
	Requests   int `json:"requests"` // HTTP requests made to the mail service, retries included
}

// BatchStatus is where a delivery batch is. The rule that makes a crash or
// a re-run never send twice: a batch is put on the wire only from claimed,
// after a compare-and-swap to sending; a batch found in sending by a later
// run is uncertain, because SendGrid v3 has no idempotency key and the
// request may have been accepted before the crash.
type BatchStatus string

// Batch statuses.
const (
	BatchClaiming  BatchStatus = "claiming"  // an interrupted ClaimDeliveryBatch (engines that cannot claim in one step); claim again to finish
	BatchClaimed   BatchStatus = "claimed"   // recipients claimed, nothing sent: safe to send
	BatchSending   BatchStatus = "sending"   // a request is (or may be) on its way
	BatchSent      BatchStatus = "sent"      // accepted (202)
	BatchFailed    BatchStatus = "failed"    // refused (4xx) or given up after retries: nothing was accepted
	BatchUncertain BatchStatus = "uncertain" // may have been accepted; resent only when HR says so
)

// CanMoveBatch reports whether a batch may move from one status to another.
// Staying put is allowed (attempt counts and errors change).
func CanMoveBatch(from, to BatchStatus) bool {
	if from == to {
		return true
	}
	allowed := map[BatchStatus][]BatchStatus{
		BatchClaiming:  {BatchClaimed},
		BatchClaimed:   {BatchSending},
		BatchSending:   {BatchClaimed, BatchSent, BatchFailed, BatchUncertain}, // claimed: the attempt was refused, retry
		BatchFailed:    {BatchClaimed},                                         // a later run retries: nothing was accepted
		BatchUncertain: {BatchSent, BatchClaimed},                              // evidence it went; or HR chose to resend
	}
	return slices.Contains(allowed[from], to)
}

// DeliveryBatch is up to MaxBatchRecipients recipients of one newsletter in
// one language: one /v3/mail/send request.
type DeliveryBatch struct {
	Slug       string           `json:"slug"`
	ID         string           `json:"id"` // sorts in claim order, e.g. "000001"
	Language   Language         `json:"language"`
	Status     BatchStatus      `json:"status"`
	Recipients []BatchRecipient `json:"recipients"`
	Attempts   int              `json:"attempts"`            // requests made for this batch
	NotBefore  time.Time        `json:"notBefore,omitzero"`  // do not try again before (429 and 5xx)
	MessageID  string           `json:"messageId,omitempty"` // SendGrid's X-Message-Id for the accepted request
	Error      string           `json:"error,omitempty"`     // the last refusal, without personal data
	CreatedAt  time.Time        `json:"createdAt"`
	UpdatedAt  time.Time        `json:"updatedAt"`
	Version    int64            `json:"version"`
}

// BatchRecipient is one member in a batch. Email and Name are what the
// request needs; they are blanked once the batch is sent or the member erased.
type BatchRecipient struct {
	MemberID string `json:"memberId"`
	Email    string `json:"email,omitempty"`
	Name     string `json:"name,omitempty"`
	// Skipped says why the recipient was left out of the request after the
	// claim ("suppressed", "erased", "unsubscribed"); empty if included.
	Skipped string `json:"skipped,omitempty"`
}

// Delivery says which batch carries a newsletter to a member.
type Delivery struct {
	Slug      string    `json:"slug"`
	MemberID  string    `json:"memberId"`
	BatchID   string    `json:"batchId"`
	ClaimedAt time.Time `json:"claimedAt"`
}

// SuppressionReason is why an address must not be mailed.
type SuppressionReason string

// Suppression reasons: SendGrid's event names.
const (
	SuppressBounce      SuppressionReason = "bounce"      // a hard bounce: the address does not exist
	SuppressDropped     SuppressionReason = "dropped"     // SendGrid refused to deliver (invalid, on its own lists)
	SuppressSpamReport  SuppressionReason = "spamreport"  // the recipient marked a mail as spam
	SuppressUnsubscribe SuppressionReason = "unsubscribe" // the recipient unsubscribed
)

// SuppressionReasons lists every reason.
var SuppressionReasons = []SuppressionReason{SuppressBounce, SuppressDropped, SuppressSpamReport, SuppressUnsubscribe}

// Suppression is every reason one address is suppressed for.
type Suppression struct {
	EmailHash string                                `json:"emailHash"` // EmailHash(address)
	Reasons   map[SuppressionReason]SuppressionMark `json:"reasons"`
}

// SuppressionMark records when and how an address was suppressed for a reason.
type SuppressionMark struct {
	At      time.Time `json:"at"`
	EventID string    `json:"eventId,omitempty"` // SendGrid's sg_event_id, when SendGrid reported it
	Slug    string    `json:"slug,omitempty"`    // the newsletter that led to it, if known
}

// Has reports whether the suppression holds a reason.
func (s Suppression) Has(r SuppressionReason) bool {
	_, ok := s.Reasons[r]
	return ok
}

// EngagementType is what a recipient did with a newsletter.
type EngagementType string

// Engagement types: SendGrid's event names.
const (
	EngagementOpen  EngagementType = "open"
	EngagementClick EngagementType = "click"
	// EngagementUnsubscribe: the member unsubscribed through this send's
	// link (the portal's, or SendGrid's unsubscribe event naming the send).
	EngagementUnsubscribe EngagementType = "unsubscribe"
)

// EngagementTypes lists every engagement type.
var EngagementTypes = []EngagementType{EngagementOpen, EngagementClick, EngagementUnsubscribe}

// Engagement is one open or click, kept for engagement figures.
type Engagement struct {
	EventID  string         `json:"eventId"` // SendGrid's sg_event_id: the identity
	Type     EngagementType `json:"type"`
	Slug     string         `json:"slug"`
	MemberID string         `json:"memberId"`
	At       time.Time      `json:"at"`
	// URL is the clicked link without its query or fragment, which may
	// carry tokens or addresses.
	URL string `json:"url,omitempty"`
}

// slugPattern is what a newsletter's file name (its slug) may be.
var slugPattern = LazyPattern(`^[a-z0-9][a-z0-9_-]{0,99}$`)

// batchIDPattern is what a batch id may be.
var batchIDPattern = LazyPattern(`^[A-Za-z0-9_-]{1,64}$`)

// ValidSlug reports whether s can be a newsletter slug.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// PrepareNewsletterSend normalizes and validates a send for
// CreateNewsletterSend, filling zero times with now and setting Version 1.
func PrepareNewsletterSend(s NewsletterSend, now time.Time) (NewsletterSend, error) {
	s = s.Normalized()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = utc(now)
	}
	if s.UpdatedAt.IsZero() {
		s.UpdatedAt = s.CreatedAt
	}
	s.Version = 1
	if err := s.Validate(); err != nil {
		return NewsletterSend{}, err
	}
	return s, nil
}

// ApplySendUpdate checks what an UpdateNewsletterSend callback returned
// against old and gives what is stored.
func ApplySendUpdate(old, next NewsletterSend, now time.Time) (NewsletterSend, error) {
	next = next.Normalized()
	next.Slug, next.CreatedAt, next.Version = old.Slug, old.CreatedAt, old.Version+1
	if next.UpdatedAt.Equal(old.UpdatedAt) {
		next.UpdatedAt = utc(now)
	}
	if err := next.Validate(); err != nil {
		return NewsletterSend{}, err
	}
	return next, nil
}

// Normalized puts times in UTC and drops empty sources.
func (s NewsletterSend) Normalized() NewsletterSend {
	if len(s.Source) > 0 {
		src := make(map[string]string, len(s.Source))
		for k, v := range s.Source {
			if v != "" {
				src[k] = v
			}
		}
		s.Source = src
	}
	s.SendAt, s.LeaseUntil = utc(s.SendAt), utc(s.LeaseUntil)
	s.CreatedAt, s.UpdatedAt = utc(s.CreatedAt), utc(s.UpdatedAt)
	s.StartedAt, s.FinishedAt = utc(s.StartedAt), utc(s.FinishedAt)
	return s
}

// Validate checks a send as stored.
func (s NewsletterSend) Validate() error {
	var errs []error
	if !ValidSlug(s.Slug) {
		errs = append(errs, invalid("slug", codeFor(s.Slug)))
	}
	switch s.Status {
	case SendReady, SendScheduled, SendSending, SendPaused, SendDone, SendFailed:
	case "":
		errs = append(errs, invalid("status", "required"))
	default:
		errs = append(errs, invalid("status", "unknown"))
	}
	size := 0
	for lang, src := range s.Source {
		if lang != string(LanguageJa) && lang != string(LanguageEn) {
			errs = append(errs, invalid("source", "unknown"))
		}
		size += len(src)
	}
	switch {
	case s.Source[string(LanguageJa)] == "":
		errs = append(errs, invalid("source", "required"))
	case size > maxSendSource:
		errs = append(errs, invalid("source", "too_long"))
	}
	if s.Rendered != nil {
		errs = append(errs, s.Rendered.validate()...)
		if size <= maxSendSource && jsonSize(s.Source, s.Rendered) > maxSendContent {
			errs = append(errs, invalid("rendered", "too_long"))
		}
	}
	errs = append(errs, validateText("actor", s.Actor, maxText, true)...)
	errs = append(errs, validateText("error", s.Error, 2000, false)...)
	if s.CreatedAt.IsZero() {
		errs = append(errs, invalid("createdAt", "required"))
	}
	r := s.Report
	if r.Recipients < 0 || r.Sent < 0 || r.Suppressed < 0 || r.Failed < 0 || r.Uncertain < 0 || r.Pending < 0 || r.Batches < 0 || r.Requests < 0 {
		errs = append(errs, invalid("report", "format"))
	}
	return joinInvalid(errs)
}

func (r RenderedNewsletter) validate() []error {
	var errs []error
	for lang, e := range r.Editions {
		if lang != LanguageJa && lang != LanguageEn {
			errs = append(errs, invalid("rendered", "unknown"))
		}
		if e.Subject == "" || e.HTML == "" {
			errs = append(errs, invalid("rendered", "required"))
		}
	}
	if _, ok := r.Editions[LanguageJa]; !ok {
		errs = append(errs, invalid("rendered", "required"))
	}
	return errs
}

// jsonSize is how many bytes vs take encoded as JSON.
func jsonSize(vs ...any) int {
	n := 0
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			return math.MaxInt
		}
		n += len(b)
	}
	return n
}

// PrepareDeliveryBatch normalizes and validates a batch for
// ClaimDeliveryBatch: Status claimed, times filled with now, Version 1.
func PrepareDeliveryBatch(b DeliveryBatch, now time.Time) (DeliveryBatch, error) {
	b = b.Normalized()
	b.Status = BatchClaimed
	if b.CreatedAt.IsZero() {
		b.CreatedAt = utc(now)
	}
	b.UpdatedAt = b.CreatedAt
	b.Version = 1
	if err := b.Validate(); err != nil {
		return DeliveryBatch{}, err
	}
	seen := make(map[string]bool, len(b.Recipients))
	for _, r := range b.Recipients {
		if seen[r.MemberID] {
			return DeliveryBatch{}, invalid("recipients", "duplicate")
		}
		seen[r.MemberID] = true
	}
	return b, nil
}

// ApplyBatchUpdate checks what an UpdateDeliveryBatch callback returned
// against old and gives what is stored, or ErrPrecondition for a move
// CanMoveBatch does not allow.
func ApplyBatchUpdate(old, next DeliveryBatch, now time.Time) (DeliveryBatch, error) {
	next = next.Normalized()
	if !CanMoveBatch(old.Status, next.Status) {
		return DeliveryBatch{}, fmt.Errorf("%w: batch %s cannot move from %s to %s", ErrPrecondition, old.ID, old.Status, next.Status)
	}
	if len(next.Recipients) != len(old.Recipients) {
		return DeliveryBatch{}, invalid("recipients", "changed")
	}
	for i, r := range next.Recipients {
		if r.MemberID != old.Recipients[i].MemberID {
			return DeliveryBatch{}, invalid("recipients", "changed")
		}
	}
	next.Slug, next.ID, next.Language, next.CreatedAt, next.Version = old.Slug, old.ID, old.Language, old.CreatedAt, old.Version+1
	next.UpdatedAt = utc(now)
	if err := next.Validate(); err != nil {
		return DeliveryBatch{}, err
	}
	return next, nil
}

// Normalized puts times in UTC and trims addresses.
func (b DeliveryBatch) Normalized() DeliveryBatch {
	if b.Recipients != nil {
		rs := make([]BatchRecipient, len(b.Recipients))
		for i, r := range b.Recipients {
			r.Email = strings.TrimSpace(r.Email)
			r.Name = strings.TrimSpace(r.Name)
			rs[i] = r
		}
		b.Recipients = rs
	}
	b.NotBefore, b.CreatedAt, b.UpdatedAt = utc(b.NotBefore), utc(b.CreatedAt), utc(b.UpdatedAt)
	return b
}

// Validate checks a batch as stored.
func (b DeliveryBatch) Validate() error {
	var errs []error
	if !ValidSlug(b.Slug) {
		errs = append(errs, invalid("slug", codeFor(b.Slug)))
	}
	if !batchIDPattern.MatchString(b.ID) {
		errs = append(errs, invalid("id", codeFor(b.ID)))
	}
	if b.Language != LanguageJa && b.Language != LanguageEn {
		errs = append(errs, invalid("language", codeFor(string(b.Language))))
	}
	switch b.Status {
	case BatchClaiming, BatchClaimed, BatchSending, BatchSent, BatchFailed, BatchUncertain:
	default:
		errs = append(errs, invalid("status", codeFor(string(b.Status))))
	}
	if len(b.Recipients) > MaxBatchRecipients {
		errs = append(errs, invalid("recipients", "too_many"))
	}
	for _, r := range b.Recipients {
		if r.MemberID == "" || len(r.MemberID) > maxKey {
			errs = append(errs, invalid("recipients", "format"))
			break
		}
		if r.Email != "" {
			if e := validateEmail(r.Email); e != nil {
				errs = append(errs, invalid("recipients", "email"))
				break
			}
		}
		if len(r.Name) > maxName*4 || strings.ContainsAny(r.Name, "\r\n") {
			errs = append(errs, invalid("recipients", "format"))
			break
		}
	}
	if b.Attempts < 0 {
		errs = append(errs, invalid("attempts", "format"))
	}
	errs = append(errs, validateText("error", b.Error, 2000, false)...)
	if b.CreatedAt.IsZero() {
		errs = append(errs, invalid("createdAt", "required"))
	}
	return joinInvalid(errs)
}

// Validate checks a delivery as stored.
func (d Delivery) Validate() error {
	var errs []error
	if !ValidSlug(d.Slug) {
		errs = append(errs, invalid("slug", codeFor(d.Slug)))
	}
	if d.MemberID == "" || len(d.MemberID) > maxKey {
		errs = append(errs, invalid("memberId", codeFor(d.MemberID)))
	}
	if !batchIDPattern.MatchString(d.BatchID) {
		errs = append(errs, invalid("batchId", codeFor(d.BatchID)))
	}
	if d.ClaimedAt.IsZero() {
		errs = append(errs, invalid("claimedAt", "required"))
	}
	return joinInvalid(errs)
}

// ValidSuppressionReason reports whether r is a known reason.
func ValidSuppressionReason(r SuppressionReason) bool {
	return slices.Contains(SuppressionReasons, r)
}

// emailHashPattern is what EmailHash returns.
var emailHashPattern = LazyPattern(`^[0-9a-f]{64}$`)

// Validate checks a suppression as stored.
func (s Suppression) Validate() error {
	var errs []error
	if !emailHashPattern.MatchString(s.EmailHash) {
		errs = append(errs, invalid("emailHash", codeFor(s.EmailHash)))
	}
	if len(s.Reasons) == 0 {
		errs = append(errs, invalid("reasons", "required"))
	}
	for r, m := range s.Reasons {
		if !ValidSuppressionReason(r) {
			errs = append(errs, invalid("reasons", "unknown"))
			break
		}
		if m.At.IsZero() || len(m.EventID) > maxKey || (m.Slug != "" && !ValidSlug(m.Slug)) {
			errs = append(errs, invalid("reasons", "format"))
			break
		}
	}
	return joinInvalid(errs)
}

// Normalized puts the marks' times in UTC.
func (s Suppression) Normalized() Suppression {
	if s.Reasons != nil {
		rs := make(map[SuppressionReason]SuppressionMark, len(s.Reasons))
		for r, m := range s.Reasons {
			m.At = utc(m.At)
			rs[r] = m
		}
		s.Reasons = rs
	}
	return s
}

// ValidateSuppress checks the arguments of Suppress.
func ValidateSuppress(email string, reason SuppressionReason, mark SuppressionMark) error {
	var errs []error
	if NormalizeEmail(email) == "" {
		errs = append(errs, invalid("email", "required"))
	}
	if !ValidSuppressionReason(reason) {
		errs = append(errs, invalid("reason", codeFor(string(reason))))
	}
	if mark.At.IsZero() {
		errs = append(errs, invalid("at", "required"))
	}
	if len(mark.EventID) > maxKey {
		errs = append(errs, invalid("eventId", "too_long"))
	}
	if mark.Slug != "" && !ValidSlug(mark.Slug) {
		errs = append(errs, invalid("slug", "format"))
	}
	return joinInvalid(errs)
}

// Normalized puts the time in UTC and cuts the URL to scheme, host and path.
func (e Engagement) Normalized() Engagement {
	e.At = utc(e.At)
	e.URL = strings.TrimSpace(e.URL)
	if e.URL != "" {
		if u, err := url.Parse(e.URL); err == nil {
			u.RawQuery, u.Fragment, u.User, u.RawFragment = "", "", nil, ""
			e.URL = u.String()
		} else {
			e.URL = ""
		}
	}
	return e
}

// Validate checks an engagement event as stored.
func (e Engagement) Validate() error {
	var errs []error
	if e.EventID == "" || len(e.EventID) > maxKey || strings.ContainsAny(e.EventID, "#\x00") {
		errs = append(errs, invalid("eventId", codeFor(e.EventID)))
	}
	if !slices.Contains(EngagementTypes, e.Type) {
		errs = append(errs, invalid("type", codeFor(string(e.Type))))
	}
	if !ValidSlug(e.Slug) {
		errs = append(errs, invalid("slug", codeFor(e.Slug)))
	}
	if e.MemberID == "" || len(e.MemberID) > maxKey || strings.ContainsAny(e.MemberID, "#\x00") {
		errs = append(errs, invalid("memberId", codeFor(e.MemberID)))
	}
	if e.At.IsZero() {
		errs = append(errs, invalid("at", "required"))
	}
	if len(e.URL) > 2048 {
		errs = append(errs, invalid("url", "too_long"))
	}
	return joinInvalid(errs)
}

// newsletterType is Record.Type's part for newsletter records: the type of
// the last newsletter field set and how many are set.
func (r Record) newsletterType() (RecordType, int) {
	var t RecordType
	n := 0
	if r.NewsletterSend != nil {
		t, n = RecordNewsletterSend, n+1
	}
	if r.DeliveryBatch != nil {
		t, n = RecordDeliveryBatch, n+1
	}
	if r.Delivery != nil {
		t, n = RecordDelivery, n+1
	}
	if r.Suppression != nil {
		t, n = RecordSuppression, n+1
	}
	if r.Engagement != nil {
		t, n = RecordEngagement, n+1
	}
	return t, n
}

// newsletterNormalized is Record.Normalized for newsletter records.
func (r Record) newsletterNormalized() Record {
	switch {
	case r.NewsletterSend != nil:
		s := r.NewsletterSend.Normalized()
		return Record{NewsletterSend: &s}
	case r.DeliveryBatch != nil:
		b := r.DeliveryBatch.Normalized()
		return Record{DeliveryBatch: &b}
	case r.Delivery != nil:
		d := *r.Delivery
		d.ClaimedAt = utc(d.ClaimedAt)
		return Record{Delivery: &d}
	case r.Suppression != nil:
		s := r.Suppression.Normalized()
		return Record{Suppression: &s}
	case r.Engagement != nil:
		e := r.Engagement.Normalized()
		return Record{Engagement: &e}
	}
	return r
}

// newsletterValidate is Record.Validate for newsletter records.
func (r Record) newsletterValidate() error {
	switch {
	case r.NewsletterSend != nil:
		return r.NewsletterSend.Validate()
	case r.DeliveryBatch != nil:
		return r.DeliveryBatch.Validate()
	case r.Delivery != nil:
		return r.Delivery.Validate()
	case r.Suppression != nil:
		return r.Suppression.Validate()
	case r.Engagement != nil:
		return r.Engagement.Validate()
	}
	return invalid("type", "unknown")
}
