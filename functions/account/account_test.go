package account

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account/bio"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// clock is a settable time for tests of expiry.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	s      *Service
	outbox string
	clock  *clock
}

func newFixture(t *testing.T, mode ApprovalMode) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := bolt.Open(filepath.Join(dir, "okaeri.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := outbox.New(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := auth.NewKeyring(auth.Key{ID: "t", Secret: []byte(strings.Repeat("k", 32))})
	s := New(st, ob, keys, Config{BaseURL: "http://portal.test", From: mail.Address{Email: "alumni@example.co.jp"}, Approval: mode,
		RenderBio: bio.Render}, nil)
	c := &clock{now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	s.Now = c.Now
	return &fixture{s: s, outbox: ob.Dir, clock: c}
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// lastToken is the token in the newest mail to addr.
func (f *fixture) lastToken(t *testing.T, addr string) string {
	t.Helper()
	list, err := outbox.List(f.outbox)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if strings.Contains(e.To, addr) {
			if m := tokenRE.FindStringSubmatch(e.Text); m != nil {
				return m[1]
			}
		}
	}
	t.Fatalf("no mail with a token to %s", addr)
	return ""
}

func input(email string) RegisterInput {
	return RegisterInput{Email: email, Name: "佐藤 花", Department: "営業部", Joined: "2015-04", Left: "2020-03",
		Language: "ja", Privacy: true, PrivacyVersion: "2026-04-01", Directory: true}
}

func (f *fixture) approvedMember(t *testing.T, email string) store.Member {
	t.Helper()
	ctx := context.Background()
	if err := f.s.Register(ctx, input(email), "c"); err != nil {
		t.Fatal(err)
	}
	m, err := f.s.Verify(ctx, f.lastToken(t, email))
	if err != nil || m.Status != store.StatusApproved {
		t.Fatalf("verify: %v %v", m.Status, err)
	}
	return m
}

func code(err error) httpapi.Code { return httpapi.AsError(err).Code }

func TestLoginLinkExpiresAfter15Minutes(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	f.approvedMember(t, "a@example.com")
	if err := f.s.Login(ctx, "A@Example.com", "", "c"); err != nil {
		t.Fatal(err)
	}
	tok := f.lastToken(t, "a@example.com")
	f.clock.Add(15*time.Minute + time.Second)
	if _, _, err := f.s.Callback(ctx, tok); code(err) != httpapi.EINVALID {
		t.Fatalf("expired link: %v", err)
	}
	if err := f.s.Login(ctx, "a@example.com", "/members/events/", "c"); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(14 * time.Minute)
	m, sess, err := f.s.Callback(ctx, f.lastToken(t, "a@example.com"))
	if err != nil || sess.MemberID != m.ID || !sess.ExpiresAt.Equal(f.clock.Now().Add(14*24*time.Hour)) {
		t.Fatalf("fresh link: %v %+v", err, sess)
	}
}

func TestSessionRenewsWhileUsedAndExpiresWhenIdle(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	f.approvedMember(t, "b@example.com")
	_ = f.s.Login(ctx, "b@example.com", "", "c")
	_, sess, err := f.s.Callback(ctx, f.lastToken(t, "b@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/members/", nil)
	rec := httptest.NewRecorder()
	f.s.SetSessionCookie(rec, sess)
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			req.AddCookie(c)
		}
	}
	for i := 0; i < 3; i++ { // used every 10 days: never expires
		f.clock.Add(10 * 24 * time.Hour)
		if !f.s.IsMember(req) {
			t.Fatalf("session expired while in use (round %d)", i)
		}
	}
	f.clock.Add(15 * 24 * time.Hour) // idle past the 14 days
	if f.s.IsMember(req) {
		t.Fatal("idle session still valid")
	}
	forged := httptest.NewRequest("GET", "/members/", nil)
	forged.AddCookie(&http.Cookie{Name: SessionCookie, Value: sess.ID + ".t.AAAA"})
	if f.s.IsMember(forged) {
		t.Fatal("forged cookie accepted")
	}
}

func TestApprovalModes(t *testing.T) {
	ctx := context.Background()
	manual := newFixture(t, ApprovalManual)
	_ = manual.s.Register(ctx, input("m@example.com"), "c")
	m, err := manual.s.Verify(ctx, manual.lastToken(t, "m@example.com"))
	if err != nil || m.Status != store.StatusVerified {
		t.Fatalf("manual: %v %v", m.Status, err)
	}
	if _, err := manual.s.Reject(ctx, m.ID, "hr:x", ""); code(err) != httpapi.EINVALID {
		t.Errorf("reject without a reason: %v", err)
	}
	if m, err = manual.s.Reject(ctx, m.ID, "hr:x", "在籍を確認できませんでした"); err != nil || m.Status != store.StatusRejected {
		t.Fatalf("reject: %v %v", m.Status, err)
	}
	if _, err := manual.s.Reject(ctx, m.ID, "hr:x", "again"); code(err) != httpapi.ECONFLICT {
		t.Errorf("reject twice: %v", err)
	}

	roster := newFixture(t, ApprovalRoster)
	roster.s.Config.Rules = Rules{MinTenureMonths: 24, ExcludedDepartments: []string{"役員室"}}
	st := roster.s.Store
	for _, e := range []store.RosterEntry{
		{EmployeeNumber: "E1", Email: "long@example.com", Name: "長", Department: "営業部", Joined: "2010-04", Left: "2015-03"},
		{EmployeeNumber: "E2", Email: "short@example.com", Name: "短", Department: "営業部", Joined: "2019-04", Left: "2020-03"},
		{EmployeeNumber: "E3", Name: "番号", Department: "営業部", Joined: "2010-04", Left: "2015-03"},
		{EmployeeNumber: "E4", Email: "exec@example.com", Name: "役", Department: "役員室", Joined: "2000-04", Left: "2015-03"},
	} {
		if err := st.PutRosterEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// Only the roster entry's own address, verified, approves at once; an
	// employee number anyone can type goes to HR with the reason.
	for email, want := range map[string]struct {
		status store.Status
		number string // typed
		reason string
		roster string // the roster match kept on approval
	}{
		"long@example.com":     {status: store.StatusApproved, roster: "E1"},
		"short@example.com":    {status: store.StatusVerified, reason: reasonTenure},
		"byno@example.com":     {status: store.StatusVerified, number: "E3", reason: reasonNumberOnly},
		"exec@example.com":     {status: store.StatusVerified, reason: reasonExcluded},
		"stranger@example.com": {status: store.StatusVerified, reason: reasonNoEntry},
	} {
		in := input(email)
		in.EmployeeNumber = want.number
		if err := roster.s.Register(ctx, in, "c"); err != nil {
			t.Fatal(err)
		}
		m, err := roster.s.Verify(ctx, roster.lastToken(t, email))
		if err != nil || m.Status != want.status || m.RosterNumber != want.roster {
			t.Errorf("%s: %s roster %q (%v), want %s roster %q", email, m.Status, m.RosterNumber, err, want.status, want.roster)
		}
		match, err := roster.s.MatchRoster(ctx, m)
		if err != nil || match.Reason != want.reason {
			t.Errorf("%s: reason %q (%v), want %q", email, match.Reason, err, want.reason)
		}
	}
	// The roster's own address with someone else's number typed: HR decides.
	if err := st.PutRosterEntry(ctx, store.RosterEntry{EmployeeNumber: "E5", Email: "mixed@example.com", Name: "混", Department: "営業部", Joined: "2010-04", Left: "2015-03"}); err != nil {
		t.Fatal(err)
	}
	in := input("mixed@example.com")
	in.EmployeeNumber = "E1"
	_ = roster.s.Register(ctx, in, "c")
	if m, err := roster.s.Verify(ctx, roster.lastToken(t, "mixed@example.com")); err != nil || m.Status != store.StatusVerified {
		t.Errorf("address matches, typed number is another's: %s (%v), want verified", m.Status, err)
	}
}

// TestReviewersHearOfWaitingRegistrations: HR learns that registrations
// await review, once an hour at most, in each admin's language, without
// the applicants' names or addresses.
func TestReviewersHearOfWaitingRegistrations(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	f.s.Config.Admins = []string{"hr@example.co.jp", "hr-en@example.co.jp"}
	// hr-en holds HR's role; a member at an OKAERI_ADMINS address without
	// the role is no reviewer.
	f.hrEN(t)
	if _, err := f.s.Store.CreateMember(ctx, store.Member{ID: store.NewID(), Email: "former-hr@example.co.jp", Name: "元HR", Status: store.StatusApproved,
		Language: store.LanguageJa, Department: "人事部", Joined: "2010-04", Left: "2011-03"}); err != nil {
		t.Fatal(err)
	}
	f.s.Config.Admins = append(f.s.Config.Admins, "former-hr@example.co.jp")
	verify := func(email string) {
		t.Helper()
		if err := f.s.Register(ctx, input(email), "c"); err != nil {
			t.Fatal(err)
		}
		if m, err := f.s.Verify(ctx, f.lastToken(t, email)); err != nil || m.Status != store.StatusVerified {
			t.Fatalf("%s: %s %v", email, m.Status, err)
		}
	}
	notices := func(to string) []outbox.Entry {
		var out []outbox.Entry
		list, _ := outbox.List(f.outbox)
		for _, e := range list {
			if strings.Contains(e.To, to) {
				out = append(out, e)
			}
		}
		return out
	}
	verify("first@example.net")
	verify("second@example.net") // the same hour: no second notice
	ja, en := notices("hr@example.co.jp"), notices("hr-en@example.co.jp")
	if len(ja) != 1 || len(en) != 1 {
		t.Fatalf("notices: %d ja, %d en, want 1 each", len(ja), len(en))
	}
	if n := len(notices("former-hr@example.co.jp")); n != 0 {
		t.Errorf("a member without HR's role got %d notices", n)
	}
	if !strings.Contains(ja[0].Subject, "承認待ち") || !strings.Contains(en[0].Subject, "await your review") ||
		!strings.Contains(ja[0].Text, "http://portal.test/hr/registrations") {
		t.Errorf("notice: %q %q\n%s", ja[0].Subject, en[0].Subject, ja[0].Text)
	}
	for _, n := range append(ja, en...) {
		if strings.Contains(n.Text, "first@") || strings.Contains(n.Text, "佐藤") {
			t.Errorf("the notice names an applicant: %s", n.Text)
		}
	}
	// An hour later a new registration brings a new notice.
	f.clock.now = f.clock.now.Add(time.Hour)
	verify("third@example.net")
	if n := len(notices("hr@example.co.jp")); n != 2 {
		t.Errorf("after an hour: %d notices, want 2", n)
	}
}

func TestConcurrentRegistrationsOfOneAddressMakeOneMember(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	f.s.Config.RegisterPerAddress = Limit{100, time.Hour}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f.s.Register(ctx, input("same@example.com"), "c") }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ms, _, err := f.s.Store.ListMembersByStatus(ctx, store.StatusPending, store.Page{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("%d members (%v)", len(ms), err)
	}
}

func TestEmailChangeTakesEffectOnlyWhenVerified(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	m := f.approvedMember(t, "old@example.com")
	newAddr := "new@example.com"
	m, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{Email: &newAddr})
	if err != nil || m.Email != "old@example.com" || m.PendingEmail != newAddr {
		t.Fatalf("after change: %q pending %q (%v)", m.Email, m.PendingEmail, err)
	}
	if err := f.s.Login(ctx, newAddr, "", "c"); err != nil {
		t.Fatal(err)
	}
	tok := f.lastToken(t, newAddr) // the confirmation, not a login link
	if m, err = f.s.ConfirmEmailChange(ctx, tok); err != nil || m.Email != newAddr || m.PendingEmail != "" {
		t.Fatalf("confirm: %q %v", m.Email, err)
	}
	if _, err := f.s.ConfirmEmailChange(ctx, tok); code(err) != httpapi.EINVALID {
		t.Errorf("confirm twice: %v", err)
	}
	if _, err := f.s.Store.GetMemberByEmail(ctx, "old@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old address still finds the member: %v", err)
	}
}

func TestConsentChangesAreRecorded(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	m := f.approvedMember(t, "c@example.com")
	yes, no := true, false
	if _, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{ConsentNewsletter: &yes}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	m, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{ConsentNewsletter: &no, ConsentDirectory: &no})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.ConsentHistory) != 3 || m.Consents["newsletter"].Given || m.Consents["directory"].Given {
		t.Fatalf("history %+v consents %+v", m.ConsentHistory, m.Consents)
	}
	h := m.ConsentHistory[1]
	if h.Purpose != "newsletter" || h.Given || h.PolicyVersion != "2026-04-01" || !h.At.Equal(f.clock.Now()) {
		t.Errorf("entry %+v", h)
	}
	// Unchanged consents are not recorded again.
	m, _ = f.s.UpdateProfile(ctx, m.ID, ProfileInput{ConsentNewsletter: &no})
	if len(m.ConsentHistory) != 3 {
		t.Errorf("a no-op change was recorded")
	}
}

// sessionCookie logs m in and returns the session cookie.
func (f *fixture) sessionCookie(t *testing.T, m store.Member) *http.Cookie {
	t.Helper()
	if err := f.s.Login(t.Context(), m.Email, "", "c"); err != nil {
		t.Fatal(err)
	}
	_, sess, err := f.s.Callback(t.Context(), f.lastToken(t, m.Email))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	f.s.SetSessionCookie(rec, sess)
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// A bio is rendered once, when it is saved, and stored as sanitized HTML
// beside its Markdown: Markdown and links kept, raw HTML and javascript:
// links not. The directory shows what was stored and renders nothing; an
// edit renders again.
func TestBiosAreRenderedWhenSaved(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := t.Context()
	h := Handler{S: f.s}.Routes()
	a := f.approvedMember(t, "a@example.com")
	b := f.approvedMember(t, "b@example.com")
	session := f.sessionCookie(t, a)
	serve := func(method, path, body string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.AddCookie(session)
		rec := httptest.NewRecorder()
		h[method+" "+path].ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec
	}
	serve("PATCH", "/api/me/profile", `{"bio":"**Go** と AWS。[ブログ](https://example.net/blog) <script>alert(1)</script> [x](javascript:alert(1))","visible":["bio"]}`)
	hidden := "非公開の経歴"
	if _, err := f.s.UpdateProfile(ctx, b.ID, ProfileInput{Bio: &hidden, Visible: []string{"company"}}); err != nil {
		t.Fatal(err)
	}
	stored, err := f.s.Store.GetMember(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := stored.Profile.BioHTML
	for _, want := range []string{"<strong>Go</strong>", `<a href="https://example.net/blog" rel="nofollow ugc">ブログ</a>`, "<!-- raw HTML omitted -->"} {
		if !strings.Contains(got, want) {
			t.Errorf("stored bio HTML %q lacks %q", got, want)
		}
	}
	for _, bad := range []string{"<script", "javascript:"} {
		if strings.Contains(got, bad) {
			t.Errorf("stored bio HTML %q holds %q", got, bad)
		}
	}
	if !strings.HasPrefix(stored.Profile.Bio, "**Go**") {
		t.Errorf("the Markdown is not kept: %q", stored.Profile.Bio)
	}

	// Reading renders nothing: the directory, its page and the API show
	// the stored HTML.
	f.s.Config.RenderBio = func(string) string { t.Error("a bio was rendered at read time"); return "" }
	dp, err := f.s.Directory(ctx, a, DirectoryQuery{})
	entries := dp.Members
	if err != nil || len(entries) != 2 {
		t.Fatalf("directory %+v %v", entries, err)
	}
	for _, e := range entries {
		if e.ID == a.ID && e.BioHTML != got || e.ID == b.ID && e.BioHTML != "" {
			t.Errorf("%s: directory bio %q", e.ID, e.BioHTML)
		}
	}
	page := serve("GET", "/members/directory/", "").Body.String()
	if !strings.Contains(page, `<div class="bio">`+got+`</div>`) || strings.Contains(page, hidden) {
		t.Errorf("the directory page does not show the stored bio as it is:\n%s", page)
	}
	if me := serve("GET", "/api/me", "").Body.String(); !strings.Contains(me, `"bio_html":`) || strings.Contains(me, "<script") {
		t.Errorf("GET /api/me: %s", me)
	}

	// An edit renders again; clearing the bio clears its HTML.
	f.s.Config.RenderBio = bio.Render
	serve("PATCH", "/api/me/profile", `{"bio":"*新しい*自己紹介"}`)
	if page := serve("GET", "/members/directory/", "").Body.String(); !strings.Contains(page, "<p><em>新しい</em>自己紹介</p>") || strings.Contains(page, "ブログ") {
		t.Errorf("the edited bio is not shown:\n%s", page)
	}
	empty := ""
	if m, err := f.s.UpdateProfile(ctx, a.ID, ProfileInput{Bio: &empty}); err != nil || m.Profile.BioHTML != "" {
		t.Errorf("cleared bio: HTML %q, %v", m.Profile.BioHTML, err)
	}
}

// A bio whose HTML would be over the store's limit is refused as too long
// and changes nothing; so is any bio where no renderer is configured.
func TestBioRefusedWhenItCannotBeRendered(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := t.Context()
	m := f.approvedMember(t, "a@example.com")
	before := "前の自己紹介"
	if _, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{Bio: &before}); err != nil {
		t.Fatal(err)
	}
	// Under 2,000 characters: a reference to a long URL, used 590 times.
	bomb := "[a]: <https://example.com/" + strings.Repeat("x", 180) + ">\n" + strings.Repeat("[a]", 590)
	_, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{Bio: &bomb})
	if fe := httpapi.AsError(err).Fields; code(err) != httpapi.EINVALID || len(fe) != 1 || fe[0].Field != "bio" || fe[0].Code != "too_long_rendered" {
		t.Errorf("a bio rendering to %d characters: %v", len(bio.Render(bomb)), err)
	}
	f.s.Config.RenderBio = nil
	other := "別の自己紹介"
	if _, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{Bio: &other}); err == nil {
		t.Error("a bio was saved without a renderer")
	}
	got, err := f.s.Store.GetMember(ctx, m.ID)
	if err != nil || got.Profile.Bio != before || got.Profile.BioHTML != "<p>前の自己紹介</p>\n" {
		t.Errorf("a refused bio changed the profile: %+v %v", got.Profile, err)
	}
}

// A bio stored before bios were stored rendered is shown as escaped text,
// not rendered: nothing renders at read time.
func TestDirectoryShowsAnUnrenderedBioAsText(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := t.Context()
	m := f.approvedMember(t, "a@example.com")
	if _, err := f.s.Store.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		old.Profile.Bio, old.Profile.Visible = "**Go** <b>と</b>\nAWS", []string{"bio"}
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.s.Config.RenderBio = func(string) string { t.Error("a bio was rendered at read time"); return "" }
	dp, err := f.s.Directory(ctx, m, DirectoryQuery{})
	entries := dp.Members
	if err != nil || len(entries) != 1 || entries[0].BioHTML != "<p>**Go** &lt;b&gt;と&lt;/b&gt;<br>\nAWS</p>\n" {
		t.Fatalf("directory %+v %v", entries, err)
	}
}

func TestDirectoryShowsOnlyChosenFields(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	a := f.approvedMember(t, "listed@example.com")
	b := f.approvedMember(t, "hidden@example.com")
	company, secretRole := "ミライ工房", "CTO"
	vis := []string{"company"}
	if _, err := f.s.UpdateProfile(ctx, a.ID, ProfileInput{Company: &company, Role: &secretRole, Visible: vis}); err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := f.s.UpdateProfile(ctx, b.ID, ProfileInput{ConsentDirectory: &no}); err != nil {
		t.Fatal(err)
	}
	dp, err := f.s.Directory(ctx, b, DirectoryQuery{})
	entries := dp.Members
	if err != nil || len(entries) != 1 || entries[0].ID != a.ID || entries[0].Company != company || entries[0].Role != "" || entries[0].Department != "" {
		t.Fatalf("directory %+v (%v)", entries, err)
	}
	// A hidden field cannot be found by searching for it.
	if dp, _ := f.s.Directory(ctx, b, DirectoryQuery{Q: "CTO"}); len(dp.Members) != 0 {
		t.Errorf("search matched a hidden field")
	}
	// Contact: relayed with Reply-To the sender; not to unlisted members.
	if err := f.s.Contact(ctx, b, a.ID, "お久しぶりです"); err != nil {
		t.Fatal(err)
	}
	list, _ := outbox.List(f.outbox)
	if !strings.Contains(list[0].To, "listed@example.com") || !strings.Contains(list[0].Header.Get("Reply-To"), "hidden@example.com") ||
		strings.Contains(list[0].Text, "hidden@example.com") {
		t.Errorf("relay mail: to %q reply-to %q", list[0].To, list[0].Header.Get("Reply-To"))
	}
	if err := f.s.Contact(ctx, a, b.ID, "hi"); code(err) != httpapi.ENOTFOUND {
		t.Errorf("contact to an unlisted member: %v", err)
	}
}

func TestRulesMeets(t *testing.T) {
	r := Rules{MinTenureMonths: 12, ExcludedDepartments: []string{" 役員室 "}}
	for _, c := range []struct {
		e    store.RosterEntry
		want bool
	}{
		{store.RosterEntry{Department: "営業部", Joined: "2020-04", Left: "2021-04"}, true},
		{store.RosterEntry{Department: "営業部", Joined: "2020-04", Left: "2021-03"}, false},
		{store.RosterEntry{Department: "役員室", Joined: "2000-04", Left: "2021-03"}, false},
		{store.RosterEntry{Department: "営業部", Joined: "bad", Left: "2021-03"}, false},
	} {
		if got := r.Meets(c.e); got != c.want {
			t.Errorf("%+v: %v", c.e, got)
		}
	}
}

// exportPart is another feature's data in a member's export.
type exportPart struct{ id string }

func (e exportPart) ExportMember(_ context.Context, memberID string) (string, any, error) {
	if memberID != e.id {
		return "rsvps", nil, errors.New("asked for another member")
	}
	return "rsvps", []string{"summer-bbq-2026"}, nil
}

func TestExportIncludesOtherFeatures(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	m := f.approvedMember(t, "export@example.com")
	f.s.Exporters = append(f.s.Exporters, exportPart{id: m.ID})
	exp, err := f.s.ExportMember(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := exp.Features["rsvps"].([]string); !ok || len(got) != 1 || got[0] != "summer-bbq-2026" {
		t.Errorf("features %+v", exp.Features)
	}
	if exp.Member.Email != "export@example.com" || len(exp.Audit) == 0 {
		t.Errorf("member or audit missing: %+v", exp)
	}
}

// The welcome mail after approval logs its member in with one click: the
// link works once, for WelcomeTTL, for that member only and only while the
// address it was mailed to is theirs. It comes from the company's sender
// in the member's language.
func TestWelcomeMailLogsInOnceAndOnlyItsMember(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	welcome := func(addr string) (outbox.Entry, string) {
		t.Helper()
		list, err := outbox.List(f.outbox)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if strings.Contains(e.To, addr) && (strings.Contains(e.Subject, "承認されました") || strings.Contains(e.Subject, "approved")) {
				return e, tokenRE.FindStringSubmatch(e.Text)[1]
			}
		}
		t.Fatalf("no welcome mail to %s", addr)
		return outbox.Entry{}, ""
	}
	a := f.approvedMember(t, "a@example.com")
	mail, tok := welcome("a@example.com")
	for _, want := range []string{"株式会社ひかりテック", "3日", "プロフィール", "イベント", "求人"} {
		if !strings.Contains(mail.Text, want) {
			t.Errorf("welcome mail lacks %q:\n%s", want, mail.Text)
		}
	}
	if !strings.Contains(mail.From, "=?utf-8?") && !strings.Contains(mail.From, "ひかりテック") {
		t.Errorf("sender %q is not the company's", mail.From)
	}
	if strings.Contains(mail.Text, "next=") {
		t.Errorf("the welcome link carries its destination (it is bound to the token):\n%s", mail.Text)
	}
	m, sess, err := f.s.Callback(ctx, tok)
	if err != nil || m.ID != a.ID || sess.MemberID != a.ID || sess.Next != "/members/" {
		t.Fatalf("one-click login: next %q, %v", sess.Next, err)
	}
	if _, _, err := f.s.Callback(ctx, tok); code(err) != httpapi.EINVALID {
		t.Errorf("the welcome link worked twice: %v", err)
	}

	// English: the English sender and words.
	in := input("en@example.com")
	in.Language = "en"
	if err := f.s.Register(ctx, in, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Verify(ctx, f.lastToken(t, "en@example.com")); err != nil {
		t.Fatal(err)
	}
	mail, entok := welcome("en@example.com")
	if !strings.Contains(mail.From, "Hikari Tech Alumni Office") || !strings.Contains(mail.Text, "3 days") {
		t.Errorf("English welcome from %q:\n%s", mail.From, mail.Text)
	}
	if _, sess, err := f.s.Callback(ctx, entok); err != nil || sess.Next != "/en/members/" {
		t.Errorf("English welcome login lands on %q, %v; want /en/members/", sess.Next, err)
	}

	// A link mailed to an address stops working once the address is another's.
	b := f.approvedMember(t, "b@example.com")
	_, btok := welcome("b@example.com")
	newAddr := "b2@example.com"
	if _, err := f.s.UpdateProfile(ctx, b.ID, ProfileInput{Email: &newAddr}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ConfirmEmailChange(ctx, f.lastToken(t, newAddr)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Callback(ctx, btok); code(err) != httpapi.EINVALID {
		t.Errorf("the welcome link worked after the address changed: %v", err)
	}

	// And it expires.
	f.approvedMember(t, "c@example.com")
	_, ctok := welcome("c@example.com")
	f.clock.Add(f.s.Config.WelcomeTTL + time.Second)
	if _, _, err := f.s.Callback(ctx, ctok); code(err) != httpapi.EINVALID {
		t.Errorf("an expired welcome link worked: %v", err)
	}
}

// hr is hr@example.co.jp, approved by hand and given HR's role, in Japanese.
func (f *fixture) hr(t *testing.T) store.Member {
	t.Helper()
	m, err := f.s.SetRole(t.Context(), "operator", f.approvedByHand(t, "hr@example.co.jp").ID, store.RoleHR, true)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// hrEN is hr-en@example.co.jp, a member holding HR's role who reads English.
func (f *fixture) hrEN(t *testing.T) store.Member {
	t.Helper()
	m, err := f.s.Store.CreateMember(t.Context(), store.Member{ID: store.NewID(), Email: "hr-en@example.co.jp", Name: "HR", Status: store.StatusApproved,
		Language: store.LanguageEn, Department: "人事部", Joined: "2010-04", Left: "2011-03", Roles: []store.Role{store.RoleHR}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// page is what a browser logged in as m gets for GET path from route.
func (f *fixture) page(t *testing.T, m store.Member, route, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", "text/html")
	req.AddCookie(f.sessionCookie(t, m))
	rec := httptest.NewRecorder()
	Handler{S: f.s}.Routes()[route].ServeHTTP(rec, req)
	return rec
}
