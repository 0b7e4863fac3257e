package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail/outbox"
)

// The attacks of issue 12 ("Trust"), replayed over plain HTTP against a
// real `okaeri serve` as an attacker would send them. Each subtest is named
// after its attack and proves two things: the server refused it, and the
// refused input changed nothing (the store export, /api/me, the audit
// trail or the outbox, read before and after). docs/security.md lists them.

// bossAddr is in OKAERI_ADMINS but no member's address: the address a
// member would change theirs to in order to become HR.
const bossAddr = "boss@example.co.jp"

// attacks is the shared portal of TestAttacks with what the attacks keep.
type attacks struct {
	*portal
	hrAuth []string
	// quiet: addresses that must get no mail after the count noted, and why.
	quiet map[string]quietAddr
}

type quietAddr struct {
	mails int
	why   string
}

func TestAttacks(t *testing.T) {
	began := time.Now()
	a := &attacks{portal: startPortal(t,
		"OKAERI_ADMINS="+admin+","+bossAddr,
		// The shared server's limits stay out of the way; the limit
		// attack runs on servers of its own with low limits.
		"OKAERI_LIMIT_LOGIN_CLIENT=1000/15m", "OKAERI_LIMIT_LOGIN_ADDRESS=100/15m",
		"OKAERI_LIMIT_REGISTER_CLIENT=1000/1h"),
		quiet: map[string]quietAddr{}}
	run := func(name string, f func(t *testing.T, a *attacks)) {
		t.Run(name, func(t *testing.T) {
			defer a.use(t)()
			start := time.Now()
			f(t, a)
			t.Logf("%s", time.Since(start).Round(time.Millisecond))
		})
	}
	run("a email change to an OKAERI_ADMINS address gives no HR rights", attackAdminByEmailChange)
	run("b email change link confirms only the address it was mailed to", attackEmailChangeBinding)
	run("b2 email change to a taken address answers as for a free one", attackEmailChangeTaken)
	run("c typed employee number is not approved and erasure keeps the roster", attackNumberSquatting)
	run("d login next never leads off the site", attackOpenRedirect)
	t.Run("e X-Forwarded-For rotation does not lift the per-client limit", attackForwardedFor)
	run("f strict bodies are refused and store nothing", attackStrictBodies)
	run("g body over the route's limit is 413 unread", attackBodyLimit)
	run("h foreign Host is 421 even on /_dev/outbox", attackForeignHost)
	run("i GET of a login link does not use it", attackLinkPrefetch)
	run("j Idempotency-Key never replays another's answer", attackIdempotency)
	t.Run("k dotfiles and symlinks out of the site are 404", attackStaticFiles)
	run("z refused input was never mailed", func(t *testing.T, a *attacks) {
		snap := a.snapshot() // the server stopped: everything queued has been sent
		for addr, q := range a.quiet {
			if n := countTo(snap.mails, addr); n != q.mails {
				t.Errorf("%s got %d mails after %s, want %d", addr, n, q.why, q.mails)
			}
		}
	})
	t.Logf("all attacks: %s", time.Since(began).Round(time.Millisecond))
}

// --- a -------------------------------------------------------------------

func attackAdminByEmailChange(t *testing.T, a *attacks) {
	const mine = "climber@example.org"
	auth, id := a.approvedMember(mine)
	if r := a.do("PATCH", "/api/me/profile", map[string]string{"email": bossAddr}, auth...); r.StatusCode != 200 {
		t.Fatalf("ask for the change: %d %s", r.StatusCode, r.body)
	}
	// The member reads that mailbox and confirms: the address changes ...
	if r := a.followLink(link(t, a.awaitMail(bossAddr, "新しいメールアドレスの確認"))); r.StatusCode != 200 {
		t.Fatalf("confirm the change: %d %s", r.StatusCode, r.body)
	}
	if me := a.me(auth); me.Email != bossAddr || me.Admin {
		t.Fatalf("after the change: email %q admin %v", me.Email, me.Admin)
	}
	// ... and no right comes with it: not with the old session, not with
	// one opened by the new address.
	fresh := a.session(bossAddr)
	for i, c := range [][]string{auth, fresh} {
		for _, path := range []string{"/hr/registrations", "/hr/admins"} {
			for _, accept := range []string{"application/json", "text/html"} {
				if r := a.do("GET", path, nil, append(c, "Accept", accept)...); r.StatusCode != 403 {
					t.Errorf("session %d, GET %s (%s): %d", i, path, accept, r.StatusCode)
				}
			}
		}
		if r := a.do("POST", "/api/hr/admins", url.Values{"member": {mine}, "confirm": {"yes"}}, c...); r.StatusCode != 403 {
			t.Errorf("session %d grants itself the role: %d", i, r.StatusCode)
		}
		if r := a.do("POST", "/api/hr/admins", map[string]string{"member": id}, c...); r.StatusCode != 403 {
			t.Errorf("session %d grants itself the role (JSON): %d", i, r.StatusCode)
		}
	}
	// HR's list still has HR alone, and the store agrees: no role, no grant.
	r := a.do("GET", "/hr/admins", nil, append(a.hr(), "Accept", "application/json")...)
	var list struct {
		Admins []struct{ ID, Email string } `json:"admins"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Admins) != 1 || list.Admins[0].Email != admin {
		t.Errorf("HR's administrators: %d %s", r.StatusCode, r.body)
	}
	snap := a.snapshot()
	for _, m := range snap.of("member") {
		if m["id"] == id && m["roles"] != nil {
			t.Errorf("the member holds roles %v", m["roles"])
		}
	}
	for _, e := range snap.of("audit") {
		if e["action"] == "role.grant" && e["subject"] == id {
			t.Errorf("audit: %v", e)
		}
	}
}

// --- b -------------------------------------------------------------------

func attackEmailChangeBinding(t *testing.T, a *attacks) {
	const old, addrA, addrB = "mover@example.org", "mover.a@example.org", "mover.b@example.org"
	auth, _ := a.approvedMember(old)
	for _, addr := range []string{addrA, addrB} {
		if r := a.do("PATCH", "/api/me/profile", map[string]string{"email": addr}, auth...); r.StatusCode != 200 {
			t.Fatalf("change to %s: %d %s", addr, r.StatusCode, r.body)
		}
	}
	linkA := link(t, a.awaitMail(addrA, "新しいメールアドレスの確認"))
	linkB := link(t, a.awaitMail(addrB, "新しいメールアドレスの確認"))
	before := a.me(auth)
	if before.Email != old || before.PendingEmail != addrB {
		t.Fatalf("after asking for A then B: email %q, pending %q", before.Email, before.PendingEmail)
	}
	// A's link: refused, nothing changed.
	if r := a.followLink(linkA); r.StatusCode != 400 {
		t.Errorf("A's link after B was asked for: %d %s", r.StatusCode, r.body)
	}
	if after := a.me(auth); !sameMe(before, after) {
		t.Errorf("A's refused link changed the member: %+v -> %+v", before, after)
	}
	// B's link: the address becomes B, and only B.
	if r := a.followLink(linkB); r.StatusCode != 200 {
		t.Fatalf("B's link: %d %s", r.StatusCode, r.body)
	}
	if me := a.me(auth); me.Email != addrB || me.PendingEmail != "" {
		t.Fatalf("after B's link: email %q, pending %q", me.Email, me.PendingEmail)
	}
	if r := a.followLink(linkA); r.StatusCode != 400 || a.me(auth).Email != addrB {
		t.Errorf("A's link after B's: %d, email %q", r.StatusCode, a.me(auth).Email)
	}
	// The old address is told, with a link that puts it back and ends every session.
	undo := link(t, a.awaitMail(old, "メールアドレスが変更されました"))
	second := a.session(addrB) // whoever changed it, logged in with the new address
	if r := a.followLink(undo); r.StatusCode != 200 {
		t.Fatalf("undo: %d %s", r.StatusCode, r.body)
	}
	for i, c := range [][]string{auth, second} {
		if r := a.do("GET", "/api/me", nil, c...); r.StatusCode != 401 {
			t.Errorf("session %d after the undo: %d", i, r.StatusCode)
		}
	}
	if me := a.me(a.session(old)); me.Email != old || me.PendingEmail != "" {
		t.Errorf("after the undo: email %q, pending %q", me.Email, me.PendingEmail)
	}
	if r := a.followLink(undo); r.StatusCode != 400 {
		t.Errorf("the undo link twice: %d", r.StatusCode)
	}
	// B is nobody's address now: a login for it sends nothing.
	if r := a.do("POST", "/api/login", map[string]string{"email": addrB}); r.StatusCode != 202 {
		t.Errorf("login for B: %d", r.StatusCode)
	}
	a.expectQuiet(addrB, "a login for an address changed back")
}

// An address that has an account is refused without saying so: the
// answer to the requester is the one a free address gets.
func attackEmailChangeTaken(t *testing.T, a *attacks) {
	const mine, free = "prober@example.org", "prober.free@example.org"
	auth, _ := a.approvedMember(mine)
	answer := func(addr string) (int, string) {
		r := a.do("PATCH", "/api/me/profile", map[string]string{"email": addr}, auth...)
		return r.StatusCode, strings.ReplaceAll(r.body, addr, "ADDRESS")
	}
	takenStatus, taken := answer(admin)
	freeStatus, freeBody := answer(free)
	if takenStatus != freeStatus || taken != freeBody {
		t.Errorf("the answers tell a taken address from a free one:\ntaken %d %s\nfree  %d %s", takenStatus, taken, freeStatus, freeBody)
	}
	// The mailbox's owner is told; no confirmation link goes anywhere for it.
	a.awaitMail(admin, "メールアドレス変更のお申し込みについて")
	a.settle()
	for _, e := range a.outbox() {
		if strings.Contains(e.To, admin) && strings.Contains(e.Subject, "新しいメールアドレスの確認") {
			t.Errorf("a confirmation link was mailed to a taken address")
		}
	}
	if me := a.me(a.hr()); me.Email != admin {
		t.Errorf("HR's address: %q", me.Email)
	}
}

// --- c -------------------------------------------------------------------

func attackNumberSquatting(t *testing.T, a *attacks) {
	const stranger, alumna, number = "squatter@example.org", "hanako.yamada@example.net", "E2001" // the roster's own
	body := registration(stranger)
	body["employee_number"], body["name"], body["kana"] = number, "偽 太郎", "ニセ タロウ"
	if r := a.do("POST", "/api/register", body); r.StatusCode != 202 {
		t.Fatalf("the stranger registers: %d %s", r.StatusCode, r.body)
	}
	if r := a.followLink(link(t, a.awaitMail(stranger, "メールアドレスの確認"))); r.StatusCode != 200 || !strings.Contains(r.body, "<title>メールアドレスを確認しました |") {
		t.Fatalf("the stranger verifies: %d %s", r.StatusCode, r.body)
	}
	// Not approved: HR reviews it, beside the roster's own record.
	row, ok := a.registration(stranger)
	if !ok {
		t.Fatal("the stranger is not on /hr/registrations")
	}
	if row.Member.Status != "verified" || row.Roster.By != "number" || row.Roster.Reason == "" || row.Roster.Entry == nil || row.Roster.Entry.Email != alumna {
		t.Errorf("HR's review row: %+v", row)
	}
	if page := a.do("GET", "/hr/registrations", nil, a.hr()...); page.StatusCode != 200 || !strings.Contains(page.body, stranger) {
		t.Errorf("HR's page: %d", page.StatusCode)
	}
	if r := a.do("POST", "/api/login", map[string]string{"email": stranger}); r.StatusCode != 202 {
		t.Errorf("the stranger's login: %d", r.StatusCode)
	}

	// The alumna registers with the roster's own address and her number,
	// which the stranger holds: she is told, and approved by her address.
	body = registration(alumna)
	body["employee_number"] = number
	if r := a.do("POST", "/api/register", body); r.StatusCode != 202 {
		t.Fatalf("the alumna registers: %d %s", r.StatusCode, r.body)
	}
	a.awaitMail(alumna, "社員番号の確認について")
	if r := a.followLink(link(t, a.awaitMail(alumna, "メールアドレスの確認"))); r.StatusCode != 200 || !strings.Contains(r.body, "ご登録が承認されました") {
		t.Fatalf("the alumna verifies: %d %s", r.StatusCode, r.body)
	}
	alumnaAuth := a.session(alumna)
	if me := a.me(alumnaAuth); me.Status != "approved" {
		t.Fatalf("the alumna: %+v", me)
	}

	// HR erases the stranger: the roster entry (the alumna's) stays.
	if r := a.do("DELETE", "/api/hr/members/"+row.Member.ID, nil, a.hr()...); r.StatusCode != 204 {
		t.Fatalf("HR erases the stranger: %d %s", r.StatusCode, r.body)
	}
	snap := a.snapshot()
	var entry map[string]any
	for _, e := range snap.of("roster") {
		if e["employeeNumber"] == number {
			entry = e
		}
	}
	if entry == nil || entry["email"] != alumna {
		t.Errorf("the roster entry %s after erasing the stranger: %v", number, entry)
	}
	for _, m := range snap.of("member") {
		if m["id"] == row.Member.ID {
			t.Errorf("the stranger is still in the store")
		}
	}
	// The stranger was never approved, so never sent a login link (the
	// server has stopped: every queued mail is in the outbox).
	for _, e := range snap.mails {
		if strings.Contains(e.To, stranger) && (strings.Contains(e.Subject, "ログイン") || strings.Contains(e.Subject, "承認されました")) {
			t.Errorf("the stranger got %q", e.Subject)
		}
	}
	if me := a.me(alumnaAuth); me.Status != "approved" || me.Email != alumna {
		t.Errorf("the alumna after the stranger's erasure: %+v", me)
	}
}

// --- d -------------------------------------------------------------------

// offSite says why a redirect's Location is not a path on this site ("" when it is).
func offSite(base *url.URL, loc string) string {
	if loc == "" {
		return "no Location"
	}
	for _, r := range loc {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\\' {
			return fmt.Sprintf("%q holds %U", loc, r)
		}
	}
	if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
		return fmt.Sprintf("%q is not a path with one leading slash", loc)
	}
	u, err := base.Parse(loc)
	if err != nil || u.Scheme != base.Scheme || u.Host != base.Host {
		return fmt.Sprintf("%q leads to %v", loc, u)
	}
	if p, err := url.PathUnescape(u.EscapedPath()); err != nil || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return fmt.Sprintf("%q decodes to %q", loc, p)
	}
	return ""
}

func attackOpenRedirect(t *testing.T, a *attacks) {
	const who = "traveller@example.org"
	a.approvedMember(who)
	base, _ := url.Parse(a.srv.BaseURL)
	nexts := []string{"/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", " /x",
		"/\n/evil.example", "/%2F/evil.example", "/%5Cevil.example", "\\\\evil.example", "javascript:alert(1)", "/\u3000/evil.example"}
	for _, next := range nexts {
		// Asked for with the login request: the mailed link carries no such next.
		if r := a.do("POST", "/api/login", map[string]string{"email": who, "next": next}); r.StatusCode != 202 {
			t.Fatalf("login with next %q: %d %s", next, r.StatusCode, r.body)
		}
		l := link(t, a.awaitMail(who, "ログイン"))
		if u, _ := url.Parse(l); u.Query().Get("next") != "" {
			if why := offSite(base, u.Query().Get("next")); why != "" {
				t.Errorf("next %q: the mailed link carries %s", next, why)
			}
		}
		r := a.followLink(l)
		if why := offSite(base, r.Header.Get("Location")); r.StatusCode != 303 || why != "" {
			t.Errorf("next %q, the mailed link: %d %s", next, r.StatusCode, why)
		}
		// Written into the link page's form by hand.
		if r := a.do("POST", "/api/login", map[string]string{"email": who}); r.StatusCode != 202 {
			t.Fatalf("login: %d", r.StatusCode)
		}
		f := a.linkPage(link(t, a.awaitMail(who, "ログイン")))
		f.Fields.Set("next", next)
		r = a.post(f)
		if why := offSite(base, r.Header.Get("Location")); r.StatusCode != 303 || why != "" {
			t.Errorf("next %q in the callback form: %d %s", next, r.StatusCode, why)
		}
		// The language switch.
		r = a.do("POST", "/api/preferences/language", url.Values{"lang": {"en"}, "next": {next}})
		if why := offSite(base, r.Header.Get("Location")); r.StatusCode != 303 || why != "" {
			t.Errorf("next %q in the language switch: %d %s", next, r.StatusCode, why)
		}
	}
	// A path on the site is kept, so the checks above are not passing by
	// never redirecting anywhere but home.
	if r := a.do("POST", "/api/login", map[string]string{"email": who, "next": "/members/directory/"}); r.StatusCode != 202 {
		t.Fatalf("login: %d", r.StatusCode)
	}
	if r := a.followLink(link(t, a.awaitMail(who, "ログイン"))); r.Header.Get("Location") != "/members/directory/" {
		t.Errorf("a good next: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// --- e -------------------------------------------------------------------

// spoofHeaders are the headers a client writes to pass for another client.
func spoofHeaders(ip string) []string {
	return []string{"X-Forwarded-For", ip, "X-Real-IP", ip, "Forwarded", "for=" + ip, "True-Client-IP", ip, "CF-Connecting-IP", ip}
}

func attackForwardedFor(t *testing.T) {
	t.Run("no trusted proxy", func(t *testing.T) {
		start := time.Now()
		p := startPortal(t, "OKAERI_LIMIT_LOGIN_CLIENT=5/15m", "OKAERI_LIMIT_LOGIN_ADDRESS=100/15m", "OKAERI_LIMIT_REGISTER_CLIENT=3/1h")
		p.settle()
		adminMails := p.countMailTo(admin)
		for i := range 8 {
			hdr := spoofHeaders(fmt.Sprintf("198.51.100.%d", i+1))
			if i == 6 {
				hdr = append(hdr, "Idempotency-Key", "limited-login") // a 429 is not kept for the key
			}
			email := fmt.Sprintf("rotate%d@example.org", i)
			if i == 7 {
				email = admin // a real member: refused too, and no mail
			}
			r := p.do("POST", "/api/login", map[string]string{"email": email}, hdr...)
			want := 202
			if i >= 5 {
				want = 429
			}
			if r.StatusCode != want || want == 429 && r.Header.Get("Retry-After") == "" {
				t.Errorf("login %d from %s: %d (Retry-After %q), want %d", i+1, hdr[1], r.StatusCode, r.Header.Get("Retry-After"), want)
			}
		}
		for i := range 5 {
			email := fmt.Sprintf("rotate-reg%d@example.org", i)
			r := p.do("POST", "/api/register", registration(email), spoofHeaders(fmt.Sprintf("203.0.113.%d", i+1))...)
			want := 202
			if i >= 3 {
				want = 429
			}
			if r.StatusCode != want {
				t.Errorf("registration %d: %d, want %d", i+1, r.StatusCode, want)
			}
		}
		p.srv.Stop() // everything queued is sent now
		if n := p.countMailTo(admin); n != adminMails {
			t.Errorf("a refused login mailed HR's address (%d mails, was %d)", n, adminMails)
		}
		for _, addr := range []string{"rotate-reg3@", "rotate-reg4@"} {
			if n := p.countMailTo(addr); n != 0 {
				t.Errorf("a refused registration mailed %s", addr)
			}
		}
		snap := p.export()
		for _, m := range snap.of("member") {
			if e, _ := m["email"].(string); strings.HasPrefix(e, "rotate-reg3@") || strings.HasPrefix(e, "rotate-reg4@") {
				t.Errorf("a refused registration was stored: %s", e)
			}
		}
		checkNoRefusalKept(t, snap)
		t.Logf("%s", time.Since(start).Round(time.Millisecond))
	})
	t.Run("behind a trusted proxy", func(t *testing.T) {
		start := time.Now()
		p := startPortal(t, "OKAERI_TRUSTED_PROXIES=127.0.0.1/32", "OKAERI_LIMIT_LOGIN_CLIENT=5/15m", "OKAERI_LIMIT_LOGIN_ADDRESS=100/15m")
		// The proxy (the loopback here) appends the client it saw; what the
		// client wrote before that entry does not make it another client.
		for i := range 7 {
			xff := fmt.Sprintf("198.51.100.%d, 203.0.113.7", i+1)
			r := p.do("POST", "/api/login", map[string]string{"email": fmt.Sprintf("proxied%d@example.org", i)}, "X-Forwarded-For", xff)
			want := 202
			if i >= 5 {
				want = 429
			}
			if r.StatusCode != want {
				t.Errorf("login %d with X-Forwarded-For %q: %d, want %d", i+1, xff, r.StatusCode, want)
			}
		}
		// Another client behind the same proxy has a count of its own: the
		// proxy's entry is believed, so the refusals above are the client's.
		if r := p.do("POST", "/api/login", map[string]string{"email": "proxied-other@example.org"}, "X-Forwarded-For", "203.0.113.8"); r.StatusCode != 202 {
			t.Errorf("another client behind the proxy: %d", r.StatusCode)
		}
		t.Logf("%s", time.Since(start).Round(time.Millisecond))
	})
}

// checkNoRefusalKept: no idempotency record keeps a refusal (401, 403, 429 ...).
func checkNoRefusalKept(t *testing.T, snap snapshot) {
	t.Helper()
	for _, rec := range snap.of("idempotency") {
		resp, _ := rec["response"].(map[string]any)
		if code, _ := resp["statusCode"].(float64); resp != nil && !httpReplayable(int(code)) {
			t.Errorf("an idempotency record keeps a %v answer", code)
		}
	}
}

func httpReplayable(status int) bool { return status >= 200 && status < 400 }

// --- f -------------------------------------------------------------------

// problemFields reads a 400 problem+json answer: its field names, and
// whether it is one.
func problemFields(r response) ([]string, bool) {
	var prob struct {
		Status int `json:"status"`
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	if r.StatusCode != 400 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") ||
		json.Unmarshal([]byte(r.body), &prob) != nil || prob.Status != 400 {
		return nil, false
	}
	var fields []string
	for _, e := range prob.Errors {
		fields = append(fields, e.Field)
	}
	return fields, true
}

func jsonOf(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func attackStrictBodies(t *testing.T, a *attacks) {
	const mine = "strict.member@example.org"
	auth, _ := a.approvedMember(mine)
	reg := func(email string, set func(m map[string]any)) []byte {
		m := registration(email)
		if set != nil {
			set(m)
		}
		return jsonOf(m)
	}
	// {"email":"a@x.jp","email":"b@x.jp", ...the rest of a registration}
	rest := registration("")
	delete(rest, "email")
	dup := append([]byte(`{"email":"a@x.jp","email":"b@x.jp",`), jsonOf(rest)[1:]...)

	cases := []struct {
		name   string
		method string
		path   string
		body   []byte
		ctype  string
		field  string // "" when the body has no field to name (trailing data)
		addrs  []string
	}{
		{"invalid UTF-8 in a name", "POST", "/api/register", bytes.Replace(reg("strict-utf8@example.org", nil), []byte("花子"), []byte("\xff\xfe"), 1), "", "name", []string{"strict-utf8@example.org"}},
		{"duplicate keys", "POST", "/api/register", dup, "", "email", []string{"a@x.jp", "b@x.jp"}},
		{"trailing data", "POST", "/api/register", append(reg("strict-trailing@example.org", nil), []byte(` {"email":"strict-other@example.org"}`)...), "", "", []string{"strict-trailing@example.org", "strict-other@example.org"}},
		{"a number for a string", "POST", "/api/register", reg("strict-number@example.org", func(m map[string]any) { m["name"] = 42 }), "", "name", []string{"strict-number@example.org"}},
		{"U+202E in a name", "POST", "/api/register", reg("strict-bidi@example.org", func(m map[string]any) { m["name"] = "山田\u202e子花" }), "", "name", []string{"strict-bidi@example.org"}},
		{"U+200B in a name", "POST", "/api/register", reg("strict-zw@example.org", func(m map[string]any) { m["name"] = "山田\u200b花子" }), "", "name", []string{"strict-zw@example.org"}},
		{"a BOM in a name", "POST", "/api/register", reg("strict-bom@example.org", func(m map[string]any) { m["name"] = "\ufeff山田 花子" }), "", "name", []string{"strict-bom@example.org"}},
		{"invalid UTF-8 in a form", "POST", "/api/register", []byte("email=strict-form%40example.org&name=%FF%FE&privacy=on"), "application/x-www-form-urlencoded", "name", []string{"strict-form@example.org"}},
		{"the profile: duplicate keys", "PATCH", "/api/me/profile", []byte(`{"company":"一","company":"二"}`), "", "company", nil},
		{"the profile: duplicate email keys", "PATCH", "/api/me/profile", []byte(`{"email":"strict-dup1@example.org","email":"strict-dup2@example.org"}`), "", "email", []string{"strict-dup1@example.org", "strict-dup2@example.org"}},
		{"the profile: invalid UTF-8", "PATCH", "/api/me/profile", []byte("{\"bio\":\"\xc3\x28\"}"), "", "bio", nil},
		{"the profile: trailing data", "PATCH", "/api/me/profile", []byte(`{"company":"一"}{"company":"二"}`), "", "", nil},
		{"the profile: a number for a string", "PATCH", "/api/me/profile", []byte(`{"company":7}`), "", "company", nil},
		{"the profile: U+202E in a name", "PATCH", "/api/me/profile", jsonOf(map[string]string{"name": "山田\u202e子花"}), "", "name", nil},
		{"the profile: U+200B in a name", "PATCH", "/api/me/profile", jsonOf(map[string]string{"name": "山田\u200b花子"}), "", "name", nil},
	}
	meBefore := a.me(auth)
	before := a.snapshot()
	for _, c := range cases {
		hdr := append([]string{}, auth...)
		if c.method == "POST" {
			hdr = nil // registration is anonymous
		}
		if c.ctype != "" {
			hdr = append(hdr, "Content-Type", c.ctype)
		}
		r := a.do(c.method, c.path, c.body, hdr...)
		fields, ok := problemFields(r)
		switch {
		case c.ctype != "": // a form post is answered with a page that lists what is wrong
			if r.StatusCode != 400 || !strings.Contains(r.body, `<ul class="errors"><li>氏名:`) {
				t.Errorf("%s: %d %s, want 400 and a page naming 氏名", c.name, r.StatusCode, r.body)
			}
		case !ok:
			t.Errorf("%s: %d %s, want 400 problem+json", c.name, r.StatusCode, r.body)
		case c.field != "" && !slices.Contains(fields, c.field):
			t.Errorf("%s: the problem names %q, want %q: %s", c.name, fields, c.field, r.body)
		}
		for _, addr := range c.addrs {
			a.quiet[addr] = quietAddr{0, c.name}
		}
	}
	after := a.snapshot()
	if diff := before.diff(after); diff != "" {
		t.Errorf("refused bodies changed the store:\n%s", diff)
	}
	for _, c := range cases {
		for _, addr := range c.addrs {
			if n := countTo(after.mails, addr); n != 0 {
				t.Errorf("%s: %d mails to %s", c.name, n, addr)
			}
		}
	}
	if meAfter := a.me(auth); !sameMe(meBefore, meAfter) {
		t.Errorf("refused bodies changed the profile: %+v -> %+v", meBefore, meAfter)
	}
}

// --- g -------------------------------------------------------------------

// rawRequest writes a request's head and the first bytes of its body on a
// fresh connection, never the rest, and reads the answer: a server that
// waited for the whole body would not answer before the deadline.
func (p *portal) rawRequest(method, path string, length int, prefix string, hdr ...string) (*http.Response, time.Duration, error) {
	u, _ := url.Parse(p.srv.BaseURL)
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nSec-Fetch-Site: same-origin\r\n", method, path, u.Host, length)
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&head, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	head.WriteString("\r\n" + prefix)
	start := time.Now()
	if _, err := io.WriteString(conn, head.String()); err != nil {
		return nil, 0, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, time.Since(start), err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, time.Since(start), nil
}

func attackBodyLimit(t *testing.T, a *attacks) {
	const mine = "big.sender@example.org"
	auth, _ := a.approvedMember(mine)
	meBefore := a.me(auth)
	for _, c := range []struct {
		name, method, path, ctype, prefix string
		length                            int
		hdr                               []string
	}{
		{"a registration one byte over", "POST", "/api/register", "application/json", `{"email":"toolarge@example.org","name":"`, httpapi.MaxBodyBytes + 1, nil},
		{"a registration of 1 GB", "POST", "/api/register", "application/json", `{"email":"toolarge@example.org","name":"`, 1 << 30, nil},
		{"a login form of 10 MB", "POST", "/api/login", "application/x-www-form-urlencoded", "email=toolarge%40example.org&x=", 10 << 20, nil},
		{"a profile of 10 MB", "PATCH", "/api/me/profile", "application/json", `{"company":"`, 10 << 20, auth},
		{"a profile of 10 MB with an Idempotency-Key", "PATCH", "/api/me/profile", "application/json", `{"company":"`, 10 << 20, append([]string{"Idempotency-Key", "too-large"}, auth...)},
	} {
		resp, took, err := a.rawRequest(c.method, c.path, c.length, c.prefix, append([]string{"Content-Type", c.ctype}, c.hdr...)...)
		if err != nil {
			t.Errorf("%s: no answer before the body was sent (%v after %s)", c.name, err, took)
			continue
		}
		if resp.StatusCode != 413 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		t.Logf("%s: %d in %s with %d of %d bytes sent", c.name, resp.StatusCode, took.Round(time.Millisecond), len(c.prefix), c.length)
	}
	// A body of no stated length is cut at the limit.
	big := io.MultiReader(strings.NewReader(`{"email":"toolarge-chunked@example.org","name":"`), strings.NewReader(strings.Repeat("あ", 100<<10)), strings.NewReader(`"}`))
	req, _ := http.NewRequest("POST", a.srv.BaseURL+"/api/register", big)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, err := a.client.Do(req); err != nil {
		t.Errorf("a chunked body over the limit: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("a chunked body over the limit: %d", resp.StatusCode)
		}
	}
	for _, addr := range []string{"toolarge@example.org", "toolarge-chunked@example.org"} {
		a.quiet[addr] = quietAddr{0, "a body over the limit"}
	}
	if meAfter := a.me(auth); !sameMe(meBefore, meAfter) {
		t.Errorf("a refused body changed the profile")
	}
}

// --- h -------------------------------------------------------------------

func attackForeignHost(t *testing.T, a *attacks) {
	const mine = "rebound@example.org"
	a.approvedMember(mine)
	a.settle()
	u, _ := url.Parse(a.srv.BaseURL)
	port := u.Port()
	// Mail is in the outbox now: what a rebinding page would be after.
	if r := a.do("GET", "/_dev/outbox", nil); r.StatusCode != 200 || !strings.Contains(r.body, mine) {
		t.Fatalf("/_dev/outbox on the right host: %d", r.StatusCode)
	}
	for _, host := range []string{"evil.example", "evil.example:" + port, "127.0.0.1.evil.example:" + port, "localhost.evil.example:" + port, "[::2]:" + port} {
		for _, path := range []string{"/_dev/outbox", "/_dev/outbox/", "/", "/api/me", "/members/", "/hr/registrations", "/login/"} {
			r := a.do("GET", path, nil, "Host", host)
			if r.StatusCode != 421 || strings.Contains(r.body, mine) || strings.Contains(r.body, "token=") {
				t.Errorf("Host %s, GET %s: %d", host, path, r.StatusCode)
			}
		}
		if r := a.do("POST", "/api/login", map[string]string{"email": mine}, "Host", host, "Origin", "http://"+host); r.StatusCode != 421 {
			t.Errorf("Host %s, POST /api/login: %d", host, r.StatusCode)
		}
	}
	a.expectQuiet(mine, "logins sent with a foreign Host")
	// The loopback names on the server's port are its own in --dev.
	if r := a.do("GET", "/_dev/outbox", nil, "Host", "localhost:"+port); r.StatusCode != 200 {
		t.Errorf("Host localhost:%s: %d", port, r.StatusCode)
	}
}

// --- i -------------------------------------------------------------------

func attackLinkPrefetch(t *testing.T, a *attacks) {
	const mine = "scanned@example.org"
	a.approvedMember(mine)
	if r := a.do("POST", "/api/login", map[string]string{"email": mine}); r.StatusCode != 202 {
		t.Fatalf("login: %d", r.StatusCode)
	}
	l := a.local(link(t, a.awaitMail(mine, "ログイン")))
	// A mail scanner fetches the link, twice, as GET and HEAD.
	for i := range 2 {
		for _, method := range []string{"GET", "HEAD"} {
			r := a.do(method, l, nil, "Accept", "*/*")
			if r.StatusCode != 200 || cookieFrom(r) != nil || r.Header.Get("Location") != "" {
				t.Errorf("%s %d of the login link: %d, cookie %v, Location %q", method, i+1, r.StatusCode, cookieFrom(r), r.Header.Get("Location"))
			}
		}
	}
	f := a.linkPage(l)
	r := a.post(f)
	if r.StatusCode != 303 || cookieFrom(r) == nil {
		t.Fatalf("the button after the prefetches: %d %v", r.StatusCode, cookieFrom(r))
	}
	if r = a.post(f); r.StatusCode != 410 || cookieFrom(r) != nil {
		t.Errorf("the button twice: %d", r.StatusCode)
	}
	// A verification link likewise.
	const newcomer = "scanned.newcomer@example.org"
	if r := a.do("POST", "/api/register", registration(newcomer)); r.StatusCode != 202 {
		t.Fatalf("register: %d", r.StatusCode)
	}
	v := a.local(link(t, a.awaitMail(newcomer, "メールアドレスの確認")))
	for range 2 {
		a.do("GET", v, nil, "Accept", "*/*")
	}
	if row, ok := a.registration(newcomer); ok {
		t.Errorf("a GET verified the address: %+v", row)
	}
	f = a.linkPage(v)
	if r := a.post(f); r.StatusCode != 200 {
		t.Errorf("verify after the prefetches: %d %s", r.StatusCode, r.body)
	}
	if r := a.post(f); r.StatusCode != 410 {
		t.Errorf("verify twice: %d", r.StatusCode)
	}
}

// --- j -------------------------------------------------------------------

func attackIdempotency(t *testing.T, a *attacks) {
	authA, idA := a.approvedMember("idem.a@example.org")
	authB, idB := a.approvedMember("idem.b@example.org")
	const key = "attack-key-1"
	body := map[string]string{"company": "重複商事"}
	rA := a.do("PATCH", "/api/me/profile", body, append(authA, "Idempotency-Key", key)...)
	if rA.StatusCode != 200 || !strings.Contains(rA.body, idA) {
		t.Fatalf("A: %d %s", rA.StatusCode, rA.body)
	}
	// B, same key and body: B's own request runs, A's answer is not replayed.
	rB := a.do("PATCH", "/api/me/profile", body, append(authB, "Idempotency-Key", key)...)
	if rB.StatusCode != 200 || !strings.Contains(rB.body, idB) || strings.Contains(rB.body, idA) || strings.Contains(rB.body, "idem.a@") {
		t.Errorf("B with A's key: %d %s", rB.StatusCode, rB.body)
	}
	if me := a.me(authB); me.Profile.Company != "重複商事" {
		t.Errorf("B's request did not run: company %q", me.Profile.Company)
	}
	// Anonymous, and with a forged session cookie: refused, nothing of A's.
	for _, hdr := range [][]string{nil, {"Cookie", "okaeri_session=forged.forged.forged"}} {
		r := a.do("PATCH", "/api/me/profile", body, append(hdr, "Idempotency-Key", key)...)
		if r.StatusCode != 401 || strings.Contains(r.body, idA) || strings.Contains(r.body, "重複商事") {
			t.Errorf("anonymous with A's key (%v): %d %s", hdr, r.StatusCode, r.body)
		}
	}
	// A 401 is not kept: once logged in, the same key runs for real.
	const key2 = "attack-key-2"
	body2 := map[string]string{"company": "ログイン後商事"}
	if r := a.do("PATCH", "/api/me/profile", body2, "Idempotency-Key", key2); r.StatusCode != 401 {
		t.Fatalf("anonymous: %d", r.StatusCode)
	}
	fresh := a.session("idem.b@example.org")
	if r := a.do("PATCH", "/api/me/profile", body2, append(fresh, "Idempotency-Key", key2)...); r.StatusCode != 200 || !strings.Contains(r.body, "ログイン後商事") {
		t.Errorf("logged in, the same key: %d %s", r.StatusCode, r.body)
	}
	if me := a.me(fresh); me.Profile.Company != "ログイン後商事" {
		t.Errorf("the retry did not run: company %q", me.Profile.Company)
	}
	// A's own retry is replayed, so the key does work.
	if r := a.do("PATCH", "/api/me/profile", body, append(authA, "Idempotency-Key", key)...); r.StatusCode != 200 || r.body != rA.body {
		t.Errorf("A's retry: %d %s", r.StatusCode, r.body)
	}
	snap := a.snapshot()
	checkNoRefusalKept(t, snap)
	owners := map[string]int{}
	for _, rec := range snap.of("idempotency") {
		resp, _ := rec["response"].(map[string]any)
		b, _ := resp["body"].(string) // []byte: base64
		for _, id := range []string{idA, idB} {
			if strings.Contains(decodeB64(b), id) {
				owners[id]++
			}
		}
	}
	if owners[idA] != 1 || owners[idB] != 2 {
		t.Errorf("kept answers per member: %v, want A 1 and B 2", owners)
	}
}

// --- k -------------------------------------------------------------------

func attackStaticFiles(t *testing.T) {
	start := time.Now()
	const secret = "SECRET-OUTSIDE-THE-SITE"
	dir := t.TempDir()
	site, outside := filepath.Join(dir, "site"), filepath.Join(dir, "outside")
	for path, text := range map[string]string{
		"site/index.html":        "<!doctype html><title>test site</title><p>ok</p>",
		"site/404.html":          "<!doctype html><title>not found</title>",
		"site/about/index.html":  "<!doctype html><title>about</title>",
		"site/.env":              secret,
		"site/.git/config":       secret,
		"site/css/.hidden.css":   secret,
		"site/.well-known/x.txt": secret,
		"outside/secret.txt":     secret,
		"outside/index.html":     secret,
	} {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"site/leak.txt":         filepath.Join(outside, "secret.txt"),
		"site/relative.txt":     "../outside/secret.txt",
		"site/outdir":           outside,
		"site/about/up":         "../../outside",
		"site/css/passwd.css":   "/etc/passwd",
		"site/members/leak.txt": filepath.Join(outside, "secret.txt"),
	} {
		full := filepath.Join(dir, link)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Skipf("cannot make symbolic links here: %v", err)
		}
	}
	p := startPortalSite(t, site)
	if r := p.do("GET", "/", nil); r.StatusCode != 200 || !strings.Contains(r.body, "test site") {
		t.Fatalf("the temp site's home: %d %s", r.StatusCode, r.body)
	}
	for _, path := range []string{"/.env", "/.git/config", "/.git/", "/css/.hidden.css", "/.well-known/x.txt",
		"/leak.txt", "/relative.txt", "/outdir/secret.txt", "/outdir/", "/about/up/secret.txt", "/css/passwd.css"} {
		r := p.do("GET", path, nil)
		if r.StatusCode != 404 || strings.Contains(r.body, secret) || strings.Contains(r.body, "root:") {
			t.Errorf("GET %s: %d %.80q", path, r.StatusCode, r.body)
		}
	}
	// Encoded and dotted spellings: never the file, whatever the status.
	for _, path := range []string{"/%2eenv", "/%2Eenv", "/css/../.env", "/about/%2e%2e/.env", "/..%2foutside/secret.txt",
		"/%2e%2e/outside/secret.txt", "/outdir%2fsecret.txt", "/./.env"} {
		r := p.do("GET", path, nil)
		if r.StatusCode == 200 || strings.Contains(r.body, secret) {
			t.Errorf("GET %s: %d %.80q", path, r.StatusCode, r.body)
		}
	}
	t.Logf("%s", time.Since(start).Round(time.Millisecond))
}

// --- helpers ---------------------------------------------------------------

// hr is HR's session (the administrator startPortal adds), opened once.
func (a *attacks) hr() []string {
	if a.hrAuth == nil {
		a.hrAuth = a.session(admin)
	}
	return a.hrAuth
}

type reviewRow struct {
	Member struct {
		ID, Email, Status string
	} `json:"member"`
	Roster struct {
		Entry *struct {
			EmployeeNumber string `json:"employeeNumber"`
			Email          string `json:"email"`
		} `json:"entry"`
		By     string `json:"by"`
		Reason string `json:"reason"`
	} `json:"roster"`
}

// registration is email's row on HR's review list, if it is there.
func (a *attacks) registration(email string) (reviewRow, bool) {
	a.t.Helper()
	r := a.do("GET", "/hr/registrations", nil, append(a.hr(), "Accept", "application/json")...)
	var list struct {
		Registrations []reviewRow `json:"registrations"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.StatusCode != 200 {
		a.t.Fatalf("HR's registrations: %d %s", r.StatusCode, r.body)
	}
	for _, row := range list.Registrations {
		if row.Member.Email == email {
			return row, true
		}
	}
	return reviewRow{}, false
}

// approvedMember registers email (no roster entry: HR approves it by hand)
// and logs it in; it returns the session's Cookie header and the member's id.
func (a *attacks) approvedMember(email string) ([]string, string) {
	a.t.Helper()
	body := registration(email)
	body["name"] = "試験 " + strings.Split(email, "@")[0]
	if r := a.do("POST", "/api/register", body); r.StatusCode != 202 {
		a.t.Fatalf("register %s: %d %s", email, r.StatusCode, r.body)
	}
	if r := a.followLink(link(a.t, a.awaitMail(email, "メールアドレスの確認"))); r.StatusCode != 200 {
		a.t.Fatalf("verify %s: %d %s", email, r.StatusCode, r.body)
	}
	row, ok := a.registration(email)
	if !ok {
		a.t.Fatalf("%s is not waiting for HR", email)
	}
	if r := a.do("POST", "/api/hr/registrations/"+row.Member.ID+"/approve", url.Values{}, a.hr()...); r.StatusCode != 303 {
		a.t.Fatalf("approve %s: %d %s", email, r.StatusCode, r.body)
	}
	a.awaitMail(email, "承認されました")
	return a.session(email), row.Member.ID
}

// meView is what /api/me tells.
type meView struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	PendingEmail string `json:"pending_email"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	Admin        bool   `json:"admin"`
	Profile      struct {
		Company string `json:"company"`
		Bio     string `json:"bio"`
	} `json:"profile"`
	raw string
}

func (p *portal) me(auth []string) meView {
	p.t.Helper()
	r := p.do("GET", "/api/me", nil, auth...)
	var me meView
	if err := json.Unmarshal([]byte(r.body), &me); err != nil || r.StatusCode != 200 {
		p.t.Fatalf("/api/me: %d %s", r.StatusCode, r.body)
	}
	me.raw = r.body
	return me
}

func sameMe(a, b meView) bool { return a.raw == b.raw }

// expectQuiet notes that addr must get no mail from now on (checked once
// the server has stopped and sent everything: subtest z), and checks it
// for the moment.
func (a *attacks) expectQuiet(addr, why string) {
	a.t.Helper()
	a.settle()
	n := a.countMailTo(addr)
	a.quiet[addr] = quietAddr{n, why}
}

func decodeB64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return s
	}
	return string(b)
}

func countTo(mails []outbox.Entry, addr string) int {
	n := 0
	for _, e := range mails {
		if strings.Contains(e.To, addr) {
			n++
		}
	}
	return n
}

// snapshot is the store, as `okaeri store export` writes it, and the outbox.
type snapshot struct {
	lines []string         // every record but the header and rate-limit counters, sorted
	recs  []map[string]any // the same, decoded
	mails []outbox.Entry
}

func (s snapshot) of(typ string) []map[string]any {
	var out []map[string]any
	for _, r := range s.recs {
		if r["type"] == typ {
			out = append(out, r)
		}
	}
	return out
}

// diff lists the records one snapshot has and the other has not.
func (s snapshot) diff(after snapshot) string {
	var b strings.Builder
	in := func(lines []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range lines {
			m[l] = true
		}
		return m
	}
	was, is := in(s.lines), in(after.lines)
	for _, l := range s.lines {
		if !is[l] {
			fmt.Fprintf(&b, "- %.400s\n", l)
		}
	}
	for _, l := range after.lines {
		if !was[l] {
			fmt.Fprintf(&b, "+ %.400s\n", l)
		}
	}
	return b.String()
}

// snapshot stops the server (which sends every mail still queued), exports
// the store and reads the outbox, then starts the server again.
func (p *portal) snapshot() snapshot {
	p.t.Helper()
	p.srv.Stop()
	defer p.restart()
	return p.export()
}

// export reads the store of the stopped server.
func (p *portal) export() snapshot {
	p.t.Helper()
	file := filepath.Join(p.t.TempDir(), "export.jsonl")
	if out, err := p.okaeri(p.srv.DataDir, "store", "export", "--out", file); err != nil {
		p.t.Fatalf("store export: %v\n%s", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		p.t.Fatal(err)
	}
	var s snapshot
	for _, line := range strings.Split(string(data), "\n") {
		var rec map[string]any
		if line == "" || json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec["type"] == "okaeri-export" || rec["type"] == "ratelimit" {
			continue // the header's time; counters count refused requests by design
		}
		s.lines = append(s.lines, line)
	}
	sort.Strings(s.lines)
	for _, line := range s.lines {
		var rec map[string]any
		_ = json.Unmarshal([]byte(line), &rec)
		s.recs = append(s.recs, rec)
	}
	s.mails = p.outbox()
	return s
}
