package event

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Report is what one run of a scheduled job did.
type Report struct {
	Events   int // events looked at
	Lapsed   int // offers that expired unanswered
	Offered  int // seats offered to the next in line
	Reminded int // reminders sent
	Failed   int // emails that could not be sent (tried again next run)
}

// OffersLine says what ExpireOffers did, in one line.
func (r Report) OffersLine() string {
	return fmt.Sprintf("%d upcoming events: %d offers lapsed, %d seats offered to the next in line", r.Events, r.Lapsed, r.Offered)
}

// RemindersLine says what Remind did, in one line.
func (r Report) RemindersLine() string {
	return fmt.Sprintf("%d events starting soon: %d reminders sent, %d failed (tried again next run)", r.Events, r.Reminded, r.Failed)
}

// ExpireOffers lapses every offer that was not confirmed in time and offers
// the seat to the next in line (`okaeri events expire-offers`, also part of
// `okaeri events remind`). It also offers any seat left free with people
// waiting, so a crash between a cancellation and its offer heals here.
func (s *Service) ExpireOffers(ctx context.Context) (Report, error) {
	var rep Report
	events, err := s.Store.ListEvents(ctx)
	if err != nil {
		return rep, err
	}
	now := s.Now()
	var errs []error
	for _, e := range events {
		if !now.Before(e.End) {
			continue
		}
		rep.Events++
		lapsed, err := s.Store.ExpireOffers(ctx, e.ID, now)
		rep.Lapsed += len(lapsed)
		if err != nil {
			errs = append(errs, fmt.Errorf("expire offers of %s: %w", e.ID, err))
			continue
		}
		n, err := s.fill(ctx, e)
		rep.Offered += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// Remind sends each confirmed attendee of an event starting within
// RemindBefore one reminder. The store's claim makes it exactly once however
// often and however concurrently this runs; an email that fails is released
// and tried again on the next run.
func (s *Service) Remind(ctx context.Context) (Report, error) {
	var rep Report
	events, err := s.Store.ListEvents(ctx)
	if err != nil {
		return rep, err
	}
	now := s.Now()
	var errs []error
	for _, e := range events {
		if !e.Start.After(now) || e.Start.After(now.Add(s.Config.RemindBefore)) {
			continue
		}
		rep.Events++
		rsvps, err := s.Store.ListRSVPs(ctx, e.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("reminders of %s: %w", e.ID, err))
			continue
		}
		for _, r := range rsvps {
			if r.Status != store.RSVPConfirmed || !r.RemindedAt.IsZero() || !r.ErasedAt.IsZero() {
				continue
			}
			m, err := s.Store.GetMember(ctx, r.MemberID)
			if err != nil {
				continue // erased between the list and now
			}
			if _, err := s.Store.ClaimReminder(ctx, e.ID, r.MemberID, now); err != nil {
				if !errors.Is(err, store.ErrPrecondition) {
					errs = append(errs, err)
				}
				continue // another run took it, or it was cancelled meanwhile
			}
			if err := s.send(ctx, m, emailReminder, s.attendeeFacts(e, m, r)); err != nil {
				rep.Failed++
				if rerr := s.Store.ReleaseReminder(ctx, e.ID, r.MemberID); rerr != nil {
					errs = append(errs, rerr)
				}
				continue
			}
			rep.Reminded++
		}
	}
	return rep, errors.Join(errs...)
}

// Sync puts the published events into the store (content.StoreEvents
// gives them; drafts is how many it left out, for the report) and offers
// the seats a raised capacity freed. It returns one line for `okaeri sync`.
func (s *Service) Sync(ctx context.Context, events []store.Event, drafts int) (string, error) {
	synced, added, resized, offered := 0, 0, 0, 0
	now := s.Now()
	for _, c := range events {
		old, err := s.Store.GetEvent(ctx, c.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			added++
		case err != nil:
			return "", fmt.Errorf("sync event %s: %w", c.ID, err)
		}
		c.SyncedAt = now
		e, err := s.Store.PutEvent(ctx, c)
		if err != nil {
			return "", fmt.Errorf("sync event %s: %w", c.ID, err)
		}
		if old.ID != "" && old.Capacity != e.Capacity {
			resized++
		}
		// Filling every time also offers a seat a crash left free.
		n, err := s.fill(ctx, e)
		offered += n
		if err != nil {
			return "", err
		}
		synced++
	}
	closed, err := s.closeRemoved(ctx, events, now)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("events: %d synced (%d new, %d with a new capacity), %d drafts skipped, %d seats offered to the waitlist, %d removed from content and closed",
		synced, added, resized, drafts, offered, closed), nil
}

// closeRemoved closes RSVPs now for stored events that HR removed from
// content/ or turned back into drafts: confirmations stay (HR may still
// hold the event), but nobody new can sign up for an event the site no
// longer shows.
func (s *Service) closeRemoved(ctx context.Context, events []store.Event, now time.Time) (int, error) {
	live := make(map[string]bool, len(events))
	for _, c := range events {
		live[c.ID] = true
	}
	stored, err := s.Store.ListEvents(ctx)
	if err != nil {
		return 0, fmt.Errorf("sync: list events: %w", err)
	}
	closed := 0
	for _, e := range stored {
		if live[e.ID] || !now.Before(e.Closes()) {
			continue
		}
		e.RSVPDeadline, e.SyncedAt = now, now
		if _, err := s.Store.PutEvent(ctx, e); err != nil {
			return closed, fmt.Errorf("sync: close removed event %s: %w", e.ID, err)
		}
		closed++
	}
	return closed, nil
}

// EraseMember implements account.Eraser: the member's RSVPs are kept only
// as anonymous counts, and seats they held go to the waitlist.
func (s *Service) EraseMember(ctx context.Context, memberID string) error {
	freed, err := s.Store.EraseMemberRSVPs(ctx, memberID, s.Now())
	if err != nil {
		return fmt.Errorf("erase rsvps: %w", err)
	}
	for _, id := range freed {
		e, err := s.Store.GetEvent(ctx, id)
		if err != nil {
			return fmt.Errorf("erase rsvps: %w", err)
		}
		if _, err := s.fill(ctx, e); err != nil {
			s.Log.ErrorContext(ctx, "fill after erasure", "event", id, "err", err)
		}
	}
	return nil
}

// InviteReport counts what Invite did.
type InviteReport struct {
	Sent int // invitations sent (or, in a dry run, that would be)
	// Skipped had no consent to event invitations or have already RSVPed.
	Skipped int
	// Already were invited to this event before: running invite again
	// reaches only members approved or consenting since.
	Already int
}

// inviteLock is how long a claimed invitation stays locked while it is
// being sent. A run that dies between claiming and sending leaves the
// member uninvited until the lock lapses; the next run then invites them.
const inviteLock = 15 * time.Minute

// Invite emails every approved member who consented to event invitations
// and has no RSVP yet an invitation with a signed RSVP link, at most once
// per member and event: each invitation is claimed in the store (an
// idempotency record kept until the event ends) before it is sent, so a
// second run, or two runs at once, send nobody a second invitation.
func (s *Service) Invite(ctx context.Context, eventID string, dryRun bool) (InviteReport, error) {
	var rep InviteReport
	e, err := s.event(ctx, eventID)
	if err != nil {
		return rep, err
	}
	now := s.Now()
	if !now.Before(e.Closes()) {
		// An application error, so that the command says why (in the
		// operator's language) instead of "try again later".
		return rep, httpapi.Errorf(httpapi.ECONFLICT, "rsvp_closed", closingTime(e.Closes()))
	}
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		ms, next, err := s.Store.ListMembersByStatus(ctx, store.StatusApproved, page)
		if err != nil {
			return rep, err
		}
		for _, m := range ms {
			if !m.Consents["events"].Given {
				rep.Skipped++
				continue
			}
			if r, err := s.Store.GetRSVP(ctx, e.ID, m.ID); err == nil && r.Active() {
				rep.Skipped++
				continue
			}
			key := "event-invite:" + e.ID + ":" + m.ID
			if dryRun {
				// A claim that lapses at once, taken back at once: the
				// store ends as it was.
				rec, err := s.Store.BeginIdempotency(ctx, key, "invite", time.Millisecond, now)
				switch {
				case err != nil:
					return rep, fmt.Errorf("check invitation: %w", err)
				case rec != nil:
					rep.Already++
				default:
					rep.Sent++
					if err := s.Store.ReleaseIdempotency(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
						return rep, fmt.Errorf("check invitation: %w", err)
					}
				}
				continue
			}
			rec, err := s.Store.BeginIdempotency(ctx, key, "invite", inviteLock, now)
			switch {
			case err != nil:
				return rep, fmt.Errorf("claim invitation: %w", err)
			case rec != nil:
				rep.Already++
				continue
			}
			lang := memberLang(m)
			d := s.facts(e, lang)
			d.Capacity, d.Deadline, d.Link = e.Capacity, deadline(e.Closes(), lang), s.inviteLink(e, m.ID)
			if err := s.send(ctx, m, emailInvitation, d); err != nil {
				if rerr := s.Store.ReleaseIdempotency(ctx, key); rerr != nil {
					err = errors.Join(err, rerr)
				}
				return rep, err
			}
			if err := s.Store.CompleteIdempotency(ctx, key, store.StoredResponse{StatusCode: 202}, e.End.Add(24*time.Hour)); err != nil {
				s.Log.WarnContext(ctx, "invitation sent but not recorded", "event", e.ID, "err", err)
			}
			rep.Sent++
		}
		if next == "" {
			return rep, nil
		}
		page.Cursor = next
	}
}

// RunSchedule runs ExpireOffers and Remind at once and then every interval
// until ctx ends, logging each run. It is for `okaeri serve` on one machine:
// the embedded store's file lock keeps a separate `okaeri events remind`
// from opening the store while the portal runs. (On AWS a schedule runs the
// command instead.)
func (s *Service) RunSchedule(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		offers, err := s.ExpireOffers(ctx)
		if err != nil {
			s.Log.ErrorContext(ctx, "events: expire offers", "err", err)
		}
		reminders, err := s.Remind(ctx)
		if err != nil {
			s.Log.ErrorContext(ctx, "events: remind", "err", err)
		}
		if offers.Lapsed+offers.Offered+reminders.Reminded+reminders.Failed > 0 {
			s.Log.InfoContext(ctx, "events: scheduled run", "lapsed", offers.Lapsed, "offered", offers.Offered,
				"reminded", reminders.Reminded, "failed", offers.Failed+reminders.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// MemberRSVPs is a member's RSVPs, for their data export.
func (s *Service) MemberRSVPs(ctx context.Context, memberID string) ([]store.RSVP, error) {
	return s.Store.ListMemberRSVPs(ctx, memberID)
}
