package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	omail "github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/queue"
	"github.com/okaeri/okaeri/functions/store"
)

// TaskDecision sends a review decision's mail once the decision can no
// longer be undone (store.UndoWindow after it).
const TaskDecision = "review-decision"

// decisionTask names the decision by the member's version it wrote: the
// mail goes only if that decision is still the member's last.
type decisionTask struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	Reason  string `json:"reason,omitempty"` // a rejection's reason, as HR wrote it
}

// approve moves a verified (or rejected) member to approved. rosterNumber
// is the roster entry they were matched to ("" for none): erasure removes
// that entry and no other. A decision by HR is recorded on the member and
// its welcome mail waits out the undo window; an automatic approval
// (actor "system...") mails at once.
func (s *Service) approve(ctx context.Context, id, actor, rosterNumber string) (store.Member, error) {
	byHR := strings.HasPrefix(actor, "hr:")
	m, err := s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		if old.Status != store.StatusVerified && old.Status != store.StatusRejected {
			return old, errNotReviewable
		}
		if byHR {
			old.Decisions = addDecision(old.Decisions, store.Decision{Status: store.StatusApproved, By: actor, At: s.Now(), Version: old.Version + 1, RosterNumber: old.RosterNumber})
		}
		old.Status = store.StatusApproved
		if rosterNumber != "" {
			old.RosterNumber = rosterNumber
		}
		return old, nil
	})
	if errors.Is(err, errNotReviewable) {
		return m, httpapi.Errorf(httpapi.ECONFLICT, "not_reviewable")
	}
	if err != nil {
		return m, storeError(err)
	}
	s.audit(ctx, actor, "member.approve", m.ID, "status")
	if byHR {
		s.deferDecision(ctx, m, "")
	} else {
		_ = s.sendWelcome(ctx, m)
	}
	return m, nil
}

// Reject refuses a registration waiting for HR; the person is told why
// once the decision can no longer be undone.
func (s *Service) Reject(ctx context.Context, id, actor, reason string) (store.Member, error) {
	reason = strings.TrimSpace(reason)
	if fe := checkText("reason", reason, 500, true); fe != nil {
		return store.Member{}, httpapi.Invalid(*fe)
	}
	m, err := s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		if old.Status != store.StatusVerified {
			return old, errNotReviewable
		}
		old.Decisions = addDecision(old.Decisions, store.Decision{Status: store.StatusRejected, By: actor, At: s.Now(), Version: old.Version + 1, RosterNumber: old.RosterNumber})
		old.Status = store.StatusRejected
		return old, nil
	})
	if errors.Is(err, errNotReviewable) {
		return m, httpapi.Errorf(httpapi.ECONFLICT, "not_reviewable")
	}
	if err != nil {
		return m, storeError(err)
	}
	s.audit(ctx, actor, "member.reject", m.ID, "status")
	s.deferDecision(ctx, m, reason)
	return m, nil
}

// Approve approves a registration waiting for HR. The roster entry HR saw
// beside it (by address or by number) becomes the member's roster match.
func (s *Service) Approve(ctx context.Context, id, actor string) (store.Member, error) {
	m, err := s.Store.GetMember(ctx, id)
	if err != nil {
		return m, storeError(err)
	}
	match, err := s.MatchRoster(ctx, m)
	if err != nil {
		return m, httpapi.Internal(err)
	}
	number := ""
	if match.Entry != nil && match.Reason != reasonTaken {
		number = match.Entry.EmployeeNumber
	}
	return s.approve(ctx, id, actor, number)
}

// Undo takes HR's last decision on a registration back, within
// store.UndoWindow and while nothing else changed the member: the member
// waits for review again, their roster match as before, and the decision's
// mail (still waiting) is never sent.
func (s *Service) Undo(ctx context.Context, id, actor string) (store.Member, error) {
	now := s.Now()
	m, err := s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		if !Undoable(old, now) {
			return old, errNotUndoable
		}
		last := old.Decisions[len(old.Decisions)-1]
		old.Decisions = addDecision(old.Decisions, store.Decision{Status: store.StatusVerified, By: actor, At: now, Version: old.Version + 1, RosterNumber: old.RosterNumber})
		old.Status, old.RosterNumber = store.StatusVerified, last.RosterNumber
		return old, nil
	})
	if errors.Is(err, errNotUndoable) {
		return m, httpapi.Errorf(httpapi.ECONFLICT, "not_undoable")
	}
	if err != nil {
		return m, storeError(err)
	}
	s.audit(ctx, actor, "member.undo", m.ID, "status")
	return m, nil
}

var errNotUndoable = errors.New("the decision can no longer be undone")

// Undoable reports whether m's last review decision can be taken back at
// now: an approval or a rejection, made less than store.UndoWindow ago,
// and the member not written since.
func Undoable(m store.Member, now time.Time) bool {
	if len(m.Decisions) == 0 {
		return false
	}
	d := m.Decisions[len(m.Decisions)-1]
	return (d.Status == store.StatusApproved || d.Status == store.StatusRejected) &&
		d.Version == m.Version && d.Status == m.Status && now.Sub(d.At) < store.UndoWindow
}

func addDecision(ds []store.Decision, d store.Decision) []store.Decision {
	ds = append(ds, d)
	if len(ds) > store.MaxDecisions {
		ds = ds[len(ds)-store.MaxDecisions:]
	}
	return ds
}

// deferDecision queues the decision's mail for Config.DecisionDelay (the
// undo window by default); without a queue or a delay it is sent now.
func (s *Service) deferDecision(ctx context.Context, m store.Member, reason string) {
	t := decisionTask{ID: m.ID, Version: m.Version, Reason: reason}
	if s.DeferAt != nil && s.Config.DecisionDelay > 0 {
		err := s.DeferAt(ctx, TaskDecision, t, s.Now().Add(min(s.Config.DecisionDelay, store.UndoWindow)))
		if err == nil {
			return
		}
		s.Log.ErrorContext(ctx, "defer decision mail", "err", err)
	}
	_ = s.decisionMail(ctx, m, t)
}

// decisionMail sends the mail of the decision t names if it is still the
// member's last: an undone decision (or an erased member) sends nothing.
func (s *Service) decisionMail(ctx context.Context, m store.Member, t decisionTask) error {
	if len(m.Decisions) == 0 {
		return nil
	}
	last := m.Decisions[len(m.Decisions)-1]
	if last.Version != t.Version || last.Status != m.Status {
		return nil
	}
	switch m.Status {
	case store.StatusApproved:
		return s.sendWelcome(ctx, m)
	case store.StatusRejected:
		return s.send(ctx, omail.Address{Name: m.Name, Email: m.Email}, emailRejected, string(m.Language), emailData{Name: m.Name, Reason: t.Reason})
	}
	return nil
}

// runDecisionTask is TaskDecision's handler.
func (s *Service) runDecisionTask(ctx context.Context, data []byte) error {
	var t decisionTask
	if err := json.Unmarshal(data, &t); err != nil {
		return fmt.Errorf("%w: %s: %w", queue.ErrPermanent, TaskDecision, err)
	}
	m, err := s.Store.GetMember(ctx, t.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // erased meanwhile
	}
	if err != nil {
		return err
	}
	return s.decisionMail(ctx, m, t)
}
