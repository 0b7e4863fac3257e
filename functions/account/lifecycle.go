package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	omail "github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// The lifecycle mails' timing.
const (
	// NudgeAfter is how long after approval an empty profile is nudged.
	NudgeAfter = 7 * 24 * time.Hour
	// LifecycleCatchUp is how late a lifecycle mail may still go: a job
	// that did not run for a while catches up, but a member approved long
	// before the mails existed is not nudged out of the blue, and a missed
	// anniversary is not mailed months later.
	LifecycleCatchUp = 30 * 24 * time.Hour
)

// nudgeFields are the profile steps (profileSteps, as the members' home
// counts them) of which an empty profile has none.
var nudgeFields = []string{"company", "role", "location", "bio", "skills"}

// errLifecycleClaimed aborts a claim whose mark is already there.
var errLifecycleClaimed = errors.New("lifecycle mail already claimed")

// LifecycleResult counts what one run of the lifecycle job sent.
type LifecycleResult struct {
	Nudges, Yearly int
}

// profileEmpty reports whether m's profile has none of nudgeFields.
func profileEmpty(m store.Member) bool {
	for _, st := range profileSteps {
		if slices.Contains(nudgeFields, st.field) && st.done(m) {
			return false
		}
	}
	return true
}

// approvedAt is when m was approved: the welcome's claim, else HR's last
// approving decision, else when the member was created (an approval by
// the roster or `okaeri member add` follows it closely).
func approvedAt(m store.Member) time.Time {
	if t, ok := m.Lifecycle[store.LifecycleWelcome]; ok {
		return t
	}
	for i := len(m.Decisions) - 1; i >= 0; i-- {
		if m.Decisions[i].Status == store.StatusApproved {
			return m.Decisions[i].At
		}
	}
	return m.CreatedAt
}

// anyOptionalConsent reports whether m gave at least one optional consent.
func anyOptionalConsent(m store.Member) bool {
	for _, p := range OptionalPurposes {
		if m.Consents[p].Given {
			return true
		}
	}
	return false
}

// yearlyKey names the yearly check due for m at now ("yearly-2027"), or ""
// when no anniversary of approval passed within LifecycleCatchUp.
func yearlyKey(m store.Member, now time.Time) string {
	at := approvedAt(m)
	if at.IsZero() {
		return ""
	}
	years := now.Year() - at.Year()
	if at.AddDate(years, 0, 0).After(now) {
		years--
	}
	if years < 1 {
		return ""
	}
	anniversary := at.AddDate(years, 0, 0)
	if now.Sub(anniversary) > LifecycleCatchUp {
		return ""
	}
	return fmt.Sprintf("%s-%d", store.LifecycleYearly, anniversary.Year())
}

// claimLifecycle marks key on member id unless it is there, through
// UpdateMember: of any number of callers exactly one gets true, and it
// alone sends the mail. Claimed before sending, so a crash between the
// two loses that mail rather than doubling it.
func (s *Service) claimLifecycle(ctx context.Context, id, key string, check func(store.Member) bool) (store.Member, bool, error) {
	now := s.Now()
	m, err := s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		if _, ok := old.Lifecycle[key]; ok {
			return old, errLifecycleClaimed
		}
		if check != nil && !check(old) {
			return old, errLifecycleClaimed
		}
		lc := make(map[string]time.Time, len(old.Lifecycle)+1)
		for k, v := range old.Lifecycle {
			lc[k] = v
		}
		lc[key] = now
		old.Lifecycle = lc
		return old, nil
	})
	if errors.Is(err, errLifecycleClaimed) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("claim %s: %w", key, err)
	}
	return m, true, nil
}

// mailOn reports whether HR has the lifecycle mail switched on; an
// unreadable setting sends nothing.
func (s *Service) mailOn(ctx context.Context, mail string) bool {
	ms, err := s.Store.GetMailSettings(ctx)
	if err != nil {
		s.Log.ErrorContext(ctx, "mail settings", "err", err)
		return false
	}
	return ms.On(mail)
}

// RunLifecycle sends the lifecycle mails due at s.Now() to approved
// members: the nudge to complete an empty profile NudgeAfter approval
// (to a member with at least one optional consent given), and the yearly
// check of profile and consents on each anniversary of approval (to every
// approved member: it is about their consents). Each goes once per member
// (per year for the yearly one), however often and however concurrently
// the job runs; a mail HR switched off is neither sent nor claimed, so
// switching it on again sends what is due then. Suppressed addresses are
// skipped by the Mailer (guard.BounceGuard).
func (s *Service) RunLifecycle(ctx context.Context) (LifecycleResult, error) {
	var res LifecycleResult
	ms, err := s.Store.GetMailSettings(ctx)
	if err != nil {
		return res, fmt.Errorf("lifecycle: %w", err)
	}
	nudge, yearly := ms.On(store.LifecycleNudge), ms.On(store.LifecycleYearly)
	if !nudge && !yearly {
		return res, nil
	}
	now := s.Now()
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		members, cursor, err := s.Store.ListMembersByStatus(ctx, store.StatusApproved, page)
		if err != nil {
			return res, fmt.Errorf("lifecycle: %w", err)
		}
		for _, m := range members {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if nudge && s.nudgeDue(m, now) {
				sent, err := s.lifecycleMail(ctx, m, store.LifecycleNudge, func(m store.Member) bool { return s.nudgeDue(m, now) }, emailNudge)
				if err != nil {
					return res, err
				}
				if sent {
					res.Nudges++
				}
			}
			if key := yearlyKey(m, now); yearly && key != "" {
				sent, err := s.lifecycleMail(ctx, m, key, func(m store.Member) bool { return m.Status == store.StatusApproved }, emailYearly)
				if err != nil {
					return res, err
				}
				if sent {
					res.Yearly++
				}
			}
		}
		if cursor == "" {
			return res, nil
		}
		page.Cursor = cursor
	}
}

// nudgeDue reports whether m should be nudged at now, bar the claim.
func (s *Service) nudgeDue(m store.Member, now time.Time) bool {
	since := now.Sub(approvedAt(m))
	return m.Status == store.StatusApproved && since >= NudgeAfter && since < NudgeAfter+LifecycleCatchUp &&
		profileEmpty(m) && anyOptionalConsent(m)
}

// lifecycleMail claims key on m (if check still holds on the stored
// member) and, having won the claim, sends kind.
func (s *Service) lifecycleMail(ctx context.Context, m store.Member, key string, check func(store.Member) bool, kind emailKind) (bool, error) {
	m, won, err := s.claimLifecycle(ctx, m.ID, key, check)
	if err != nil || !won {
		return false, err
	}
	lang := string(m.Language)
	base := s.Config.BaseURL + httpapi.PathIn(lang, "")
	if err := s.send(ctx, omail.Address{Name: m.Name, Email: m.Email}, kind, lang, emailData{
		Name: m.Name, Profile: base + "/members/profile/", Preferences: base + "/members/preferences/",
	}); err != nil {
		// Claimed and not sent: at most once, so this one is lost.
		s.Log.ErrorContext(ctx, "lifecycle mail", "kind", kind, "err", err)
		return false, nil
	}
	action := "lifecycle.nudge"
	if kind == emailYearly {
		action = "lifecycle.yearly"
	}
	s.audit(ctx, "system:lifecycle", action, m.ID)
	return true, nil
}

// SetMailSettings switches the lifecycle mails: on lists those HR keeps
// on; the others go off. Audited without personal data.
func (s *Service) SetMailSettings(ctx context.Context, actor string, on []string) (store.MailSettings, error) {
	var ms store.MailSettings
	for _, m := range store.LifecycleMails {
		if !slices.Contains(on, m) {
			ms.Off = append(ms.Off, m)
		}
	}
	ms.UpdatedAt = s.Now()
	if err := s.Store.PutMailSettings(ctx, ms); err != nil {
		return ms, storeError(err)
	}
	s.audit(ctx, actor, "settings.mails", "mails", "off")
	return ms, nil
}

// RunLifecycleSchedule runs RunLifecycle now and then every every until
// ctx ends: beside `okaeri serve`, as Events.RunSchedule.
func (s *Service) RunLifecycleSchedule(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		res, err := s.RunLifecycle(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.ErrorContext(ctx, "lifecycle: scheduled run", "err", err)
		}
		if res.Nudges+res.Yearly > 0 {
			s.Log.InfoContext(ctx, "lifecycle: scheduled run", "nudges", res.Nudges, "yearly", res.Yearly)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
