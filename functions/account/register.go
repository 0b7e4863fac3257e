package account

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/httpapi"
	omail "github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// Purposes a member can consent to; "privacy" is required to register.
var Purposes = []string{"privacy", "newsletter", "events", "jobs", "directory", "sidework"}

// RegisterInput is what the registration form sends.
type RegisterInput struct {
	Email          string `json:"email"`
	Name           string `json:"name"`
	Kana           string `json:"kana"`
	Department     string `json:"department"`
	Joined         string `json:"joined"`
	Left           string `json:"left"`
	EmployeeNumber string `json:"employee_number"`
	Language       string `json:"language"`
	PrivacyVersion string `json:"privacy_version"`
	Privacy        bool   `json:"privacy"`
	Newsletter     bool   `json:"newsletter"`
	Events         bool   `json:"events"`
	Jobs           bool   `json:"jobs"`
	Directory      bool   `json:"directory"`
	Sidework       bool   `json:"sidework"`
}

var (
	empNoRE  = store.LazyPattern(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)
	kanaRune = func(r rune) bool {
		return unicode.In(r, unicode.Hiragana, unicode.Katakana) || r == 'ー' || r == '・' || r == ' ' || r == '　'
	}
)

// checkText validates a free-text field: required or not, length, and no control characters.
func checkText(field, v string, max int, required bool) *httpapi.FieldError {
	switch {
	case v == "" && required:
		return &httpapi.FieldError{Field: field, Code: "required"}
	case utf8.RuneCountInString(v) > max:
		return &httpapi.FieldError{Field: field, Code: "too_long", Params: []any{max}}
	case !utf8.ValidString(v):
		return &httpapi.FieldError{Field: field, Code: "control"}
	}
	// Controls, bidi controls and zero-width characters: store.ForbiddenRune.
	if i := store.IndexForbidden(v, nil); i >= 0 {
		if r, _ := utf8.DecodeRuneInString(v[i:]); !unicode.IsControl(r) {
			return &httpapi.FieldError{Field: field, Code: "invisible"}
		}
		return &httpapi.FieldError{Field: field, Code: "control"}
	}
	return nil
}

// checkEmail validates an address as a person types it: one plain address, no display name.
func checkEmail(field, v string) *httpapi.FieldError {
	if fe := checkText(field, v, 254, true); fe != nil {
		return fe
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		return &httpapi.FieldError{Field: field, Code: "email"}
	}
	return nil
}

// Validate checks every field and returns all problems at once.
func (in *RegisterInput) Validate(policyVersion string, now time.Time) error {
	in.Email = strings.TrimSpace(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	in.Kana = strings.TrimSpace(in.Kana)
	in.Department = strings.TrimSpace(in.Department)
	in.Joined = strings.TrimSpace(in.Joined)
	in.Left = strings.TrimSpace(in.Left)
	in.EmployeeNumber = strings.TrimSpace(in.EmployeeNumber)
	if in.Language == "" {
		in.Language = "ja"
	}
	var fes []httpapi.FieldError
	add := func(fe *httpapi.FieldError) {
		if fe != nil {
			fes = append(fes, *fe)
		}
	}
	add(checkEmail("email", in.Email))
	add(checkText("name", in.Name, 100, true))
	if fe := checkText("kana", in.Kana, 100, false); fe != nil {
		add(fe)
	} else if in.Kana != "" && strings.IndexFunc(in.Kana, func(r rune) bool { return !kanaRune(r) }) >= 0 {
		add(&httpapi.FieldError{Field: "kana", Code: "kana"})
	}
	fes = append(fes, checkTenure(&in.Department, &in.Joined, &in.Left, now)...)
	if in.EmployeeNumber != "" && !empNoRE.MatchString(in.EmployeeNumber) {
		add(&httpapi.FieldError{Field: "employee_number", Code: "employee_number"})
	}
	if in.Language != "ja" && in.Language != "en" {
		add(&httpapi.FieldError{Field: "language", Code: "lang"})
	}
	if !in.Privacy {
		add(&httpapi.FieldError{Field: "privacy", Code: "must_true"})
	}
	if in.PrivacyVersion != policyVersion {
		add(&httpapi.FieldError{Field: "privacy_version", Code: "policy_version"})
	}
	if len(fes) > 0 {
		return httpapi.Invalid(fes...)
	}
	return nil
}

func (in RegisterInput) consents(version string, now time.Time) map[string]store.Consent {
	given := map[string]bool{"privacy": in.Privacy, "newsletter": in.Newsletter, "events": in.Events,
		"jobs": in.Jobs, "directory": in.Directory, "sidework": in.Sidework}
	out := make(map[string]store.Consent, len(given))
	for p, g := range given {
		out[p] = store.Consent{Given: g, PolicyVersion: version, At: now}
	}
	return out
}

// Register handles a registration. Whatever happens to the address (new,
// pending, already a member), the caller answers the same 202: only the
// mailbox's owner learns which.
func (s *Service) Register(ctx context.Context, in RegisterInput, client string) error {
	now := s.Now()
	if err := in.Validate(s.Config.PolicyVersion, now); err != nil {
		return err
	}
	if err := s.limit(ctx, "register:client:"+client, s.Config.RegisterPerClient); err != nil {
		return err
	}
	if err := s.limit(ctx, "register:addr:"+store.EmailHash(in.Email), s.Config.RegisterPerAddress); err != nil {
		return err
	}
	return s.deferOrRun(ctx, TaskRegister, in, func() error { return s.registerNow(ctx, in, now) })
}

// registerNow does what a registration does to the store and the mail,
// for an input already validated and counted.
func (s *Service) registerNow(ctx context.Context, in RegisterInput, now time.Time) error {
	to := omail.Address{Name: in.Name, Email: in.Email}
	existing, err := s.Store.GetMemberByEmail(ctx, in.Email)
	switch {
	case err == nil && existing.Status == store.StatusPending:
		// Registered before but never verified: send a fresh link.
		return s.sendVerify(ctx, existing, now)
	case err == nil:
		return s.send(ctx, to, emailAlreadyKnown, string(existing.Language), emailData{})
	case !errors.Is(err, store.ErrNotFound):
		return httpapi.Internal(err)
	}
	m, err := s.Store.CreateMember(ctx, store.Member{
		Email: in.Email, Name: in.Name, Kana: in.Kana, Department: in.Department,
		Joined: in.Joined, Left: in.Left, EmployeeNumber: in.EmployeeNumber,
		Language: store.Language(in.Language), Status: store.StatusPending,
		Consents: in.consents(s.Config.PolicyVersion, now), Profile: newProfile(), CreatedAt: now,
	})
	numberHeld := false
	if conflictField(err) == "employeeNumber" {
		// Someone else's registration holds this employee number. The typed
		// address still registers, without the number, so a stranger who
		// typed it first cannot lock the real alumnus out; the address is
		// told, and HR decides by the roster.
		numberHeld = true
		m, err = s.Store.CreateMember(ctx, store.Member{
			Email: in.Email, Name: in.Name, Kana: in.Kana, Department: in.Department,
			Joined: in.Joined, Left: in.Left, Language: store.Language(in.Language), Status: store.StatusPending,
			Consents: in.consents(s.Config.PolicyVersion, now), Profile: newProfile(), CreatedAt: now,
		})
	}
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		// A concurrent registration of the same address: the first one
		// mails its owner; answer the same, mail nothing more.
		s.Log.InfoContext(ctx, "register: conflict", "field", conflictField(err))
		return nil
	case err != nil:
		return storeError(err)
	}
	s.audit(ctx, m.ID, "member.register", m.ID, "email", "name", "consents")
	if numberHeld {
		s.audit(ctx, "system", "member.employee_number_held", m.ID, "employeeNumber")
		_ = s.send(ctx, to, emailNumberHeld, string(m.Language), emailData{Name: m.Name})
	}
	return s.sendVerify(ctx, m, now)
}

func conflictField(err error) string {
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return ce.Field
	}
	return ""
}

func (s *Service) sendVerify(ctx context.Context, m store.Member, now time.Time) error {
	tok := auth.NewToken()
	if err := s.Store.CreateToken(ctx, store.Token{Hash: store.HashToken(tok), Purpose: store.PurposeVerifyEmail,
		Subject: m.ID, AddressHash: store.EmailHash(m.Email), CreatedAt: now, ExpiresAt: now.Add(s.Config.VerifyTTL)}); err != nil {
		return httpapi.Internal(err)
	}
	return s.send(ctx, omail.Address{Name: m.Name, Email: m.Email}, emailVerify, string(m.Language), emailData{
		Name: m.Name, Link: s.link("/api/register/verify", tok, "lang", string(m.Language)), TTL: s.Config.VerifyTTL,
	})
}

// Verify consumes a verification token and decides approval. It returns
// the member as it now stands. The token is bound to the address it was
// mailed to: it verifies that address and no other.
func (s *Service) Verify(ctx context.Context, token string) (store.Member, error) {
	now := s.Now()
	t, err := s.Store.ConsumeToken(ctx, store.HashToken(token), store.PurposeVerifyEmail, now)
	if err != nil {
		return store.Member{}, tokenError(err)
	}
	m, err := s.Store.UpdateMember(ctx, t.Subject, func(old store.Member) (store.Member, error) {
		if t.AddressHash != "" && store.EmailHash(old.Email) != t.AddressHash {
			return old, errAddressMoved
		}
		if old.Status == store.StatusPending {
			old.Status = store.StatusVerified
		}
		return old, nil
	})
	if errors.Is(err, errAddressMoved) {
		return store.Member{}, httpapi.Errorf(httpapi.EINVALID, "link_invalid")
	}
	if err != nil {
		return store.Member{}, storeError(err)
	}
	s.audit(ctx, m.ID, "member.verify", m.ID, "status")
	if m.Status != store.StatusVerified {
		return m, nil
	}
	if s.bootstrapAdmin(m.Email) {
		// OKAERI_ADMINS names HR's first administrators: the registration
		// that verified that very address is approved and given the role.
		m, err = s.approve(ctx, m.ID, "system:bootstrap", "")
		if err != nil {
			return m, err
		}
		return s.SetRole(ctx, "system:bootstrap", m.ID, store.RoleHR, true)
	}
	match, err := s.MatchRoster(ctx, m)
	if err != nil {
		return store.Member{}, httpapi.Internal(err)
	}
	switch {
	case s.Config.Approval == ApprovalOpen,
		s.Config.Approval == ApprovalRoster && match.Reason == "":
		number := ""
		if match.By == "email" && match.Reason == "" {
			number = match.Entry.EmployeeNumber
		}
		return s.approve(ctx, m.ID, "system", number)
	}
	_ = s.send(ctx, omail.Address{Name: m.Name, Email: m.Email}, emailPendingHR, string(m.Language), emailData{Name: m.Name})
	s.notifyReviewers(ctx)
	return m, nil
}

// errAddressMoved: the member's address is no longer the one the link was mailed to.
var errAddressMoved = errors.New("address changed since the link was sent")

// reviewNoticeKey counts registrations awaiting review per hour: the first
// in an hour sends HR one notice, the rest wait for it (a launch day brings
// hundreds).
const reviewNoticeKey = "account:review-notice"

// notifyReviewers tells HR that registrations await review, at most once
// an hour: every holder of HR's role at their current address and in their
// language, and each OKAERI_ADMINS address that is no member's (a shared
// mailbox) in Japanese. The notice names nobody: it links to the review
// page. Failing to send it fails nothing; the page lists the registrations.
func (s *Service) notifyReviewers(ctx context.Context) {
	n, err := s.Store.HitRateLimit(ctx, reviewNoticeKey, time.Hour, s.Now())
	if err != nil {
		s.Log.ErrorContext(ctx, "review notice", "err", err)
		return
	}
	if n != 1 {
		return
	}
	link := emailData{Link: s.Config.BaseURL + "/hr/registrations"}
	for _, to := range s.hrRecipients(ctx) {
		_ = s.send(ctx, omail.Address{Name: to.Name, Email: to.Email}, emailReviewWaiting, string(to.Language), link)
	}
}

// hrRecipients are the people HR's notices go to (see notifyReviewers).
func (s *Service) hrRecipients(ctx context.Context) []store.Member {
	holders, err := s.Store.ListMembersByRole(ctx, store.RoleHR)
	if err != nil {
		s.Log.ErrorContext(ctx, "hr recipients", "err", err)
	}
	out := holders[:0:0]
	seen := map[string]bool{}
	for _, m := range holders {
		if s.IsAdmin(m) {
			out = append(out, m)
			seen[store.NormalizeEmail(m.Email)] = true
		}
	}
	for _, a := range s.Config.Admins {
		if seen[a] {
			continue
		}
		if _, err := s.Store.GetMemberByEmail(ctx, a); err == nil {
			continue // a member without the role gets no HR mail
		}
		out = append(out, store.Member{Email: a, Language: store.LanguageJa})
	}
	return out
}

// tokenError: an unknown, used or expired token all read the same to a person.
func tokenError(err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return httpapi.Errorf(httpapi.EINVALID, "link_invalid")
	}
	return httpapi.Internal(err)
}

var errNotReviewable = errors.New("member is not waiting for review")

func urlEscape(v string) string { return url.QueryEscape(v) }

var _ = fmt.Sprint
