package account

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// MemberFilter is HR's search of the member list. Zero fields do not filter.
type MemberFilter struct {
	// Q matches part of the name, kana (hiragana and katakana alike),
	// roman name, email, department or employee number.
	Q          string
	Status     store.Status
	Department string // part of the department
	// Years joined and left, inclusive (0: open).
	JoinedFrom, JoinedTo, LeftFrom, LeftTo int
	// Open keeps members open to every one named: rehire, sidework,
	// mentoring, referrals.
	Open []string
}

// searchStatuses are the statuses a search without one walks, in order.
var searchStatuses = []store.Status{store.StatusApproved, store.StatusVerified, store.StatusSuspended, store.StatusRejected, store.StatusPending}

// openFlags are the open-to flags in the order HR's forms show them.
var openFlags = []string{"rehire", "referrals", "sidework", "mentoring"}

// ParseMemberFilter reads a search from a query string; bad values are
// refused per field.
func ParseMemberFilter(q url.Values) (MemberFilter, error) {
	f := MemberFilter{Q: strings.TrimSpace(q.Get("q")), Department: strings.TrimSpace(q.Get("department"))}
	var errs []httpapi.FieldError
	if fe := checkText("q", f.Q, 100, false); fe != nil {
		errs = append(errs, *fe)
	}
	if fe := checkText("department", f.Department, 100, false); fe != nil {
		errs = append(errs, *fe)
	}
	if st := q.Get("status"); st != "" {
		if !slices.Contains(searchStatuses, store.Status(st)) {
			errs = append(errs, httpapi.FieldError{Field: "status", Code: "one_of", Params: []any{"approved, verified, suspended, rejected, pending"}})
		}
		f.Status = store.Status(st)
	}
	for _, y := range []struct {
		name string
		v    *int
	}{{"joined_from", &f.JoinedFrom}, {"joined_to", &f.JoinedTo}, {"left_from", &f.LeftFrom}, {"left_to", &f.LeftTo}} {
		s := strings.TrimSpace(q.Get(y.name))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(s, "年"))
		if err != nil || n < 1900 || n > 2200 {
			errs = append(errs, httpapi.FieldError{Field: y.name, Code: "year"})
			continue
		}
		*y.v = n
	}
	for _, o := range q["open"] {
		if !slices.Contains(openFlags, o) {
			errs = append(errs, httpapi.FieldError{Field: "open", Code: "one_of", Params: []any{strings.Join(openFlags, ", ")}})
			break
		}
		if !slices.Contains(f.Open, o) {
			f.Open = append(f.Open, o)
		}
	}
	if len(errs) > 0 {
		return f, httpapi.Invalid(errs...)
	}
	return f, nil
}

// Query is the filter as a query string (for the next page and the CSV).
func (f MemberFilter) Query() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	year := func(k string, n int) {
		if n != 0 {
			v.Set(k, strconv.Itoa(n))
		}
	}
	set("q", f.Q)
	set("status", string(f.Status))
	set("department", f.Department)
	year("joined_from", f.JoinedFrom)
	year("joined_to", f.JoinedTo)
	year("left_from", f.LeftFrom)
	year("left_to", f.LeftTo)
	for _, o := range f.Open {
		v.Add("open", o)
	}
	return v
}

// Empty reports whether the filter keeps everyone.
func (f MemberFilter) Empty() bool { return len(f.Query()) == 0 }

// fold makes text comparable for search: lower case, full-width letters
// and digits as ASCII, half-width katakana as full-width, katakana as
// hiragana, no spaces.
func fold(s string) string {
	var b strings.Builder
	for _, r := range width.Fold.String(s) {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r >= 0x30A1 && r <= 0x30F6:
			r -= 0x60
		}
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func yearOf(ym string) int {
	if len(ym) < 4 {
		return 0
	}
	n, _ := strconv.Atoi(ym[:4])
	return n
}

func inYears(y, from, to int) bool {
	if from == 0 && to == 0 {
		return true
	}
	return y != 0 && (from == 0 || y >= from) && (to == 0 || y <= to)
}

// Match reports whether m is kept by the filter.
func (f MemberFilter) Match(m store.Member) bool {
	if f.Status != "" && m.Status != f.Status {
		return false
	}
	if q := fold(f.Q); q != "" {
		found := false
		for _, v := range []string{m.Name, m.Kana, m.Roman, m.Email, m.Department, m.EmployeeNumber} {
			if strings.Contains(fold(v), q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if d := fold(f.Department); d != "" && !strings.Contains(fold(m.Department), d) {
		return false
	}
	if !inYears(yearOf(m.Joined), f.JoinedFrom, f.JoinedTo) || !inYears(yearOf(m.Left), f.LeftFrom, f.LeftTo) {
		return false
	}
	for _, flag := range f.Open {
		if !openTo(m.Profile.OpenTo, flag) {
			return false
		}
	}
	return true
}

// openTo reports whether o holds the open-to flag named (openFlags).
func openTo(o store.OpenTo, flag string) bool {
	switch flag {
	case "rehire":
		return o.Rehire
	case "referrals":
		return o.Referrals
	case "sidework":
		return o.Sidework
	case "mentoring":
		return o.Mentoring
	}
	return false
}

// Search bounds: a page of results, and the members one request may read
// to fill it (on DynamoDB, Query pages on GSI1 by status; never a Scan).
const (
	searchPage    = 50
	searchMaxRead = 2000
	csvMaxRows    = 10000 // an export stays well inside a Lambda's 6 MB answer

	searchStorePage = 100
)

// MemberSearch is one page of a search.
type MemberSearch struct {
	Members []store.Member `json:"members"`
	// Next continues the search (empty: it is complete).
	Next string `json:"next,omitempty"`
	// Read is how many members were looked at for this page.
	Read int `json:"read"`
}

// SearchMembers finds members for HR: an address is looked up at once;
// anything else walks the members by status (newest registrations last)
// from cursor, reading at most maxRead members, until limit match.
func (s *Service) SearchMembers(ctx context.Context, f MemberFilter, cursor string, limit, maxRead int) (MemberSearch, error) {
	// A whole address is one lookup (its EMAIL# item), not a walk.
	if cursor == "" && strings.Index(f.Q, "@") > 0 && store.NormalizeEmail(f.Q) != "" {
		m, err := s.Store.GetMemberByEmail(ctx, f.Q)
		switch {
		case err == nil && f.Match(m):
			return MemberSearch{Members: []store.Member{m}, Read: 1}, nil
		case err == nil || errors.Is(err, store.ErrNotFound):
			return MemberSearch{Read: 1}, nil
		}
		return MemberSearch{}, err
	}
	statuses := searchStatuses
	if f.Status != "" {
		statuses = []store.Status{f.Status}
	}
	i, pageCursor := 0, ""
	if cursor != "" {
		st, c, ok := strings.Cut(cursor, ".")
		i = slices.Index(statuses, store.Status(st))
		if !ok || i < 0 {
			return MemberSearch{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Code: "format"})
		}
		pageCursor = c
	}
	// Store pages of 100: a search stops at the end of the page in which
	// it has limit results (so it may give up to limit+99), because a
	// store cursor only continues after a whole page.
	var out MemberSearch
	for i < len(statuses) && out.Read < maxRead {
		ms, next, err := s.Store.ListMembersByStatus(ctx, statuses[i], store.Page{Limit: searchStorePage, Cursor: pageCursor})
		if err != nil {
			var ve *store.ValidationError
			if errors.As(err, &ve) {
				return MemberSearch{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Code: "format"})
			}
			return MemberSearch{}, err
		}
		out.Read += len(ms)
		for _, m := range ms {
			if f.Match(m) {
				out.Members = append(out.Members, m)
			}
		}
		if next != "" {
			pageCursor = next
		} else {
			i, pageCursor = i+1, ""
		}
		if len(out.Members) >= limit {
			break
		}
	}
	if i < len(statuses) {
		out.Next = string(statuses[i]) + "." + pageCursor
	}
	return out, nil
}
