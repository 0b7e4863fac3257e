package store

import (
	"context"
	"fmt"
	"time"
)

// Counters are the figures of HR's console (/hr/): each is kept by the
// writes that change it, in the same transaction, so it is exact under
// concurrency, retries and crashes, and reading it never reads the
// records it counts. A counter is derived data: Export leaves counters
// out and Import rebuilds them, because importing a record is a write
// like any other.
type Counters interface {
	// Counts returns the value of each named counter (0 for one never
	// counted), with one consistent read of each.
	Counts(ctx context.Context, names ...string) (map[string]int64, error)
}

// Counter names. A name never holds personal data.

// CounterMembers is how many members have status st now.
func CounterMembers(st Status) string { return "members.status." + string(st) }

// CounterRegistered is how many members registered in month (YYYY-MM,
// Japan time; MonthOf).
func CounterRegistered(month string) string { return "members.registered." + month }

// CounterApproved is how many approvals HR made in month (YYYY-MM, Japan
// time): a member approved again after a suspension counts again.
func CounterApproved(month string) string { return "members.approved." + month }

// CounterReached is the registration funnel: how many members ever
// reached stage (StatusVerified: confirmed their address; StatusApproved:
// approved by HR). Erasure does not lower it.
func CounterReached(stage Status) string { return "members.reached." + string(stage) }

// tokyo is Japan time, in which months are counted (HR's calendar).
var tokyo = time.FixedZone("JST", 9*60*60)

// MonthOf is t's month in Japan time, YYYY-MM.
func MonthOf(t time.Time) string { return t.In(tokyo).Format("2006-01") }

// Months are the count months ending with now's, oldest first.
func Months(now time.Time, count int) []string {
	first := time.Date(now.In(tokyo).Year(), now.In(tokyo).Month(), 1, 0, 0, 0, 0, tokyo)
	out := make([]string, count)
	for i := range count {
		out[i] = first.AddDate(0, i-count+1, 0).Format("2006-01")
	}
	return out
}

// QuarterOf is t's quarter in Japan time, "2026-Q4".
func QuarterOf(t time.Time) string {
	t = t.In(tokyo)
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// MemberCounts is what a change of a member from old (nil: new) to next
// (nil: deleted) does to the counters, at now. Both engines apply it in
// the change's own transaction.
func MemberCounts(old, next *Member, now time.Time) map[string]int64 {
	d := map[string]int64{}
	if old != nil {
		d[CounterMembers(old.Status)]--
	}
	if next == nil {
		return d
	}
	d[CounterMembers(next.Status)]++
	if old == nil {
		d[CounterRegistered(MonthOf(next.CreatedAt))]++
	}
	was := StatusPending
	if old != nil {
		was = old.Status
	}
	if next.Status == StatusApproved && was != StatusApproved {
		at := now
		if old == nil {
			at = next.UpdatedAt // an import: when it was last changed
		}
		d[CounterApproved(MonthOf(at))]++
	}
	reached := func(st Status) int {
		switch st {
		case StatusVerified, StatusRejected:
			return 1
		case StatusApproved, StatusSuspended:
			return 2
		}
		return 0
	}
	if was == StatusApproved && next.Status == StatusVerified && old != nil {
		// HR's undo of an approval: the approval is taken back, in the
		// month it was counted in (the member was not written since).
		d[CounterApproved(MonthOf(old.UpdatedAt))]--
		d[CounterReached(StatusApproved)]--
	}
	from, to := reached(was), reached(next.Status)
	if old == nil {
		from = 0
	}
	if to > from {
		if from < 1 {
			d[CounterReached(StatusVerified)]++
		}
		if to == 2 {
			d[CounterReached(StatusApproved)]++
		}
	}
	return nonZero(d)
}

// CounterApplications is how many applications are at stage st now.
func CounterApplications(st ApplicationStatus) string { return "applications.stage." + string(st) }

// CounterApplied is how many applications arrived in quarter (QuarterOf).
func CounterApplied(quarter string) string { return "applications.received." + quarter }

// CounterRehired is how many applicants, all alumni, were hired in
// quarter (出戻り採用): an application moved to hired.
func CounterRehired(quarter string) string { return "applications.hired." + quarter }

// CounterReferred is how many referrals members made in quarter.
func CounterReferred(quarter string) string { return "referrals.made." + quarter }

// CounterReferralsHired is how many referred friends were hired, by the
// quarter HR recorded it.
func CounterReferralsHired(quarter string) string { return "referrals.hired." + quarter }

// ApplicationCounts is what a change of an application from old (nil:
// new) to next does to the counters, at now (an import counts at the
// record's own times).
func ApplicationCounts(old, next *Application, now time.Time) map[string]int64 {
	d := map[string]int64{}
	if old != nil {
		d[CounterApplications(old.Status)]--
	}
	d[CounterApplications(next.Status)]++
	if old == nil {
		d[CounterApplied(QuarterOf(next.CreatedAt))]++
	}
	if next.Status == ApplicationHired && (old == nil || old.Status != ApplicationHired) {
		at := now
		if old == nil {
			at = next.UpdatedAt
		}
		d[CounterRehired(QuarterOf(at))]++
	}
	return nonZero(d)
}

// ReferralCounts is ApplicationCounts for a referral.
func ReferralCounts(old, next *Referral, now time.Time) map[string]int64 {
	d := map[string]int64{}
	if old == nil {
		d[CounterReferred(QuarterOf(next.CreatedAt))]++
	}
	if next.Outcome == ReferralHired && (old == nil || old.Outcome != ReferralHired) {
		at := now
		if old == nil {
			at = next.UpdatedAt
		}
		d[CounterReferralsHired(QuarterOf(at))]++
	}
	return nonZero(d)
}

func nonZero(d map[string]int64) map[string]int64 {
	for k, v := range d {
		if v == 0 {
			delete(d, k)
		}
	}
	return d
}

// CounterLastActive is how many members were last active on day
// (YYYY-MM-DD, Japan time): each member counts on one day only, their
// last, so the sum over the last 90 days is how many members were active
// in those 90 days. A member is active when they sign in or use the
// portal signed in (a session is opened or renewed).
func CounterLastActive(day string) string { return "members.lastactive." + day }

// CounterActive is how many members were active in month (YYYY-MM, Japan
// time), each once. Erasure does not lower it.
func CounterActive(month string) string { return "members.active." + month }

// DayOf is t's day in Japan time, YYYY-MM-DD.
func DayOf(t time.Time) string { return t.In(tokyo).Format("2006-01-02") }

// Days are the count days ending with now's, oldest first.
func Days(now time.Time, count int) []string {
	t := now.In(tokyo)
	first := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, tokyo)
	out := make([]string, count)
	for i := range count {
		out[i] = first.AddDate(0, 0, i-count+1).Format("2006-01-02")
	}
	return out
}

// ActivityCounts is what a member's activity on day does to the counters
// when they were last active on last ("" never): nothing on the same day;
// the member moves from last's bucket to day's, and counts once more in
// day's month if last was in another month. A day before last changes
// nothing (an import of an older session).
func ActivityCounts(last, day string) map[string]int64 {
	if day <= last {
		return nil
	}
	d := map[string]int64{CounterLastActive(day): 1}
	if last != "" {
		d[CounterLastActive(last)]--
	}
	if last == "" || last[:7] != day[:7] {
		d[CounterActive(day[:7])]++
	}
	return d
}

// CounterAttended is how many seats of an event were checked in (a member
// and the guests of their RSVP).
func CounterAttended(eventID string) string { return "events.attended." + eventID }

// AttendanceCounts is what a change of an RSVP from old (nil: new) to next
// does to the counters.
func AttendanceCounts(old, next *RSVP) map[string]int64 {
	seats := func(r *RSVP) int64 {
		if r == nil || r.AttendedAt.IsZero() {
			return 0
		}
		return int64(r.Seats())
	}
	if d := seats(next) - seats(old); d != 0 {
		return map[string]int64{CounterAttended(next.EventID): d}
	}
	return nil
}

// CounterEngaged is how many members did t (opened, clicked, unsubscribed
// through its link) with the newsletter send slug, each member once:
// RecordEngagement adds one for a member's first event of the type. Erasure
// does not lower it.
func CounterEngaged(slug string, t EngagementType) string {
	return "newsletters." + string(t) + "." + slug
}

// SendEngagement is how many members engaged with one send, each once.
type SendEngagement struct {
	Opened       int64 `json:"opened"`
	Clicked      int64 `json:"clicked"`
	Unsubscribed int64 `json:"unsubscribed"` // through the send's own link
}

// EngagementOf reads the engagement counters of the sends slugs, with one
// Counts call; every slug asked has an entry.
func EngagementOf(ctx context.Context, c Counters, slugs ...string) (map[string]SendEngagement, error) {
	out := make(map[string]SendEngagement, len(slugs))
	if len(slugs) == 0 {
		return out, nil
	}
	names := make([]string, 0, len(slugs)*len(EngagementTypes))
	for _, slug := range slugs {
		for _, t := range EngagementTypes {
			names = append(names, CounterEngaged(slug, t))
		}
	}
	n, err := c.Counts(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("engagement counts: %w", err)
	}
	for _, slug := range slugs {
		out[slug] = SendEngagement{Opened: n[CounterEngaged(slug, EngagementOpen)], Clicked: n[CounterEngaged(slug, EngagementClick)],
			Unsubscribed: n[CounterEngaged(slug, EngagementUnsubscribe)]}
	}
	return out, nil
}
