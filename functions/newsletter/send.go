package newsletter

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/mailtext"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/store"
)

// How a send reaches every subscriber exactly once
//
// A run reads approved members page by page, keeps those with newsletter
// consent in the segment and not suppressed, and cuts them into batches of
// up to 1,000 per language. Each batch is claimed in the store before any
// request: a Delivery per member names the batch, so no member can be in
// two batches, and the batch's status says how far it got:
//
//	claimed  -> sending -> sent       (202)
//	            sending -> claimed    (429 or 5xx: nothing accepted; wait and try again)
//	            sending -> failed     (other 4xx, or too many attempts: the run stops)
//	            sending -> uncertain  (the request went out and no answer came back)
//
// The move to sending is written before the request and is a
// compare-and-swap from claimed, so only one runner ever puts a batch on
// the wire per attempt. SendGrid v3 has no idempotency key, so a batch a
// later run finds in sending (its process died mid-request) may have been
// accepted: it becomes uncertain and is never sent again automatically.
// This is at-most-once by choice: a duplicate newsletter cannot be taken
// back, a missing one can be sent later. Uncertain batches are resolved by
// evidence, when SendGrid's Event Webhook reports an event carrying the
// batch's custom_args (processed, delivered, open ...: the request was
// accepted) and the batch becomes sent; or by HR, who checks SendGrid's
// Activity feed and runs `okaeri newsletter send SLUG --resend-uncertain`.
// Everything else a crash leaves behind is safe to continue: claimed
// batches are sent, failed ones retried, and members without a Delivery
// are batched anew, so a re-run never skips anyone.

// RunOptions tune one run of a send.
type RunOptions struct {
	DryRun          bool // count and render; write and send nothing
	Limit           int  // at most this many new recipients in this run (0: all); the send pauses after
	ResendUncertain bool // HR checked SendGrid's activity: send uncertain batches again
	IgnoreSendAt    bool // send now even if send_at is later
	// TakeOver ignores another runner's lease: for an operator who knows
	// the process that held it is gone (it crashed) and will not wait for
	// the lease to run out. The batch state still prevents duplicates.
	TakeOver bool
	Actor    string // who runs it, for the send record ("cli", "hr:<id>", "scheduler")
	// Progress, if set, is called after every batch (from several goroutines, one at a time).
	Progress func(Progress)
}

// Progress is where a run is.
type Progress struct {
	Batches   int // batches finished in this run
	Claimed   int // recipients put in batches so far (this run and earlier)
	Sent      int
	Failed    int
	Uncertain int
}

// Send runs the send of a newsletter in the calling goroutine until every
// recipient has a finished batch, the run stops on an error, or ctx ends
// (then requests in flight finish and the send stays resumable). The send
// must exist, rendered (compose.Sync or Prepare): ErrNotSynced or
// ErrNotRendered otherwise. It returns the send as stored afterwards; with
// DryRun, a report of what would happen (nothing stored).
func (s *Service) Send(ctx context.Context, slug string, opt RunOptions) (store.NewsletterSend, error) {
	send, err := s.Store.GetNewsletterSend(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return store.NewsletterSend{}, ErrNotSynced
	}
	if err != nil {
		return store.NewsletterSend{}, err
	}
	if send.Rendered == nil {
		return s.notRendered(ctx, send, opt)
	}
	if rendered, here := strings.TrimRight(send.Rendered.BaseURL, "/"), strings.TrimRight(s.Config.BaseURL, "/"); rendered != here {
		s.Log.WarnContext(ctx, "newsletter: rendered for another portal; the body's links point there (okaeri sync with this portal's OKAERI_BASE_URL renders it again while the send is ready)",
			"slug", slug, "rendered_for", rendered, "base_url", here)
	}
	rc := s.renderConfig(ctx)
	r := &run{s: s, slug: slug, rendered: *send.Rendered, opt: opt, owner: store.NewID(), started: s.Now(), emails: map[store.Language]Email{}, company: rc.Company}
	for lang := range send.Rendered.Editions {
		e, err := Render(*send.Rendered, lang, rc)
		if err != nil {
			return send, fmt.Errorf("newsletter %s: %w", slug, err)
		}
		r.emails[lang] = e
	}
	if opt.DryRun {
		return r.dryRun(ctx, send)
	}
	if !opt.IgnoreSendAt && send.SendAt.After(s.Now()) {
		return s.Store.UpdateNewsletterSend(ctx, slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
			if old.Status == store.SendReady || old.Status == store.SendScheduled {
				old.Status = store.SendScheduled
				if opt.Actor != "" {
					old.Actor = opt.Actor
				}
			}
			return old, nil
		})
	}
	if err := r.acquire(ctx); err != nil {
		return send, err
	}
	runErr := r.execute(ctx)
	return r.finish(runErr)
}

// notRenderedError is ErrNotRendered for one send.
func notRenderedError(slug string) error {
	return fmt.Errorf("newsletter %s: %w", slug, ErrNotRendered)
}

// notRendered refuses a send stored by an older version, which has its
// Markdown but not the rendering this version sends; nothing is sent. The
// send keeps its status, so once okaeri sync has rendered it, the next run
// (the scheduler's, for a send HR started) goes on; its error says what to do.
func (s *Service) notRendered(ctx context.Context, send store.NewsletterSend, opt RunOptions) (store.NewsletterSend, error) {
	err := notRenderedError(send.Slug)
	if opt.DryRun || send.Error == short(err) {
		return send, err
	}
	s.Log.ErrorContext(ctx, "newsletter: the send has no rendered email; run okaeri sync", "slug", send.Slug)
	stored, uerr := s.Store.UpdateNewsletterSend(ctx, send.Slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
		if old.Rendered != nil {
			return old, errUnchanged // sync rendered it meanwhile
		}
		old.Error = short(err)
		return old, nil
	})
	if uerr != nil && !errors.Is(uerr, errUnchanged) {
		return send, errors.Join(err, uerr)
	}
	if uerr == nil {
		send = stored
	}
	return send, err
}

// run is one run of one send.
type run struct {
	s        *Service
	company  brand.Company // whose sender the batches come from
	slug     string
	rendered store.RenderedNewsletter
	emails   map[store.Language]Email
	opt      RunOptions
	owner    string // the lease owner id of this run
	// started is when this run began reading members; suppressions
	// recorded since then are checked again before each request.
	started time.Time

	mu         sync.Mutex
	recipients int // eligible members seen by this run's scan
	suppressed int // eligible but suppressed, in this run's scan (those left out at send time are in the batches)
	limitHit   bool
	nextID     int
	progress   Progress
	leaseUntil time.Time
}

// acquire takes the send's lease: one runner per send across processes.
func (r *run) acquire(ctx context.Context) error {
	now := r.s.Now()
	_, err := r.s.Store.UpdateNewsletterSend(ctx, r.slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
		if old.LeaseOwner != "" && old.LeaseOwner != r.owner && old.LeaseUntil.After(now) && !r.opt.TakeOver {
			return old, ErrRunning
		}
		old.LeaseOwner, old.LeaseUntil = r.owner, now.Add(r.s.Config.Lease)
		old.Status, old.Error = store.SendSending, ""
		if old.StartedAt.IsZero() {
			old.StartedAt = now
		}
		if r.opt.Actor != "" {
			old.Actor = r.opt.Actor
		}
		return old, nil
	})
	if err != nil {
		return fmt.Errorf("start newsletter %s: %w", r.slug, err)
	}
	r.leaseUntil = now.Add(r.s.Config.Lease)
	return nil
}

// renewLease extends the lease when half of it is gone; losing it (another
// runner took over) stops this run.
func (r *run) renewLease(ctx context.Context) error {
	now := r.s.Now()
	r.mu.Lock()
	due := now.Add(r.s.Config.Lease / 2).After(r.leaseUntil)
	r.mu.Unlock()
	if !due {
		return nil
	}
	_, err := r.s.Store.UpdateNewsletterSend(ctx, r.slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
		if old.LeaseOwner != r.owner {
			return old, ErrRunning
		}
		old.LeaseUntil = now.Add(r.s.Config.Lease)
		return old, nil
	})
	if err == nil {
		r.mu.Lock()
		r.leaseUntil = now.Add(r.s.Config.Lease)
		r.mu.Unlock()
	}
	return err
}

// job is one batch for a worker; resumed batches were claimed by an
// earlier run, so their members are checked again before sending.
type job struct {
	batch   store.DeliveryBatch
	resumed bool
}

// errStop wraps the error that stops a run (a refused batch, a store
// failure): the send is marked failed with it.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }
func (e errStop) Unwrap() error { return e.err }

// execute resolves what earlier runs left, then feeds batches to the
// workers: resumed ones first, then new ones as members are read.
func (r *run) execute(parent context.Context) error {
	// stop ends the taking of new work (ctx done, or a fatal error);
	// requests already on the wire finish under reqCtx, bounded by the
	// HTTP client's timeout, so an interrupt never cuts a request in half.
	stopAt := parent
	if d, ok := parent.Deadline(); ok {
		// A deadline (a Lambda invocation's) must leave room for the last
		// request to finish and be recorded: one cut off would be uncertain.
		var c context.CancelFunc
		stopAt, c = context.WithDeadline(parent, d.Add(-r.s.Config.RequestTimeout))
		defer c()
	}
	stop, cancel := context.WithCancelCause(stopAt)
	defer cancel(nil)
	reqCtx := context.WithoutCancel(parent)

	batches, err := r.s.Store.ListDeliveryBatches(stop, r.slug)
	if err != nil {
		if stop.Err() != nil {
			return ErrInterrupted
		}
		return errStop{err}
	}
	claimed := map[string]bool{}
	var resumed []store.DeliveryBatch
	for _, b := range batches {
		for _, rc := range b.Recipients {
			claimed[rc.MemberID] = true
		}
		if id, err := strconv.Atoi(b.ID); err == nil && id > r.nextID {
			r.nextID = id
		}
		b, err := r.resolve(stop, b)
		if err != nil {
			if stop.Err() != nil {
				return ErrInterrupted
			}
			return errStop{err}
		}
		r.count(b)
		if b.Status == store.BatchClaimed {
			resumed = append(resumed, b)
		}
	}

	jobs := make(chan job, r.s.Config.Concurrency)
	var wg sync.WaitGroup
	for range r.s.Config.Concurrency {
		wg.Go(func() {
			for j := range jobs {
				if stop.Err() != nil {
					continue // left claimed: the next run sends it
				}
				if err := r.sendBatch(stop, reqCtx, j); err != nil {
					cancel(err)
				}
				if err := r.renewLease(reqCtx); err != nil {
					cancel(errStop{err})
				}
			}
		})
	}
	produceErr := func() error {
		defer close(jobs)
		for _, b := range resumed {
			select {
			case jobs <- job{batch: b, resumed: true}:
			case <-stop.Done():
				return nil
			}
		}
		return r.produce(stop, claimed, jobs)
	}()
	wg.Wait()
	if produceErr != nil && stop.Err() == nil {
		return errStop{produceErr}
	}
	switch cause := context.Cause(stop); {
	case cause == nil:
		return nil
	case errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded):
		return ErrInterrupted
	default:
		return cause
	}
}

// ErrInterrupted means a run stopped before the end (its context ended):
// the send stays resumable and the next run continues it.
var ErrInterrupted = fmt.Errorf("newsletter: run interrupted; run it again to continue: %w", context.Canceled)

// resolve settles a batch an earlier run left behind (this run holds the lease).
func (r *run) resolve(ctx context.Context, b store.DeliveryBatch) (store.DeliveryBatch, error) {
	move := func(to store.BatchStatus, why string) (store.DeliveryBatch, error) {
		return r.s.Store.UpdateDeliveryBatch(ctx, r.slug, b.ID, func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
			if old.Status != b.Status {
				return old, errUnchanged
			}
			old.Status = to
			if why != "" {
				old.Error = why
			}
			old.NotBefore = time.Time{}
			return old, nil
		})
	}
	var (
		next store.DeliveryBatch
		err  error
	)
	switch {
	case b.Status == store.BatchClaiming:
		next, err = r.s.Store.ClaimDeliveryBatch(ctx, b)
	case b.Status == store.BatchSending:
		r.s.Log.WarnContext(ctx, "newsletter: a batch was interrupted mid-request; not resending it", "slug", r.slug, "batch", b.ID, "recipients", len(b.Recipients))
		next, err = move(store.BatchUncertain, "interrupted while its request was in flight: it may have been sent")
	case b.Status == store.BatchFailed:
		next, err = move(store.BatchClaimed, "")
	case b.Status == store.BatchUncertain && r.opt.ResendUncertain:
		r.s.Log.WarnContext(ctx, "newsletter: resending an uncertain batch as asked", "slug", r.slug, "batch", b.ID)
		next, err = move(store.BatchClaimed, "")
	default:
		return b, nil
	}
	if errors.Is(err, errUnchanged) {
		return r.s.Store.GetDeliveryBatch(ctx, r.slug, b.ID)
	}
	return next, err
}

// eligible reports whether a member should get this newsletter, before
// the suppression list: approved (the caller lists only those), consent
// to the newsletter, an address, in the segment.
func (r *run) eligible(m store.Member) bool {
	return m.Status == store.StatusApproved && m.Email != "" && m.Consents["newsletter"].Given && r.rendered.Segment.Matches(m)
}

// suppressed reports whether a suppression keeps a member from this
// newsletter. An unsubscribe older than the member's newest consent no
// longer counts: they subscribed again on their preferences page.
func suppressed(m store.Member, sup store.Suppression, ok bool) bool {
	if !ok {
		return false
	}
	for reason, mark := range sup.Reasons {
		if reason == store.SuppressUnsubscribe && m.Consents["newsletter"].At.After(mark.At) {
			continue
		}
		return true
	}
	return false
}

// suppressedSince reports whether a suppression keeps an address from
// mail now, for a member read at or after since: any hard reason, or an
// unsubscribe recorded since then.
func suppressedSince(sup store.Suppression, since time.Time) bool {
	for reason, mark := range sup.Reasons {
		if reason != store.SuppressUnsubscribe || !mark.At.Before(since) {
			return true
		}
	}
	return false
}

// produce reads approved members page by page and claims new batches. The
// reading runs one step ahead of the claiming (a read transaction does not
// wait for a write), so neither waits for the other.
func (r *run) produce(ctx context.Context, claimed map[string]bool, jobs chan<- job) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan pendingBatch, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(full)
		readErr <- r.read(ctx, claimed, full)
	}()
	for p := range full {
		if err := r.claim(ctx, p.lang, p.recipients, jobs); err != nil {
			cancel()
			for range full { // let the reader stop
			}
			return err
		}
	}
	return <-readErr
}

// pendingBatch is a full batch read, waiting to be claimed.
type pendingBatch struct {
	lang       store.Language
	recipients []store.BatchRecipient
}

// read selects the recipients of new batches, page by page, and hands each
// full batch (and the last, partial ones) to full.
func (r *run) read(ctx context.Context, claimed map[string]bool, full chan<- pendingBatch) error {
	bufs := map[store.Language][]store.BatchRecipient{}
	added := 0
	emit := func(lang store.Language) bool {
		select {
		case full <- pendingBatch{lang, bufs[lang]}:
			bufs[lang] = nil
			return true
		case <-ctx.Done():
			return false
		}
	}
	err := r.scan(ctx, claimed, func(m store.Member, c candidate) bool {
		r.mu.Lock()
		r.recipients++
		if c == candidateSuppressed {
			r.suppressed++
		}
		limited := c == candidateNew && r.opt.Limit > 0 && added >= r.opt.Limit
		r.limitHit = r.limitHit || limited
		r.mu.Unlock()
		if c != candidateNew || limited {
			return true
		}
		lang := r.language(m)
		bufs[lang] = append(bufs[lang], store.BatchRecipient{MemberID: m.ID, Email: m.Email, Name: displayName(m, lang)})
		added++
		return len(bufs[lang]) < r.s.Config.BatchSize || emit(lang)
	})
	if ctx.Err() != nil {
		return nil // stopping: what was not claimed is batched by the next run
	}
	if err != nil {
		return err
	}
	for _, lang := range []store.Language{store.LanguageJa, store.LanguageEn} {
		if len(bufs[lang]) > 0 && ctx.Err() == nil && !emit(lang) {
			return nil
		}
	}
	return nil
}

// candidate is where an eligible member stands for a run.
type candidate int

const (
	candidateNew        candidate = iota // gets it in this run
	candidateClaimed                     // an earlier run put them in a batch
	candidateSuppressed                  // the suppression list keeps it from them
)

// scan is the one rule of who gets a newsletter: it reads approved
// members page by page and calls each, in order, with every member
// eligible for it (consent, address, segment) and where they stand:
// claimed by an earlier run (in claimed), kept from it by the suppression
// list, or new. The send (read), its dry run and the count on HR's page
// (Audience) all select through it. each returns false to stop.
func (r *run) scan(ctx context.Context, claimed map[string]bool, each func(store.Member, candidate) bool) error {
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		members, next, err := r.s.Store.ListMembersByStatus(ctx, store.StatusApproved, page)
		if err != nil {
			return fmt.Errorf("list members: %w", err)
		}
		var eligible []store.Member
		hashes := make([]string, 0, len(members))
		for _, m := range members {
			if !r.eligible(m) {
				continue
			}
			eligible = append(eligible, m)
			if !claimed[m.ID] {
				hashes = append(hashes, store.EmailHash(m.Email))
			}
		}
		sups, err := r.s.Store.FindSuppressions(ctx, hashes)
		if err != nil {
			return err
		}
		for _, m := range eligible {
			c := candidateNew
			if claimed[m.ID] {
				c = candidateClaimed
			} else if sup, ok := sups[store.EmailHash(m.Email)]; suppressed(m, sup, ok) {
				c = candidateSuppressed
			}
			if !each(m, c) {
				return nil
			}
		}
		if next == "" || ctx.Err() != nil {
			return nil
		}
		page.Cursor = next
	}
}

// language is the edition a member gets: theirs, or Japanese when the
// newsletter has no translation.
func (r *run) language(m store.Member) store.Language {
	lang, _ := r.rendered.Edition(m.Language)
	return lang
}

// displayName is how the email greets a member.
func displayName(m store.Member, lang store.Language) string {
	if lang == store.LanguageEn && m.Roman != "" {
		return m.Roman
	}
	return m.Name
}

// claim stores a new batch and hands it to the workers. If another runner
// took the same id a moment before, the claim returns its batch: this run
// then takes the next id for its own recipients.
func (r *run) claim(ctx context.Context, lang store.Language, rs []store.BatchRecipient, jobs chan<- job) error {
	var b store.DeliveryBatch
	for {
		r.nextID++
		createdAt := r.s.Now().UTC()
		var err error
		b, err = r.s.Store.ClaimDeliveryBatch(ctx, store.DeliveryBatch{
			Slug: r.slug, ID: fmt.Sprintf("%06d", r.nextID), Language: lang, Recipients: rs, CreatedAt: createdAt,
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("claim batch: %w", err)
		}
		if b.CreatedAt.Equal(createdAt) && b.Language == lang && (len(b.Recipients) == 0 || slices.ContainsFunc(rs, func(x store.BatchRecipient) bool { return x.MemberID == b.Recipients[0].MemberID })) {
			break
		}
	}
	r.mu.Lock()
	r.progress.Claimed += len(b.Recipients)
	r.mu.Unlock()
	select {
	case jobs <- job{batch: b}:
	case <-ctx.Done():
	}
	return nil
}

// recheck drops, just before sending, recipients who were suppressed or
// erased since the claim (for a resumed batch, also those who withdrew
// consent or left the segment), recording why in the batch.
func (r *run) recheck(ctx context.Context, b store.DeliveryBatch, resumed bool) (store.DeliveryBatch, error) {
	var hashes []string
	for _, rc := range b.Recipients {
		if rc.Email != "" && rc.Skipped == "" {
			hashes = append(hashes, store.EmailHash(rc.Email))
		}
	}
	sups, err := r.s.Store.FindSuppressions(ctx, hashes)
	if err != nil {
		return b, err
	}
	skip := map[string]string{}
	for _, rc := range b.Recipients {
		switch {
		case rc.Skipped != "":
		case rc.Email == "":
			skip[rc.MemberID] = "erased"
		case resumed:
			m, err := r.s.Store.GetMember(ctx, rc.MemberID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				skip[rc.MemberID] = "erased"
			case err != nil:
				return b, err
			case !r.eligible(m):
				skip[rc.MemberID] = "unsubscribed"
			default:
				sup, ok := sups[store.EmailHash(rc.Email)]
				if suppressed(m, sup, ok) {
					skip[rc.MemberID] = "suppressed"
				}
			}
		default:
			// A fresh batch's members were read by this run with their
			// consent, after anything suppressed before the run started;
			// what counts now is what was added since.
			if sup, ok := sups[store.EmailHash(rc.Email)]; ok && suppressedSince(sup, r.started) {
				skip[rc.MemberID] = "suppressed"
			}
		}
	}
	if len(skip) == 0 {
		return b, nil
	}
	next, err := r.s.Store.UpdateDeliveryBatch(ctx, r.slug, b.ID, func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
		if old.Status != store.BatchClaimed {
			return old, errUnchanged // another runner has it; it checks for itself
		}
		for i, rc := range old.Recipients {
			if why, ok := skip[rc.MemberID]; ok && rc.Skipped == "" {
				old.Recipients[i].Skipped = why
			}
		}
		return old, nil
	})
	if errors.Is(err, errUnchanged) {
		return r.s.Store.GetDeliveryBatch(ctx, r.slug, b.ID)
	}
	return next, err
}

// bulk is the request for a batch: the rendered edition with each
// recipient's name and signed unsubscribe link, List-Unsubscribe headers
// (RFC 8058 one-click) and custom_args naming the send, batch and member.
func (r *run) bulk(b store.DeliveryBatch) mail.Bulk {
	out := r.s.message(r.emails[b.Language], r.company, b.ID)
	for _, rc := range b.Recipients {
		if rc.Skipped != "" || rc.Email == "" {
			continue
		}
		out.Recipients = append(out.Recipients, r.s.recipient(mail.Address{Name: rc.Name, Email: rc.Email}, rc.MemberID, r.slug,
			map[string]string{ArgSend: r.slug, ArgBatch: b.ID, ArgMember: rc.MemberID}))
	}
	return out
}

// message is the part of a newsletter's request every recipient shares:
// the edition e from the company's sender.
func (s *Service) message(e Email, company brand.Company, id string) mail.Bulk {
	from := s.Config.From
	if from.Name == "" {
		from = mailtext.Sender(from.Email, company, string(e.Lang))
	}
	return mail.Bulk{
		ID: id, From: from, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Category: "newsletter",
		Headers: map[string]string{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
	}
}

// recipient is one recipient of a newsletter's request: their name and
// their unsubscribe link, signed for the member and the send slug names.
func (s *Service) recipient(to mail.Address, memberID, slug string, args map[string]string) mail.BulkRecipient {
	token := s.unsubscribeToken(memberID, slug)
	link := s.unsubscribeURL(token)
	return mail.BulkRecipient{
		To: to,
		Substitutions: map[string]string{
			KeyName: to.Name, KeyNameHTML: html.EscapeString(to.Name),
			KeyUnsubscribe: link, KeyUnsubscribeHTML: html.EscapeString(link),
		},
		Headers: map[string]string{"List-Unsubscribe": "<" + link + ">, <mailto:" + s.Config.From.Email + "?subject=" + url.PathEscape("unsubscribe "+token) + ">"},
		Args:    args,
	}
}

// custom_args every newsletter message carries; SendGrid's events echo them.
const (
	ArgSend   = "okaeri_send"
	ArgBatch  = "okaeri_batch"
	ArgMember = "okaeri_member"
)

// sendBatch takes one batch from claimed to a final status. It returns an
// error only when the whole run must stop.
func (r *run) sendBatch(stop, reqCtx context.Context, j job) error {
	b, err := r.recheck(stop, j.batch, j.resumed)
	if err != nil {
		if stop.Err() != nil {
			return nil // stopping: the batch stays claimed
		}
		return errStop{fmt.Errorf("batch %s: %w", j.batch.ID, err)}
	}
	bulk := r.bulk(b)
	update := func(ctx context.Context, from []store.BatchStatus, edit func(*store.DeliveryBatch)) (store.DeliveryBatch, error) {
		return r.s.Store.UpdateDeliveryBatch(ctx, r.slug, b.ID, func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
			ok := false
			for _, f := range from {
				ok = ok || old.Status == f
			}
			if !ok {
				return old, fmt.Errorf("%w: batch %s is %s", store.ErrPrecondition, old.ID, old.Status)
			}
			edit(&old)
			return old, nil
		})
	}
	sent := func(ctx context.Context, messageID string) error {
		_, err := update(ctx, []store.BatchStatus{store.BatchSending, store.BatchUncertain}, func(b *store.DeliveryBatch) {
			b.Status, b.MessageID, b.Error, b.NotBefore = store.BatchSent, messageID, "", time.Time{}
			for i := range b.Recipients { // their part is done: no address stays behind
				b.Recipients[i].Email, b.Recipients[i].Name = "", ""
			}
		})
		if err == nil {
			r.done(func(p *Progress) { p.Sent += len(bulk.Recipients) })
		}
		return err
	}
	// nobodyLeft closes a batch whose recipients all left the list since
	// the claim: there is nothing to send.
	nobodyLeft := func() error {
		if _, err := update(reqCtx, []store.BatchStatus{store.BatchClaimed}, func(b *store.DeliveryBatch) { b.Status = store.BatchSending }); err != nil {
			return nil // another runner has it
		}
		if err := sent(reqCtx, ""); err != nil {
			return errStop{err}
		}
		return nil
	}
	if len(bulk.Recipients) == 0 {
		return nobodyLeft()
	}
	for attempt := 1; ; attempt++ {
		if wait := b.NotBefore.Sub(r.s.Now()); wait > 0 {
			if err := r.s.Sleep(stop, wait); err != nil {
				return nil // stopping: the batch is claimed, the next run sends it
			}
		}
		if stop.Err() != nil {
			return nil
		}
		if attempt > 1 {
			// A wait may have been long (429): check the list again.
			if b, err = r.recheck(stop, b, false); err != nil {
				if stop.Err() != nil {
					return nil
				}
				return errStop{fmt.Errorf("batch %s: %w", j.batch.ID, err)}
			}
			if bulk = r.bulk(b); len(bulk.Recipients) == 0 {
				return nobodyLeft()
			}
		}
		// The one durable step before the request: from here until an
		// answer is recorded, a crash leaves the batch in sending.
		b, err = update(stop, []store.BatchStatus{store.BatchClaimed}, func(b *store.DeliveryBatch) {
			b.Status, b.Attempts = store.BatchSending, b.Attempts+1
		})
		if errors.Is(err, store.ErrPrecondition) {
			return nil // another runner has it
		}
		if err != nil {
			return errStop{fmt.Errorf("batch %s: %w", j.batch.ID, err)}
		}
		receipt, sendErr := r.s.Sender.SendBulk(reqCtx, bulk)
		var se *mail.SendError
		switch {
		case sendErr == nil:
			if err := sent(reqCtx, receipt.MessageID); err != nil {
				return errStop{fmt.Errorf("batch %s was accepted but could not be recorded: %w", b.ID, err)}
			}
			return nil
		case !errors.As(sendErr, &se) || se.Uncertain:
			r.s.Log.ErrorContext(reqCtx, "newsletter: no answer for a batch; it may have been sent and will not be resent", "slug", r.slug, "batch", b.ID, "err", sendErr)
			if _, err := update(reqCtx, []store.BatchStatus{store.BatchSending}, func(b *store.DeliveryBatch) {
				b.Status, b.Error = store.BatchUncertain, short(sendErr)
			}); err != nil {
				return errStop{err}
			}
			r.done(func(p *Progress) { p.Uncertain += len(bulk.Recipients) })
			return nil
		case se.Retryable && attempt < r.s.Config.MaxAttempts:
			wait := sendgrid.Backoff(attempt, se.RetryAfter, r.s.Config.MaxWait)
			r.s.Log.WarnContext(reqCtx, "newsletter: batch refused for now; retrying", "slug", r.slug, "batch", b.ID, "status", se.Status, "attempt", attempt, "wait", wait)
			b, err = update(reqCtx, []store.BatchStatus{store.BatchSending}, func(b *store.DeliveryBatch) {
				b.Status, b.NotBefore, b.Error = store.BatchClaimed, r.s.Now().Add(wait), short(sendErr)
			})
			if err != nil {
				return errStop{err}
			}
		case se.Retryable:
			// Still refused after every attempt: nothing was accepted.
			return r.fail(reqCtx, update, bulk, fmt.Errorf("batch %s: gave up after %d attempts: %w", b.ID, attempt, sendErr))
		default:
			return r.fail(reqCtx, update, bulk, fmt.Errorf("batch %s refused: %w", b.ID, sendErr))
		}
	}
}

// fail marks a batch failed and stops the run with err.
func (r *run) fail(ctx context.Context, update func(context.Context, []store.BatchStatus, func(*store.DeliveryBatch)) (store.DeliveryBatch, error), bulk mail.Bulk, err error) error {
	r.s.Log.ErrorContext(ctx, "newsletter: batch failed; stopping the send", "slug", r.slug, "batch", bulk.ID, "err", err)
	if _, uerr := update(ctx, []store.BatchStatus{store.BatchSending}, func(b *store.DeliveryBatch) {
		b.Status, b.Error = store.BatchFailed, short(err)
	}); uerr != nil {
		return errStop{errors.Join(err, uerr)}
	}
	r.done(func(p *Progress) { p.Failed += len(bulk.Recipients) })
	return errStop{err}
}

// short is an error for the send record: one line, bounded.
func short(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// done updates the progress after a batch finished and reports it.
func (r *run) done(edit func(*Progress)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	edit(&r.progress)
	r.progress.Batches++
	if r.opt.Progress != nil {
		r.opt.Progress(r.progress)
	}
}

// count adds a batch an earlier run left to the progress.
func (r *run) count(b store.DeliveryBatch) {
	n := 0
	for _, rc := range b.Recipients {
		if rc.Skipped == "" {
			n++
		}
	}
	r.progress.Claimed += len(b.Recipients)
	switch b.Status {
	case store.BatchSent:
		r.progress.Sent += n
	case store.BatchUncertain:
		r.progress.Uncertain += n
	}
}

// finish writes the report and status from the batches as stored, and
// releases the lease.
func (r *run) finish(runErr error) (store.NewsletterSend, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	batches, err := r.s.Store.ListDeliveryBatches(ctx, r.slug)
	if err != nil {
		return store.NewsletterSend{}, errors.Join(runErr, err)
	}
	report := tally(batches)
	r.mu.Lock()
	report.Recipients, report.Suppressed = r.recipients, r.suppressed+report.Suppressed
	limitHit := r.limitHit
	r.mu.Unlock()
	now := r.s.Now()
	var stopped errStop
	send, err := r.s.Store.UpdateNewsletterSend(ctx, r.slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
		if old.LeaseOwner != r.owner && old.LeaseOwner != "" && old.LeaseUntil.After(now) {
			return old, errUnchanged // another runner took over: the send is theirs to report
		}
		old.Report = report
		switch {
		case errors.As(runErr, &stopped) || (runErr != nil && !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded)):
			old.Status, old.Error, old.FinishedAt = store.SendFailed, short(runErr), now
		case runErr != nil || report.Pending > 0:
			old.Status, old.Error = store.SendSending, "interrupted: run the send again (or let the scheduler) to continue"
		case limitHit:
			old.Status, old.Error, old.FinishedAt = store.SendPaused, "", now
		default:
			old.Status, old.Error, old.FinishedAt = store.SendDone, "", now
		}
		if old.LeaseOwner == r.owner {
			old.LeaseOwner, old.LeaseUntil = "", time.Time{}
		}
		return old, nil
	})
	if errors.Is(err, errUnchanged) {
		send, err = r.s.Store.GetNewsletterSend(ctx, r.slug)
	}
	if err != nil {
		return store.NewsletterSend{}, errors.Join(runErr, err)
	}
	r.s.Log.InfoContext(ctx, "newsletter: run finished", "slug", r.slug, "status", send.Status, "sent", report.Sent,
		"suppressed", report.Suppressed, "failed", report.Failed, "uncertain", report.Uncertain, "pending", report.Pending, "requests", report.Requests)
	return send, runErr
}

// tally counts recipients by their batch's status.
func tally(batches []store.DeliveryBatch) store.SendReport {
	var rep store.SendReport
	for _, b := range batches {
		rep.Batches++
		rep.Requests += b.Attempts
		for _, rc := range b.Recipients {
			if rc.Skipped != "" {
				rep.Suppressed++ // left out at send time
				continue
			}
			switch b.Status {
			case store.BatchSent:
				rep.Sent++
			case store.BatchFailed:
				rep.Failed++
			case store.BatchUncertain:
				rep.Uncertain++
			default:
				rep.Pending++
			}
		}
	}
	return rep
}

// dryRun counts what a run would do, writing nothing.
func (r *run) dryRun(ctx context.Context, send store.NewsletterSend) (store.NewsletterSend, error) {
	batches, err := r.s.Store.ListDeliveryBatches(ctx, r.slug)
	if err != nil {
		return send, err
	}
	claimed := map[string]bool{}
	requests := 0
	for _, b := range batches {
		for _, rc := range b.Recipients {
			claimed[rc.MemberID] = true
		}
		if b.Status == store.BatchClaimed || b.Status == store.BatchClaiming || b.Status == store.BatchFailed {
			requests++
		}
	}
	perLang := map[store.Language]int{}
	report := tally(batches)
	added := 0
	err = r.scan(ctx, claimed, func(m store.Member, c candidate) bool {
		report.Recipients++
		switch {
		case c == candidateSuppressed:
			report.Suppressed++
		case c == candidateNew && (r.opt.Limit == 0 || added < r.opt.Limit):
			perLang[r.language(m)]++
			report.Pending++
			added++
		}
		return true
	})
	if err != nil {
		return send, err
	}
	for _, n := range perLang {
		requests += (n + r.s.Config.BatchSize - 1) / r.s.Config.BatchSize
	}
	report.Requests = requests // the requests this run would make at least
	send.Report = report
	return send, nil
}

// Audience is who a send would reach if it ran now, selected as the send
// selects (run.scan), by the edition each member would get.
type Audience struct {
	Ja         int `json:"ja"`         // would get the Japanese edition
	En         int `json:"en"`         // would get the English edition
	Suppressed int `json:"suppressed"` // eligible, kept from it by the suppression list
	Claimed    int `json:"claimed"`    // eligible, already in a batch of an earlier run
}

// Total is how many members would get it now.
func (a Audience) Total() int { return a.Ja + a.En }

// Audience counts who would get a newsletter if its send ran now: approved
// members with newsletter consent in its segment, not suppressed, not
// already in one of its batches. It writes nothing. ErrNotSynced or
// ErrNotRendered as Send.
func (s *Service) Audience(ctx context.Context, slug string) (Audience, error) {
	send, err := s.Store.GetNewsletterSend(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return Audience{}, ErrNotSynced
	}
	if err != nil {
		return Audience{}, err
	}
	if send.Rendered == nil {
		return Audience{}, notRenderedError(slug)
	}
	batches, err := s.Store.ListDeliveryBatches(ctx, slug)
	if err != nil {
		return Audience{}, err
	}
	claimed := map[string]bool{}
	for _, b := range batches {
		for _, rc := range b.Recipients {
			claimed[rc.MemberID] = true
		}
	}
	r := &run{s: s, slug: slug, rendered: *send.Rendered}
	var a Audience
	err = r.scan(ctx, claimed, func(m store.Member, c candidate) bool {
		switch {
		case c == candidateClaimed:
			a.Claimed++
		case c == candidateSuppressed:
			a.Suppressed++
		case r.language(m) == store.LanguageEn:
			a.En++
		default:
			a.Ja++
		}
		return true
	})
	if err != nil {
		return Audience{}, fmt.Errorf("newsletter %s: count recipients: %w", slug, err)
	}
	return a, nil
}
