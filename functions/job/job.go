// Package job is the jobs function: alumni apply to postings (with a
// résumé PDF or a link) and refer friends; HR moves applications through
// the hiring pipeline and records what came of referrals; members follow
// their applications and may withdraw them.
//
// Postings come from content/ (okaeri sync puts them in the store, see
// Sync). Résumés live in a blob.Store, never in the store or a log. Every
// state change is in the audit log, by field name only.
package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/mailtext"
	"github.com/okaeri/okaeri/functions/store"
)

// MaxResumeBytes is the largest résumé accepted: 5 MB.
const MaxResumeBytes = 5 << 20

// Limit is a fixed-window rate limit.
type Limit struct {
	Count  int
	Window time.Duration
}

// Config is the jobs function's configuration.
type Config struct {
	BaseURL string // public origin, for links in emails
	From    mail.Address
	// Admins are told about applications to a job that names no contact.
	Admins []string
	// ReferralsPerMember bounds how many friends one member may refer per
	// window, so the portal cannot be used to send mail in bulk (default 20 a day).
	ReferralsPerMember Limit
	// AnswersPerClient bounds the answers from one client per window on a
	// referral's landing page, a public form (default 10 an hour).
	AnswersPerClient Limit
}

// Service holds the jobs logic; Handler puts it on HTTP.
type Service struct {
	Store        store.Store
	Suppressions store.Suppressions // addresses never to mail (the newsletter's list)
	Blobs        blob.Store
	Mailer       mail.Mailer
	Accounts     *account.Service // sessions and HR administrators
	Keys         *auth.Keyring    // signs unsubscribe links
	Config       Config
	Log          *slog.Logger
	Now          func() time.Time
	// Company is the company the portal belongs to, for every email's
	// frame and sender (core.Core.Company); nil is brand.Sample.
	Company func(context.Context) brand.Company
}

// New builds a Service with defaults applied.
func New(st store.Store, sup store.Suppressions, blobs blob.Store, m mail.Mailer, accounts *account.Service, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.ReferralsPerMember.Count == 0 {
		cfg.ReferralsPerMember = Limit{20, 24 * time.Hour}
	}
	if cfg.AnswersPerClient.Count == 0 {
		cfg.AnswersPerClient = Limit{10, time.Hour}
	}
	if cfg.BaseURL == "" && accounts != nil {
		cfg.BaseURL = accounts.Config.BaseURL
	}
	var keys *auth.Keyring
	if accounts != nil {
		keys = accounts.Keys
	}
	return &Service{Store: st, Suppressions: sup, Blobs: blobs, Mailer: m, Accounts: accounts, Keys: keys,
		Config: cfg, Log: log, Now: time.Now}
}

// audit appends an audit entry: the audit log names fields, never values.
func (s *Service) audit(ctx context.Context, actor, action, subject string, fields ...string) {
	if _, err := s.Store.AppendAudit(ctx, store.AuditEntry{At: s.Now(), Actor: actor, Action: action, Subject: subject, Fields: fields}); err != nil {
		s.Log.ErrorContext(ctx, "audit", "action", action, "err", err)
	}
}

// send renders and sends one email; a failure is logged (with the
// recipient's domain only) and returned. The caller decides whether it matters.
func (s *Service) send(ctx context.Context, to mail.Address, kind emailKind, lang string, d emailData, headers map[string]string) error {
	d.Portal = s.Config.BaseURL
	b := mailtext.BrandOf(ctx, s.Company, s.Config.BaseURL)
	e, err := emailTemplates.Render(kind, lang, d, b)
	if err != nil {
		return err
	}
	msg := e.Message(s.Config.From, to, b, string(kind))
	msg.Headers = headers
	if err := s.Mailer.Send(ctx, msg); err != nil {
		s.Log.ErrorContext(ctx, "send mail", "kind", kind, "to_domain", to.Domain(), "err", err)
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	return nil
}

// job reads a posting; an unknown one is a 404.
func (s *Service) job(ctx context.Context, id string) (store.Job, error) {
	if !store.ValidJobID(id) {
		return store.Job{}, httpapi.Errorf(httpapi.ENOTFOUND, "job_not_found")
	}
	j, err := s.Store.GetJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Job{}, httpapi.Errorf(httpapi.ENOTFOUND, "job_not_found")
	}
	if err != nil {
		return store.Job{}, httpapi.Internal(err)
	}
	return j, nil
}

// closedError is the 409 for a job that no longer takes applications,
// naming the day it closed in the reader's language.
func closedError(j store.Job) error {
	if j.Archived {
		return httpapi.Errorf(httpapi.ECONFLICT, "job_withdrawn")
	}
	return &httpapi.Error{Code: httpapi.ECONFLICT, Key: "job_closed", Params: []any{closingDay(j.Closes)}}
}

// storeError maps the store's errors that reach a person.
func storeError(err error) error {
	var te *store.TransitionError
	switch {
	case errors.As(err, &te):
		return httpapi.Errorf(httpapi.ECONFLICT, "transition_not_allowed")
	case errors.Is(err, store.ErrNotFound):
		return httpapi.Errorf(httpapi.ENOTFOUND, "not_found")
	case errors.Is(err, store.ErrInvalid):
		var fields []httpapi.FieldError
		for _, fe := range store.FieldErrors(err) {
			fields = append(fields, httpapi.FieldError{Field: fe.Field, Code: "format"})
		}
		return httpapi.Invalid(fields...)
	}
	return httpapi.Internal(err)
}

// isAdmin reports whether m is one of HR's administrators.
func (s *Service) isAdmin(m store.Member) bool { return s.Accounts != nil && s.Accounts.IsAdmin(m) }

// hrActor is how an HR member appears in histories and the audit log.
func hrActor(m store.Member) string { return "hr:" + m.ID }

// hrRecipients are who hears about a job's applications: its contact, or
// else the administrators.
func (s *Service) hrRecipients(j store.Job) []mail.Address {
	if j.Contact != "" {
		return []mail.Address{{Email: j.Contact}}
	}
	var out []mail.Address
	for _, a := range s.Config.Admins {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, mail.Address{Email: a})
		}
	}
	return out
}

// notifyHR sends one of HR's notices (hr-*) about job to each of its
// recipients, each in the language hrNoticeLang picks. A failure is logged
// by send and does not stop the others.
func (s *Service) notifyHR(ctx context.Context, j store.Job, kind emailKind, d emailData) {
	for _, to := range s.hrRecipients(j) {
		_ = s.send(ctx, to, kind, s.hrNoticeLang(ctx, to), d, nil)
	}
}

// hrNoticeLang is the language of an HR notice to an address. One that is
// a member's (administrators are members: they log in to HR's pages) gets
// the language of that member, the one their HR pages speak. Any other
// address is taken for a shared mailbox, such as a job's contact, whose
// readers may read either language: it gets one email, Japanese then English.
func (s *Service) hrNoticeLang(ctx context.Context, to mail.Address) string {
	m, err := s.Store.GetMemberByEmail(ctx, to.Email)
	switch {
	case err == nil:
		return memberLang(m)
	case !errors.Is(err, store.ErrNotFound):
		s.Log.ErrorContext(ctx, "read HR notice recipient", "to_domain", to.Domain(), "err", err)
	}
	return mailtext.Bilingual
}

// memberLang is ja unless the member chose English.
func memberLang(m store.Member) string {
	if m.Language == store.LanguageEn {
		return httpapi.LangEN
	}
	return httpapi.LangJA
}

// JobPath is where a posting's page is on the site: members-only postings
// are under /members/.
func JobPath(lang string, j store.Job) string {
	if j.Visibility == store.VisibilityMembers {
		return httpapi.PathIn(lang, "/members/jobs/"+j.ID+"/")
	}
	return httpapi.PathIn(lang, "/jobs/"+j.ID+"/")
}

// closingDay is a job's last day in an error message, in the reader's language.
type closingDay time.Time

func (d closingDay) In(lang string) string { return brand.Date(lang, time.Time(d)) }
