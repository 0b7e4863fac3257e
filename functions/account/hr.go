package account

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Rules decide roster approval: a verified registration whose roster entry
// meets them is approved at once.
type Rules struct {
	MinTenureMonths     int
	ExcludedDepartments []string
}

// monthsBetween counts whole months from joined to left (YYYY-MM).
func monthsBetween(joined, left string) (int, bool) {
	j, err1 := time.Parse("2006-01", joined)
	l, err2 := time.Parse("2006-01", left)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (l.Year()-j.Year())*12 + int(l.Month()-j.Month()), true
}

// Meets reports whether a roster entry passes the rules.
func (r Rules) Meets(e store.RosterEntry) bool { return r.Why(e) == "" }

// Why names the rule a roster entry breaks, or "" when it passes them all.
func (r Rules) Why(e store.RosterEntry) string {
	for _, d := range r.ExcludedDepartments {
		if strings.EqualFold(strings.TrimSpace(d), strings.TrimSpace(e.Department)) {
			return reasonExcluded
		}
	}
	if r.MinTenureMonths > 0 {
		n, ok := monthsBetween(e.Joined, e.Left)
		if !ok || n < r.MinTenureMonths {
			return reasonTenure
		}
	}
	return ""
}

// RosterMatch is what the leaver roster says about a registration.
type RosterMatch struct {
	// Entry is the roster record found by the verified address or, failing
	// that, by the employee number typed; nil when there is none.
	Entry *store.RosterEntry `json:"entry,omitempty"`
	// By says how Entry was found: "email" or "number".
	By string `json:"by,omitempty"`
	// Reason says why the registration is not approved at once, as a
	// message key suffix (roster.no_entry ...); empty when it is.
	Reason string `json:"reason,omitempty"`
}

// Reasons a registration waits for HR.
const (
	reasonNoEntry     = "no_entry"            // neither the address nor the number is in the roster
	reasonNumberOnly  = "number_only"         // only the typed employee number matched: anyone can type one
	reasonNumberDiffs = "number_differs"      // the address matched, the typed number is another's
	reasonExcluded    = "excluded_department" // the roster's department is excluded from automatic approval
	reasonTenure      = "tenure"              // shorter than OKAERI_MIN_TENURE_MONTHS by the roster's dates
	reasonTaken       = "entry_taken"         // the entry is already matched to another member
)

// MatchRoster finds the member in the leaver roster. Approval is automatic
// only when the member's verified address is the roster entry's own and
// the rules hold for the roster's record (HR's data, not what was typed).
// A match by employee number alone goes to HR, with the record beside
// what the person typed.
func (s *Service) MatchRoster(ctx context.Context, m store.Member) (RosterMatch, error) {
	e, err := s.Store.FindRosterByEmail(ctx, m.Email)
	by := "email"
	if errors.Is(err, store.ErrNotFound) && m.EmployeeNumber != "" {
		e, err = s.Store.GetRosterEntry(ctx, m.EmployeeNumber)
		by = "number"
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return RosterMatch{Reason: reasonNoEntry}, nil
	case err != nil:
		return RosterMatch{}, err
	}
	match := RosterMatch{Entry: &e, By: by}
	holder, err := s.Store.GetMemberByEmployeeNumber(ctx, e.EmployeeNumber)
	switch {
	case err == nil && holder.ID != m.ID && holder.RosterNumber == e.EmployeeNumber:
		match.Reason = reasonTaken
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return RosterMatch{}, err
	case by == "number":
		match.Reason = reasonNumberOnly
	case m.EmployeeNumber != "" && m.EmployeeNumber != e.EmployeeNumber:
		match.Reason = reasonNumberDiffs
	default:
		match.Reason = s.Config.Rules.Why(e)
	}
	return match, nil
}

// AddMember is HR adding and approving a person by hand (`okaeri member
// add`), for alumni who left before the roster begins.
func (s *Service) AddMember(ctx context.Context, in RegisterInput, actor string) (store.Member, error) {
	now := s.Now()
	in.Privacy, in.PrivacyVersion = true, s.Config.PolicyVersion
	if err := in.Validate(s.Config.PolicyVersion, now); err != nil {
		return store.Member{}, err
	}
	consents := map[string]store.Consent{"privacy": {Given: true, PolicyVersion: s.Config.PolicyVersion, At: now}}
	m, err := s.Store.CreateMember(ctx, store.Member{Email: in.Email, Name: in.Name, Kana: in.Kana, Department: in.Department,
		Joined: in.Joined, Left: in.Left, EmployeeNumber: in.EmployeeNumber, Language: store.Language(in.Language),
		Status: store.StatusApproved, Consents: consents, Profile: newProfile(), CreatedAt: now})
	if errors.Is(err, store.ErrAlreadyExists) {
		return store.Member{}, httpapi.Invalid(httpapi.FieldError{Field: conflictFieldName(err), Code: "taken"})
	}
	if err != nil {
		return store.Member{}, storeError(err)
	}
	s.audit(ctx, actor, "member.add", m.ID, "email", "name")
	_ = s.sendWelcome(ctx, m)
	return m, nil
}

func conflictFieldName(err error) string {
	if f := conflictField(err); f == "employeeNumber" {
		return "employee_number"
	} else if f != "" {
		return f
	}
	return "email"
}
