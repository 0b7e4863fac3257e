package account

import (
	"context"
	"errors"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// The members' directory: who agreed to be listed, with the fields each
// chose to show, minus the members who block the reader.

// DefaultVisible is what a listed member shows besides their name until
// they choose otherwise: what the registration's consent promises
// (department and years). Company, location, skills, bio, open-to flags
// and the rest stay hidden until the member turns them on.
var DefaultVisible = []string{"department", "years"}

// newProfile is the profile a new member starts with.
func newProfile() store.Profile {
	return store.Profile{Visible: slices.Clone(DefaultVisible)}
}

// listed reports whether m appears in the directory at all.
func listed(m store.Member) bool {
	return m.Status == store.StatusApproved && m.Consents["directory"].Given
}

// DirectoryEntry is one member as the directory shows them: only what they chose.
type DirectoryEntry struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Initials stand in for a photo: the first character of a Japanese
	// name (the family name's), or the first letters of a Latin one.
	Initials   string        `json:"initials"`
	Kana       string        `json:"kana,omitempty"`
	Department string        `json:"department,omitempty"`
	Joined     string        `json:"joined,omitempty"`
	Left       string        `json:"left,omitempty"`
	Years      string        `json:"years,omitempty"`
	Company    string        `json:"company,omitempty"`
	Role       string        `json:"role,omitempty"`
	Location   string        `json:"location,omitempty"`
	BioHTML    string        `json:"bio_html,omitempty"`
	Skills     []string      `json:"skills,omitempty"`
	Interests  []string      `json:"interests,omitempty"`
	OpenTo     *store.OpenTo `json:"open_to,omitempty"`
	// BlockedByMe: the reader blocks this member (only ever true in the
	// reader's own answer).
	BlockedByMe bool `json:"blocked_by_me,omitempty"`
}

// directoryEntry is m as the directory shows it. Only the fields m chose
// to show are ever read into it, so no filter can reach a hidden one.
func directoryEntry(m store.Member) DirectoryEntry {
	e := DirectoryEntry{ID: m.ID, Name: m.Name, Initials: initials(m.Name)}
	for _, f := range m.Profile.Visible {
		switch f {
		case "kana":
			e.Kana = m.Kana
		case "department":
			e.Department = m.Department
		case "years":
			e.Joined, e.Left = m.Joined, m.Left
			if m.Joined != "" && m.Left != "" {
				e.Years = m.Joined + " – " + m.Left
			}
		case "company":
			e.Company = m.Profile.Company
		case "role":
			e.Role = m.Profile.Role
		case "location":
			e.Location = m.Profile.Location
		case "bio":
			e.BioHTML = bioHTML(m.Profile)
		case "skills":
			e.Skills = m.Profile.Skills
		case "interests":
			e.Interests = m.Profile.Interests
		case "open_to":
			o := m.Profile.OpenTo
			e.OpenTo = &o
		}
	}
	return e
}

// yearMonth writes a stored month ("2016-04") as people read it: 2016年4月,
// Apr 2016. Any other value is kept as it is.
func yearMonth(lang, m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	if lang == httpapi.LangEN {
		return t.Format("Jan 2006")
	}
	return t.Format("2006年1月")
}

// employment is the years at the company, joined to left: 2016年4月 –
// 2022年6月, Apr 2016 – Jun 2022.
func employment(lang, joined, left string) string {
	return yearMonth(lang, joined) + " – " + yearMonth(lang, left)
}

// yearsFunc is employment for a template: {{call $.Years .Joined .Left}}.
func yearsFunc(lang string) func(joined, left string) string {
	return func(joined, left string) string { return employment(lang, joined, left) }
}

// initials stand in for a photo. A name in kanji or kana starts with the
// family name, whose first character is the mark (山田 花子: 山); a Latin
// name gives the first letters of its first and last words (Hanako
// Yamada: HY).
func initials(name string) string {
	name = strings.TrimSpace(name)
	first, _ := utf8.DecodeRuneInString(name)
	if name == "" || first == utf8.RuneError {
		return "?"
	}
	if !unicode.In(first, unicode.Latin) {
		return string(first)
	}
	words := strings.Fields(name)
	out := string(unicode.ToUpper(first))
	if len(words) > 1 {
		if r, _ := utf8.DecodeRuneInString(words[len(words)-1]); unicode.In(r, unicode.Latin) {
			out += string(unicode.ToUpper(r))
		}
	}
	return out
}

// avatarTone picks one of the avatar colours for a member, always the same.
func avatarTone(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % 6)
}

// DirectoryPageSize is how many members one page of the directory lists.
const DirectoryPageSize = 24

// directoryMaxPage bounds the page number a request may ask for.
const directoryMaxPage = 1000

// DirectoryQuery filters the directory. Zero fields do not filter; every
// filter reads only what a member shows, so a hidden field never matches.
type DirectoryQuery struct {
	// Q matches part of the name (or kana, when shown) and of the shown
	// department, company, role, location, skills and interests.
	Q                                      string
	Department, Company, Location, Skill   string // parts of the shown values
	JoinedFrom, JoinedTo, LeftFrom, LeftTo int    // years, inclusive (0: open)
	// OpenTo keeps members open to every flag named (rehire, referrals,
	// sidework, mentoring).
	OpenTo []string
	Page   int // from 1
	Size   int // DirectoryPageSize when 0
}

// ParseDirectoryQuery reads the directory's filters from a query string;
// bad values are refused per field.
func ParseDirectoryQuery(v url.Values) (DirectoryQuery, error) {
	q := DirectoryQuery{Page: 1}
	var errs []httpapi.FieldError
	for _, t := range []struct {
		name string
		dst  *string
	}{{"q", &q.Q}, {"department", &q.Department}, {"company", &q.Company}, {"location", &q.Location}, {"skill", &q.Skill}} {
		*t.dst = strings.TrimSpace(v.Get(t.name))
		if fe := checkText(t.name, *t.dst, 100, false); fe != nil {
			errs = append(errs, *fe)
		}
	}
	years := []struct {
		name string
		dst  *int
	}{{"joined_from", &q.JoinedFrom}, {"joined_to", &q.JoinedTo}, {"left_from", &q.LeftFrom}, {"left_to", &q.LeftTo}}
	for _, y := range years {
		s := strings.TrimSpace(v.Get(y.name))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(fold(s), "年"))
		if err != nil || n < 1900 || n > 2200 {
			errs = append(errs, httpapi.FieldError{Field: y.name, Code: "year"})
			continue
		}
		*y.dst = n
	}
	if q.JoinedFrom != 0 && q.JoinedTo != 0 && q.JoinedFrom > q.JoinedTo {
		errs = append(errs, httpapi.FieldError{Field: "joined_to", Code: "year_order"})
	}
	if q.LeftFrom != 0 && q.LeftTo != 0 && q.LeftFrom > q.LeftTo {
		errs = append(errs, httpapi.FieldError{Field: "left_to", Code: "year_order"})
	}
	for _, o := range v["open_to"] {
		if o == "" {
			continue // "any" in a select
		}
		if !slices.Contains(openFlags, o) {
			errs = append(errs, httpapi.FieldError{Field: "open_to", Code: "one_of", Params: []any{strings.Join(openFlags, ", ")}})
			break
		}
		if !slices.Contains(q.OpenTo, o) {
			q.OpenTo = append(q.OpenTo, o)
		}
	}
	if s := v.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > directoryMaxPage {
			errs = append(errs, httpapi.FieldError{Field: "page", Code: "page", Params: []any{directoryMaxPage}})
		} else {
			q.Page = n
		}
	}
	if len(errs) > 0 {
		return q, httpapi.Invalid(errs...)
	}
	return q, nil
}

// Values is the query as a query string, without its page: the links to
// other pages add theirs, so the filters stay in the URL.
func (q DirectoryQuery) Values() url.Values {
	v := url.Values{}
	for _, t := range []struct{ k, s string }{{"q", q.Q}, {"department", q.Department}, {"company", q.Company},
		{"location", q.Location}, {"skill", q.Skill}} {
		if t.s != "" {
			v.Set(t.k, t.s)
		}
	}
	for _, y := range []struct {
		k string
		n int
	}{{"joined_from", q.JoinedFrom}, {"joined_to", q.JoinedTo}, {"left_from", q.LeftFrom}, {"left_to", q.LeftTo}} {
		if y.n != 0 {
			v.Set(y.k, strconv.Itoa(y.n))
		}
	}
	for _, o := range q.OpenTo {
		v.Add("open_to", o)
	}
	return v
}

// Filtered reports whether any filter beyond the name search is set.
func (q DirectoryQuery) Filtered() bool {
	v := q.Values()
	v.Del("q")
	return len(v) > 0
}

// matches reports whether an entry (only what its member shows) is kept.
func (q DirectoryQuery) matches(e DirectoryEntry) bool {
	part := func(value, want string) bool { return want == "" || strings.Contains(fold(value), fold(want)) }
	if !part(e.Department, q.Department) || !part(e.Company, q.Company) || !part(e.Location, q.Location) {
		return false
	}
	if q.Skill != "" && !slices.ContainsFunc(e.Skills, func(s string) bool { return part(s, q.Skill) }) {
		return false
	}
	if !inYears(yearOf(e.Joined), q.JoinedFrom, q.JoinedTo) || !inYears(yearOf(e.Left), q.LeftFrom, q.LeftTo) {
		return false
	}
	for _, flag := range q.OpenTo {
		if e.OpenTo == nil || !openTo(*e.OpenTo, flag) {
			return false
		}
	}
	if w := fold(q.Q); w != "" {
		fields := append([]string{e.Name, e.Kana, e.Department, e.Company, e.Role, e.Location}, e.Skills...)
		if !slices.ContainsFunc(append(fields, e.Interests...), func(s string) bool { return strings.Contains(fold(s), w) }) {
			return false
		}
	}
	return true
}

// DirectoryPage is one page of the directory.
type DirectoryPage struct {
	Members []DirectoryEntry `json:"members"`
	Page    int              `json:"page"`
	Size    int              `json:"size"`
	// First is the position of the page's first member among the matches (from 1).
	First   int  `json:"first"`
	HasNext bool `json:"has_next"`
}

// Directory lists the members viewer may see that match q, one page: the
// approved members in the order they registered (GSI1, never a Scan),
// read until the page is full and one more match says a next page exists.
// Members who block viewer are left out, as if they were not listed.
func (s *Service) Directory(ctx context.Context, viewer store.Member, q DirectoryQuery) (DirectoryPage, error) {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.Size <= 0 {
		q.Size = DirectoryPageSize
	}
	hidden, err := s.hiddenFrom(ctx, viewer.ID)
	if err != nil {
		return DirectoryPage{}, err
	}
	mine, err := s.blockedSet(ctx, viewer.ID)
	if err != nil {
		return DirectoryPage{}, err
	}
	skip := (q.Page - 1) * q.Size
	out := DirectoryPage{Members: []DirectoryEntry{}, Page: q.Page, Size: q.Size, First: skip + 1}
	matched := 0
	// The first read asks for what the page needs (and one more); each
	// further read twice as many, up to the store's page, so the first
	// page costs little and a narrow filter few round trips.
	page := store.Page{Limit: min(max(skip+q.Size+1, 50), store.MaxPageLimit)}
	for {
		ms, next, err := s.Store.ListMembersByStatus(ctx, store.StatusApproved, page)
		if err != nil {
			return DirectoryPage{}, httpapi.Internal(err)
		}
		for _, m := range ms {
			if !listed(m) || hidden[m.ID] {
				continue
			}
			e := directoryEntry(m)
			if !q.matches(e) {
				continue
			}
			matched++
			switch {
			case matched <= skip:
			case len(out.Members) < q.Size:
				e.BlockedByMe = mine[m.ID]
				out.Members = append(out.Members, e)
			default:
				out.HasNext = true
				return out, nil
			}
		}
		if next == "" {
			return out, nil
		}
		page.Cursor, page.Limit = next, min(page.Limit*2, store.MaxPageLimit)
	}
}

// hiddenFrom is the set of members who block viewer.
func (s *Service) hiddenFrom(ctx context.Context, viewer string) (map[string]bool, error) {
	ids, err := s.Store.BlockedBy(ctx, viewer)
	if err != nil {
		return nil, httpapi.Internal(err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// blockedSet is the set of members blocker blocks.
func (s *Service) blockedSet(ctx context.Context, blocker string) (map[string]bool, error) {
	bs, err := s.Store.ListBlocks(ctx, blocker)
	if err != nil {
		return nil, httpapi.Internal(err)
	}
	out := make(map[string]bool, len(bs))
	for _, b := range bs {
		out[b.Blocked] = true
	}
	return out, nil
}

// blocking reports whether blocker blocks blocked.
func (s *Service) blocking(ctx context.Context, blocker, blocked string) (bool, error) {
	set, err := s.blockedSet(ctx, blocker)
	return set[blocked], err
}

// directoryMember is the member with id as viewer may see them: ENOTFOUND,
// the same for every reason (no such member, not listed, or one who
// blocks viewer), so a block cannot be told from an absence.
func (s *Service) directoryMember(ctx context.Context, viewer store.Member, id string) (store.Member, error) {
	notFound := httpapi.Errorf(httpapi.ENOTFOUND, "not_found")
	if !store.ValidID(id) {
		return store.Member{}, notFound
	}
	m, err := s.Store.GetMember(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !listed(m) {
		return store.Member{}, notFound
	}
	if err != nil {
		return store.Member{}, httpapi.Internal(err)
	}
	hidden, err := s.hiddenFrom(ctx, viewer.ID)
	if err != nil {
		return store.Member{}, err
	}
	if hidden[m.ID] {
		return store.Member{}, notFound
	}
	return m, nil
}

// DirectoryMember is one member's entry as viewer sees it (the page of
// /members/directory/{id}/), or ENOTFOUND.
func (s *Service) DirectoryMember(ctx context.Context, viewer store.Member, id string) (DirectoryEntry, error) {
	m, err := s.directoryMember(ctx, viewer, id)
	if err != nil {
		return DirectoryEntry{}, err
	}
	e := directoryEntry(m)
	if e.BlockedByMe, err = s.blocking(ctx, viewer.ID, m.ID); err != nil {
		return DirectoryEntry{}, err
	}
	return e, nil
}

// Block hides blocker from the member with id: that member no longer
// finds blocker in the directory (lists, search, filters, the member's
// page) and cannot write to them. Nobody is told; the audit log records
// that blocker blocked someone, never whom (the entry's subject is
// blocker, so it is not in the blocked member's export either). Only a
// member blocker can see can be blocked; blocking again changes nothing.
func (s *Service) Block(ctx context.Context, blocker store.Member, id string) (bool, error) {
	m, err := s.directoryMember(ctx, blocker, id)
	if err != nil {
		return false, err
	}
	if m.ID == blocker.ID {
		return false, httpapi.Invalid(httpapi.FieldError{Field: "id", Code: "self"})
	}
	_, created, err := s.Store.Block(ctx, store.Block{Blocker: blocker.ID, Blocked: m.ID, At: s.Now()})
	if errors.Is(err, store.ErrNotFound) {
		return false, httpapi.Errorf(httpapi.ENOTFOUND, "not_found") // erased meanwhile
	}
	if err != nil {
		return false, httpapi.Internal(err)
	}
	if created {
		s.audit(ctx, blocker.ID, "directory.block", blocker.ID)
	}
	return created, nil
}

// Unblock lifts blocker's block of the member with id (a no-op when
// there is none), audited as Block is.
func (s *Service) Unblock(ctx context.Context, blocker store.Member, id string) error {
	removed, err := s.Store.Unblock(ctx, blocker.ID, id)
	if err != nil {
		return httpapi.Internal(err)
	}
	if removed {
		s.audit(ctx, blocker.ID, "directory.unblock", blocker.ID)
	}
	return nil
}

// BlockView is one of a member's blocks as their profile lists it.
type BlockView struct {
	ID   string    `json:"id"`
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// Blocks lists whom m blocks, oldest first, with their names now.
func (s *Service) Blocks(ctx context.Context, m store.Member) ([]BlockView, error) {
	bs, err := s.Store.ListBlocks(ctx, m.ID)
	if err != nil {
		return nil, httpapi.Internal(err)
	}
	out := []BlockView{}
	for _, b := range bs {
		other, err := s.Store.GetMember(ctx, b.Blocked)
		if errors.Is(err, store.ErrNotFound) {
			continue // erased; its blocks go with it
		}
		if err != nil {
			return nil, httpapi.Internal(err)
		}
		out = append(out, BlockView{ID: b.Blocked, Name: other.Name, At: b.At})
	}
	return out, nil
}

// ---- HTTP

func (h Handler) directory(w http.ResponseWriter, r *http.Request, m store.Member) {
	q, err := ParseDirectoryQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	p, err := h.S.Directory(r.Context(), m, q)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpapi.WriteJSON(w, http.StatusOK, p)
}

func (h Handler) directoryEntryAPI(w http.ResponseWriter, r *http.Request, m store.Member) {
	e, err := h.S.DirectoryMember(r.Context(), m, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpapi.WriteJSON(w, http.StatusOK, e)
}

// blockInput is what the block and unblock forms post: where to go back
// to (a path on this site).
type blockInput struct {
	Next string `json:"next"`
}

func (h Handler) block(w http.ResponseWriter, r *http.Request, m store.Member) {
	h.blockOrUnblock(w, r, m, true)
}

func (h Handler) unblock(w http.ResponseWriter, r *http.Request, m store.Member) {
	h.blockOrUnblock(w, r, m, false)
}

func (h Handler) blockOrUnblock(w http.ResponseWriter, r *http.Request, m store.Member, on bool) {
	lang := string(m.Language)
	back := httpapi.PathIn(lang, "/members/directory/")
	var in blockInput
	if r.Method == http.MethodPost {
		if err := httpapi.Decode(w, r, &in); err != nil {
			h.fail(w, r, err, back)
			return
		}
	}
	next := httpapi.SafeNext(in.Next, back)
	id := r.PathValue("id")
	var err error
	created := false
	if on {
		created, err = h.S.Block(r.Context(), m, id)
	} else {
		err = h.S.Unblock(r.Context(), m, id)
	}
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	if httpapi.IsForm(r) {
		notice := "unblocked=1"
		if on {
			notice = "blocked=1"
		}
		http.Redirect(w, r, withQuery(next, notice), http.StatusSeeOther)
		return
	}
	status := map[bool]string{true: "blocked", false: "unblocked"}[on]
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"status": status, "created": created})
}

// withQuery adds kv to a path's query, before any fragment.
func withQuery(path, kv string) string {
	frag := ""
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, frag = path[:i], path[i:]
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + kv + frag
}
