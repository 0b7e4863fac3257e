package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/roster/month"
	"github.com/okaeri/okaeri/functions/store"
)

// HR's actions on one member, each refused with a clear 4xx when it does
// not fit the member's state, each recorded in the audit log (ids and
// field names only).

// Correction is what HR may correct in a member's record on their
// request: the department and the months they joined and left, the facts
// the roster review is about. Version is the member's version HR saw: a
// member changed since then is not overwritten (409).
type Correction struct {
	Department string `json:"department"`
	Joined     string `json:"joined"`
	Left       string `json:"left"`
	Version    int64  `json:"version"`
}

// errUnchanged aborts an update that would write what is there already.
var errUnchanged = errors.New("nothing to change")

// errStale: the member changed after HR opened the page.
var errStale = errors.New("member changed since read")

// errSelf refuses an action of HR on their own record that another
// administrator must do (suspend, erase, revoke).
var errSelf = httpapi.Errorf(httpapi.ECONFLICT, "not_on_self")

// Correct sets a member's department and months, validated as registration
// validates them (the roster's month reader), and audits the fields that
// changed. Nothing changed: nothing written, no audit.
func (s *Service) Correct(ctx context.Context, actor, id string, c Correction) (store.Member, error) {
	c.Department, c.Joined, c.Left = strings.TrimSpace(c.Department), strings.TrimSpace(c.Joined), strings.TrimSpace(c.Left)
	if fes := checkTenure(&c.Department, &c.Joined, &c.Left, s.Now()); len(fes) > 0 {
		return store.Member{}, httpapi.Invalid(fes...)
	}
	var fields []string
	m, err := s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		if c.Version != 0 && old.Version != c.Version {
			return old, errStale
		}
		fields = fields[:0]
		for _, f := range []struct {
			name      string
			cur       *string
			corrected string
		}{{"department", &old.Department, c.Department}, {"joined", &old.Joined, c.Joined}, {"left", &old.Left, c.Left}} {
			if *f.cur != f.corrected {
				*f.cur = f.corrected
				fields = append(fields, f.name)
			}
		}
		if len(fields) == 0 {
			return old, errUnchanged
		}
		old.UpdatedAt = s.Now()
		return old, nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return s.Store.GetMember(ctx, id)
	case errors.Is(err, errStale):
		return m, httpapi.Errorf(httpapi.ECONFLICT, "member_changed")
	case err != nil:
		return m, storeError(err)
	}
	s.audit(ctx, actor, "member.correct", id, fields...)
	return m, nil
}

// Suspend withdraws an approved member's access: their status becomes
// suspended (login and every member page require approved) and their
// sessions end. Restore puts them back to approved. Both are refused on
// HR's own record and on a member in another state.
func (s *Service) Suspend(ctx context.Context, actor store.Member, id string) (store.Member, error) {
	return s.setSuspended(ctx, actor, id, true)
}

// Restore lifts a suspension.
func (s *Service) Restore(ctx context.Context, actor store.Member, id string) (store.Member, error) {
	return s.setSuspended(ctx, actor, id, false)
}

func (s *Service) setSuspended(ctx context.Context, actor store.Member, id string, on bool) (store.Member, error) {
	if id == actor.ID {
		return actor, errSelf
	}
	action := "member.suspend"
	from, to := store.StatusApproved, store.StatusSuspended
	if !on {
		action = "member.restore"
		from, to = store.StatusSuspended, store.StatusApproved
	}
	m, err := s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		if old.Status == to {
			return old, errUnchanged
		}
		if old.Status != from {
			return old, errNotReviewable
		}
		old.Status, old.UpdatedAt = to, s.Now()
		return old, nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		// Done before (a second press): nothing more to record.
		if m, err = s.Store.GetMember(ctx, id); err != nil {
			return m, storeError(err)
		}
	case errors.Is(err, errNotReviewable):
		return m, httpapi.Errorf(httpapi.ECONFLICT, "status_not_"+string(from))
	case err != nil:
		return m, storeError(err)
	default:
		s.audit(ctx, "hr:"+actor.ID, action, id, "status")
	}
	if on {
		if _, err := s.Store.DeleteMemberSessions(ctx, id); err != nil {
			return m, httpapi.Internal(fmt.Errorf("suspend: end sessions: %w", err))
		}
	}
	return m, nil
}

// MemberRecord is everything HR's member page shows about one member,
// read with a handful of queries on the member's own keys.
type MemberRecord struct {
	Member       store.Member
	RSVPs        []store.RSVP
	Events       map[string]store.Event
	Applications []store.Application
	Referrals    []store.Referral
	Jobs         map[string]store.Job
	Audit        []store.AuditEntry
	MoreAudit    bool
}

// memberAudit is how many of a member's newest audit entries the page shows.
const memberAudit = 50

// Record reads a member's page: the member, their RSVPs with the events,
// applications and referrals with the jobs, and their newest audit entries.
func (s *Service) Record(ctx context.Context, id string) (MemberRecord, error) {
	var rec MemberRecord
	m, err := s.Store.GetMember(ctx, id)
	if err != nil {
		return rec, storeError(err)
	}
	rec.Member = m
	if rec.RSVPs, err = s.Store.ListMemberRSVPs(ctx, id); err != nil {
		return rec, httpapi.Internal(err)
	}
	rec.Events = map[string]store.Event{}
	for _, r := range rec.RSVPs {
		if _, ok := rec.Events[r.EventID]; !ok {
			e, err := s.Store.GetEvent(ctx, r.EventID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return rec, httpapi.Internal(err)
			}
			rec.Events[r.EventID] = e
		}
	}
	if rec.Applications, err = s.Store.ListApplicationsByMember(ctx, id); err != nil {
		return rec, httpapi.Internal(err)
	}
	if rec.Referrals, err = s.Store.ListReferralsByReferrer(ctx, id); err != nil {
		return rec, httpapi.Internal(err)
	}
	rec.Jobs = map[string]store.Job{}
	jobIDs := make([]string, 0, len(rec.Applications)+len(rec.Referrals))
	for _, a := range rec.Applications {
		jobIDs = append(jobIDs, a.JobID)
	}
	for _, r := range rec.Referrals {
		jobIDs = append(jobIDs, r.JobID)
	}
	for _, jid := range jobIDs {
		if _, ok := rec.Jobs[jid]; !ok {
			j, err := s.Store.GetJob(ctx, jid)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return rec, httpapi.Internal(err)
			}
			rec.Jobs[jid] = j
		}
	}
	entries, next, err := s.Store.ListAudit(ctx, store.AuditQuery{Subject: id, Newest: true}, store.Page{Limit: memberAudit})
	if err != nil {
		return rec, httpapi.Internal(err)
	}
	rec.Audit, rec.MoreAudit = entries, next != ""
	return rec, nil
}

// checkTenure validates and normalizes a department and the months joined
// and left as registration takes them: the department required, each
// month read by the roster's own reader, none in the future, left not
// before joined.
func checkTenure(department, joined, left *string, now time.Time) []httpapi.FieldError {
	var fes []httpapi.FieldError
	if fe := checkText("department", *department, 100, true); fe != nil {
		fes = append(fes, *fe)
	}
	thisMonth := now.Format("2006-01")
	months := 0
	for _, f := range []struct {
		name string
		v    *string
	}{{"joined", joined}, {"left", left}} {
		m, ok := month.Parse(*f.v)
		switch {
		case *f.v == "":
			fes = append(fes, httpapi.FieldError{Field: f.name, Code: "required"})
		case !ok:
			fes = append(fes, httpapi.FieldError{Field: f.name, Code: "month"})
		case m > thisMonth:
			fes = append(fes, httpapi.FieldError{Field: f.name, Code: "future"})
		}
		if ok {
			*f.v = m
			months++
		}
	}
	if months == 2 && *left < *joined {
		fes = append(fes, httpapi.FieldError{Field: "left", Code: "before_joined"})
	}
	return fes
}

// roleHolders is how many members hold HR's role, for the member page's
// revoke button (SetRole refuses the last one anyway).
func (s *Service) roleHolders(ctx context.Context) (int, error) {
	hs, err := s.Store.ListMembersByRole(ctx, store.RoleHR)
	return len(hs), err
}

// consentPurposes are the consents in the order the member page lists them.
var consentPurposes = []string{"privacy", "newsletter", "events", "jobs", "directory", "sidework"}

func sortedConsents(m store.Member) []string {
	out := slices.Clone(consentPurposes)
	for p := range m.Consents {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
