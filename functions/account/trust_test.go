package account

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/store"
)

// mailsTo lists the outbox's mails to addr, newest first.
func (f *fixture) mailsTo(t *testing.T, addr string) []outbox.Entry {
	t.Helper()
	list, err := outbox.List(f.outbox)
	if err != nil {
		t.Fatal(err)
	}
	var out []outbox.Entry
	for _, e := range list {
		if strings.Contains(strings.ToLower(e.To), strings.ToLower(addr)) {
			out = append(out, e)
		}
	}
	return out
}

func tokenOf(t *testing.T, e outbox.Entry) string {
	t.Helper()
	m := tokenRE.FindStringSubmatch(e.Text)
	if m == nil {
		t.Fatalf("no token in %q", e.Subject)
	}
	return m[1]
}

// An address in OKAERI_ADMINS grants nothing to a member who moves to it;
// the registration that verifies it is approved and holds the role.
func TestRolesAreRecordsNotAddresses(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	f.s.Config.Admins = []string{"hr@example.co.jp"}
	member := f.approvedByHand(t, "member@example.com")

	// The member asks to move to HR's address and confirms the link: the
	// address changes, no right follows.
	hrAddr := "hr@example.co.jp"
	if _, err := f.s.UpdateProfile(ctx, member.ID, ProfileInput{Email: &hrAddr}); err != nil {
		t.Fatal(err)
	}
	moved, err := f.s.ConfirmEmailChange(ctx, f.lastToken(t, hrAddr))
	if err != nil || moved.Email != hrAddr {
		t.Fatalf("confirm: %v %q", err, moved.Email)
	}
	if f.s.IsAdmin(moved) || len(moved.Roles) != 0 {
		t.Fatalf("an address change made the member an administrator: %+v", moved.Roles)
	}

	// The bootstrap: a new registration verifying an OKAERI_ADMINS address.
	f2 := newFixture(t, ApprovalManual)
	f2.s.Config.Admins = []string{"first.hr@example.co.jp"}
	if err := f2.s.Register(ctx, input("First.HR@example.co.jp"), "c"); err != nil {
		t.Fatal(err)
	}
	hr, err := f2.s.Verify(ctx, f2.lastToken(t, "First.HR@example.co.jp"))
	if err != nil || hr.Status != store.StatusApproved || !f2.s.IsAdmin(hr) {
		t.Fatalf("bootstrap: %s %v roles %v", hr.Status, err, hr.Roles)
	}

	// Grant and revoke are audited; the last holder cannot be removed; a
	// member waiting for review cannot be granted.
	other := f2.approvedByHand(t, "second.hr@example.co.jp")
	f2.clock.Add(time.Second) // the audit log lists by time
	if _, err := f2.s.SetRole(ctx, "hr:"+hr.ID, hr.ID, store.RoleHR, false); code(err) != httpapi.ECONFLICT {
		t.Errorf("revoking the last administrator: %v", err)
	}
	granted, err := f2.s.SetRole(ctx, "hr:"+hr.ID, "second.hr@example.co.jp", store.RoleHR, true)
	if err != nil || !f2.s.IsAdmin(granted) {
		t.Fatalf("grant: %v", err)
	}
	f2.clock.Add(time.Second)
	if _, err := f2.s.SetRole(ctx, "operator", hr.ID, store.RoleHR, false); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if err := f2.s.Register(ctx, input("waiting@example.com"), "c"); err != nil {
		t.Fatal(err)
	}
	waiting, _ := f2.s.Verify(ctx, f2.lastToken(t, "waiting@example.com"))
	if _, err := f2.s.SetRole(ctx, "operator", waiting.ID, store.RoleHR, true); code(err) != httpapi.ECONFLICT {
		t.Errorf("granting a member waiting for review: %v", err)
	}
	entries, _, err := f2.s.Store.ListAudit(ctx, store.AuditQuery{}, store.Page{Limit: store.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "role.") {
			actions = append(actions, e.Action+" "+e.Actor+" "+e.Subject)
		}
	}
	want := []string{"role.grant system:bootstrap " + hr.ID, "role.grant hr:" + hr.ID + " " + other.ID, "role.revoke operator " + hr.ID}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Errorf("audit:\n got %q\nwant %q", actions, want)
	}
}

// approvedByHand adds an approved member as HR would.
func (f *fixture) approvedByHand(t *testing.T, email string) store.Member {
	t.Helper()
	in := input(email)
	m, err := f.s.AddMember(context.Background(), in, "hr:test")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The change link applies exactly the address it was mailed to, only while
// it is the newest; the old address can put itself back.
func TestEmailChangeIsBoundToTheAddressMailed(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	m := f.approvedByHand(t, "old@example.com")
	a, b := "a@example.com", "b@example.com"
	if _, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{Email: &a}); err != nil {
		t.Fatal(err)
	}
	linkA := f.lastToken(t, a)
	if _, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{Email: &b}); err != nil {
		t.Fatal(err)
	}
	linkB := f.lastToken(t, b)
	if _, err := f.s.ConfirmEmailChange(ctx, linkA); code(err) != httpapi.EINVALID {
		t.Fatalf("the older link (to A) after a newer request: %v", err)
	}
	if got, _ := f.s.Store.GetMember(ctx, m.ID); got.Email != "old@example.com" || got.PendingEmail != b {
		t.Fatalf("after the refused link: email %q pending %q", got.Email, got.PendingEmail)
	}
	changed, err := f.s.ConfirmEmailChange(ctx, linkB)
	if err != nil || changed.Email != b || changed.PendingEmail != "" {
		t.Fatalf("confirm B: %v %+v", err, changed)
	}
	// The old address is told, with a link that puts it back.
	told := f.mailsTo(t, "old@example.com")
	if len(told) == 0 || !strings.Contains(told[0].Subject, "変更されました") || !strings.Contains(told[0].Text, "/api/me/email/undo?token=") {
		t.Fatalf("old address not told: %+v", told)
	}
	// A session opened at the new address ends with the undo.
	if err := f.s.Login(ctx, b, "", "c"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Callback(ctx, f.lastToken(t, b)); err != nil {
		t.Fatal(err)
	}
	back, err := f.s.UndoEmailChange(ctx, tokenOf(t, told[0]))
	if err != nil || back.Email != "old@example.com" {
		t.Fatalf("undo: %v %q", err, back.Email)
	}
	if n, _ := f.s.Store.DeleteMemberSessions(ctx, m.ID); n != 0 {
		t.Errorf("undo left %d sessions", n)
	}
	if _, err := f.s.UndoEmailChange(ctx, tokenOf(t, told[0])); code(err) != httpapi.EINVALID {
		t.Errorf("undo link used twice: %v", err)
	}
}

// An address that has an account is refused without telling the requester.
func TestEmailChangeToATakenAddressRevealsNothing(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	m := f.approvedByHand(t, "me@example.com")
	f.approvedByHand(t, "taken@example.com")
	before := len(f.mailsTo(t, "taken@example.com"))
	taken, free := "Taken@example.com", "free@example.com"
	// The answer looks the same as for a free address: pending.
	got, err := f.s.UpdateProfile(ctx, m.ID, ProfileInput{Email: &taken})
	if err != nil || got.PendingEmail != taken || got.PendingEmailToken != "" {
		t.Fatalf("taken: %v pending %q token %q", err, got.PendingEmail, got.PendingEmailToken)
	}
	mails := f.mailsTo(t, "taken@example.com")
	if len(mails) != before+1 || strings.Contains(mails[0].Text, "token=") {
		t.Fatalf("the taken address's owner: %d mails, newest %q", len(mails)-before, mails[0].Text)
	}
	if got, err = f.s.UpdateProfile(ctx, m.ID, ProfileInput{Email: &free}); err != nil || got.PendingEmail != free {
		t.Fatalf("free: %v pending %q", err, got.PendingEmail)
	}
}

// A stranger who types someone's employee number neither locks them out
// nor is approved, and erasing the stranger leaves the roster alone.
func TestEmployeeNumberCannotBeSquatted(t *testing.T) {
	f := newFixture(t, ApprovalRoster)
	ctx := context.Background()
	real := store.RosterEntry{EmployeeNumber: "E100", Email: "real@example.com", Name: "本物", Department: "営業部", Joined: "2010-04", Left: "2020-03"}
	if err := f.s.Store.PutRosterEntry(ctx, real); err != nil {
		t.Fatal(err)
	}
	stranger := input("stranger@example.net")
	stranger.EmployeeNumber = "E100"
	if err := f.s.Register(ctx, stranger, "c"); err != nil {
		t.Fatal(err)
	}
	s, err := f.s.Verify(ctx, f.lastToken(t, "stranger@example.net"))
	if err != nil || s.Status != store.StatusVerified {
		t.Fatalf("stranger: %s %v, want waiting for HR", s.Status, err)
	}
	// The real alumnus types the same number: told by mail, still registered.
	in := input("real@example.com")
	in.EmployeeNumber = "E100"
	if err := f.s.Register(ctx, in, "c"); err != nil {
		t.Fatal(err)
	}
	mails := f.mailsTo(t, "real@example.com")
	if len(mails) != 2 || !containsSubject(mails, "社員番号") {
		t.Fatalf("the real alumnus got %d mails, want the verification and the number notice", len(mails))
	}
	r, err := f.s.Verify(ctx, f.lastToken(t, "real@example.com"))
	if err != nil || r.Status != store.StatusApproved || r.RosterNumber != "E100" {
		t.Fatalf("real alumnus: %s roster %q %v, want approved by the roster's own address", r.Status, r.RosterNumber, err)
	}
	// HR rejects, then erases, the stranger: the roster entry stays.
	if err := f.s.Erase(ctx, s.ID, "hr:test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Store.GetRosterEntry(ctx, "E100"); err != nil {
		t.Fatalf("erasing the stranger removed the real roster entry: %v", err)
	}
	// Erasing the real alumnus removes the entry they were matched to.
	if err := f.s.Erase(ctx, r.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Store.GetRosterEntry(ctx, "E100"); err == nil {
		t.Fatal("erasing the alumnus kept their roster entry")
	}
}

func containsSubject(es []outbox.Entry, s string) bool {
	for _, e := range es {
		if strings.Contains(e.Subject, s) {
			return true
		}
	}
	return false
}

// Opening an emailed link shows a button; only the POST uses the token.
func TestLinksOpenedWithGetAreNotConsumed(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	m := f.approvedByHand(t, "scan@example.com")
	if err := f.s.Login(ctx, m.Email, "/members/events/", "c"); err != nil {
		t.Fatal(err)
	}
	tok := f.lastToken(t, m.Email)
	h := Handler{S: f.s}.Routes()
	for range 3 { // a mail scanner, a preview, the person
		rec := httptest.NewRecorder()
		h["GET /api/login/callback"].ServeHTTP(rec, httptest.NewRequest("GET", "/api/login/callback?token="+tok+"&next=%2Fmembers%2Fevents%2F", nil))
		body := rec.Body.String()
		if rec.Code != http.StatusOK || len(rec.Result().Cookies()) != 0 ||
			!strings.Contains(body, `action="/api/login/callback"`) || !strings.Contains(body, `value="`+tok+`"`) {
			t.Fatalf("GET: %d cookies %v\n%s", rec.Code, rec.Result().Cookies(), body)
		}
	}
	post := func(cookies ...*http.Cookie) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/api/login/callback", strings.NewReader(url.Values{"token": {tok}, "next": {"/members/events/"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		h["POST /api/login/callback"].ServeHTTP(rec, req)
		return rec
	}
	first := post()
	if first.Code != http.StatusSeeOther || first.Header().Get("Location") != "/members/events/" {
		t.Fatalf("POST: %d %q", first.Code, first.Header().Get("Location"))
	}
	// Used already, in another browser: the page says so in plain words
	// and offers a new link. (The page a link leads to is bound to its
	// token, and a used token is not read again: a posted next is not
	// trusted, so the new link starts from the login page.)
	rec := post()
	if body := rec.Body.String(); rec.Code != http.StatusGone || !strings.Contains(body, "このリンクはすでに使われています") ||
		!strings.Contains(body, `href="/login/"`) || strings.Contains(body, "入力内容に誤りがあります") || strings.Contains(body, "next=") {
		t.Fatalf("POST twice: %d\n%s", rec.Code, body)
	}
	// Used already, in the browser it signed in: straight on, home.
	if rec := post(first.Result().Cookies()...); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/members/" {
		t.Fatalf("POST twice with the session: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// Opened again once used, the link's page says so at once, with no
	// button that could only fail (in English for an English mail), and
	// takes a browser that holds the session straight on.
	get := func(query string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/login/callback?"+query, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		h["GET /api/login/callback"].ServeHTTP(rec, req)
		return rec
	}
	if rec := get("token=" + tok); rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "このリンクはすでに使われています") ||
		strings.Contains(rec.Body.String(), `action="/api/login/callback"`) || strings.Contains(rec.Body.String(), tok) {
		t.Fatalf("GET once used: %d\n%s", rec.Code, rec.Body.String())
	}
	if rec := get("token=" + tok + "&lang=en"); rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "This link has already been used") ||
		!strings.Contains(rec.Body.String(), `href="/en/login/"`) {
		t.Fatalf("GET once used, English: %d\n%s", rec.Code, rec.Body.String())
	}
	if rec := get("token="+tok, first.Result().Cookies()...); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/members/" {
		t.Fatalf("GET once used, with the session: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// Expired unused: the same page; a confirmation link the same way.
	if err := f.s.Login(ctx, m.Email, "", "c"); err != nil {
		t.Fatal(err)
	}
	late := f.lastToken(t, m.Email)
	f.clock.Add(f.s.Config.LoginTTL)
	if rec := get("token=" + late); rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "このリンクはすでに使われています") {
		t.Fatalf("GET expired: %d\n%s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h["GET /api/register/verify"].ServeHTTP(rec, httptest.NewRequest("GET", "/api/register/verify?token="+tok, nil))
	if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "確認用のリンクは一度だけ使えます") || !strings.Contains(rec.Body.String(), `href="/register/"`) {
		t.Fatalf("GET a confirmation link with another purpose's token: %d\n%s", rec.Code, rec.Body.String())
	}
}

// HR sees each registration beside the roster record and the reason it
// waits; HR's administrators are granted and revoked on /hr/admins.
func TestHRPagesShowTheRosterAndManageRoles(t *testing.T) {
	f := newFixture(t, ApprovalRoster)
	ctx := context.Background()
	hr := f.approvedByHand(t, "hr@example.co.jp")
	if _, err := f.s.SetRole(ctx, "operator", hr.ID, store.RoleHR, true); err != nil {
		t.Fatal(err)
	}
	plain := f.approvedByHand(t, "plain@example.com")
	if err := f.s.Store.PutRosterEntry(ctx, store.RosterEntry{EmployeeNumber: "E7", Email: "roster@example.com", Name: "名簿 太郎", Department: "経理部", Joined: "2001-04", Left: "2011-03"}); err != nil {
		t.Fatal(err)
	}
	in := input("typed@example.net")
	in.EmployeeNumber = "E7"
	_ = f.s.Register(ctx, in, "c")
	if _, err := f.s.Verify(ctx, f.lastToken(t, "typed@example.net")); err != nil {
		t.Fatal(err)
	}
	h := Handler{S: f.s}.Routes()
	as := func(m store.Member, method, path string, form url.Values) *httptest.ResponseRecorder {
		t.Helper()
		if err := f.s.Login(ctx, m.Email, "", "c"); err != nil {
			t.Fatal(err)
		}
		_, sess, err := f.s.Callback(ctx, f.lastToken(t, m.Email))
		if err != nil {
			t.Fatal(err)
		}
		var req *http.Request
		if form != nil {
			req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: f.s.Keys.Sign(sess.Secret)})
		if id, ok := strings.CutPrefix(path, "/api/hr/admins/"); ok {
			req.SetPathValue("id", strings.TrimSuffix(id, "/revoke"))
		}
		rec := httptest.NewRecorder()
		h[method+" "+routeOf(path)].ServeHTTP(rec, req)
		return rec
	}
	page := as(hr, "GET", "/hr/registrations", nil).Body.String()
	for _, want := range []string{"typed@example.net", "名簿 太郎", "roster@example.com", "経理部", "社員番号だけが一致しました"} {
		if !strings.Contains(page, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	if rec := as(plain, "GET", "/hr/admins", nil); rec.Code != http.StatusForbidden {
		t.Errorf("a member without the role on /hr/admins: %d", rec.Code)
	}
	if rec := as(hr, "POST", "/api/hr/admins", url.Values{"member": {"plain@example.com"}}); rec.Code != http.StatusBadRequest {
		t.Errorf("grant without confirming: %d", rec.Code)
	}
	if rec := as(hr, "POST", "/api/hr/admins", url.Values{"member": {"plain@example.com"}, "confirm": {"yes"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", rec.Code, rec.Body)
	}
	if page := as(hr, "GET", "/hr/admins", nil).Body.String(); !strings.Contains(page, "plain@example.com") ||
		!strings.Contains(page, "ほかの管理者が解除できます") || strings.Contains(page, "ほかに管理者がいないため") {
		t.Errorf("the new administrator is not listed, or HR's own card still says they are the only one")
	}
	if rec := as(plain, "POST", "/api/hr/admins/"+hr.ID+"/revoke", url.Values{"confirm": {"yes"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	if rec := as(hr, "GET", "/hr/admins", nil); rec.Code != http.StatusForbidden {
		t.Errorf("a revoked administrator still sees /hr/admins: %d", rec.Code)
	}
}

func routeOf(path string) string {
	if strings.HasPrefix(path, "/api/hr/admins/") {
		return "/api/hr/admins/{id}/revoke"
	}
	return path
}

// With Secure cookies the session cookie is __Host- prefixed: a sibling
// subdomain or plain http cannot plant one.
func TestSecureSessionCookieTakesTheHostPrefix(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	f.s.Config.SecureCookies = true
	ctx := context.Background()
	m := f.approvedByHand(t, "secure@example.com")
	if err := f.s.Login(ctx, m.Email, "", "c"); err != nil {
		t.Fatal(err)
	}
	_, sess, err := f.s.Callback(ctx, f.lastToken(t, m.Email))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	f.s.SetSessionCookie(rec, sess)
	var got *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, SessionCookie) {
			got = c
		}
	}
	if got == nil || got.Name != "__Host-"+SessionCookie || !got.Secure || got.Path != "/" || got.Domain != "" || !got.HttpOnly {
		t.Fatalf("session cookie %+v", got)
	}
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.AddCookie(got)
	if _, _, ok := f.s.Authenticate(req); !ok {
		t.Fatal("the __Host- cookie does not authenticate")
	}
	plain := httptest.NewRequest("GET", "/api/me", nil)
	plain.AddCookie(&http.Cookie{Name: SessionCookie, Value: got.Value})
	if _, _, ok := f.s.Authenticate(plain); ok {
		t.Fatal("an unprefixed cookie authenticates when cookies are Secure")
	}
}
