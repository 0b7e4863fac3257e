package account

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// The members' home (/members/) is built by Hugo (news, events, jobs and
// stories for every member); portal.js fills its personal part from
// GET /api/me/home: the member's events, applications and referrals (from
// the other features, HomePart), how complete their profile is, and when
// their previous visit began, against which the page marks what is new.

// HomePart is another feature's part of a member's home: the member's own
// events, or applications and referrals. data is shown as JSON under
// feature; it must hold only what this member may see.
type HomePart interface {
	MemberHome(ctx context.Context, m store.Member, lang string) (feature string, data any, err error)
}

// VisitGap is how long a member is away before their next look at the
// home counts as a new visit: within a visit, what is new stays the same.
const VisitGap = 30 * time.Minute

// Visit records that m is looking at the members' home at now: a new
// visit (none before, or the last began VisitGap or more ago) moves
// LastVisitAt to PreviousVisitAt and starts a new one; within a visit
// nothing is written, so the member record changes at most once a visit.
func (s *Service) Visit(ctx context.Context, m store.Member, now time.Time) (store.Member, error) {
	if !m.LastVisitAt.IsZero() && now.Sub(m.LastVisitAt) < VisitGap {
		return m, nil
	}
	updated, err := s.Store.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		if !old.LastVisitAt.IsZero() && now.Sub(old.LastVisitAt) < VisitGap {
			return old, errVisited // another request started this visit
		}
		old.PreviousVisitAt, old.LastVisitAt = old.LastVisitAt, now
		return old, nil
	})
	if errors.Is(err, errVisited) {
		return s.Store.GetMember(ctx, m.ID)
	}
	if err != nil {
		return m, fmt.Errorf("record visit: %w", err)
	}
	return updated, nil
}

var errVisited = errors.New("visit already recorded")

// ProfileStep is one thing a complete profile has.
type ProfileStep struct {
	Field string `json:"field"` // the profile form's field id
	Label string `json:"label"` // what to do, in the member's language
	Href  string `json:"href"`  // the profile form at that field
}

// Completeness is how complete a member's profile is.
type Completeness struct {
	Percent int          `json:"percent"`
	Done    int          `json:"done"`
	Of      int          `json:"of"`
	Next    *ProfileStep `json:"next,omitempty"` // the first step not done; nil when complete
}

// profileSteps are the profile's fields in the order the form asks for
// them; each counts the same.
var profileSteps = []struct {
	field string
	done  func(m store.Member) bool
}{
	{"kana", func(m store.Member) bool { return m.Kana != "" }},
	{"company", func(m store.Member) bool { return m.Profile.Company != "" }},
	{"role", func(m store.Member) bool { return m.Profile.Role != "" }},
	{"location", func(m store.Member) bool { return m.Profile.Location != "" }},
	{"bio", func(m store.Member) bool { return m.Profile.Bio != "" }},
	{"skills", func(m store.Member) bool { return len(m.Profile.Skills) > 0 }},
	{"interests", func(m store.Member) bool { return len(m.Profile.Interests) > 0 }},
	{"open_to_rehire", func(m store.Member) bool {
		o := m.Profile.OpenTo
		return o.Rehire || o.Sidework || o.Mentoring || o.Referrals
	}},
}

var stepText = map[string]map[string]string{
	"ja": {"kana": "フリガナを入力する", "company": "現在の勤務先を入力する", "role": "役職・職種を入力する", "location": "地域を入力する",
		"bio": "自己紹介を書く", "skills": "スキルを入力する", "interests": "関心ごとを入力する", "open_to_rehire": "興味のあることを選ぶ"},
	"en": {"kana": "Add the kana of your name", "company": "Add your current company", "role": "Add your role", "location": "Add your location",
		"bio": "Write a short bio", "skills": "List your skills", "interests": "List your interests", "open_to_rehire": "Choose what you are open to"},
}

// ProfileCompleteness counts m's profile steps done, in lang.
func ProfileCompleteness(m store.Member, lang string) Completeness {
	if lang != httpapi.LangEN {
		lang = httpapi.LangJA
	}
	c := Completeness{Of: len(profileSteps)}
	for _, st := range profileSteps {
		if st.done(m) {
			c.Done++
		} else if c.Next == nil {
			c.Next = &ProfileStep{Field: st.field, Label: stepText[lang][st.field], Href: httpapi.PathIn(lang, "/members/profile/") + "#" + st.field}
		}
	}
	c.Percent = c.Done * 100 / c.Of
	return c
}

// MemberHome gathers m's home in lang (GET /api/me/home), recording
// the visit: name, previous_visit (absent on the first), since (what is
// new was published after it), profile, and each HomePart's feature.
func (s *Service) MemberHome(ctx context.Context, m store.Member, lang string) (map[string]any, error) {
	m, err := s.Visit(ctx, m, s.Now())
	if err != nil {
		return nil, err
	}
	since := m.CreatedAt
	out := map[string]any{"name": m.Name, "profile": ProfileCompleteness(m, lang)}
	if !m.PreviousVisitAt.IsZero() {
		since = m.PreviousVisitAt
		out["previous_visit"] = m.PreviousVisitAt
	}
	out["since"] = since
	for _, p := range s.Homes {
		feature, data, err := p.MemberHome(ctx, m, lang)
		if err != nil {
			return nil, fmt.Errorf("home %s: %w", feature, err)
		}
		out[feature] = data
	}
	return out, nil
}

func (h Handler) meHome(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := httpapi.Lang(r)
	if l := r.URL.Query().Get("lang"); l == httpapi.LangEN || l == httpapi.LangJA {
		lang = l // the page's language
	}
	home, err := h.S.MemberHome(r.Context(), m, lang)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpapi.WriteJSON(w, http.StatusOK, home)
}
