package job

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"

	"github.com/okaeri/okaeri/functions/httpapi"
	omail "github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/mailtext"
	"github.com/okaeri/okaeri/functions/store"
)

// ReferInput is a member recommending a friend for a job.
type ReferInput struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Relationship string `json:"relationship"` // colleague, friend, professional or other
	Note         string `json:"note"`
}

func (in *ReferInput) validate() error {
	in.Name, in.Email, in.Relationship, in.Note = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email), strings.TrimSpace(in.Relationship), strings.TrimSpace(in.Note)
	var fields []httpapi.FieldError
	if fe := checkText("name", in.Name, maxName, true); fe != nil {
		fields = append(fields, *fe)
	}
	if fe := checkEmail("email", in.Email); fe != nil {
		fields = append(fields, *fe)
	}
	if !slices.Contains(store.Relationships, in.Relationship) {
		fields = append(fields, httpapi.FieldError{Field: "relationship", Code: "one_of", Params: []any{strings.Join(store.Relationships, ", ")}})
	}
	if fe := checkLongText("note", in.Note, maxNote, false); fe != nil {
		fields = append(fields, *fe)
	}
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	return nil
}

// checkEmail validates one plain address, as a person types it.
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

// Refer records a member's referral and emails the friend once, naming the
// member, unless the friend's address is suppressed (unsubscribed, bounced,
// complained): then it is recorded and not mailed. Referring the same
// friend to the same job again returns the first referral and sends nothing.
func (s *Service) Refer(ctx context.Context, m store.Member, jobID string, in ReferInput) (store.Referral, bool, error) {
	j, err := s.job(ctx, jobID)
	if err != nil {
		return store.Referral{}, false, err
	}
	if err := in.validate(); err != nil {
		return store.Referral{}, false, err
	}
	now := s.Now()
	if j.Closed(now) {
		return store.Referral{}, false, closedError(j)
	}
	if n, err := s.Store.HitRateLimit(ctx, "referral:member:"+m.ID, s.Config.ReferralsPerMember.Window, now); err != nil {
		return store.Referral{}, false, httpapi.Internal(err)
	} else if n > s.Config.ReferralsPerMember.Count {
		return store.Referral{}, false, httpapi.Errorf(httpapi.ERATELIMITED, "rate_limited")
	}
	r, created, err := s.Store.Refer(ctx, store.Referral{JobID: j.ID, ReferrerID: m.ID, FriendName: in.Name, FriendEmail: in.Email,
		Relationship: in.Relationship, Note: in.Note, CreatedAt: now}, now)
	switch {
	case errors.Is(err, store.ErrJobClosed):
		// Closed or withdrawn since it was read: say which, as it is now.
		if cur, gerr := s.Store.GetJob(ctx, j.ID); gerr == nil {
			j = cur
		}
		return store.Referral{}, false, closedError(j)
	case err != nil:
		return store.Referral{}, false, storeError(err)
	case !created:
		return r, false, nil
	}
	fields := []string{"friendName", "friendEmail", "relationship"}
	if in.Note != "" {
		fields = append(fields, "note")
	}
	s.audit(ctx, m.ID, "referral.create", r.ID, fields...)
	return s.invite(ctx, m, j, r), true, nil
}

// invite emails the friend about the job, or marks the referral suppressed.
// A failure to send is logged and leaves InvitedAt zero for HR to see.
func (s *Service) invite(ctx context.Context, referrer store.Member, j store.Job, r store.Referral) store.Referral {
	suppressed, err := store.IsSuppressed(ctx, s.Suppressions, r.FriendEmail)
	if err != nil {
		s.Log.ErrorContext(ctx, "suppression check", "err", err)
		return r // not knowing, do not mail
	}
	sent := false
	if !suppressed {
		unsubscribe := s.Config.BaseURL + "/api/referrals/unsubscribe?token=" + s.unsubscribeToken(r.ID)
		err := s.send(ctx, omail.Address{Name: r.FriendName, Email: r.FriendEmail}, emailReferral, mailtext.Bilingual, emailData{
			Name: r.FriendName, FromName: referrer.Name, JobTitle: j.Title, JobTitleEn: j.TitleEn,
			// The friend is no alumnus: the link leads to the referral's own
			// landing page, which shows the job (members-only ones too) and
			// takes their answer, so the mail's "register to read it"
			// wording for members-only jobs does not apply to them.
			Link: s.AnswerLink(r.ID, httpapi.LangJA), LinkEn: s.AnswerLink(r.ID, httpapi.LangEN),
			Contact: j.Contact, Message: r.Note, Unsubscribe: unsubscribe, MembersOnly: false,
		}, map[string]string{"List-Unsubscribe": "<" + unsubscribe + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
		sent = err == nil
	}
	now := s.Now()
	updated, err := s.Store.UpdateReferral(ctx, r.ID, func(old store.Referral) (store.Referral, error) {
		old.Suppressed = suppressed
		if sent {
			old.InvitedAt = now
		}
		return old, nil
	})
	if err != nil {
		s.Log.ErrorContext(ctx, "record invitation", "referral", r.ID, "err", err)
		return r
	}
	return updated
}

// unsubscribeToken signs a referral's id: the link works without logging
// in and carries no address.
func (s *Service) unsubscribeToken(referralID string) string {
	return s.Keys.Sign("referral-unsubscribe:" + referralID)
}

// Unsubscribe puts the address a referral was sent to on the suppression
// list, so no referral (nor any other mail) reaches it again. It is
// idempotent, and a valid link to an erased referral does nothing.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	v, ok := s.Keys.Verify(token)
	id, found := strings.CutPrefix(v, "referral-unsubscribe:")
	if !ok || !found {
		return httpapi.Errorf(httpapi.ENOTFOUND, "link_invalid")
	}
	r, err := s.Store.GetReferral(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && r.FriendEmail == "" {
		return nil
	}
	if err != nil {
		return httpapi.Internal(err)
	}
	added, err := s.Suppressions.Suppress(ctx, r.FriendEmail, store.SuppressUnsubscribe, store.SuppressionMark{At: s.Now()})
	if err != nil {
		return httpapi.Internal(err)
	}
	if added {
		s.audit(ctx, "system", "referral.unsubscribe", r.ID, "friendEmail")
	}
	return nil
}

// SetOutcome is HR recording what came of a referral.
func (s *Service) SetOutcome(ctx context.Context, hr store.Member, id string, outcome store.ReferralOutcome, note string) (store.Referral, error) {
	note = strings.TrimSpace(note)
	if !outcome.Valid() {
		var names []string
		for _, o := range store.ReferralOutcomes {
			names = append(names, string(o))
		}
		return store.Referral{}, httpapi.Invalid(httpapi.FieldError{Field: "outcome", Code: "one_of", Params: []any{strings.Join(names, ", ")}})
	}
	if fe := checkLongText("note", note, maxNote, false); fe != nil {
		return store.Referral{}, httpapi.Invalid(*fe)
	}
	r, err := s.Store.UpdateReferral(ctx, id, func(old store.Referral) (store.Referral, error) {
		old.Outcome, old.OutcomeNote = outcome, note
		return old, nil
	})
	if err != nil {
		return store.Referral{}, storeError(err)
	}
	s.audit(ctx, hrActor(hr), "referral.outcome", r.ID, "outcome", "outcomeNote")
	return r, nil
}
