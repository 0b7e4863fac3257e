package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"gopkg.in/yaml.v3"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/content"
	"github.com/okaeri/okaeri/functions/servetest"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

// cmsStack is the stack `make dev` runs, on a copy of the repository's
// content and site: okaeri serve --dev watching content/, Decap's local
// backend (decap-server) behind it, HR and 13 members with sessions.
type cmsStack struct {
	baseURL string
	repo    string   // the copy: content/ and site/
	hr      string   // HR's session cookie
	members []string // 13 members' session cookies
}

// copyTree copies src to dst, leaving out the top-level names in skip.
func copyTree(t *testing.T, src, dst string, skip ...string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && slices.Contains(skip, rel) {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func startCMSStack(t *testing.T) cmsStack {
	t.Helper()
	ctx := context.Background()
	root := suite.root
	work := t.TempDir()
	repo := filepath.Join(work, "repo")
	copyTree(t, filepath.Join(root, "content"), filepath.Join(repo, "content"))
	copyTree(t, filepath.Join(root, "site"), filepath.Join(repo, "site"), "public", "resources")

	out, err := servetest.Command(ctx, root, "go", "tool", "-n", "-modfile=tools/go.mod", "hugo").Output()
	if err != nil {
		t.Fatalf("the pinned Hugo: %v", err)
	}
	hugo := strings.TrimSpace(string(out))
	public := filepath.Join(repo, "site", "public")
	if out, err := exec.CommandContext(ctx, hugo, "--source", filepath.Join(repo, "site"), "--minify", "--logLevel", "warn").CombinedOutput(); err != nil {
		t.Fatalf("hugo: %v\n%s", err, out)
	}
	decap := exec.CommandContext(ctx, filepath.Join(root, "scripts", "decap"), "server")
	decap.Dir = root
	entry, err := decap.Output()
	if err != nil {
		t.Fatalf("scripts/decap server: %v", err)
	}

	// HR and 13 members, each with a session signed by a key the test knows.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	keySpec := "cms:" + base64.StdEncoding.EncodeToString(secret)
	keys, err := auth.ParseKeys(keySpec)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	s := cmsStack{repo: repo}
	var lines []string
	for i := 0; i <= 13; i++ {
		m := store.Member{ID: fmt.Sprintf("cms-member-%02d", i), Email: fmt.Sprintf("cms.member%02d@example.net", i), Name: fmt.Sprintf("編集 %02d", i),
			Language: store.LanguageJa, Status: store.StatusApproved, CreatedAt: now, UpdatedAt: now, Version: 1}
		if i == 0 {
			m.Email, m.Name, m.Roles = "cms.hr@example.co.jp", "人事 花子", []store.Role{store.RoleHR}
		}
		sessionSecret := store.NewID()
		sess := store.Session{ID: store.HashToken(sessionSecret), MemberID: m.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(2 * time.Hour)}
		for _, r := range []store.Record{{Member: &m}, {Session: &sess}} {
			b, err := jsonl.MarshalRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, string(b))
		}
		if i == 0 {
			s.hr = keys.Sign(sessionSecret)
		} else {
			s.members = append(s.members, keys.Sign(sessionSecret))
		}
	}
	records := filepath.Join(work, "members.jsonl")
	if err := os.WriteFile(records, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(work, "data")
	for _, args := range [][]string{
		{"store", "import", "--data", data, "--in", records},
		{"sync", "--dir", filepath.Join(repo, "content"), "--data", data, "--site", public},
	} {
		if out, err := servetest.Command(ctx, root, suite.bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("okaeri %s: %v\n%s", args[0], err, out)
		}
	}
	srv, err := servetest.Start(ctx, servetest.Options{Bin: suite.bin, SiteDir: public, DataDir: data,
		LogFile: filepath.Join(work, "serve.log"),
		Env:     []string{"OKAERI_SESSION_KEYS=" + keySpec, "OKAERI_ADMINS=cms.hr@example.co.jp"},
		Args: []string{"--content", filepath.Join(repo, "content"), "--hugo", hugo,
			"--decap-server", strings.TrimSpace(string(entry))}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Stop()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(work, "serve.log"))
			t.Logf("serve.log:\n%s", b)
		}
	})
	s.baseURL = srv.BaseURL
	return s
}

// get fetches a path with a session cookie ("" for a visitor).
func (s cmsStack) get(t *testing.T, cookie, p string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.baseURL+p, nil)
	req.Header.Set("Accept", "text/html")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "okaeri_session", Value: cookie})
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// cmsFill sets the n-th (0: Japanese, 1: English) control of a field in
// Decap's editor as a person's typing does: through the element's own value
// setter and an input event, which React listens to.
func cmsFill(t *testing.T, ctx context.Context, field string, n int, value string) {
	t.Helper()
	waitFor(t, ctx, fmt.Sprintf("the %s field #%d", field, n), fmt.Sprintf(`[...document.querySelectorAll('[id^="%s-field-"]')].filter(e => e.matches("input, textarea")).length > %d`, field, n))
	js := fmt.Sprintf(`(() => {
		const els = [...document.querySelectorAll('[id^="%s-field-"]')].filter(e => e.matches("input, textarea"));
		const el = els[%d];
		if (!el) return false;
		const proto = el.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
		Object.getOwnPropertyDescriptor(proto, "value").set.call(el, %q);
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		el.dispatchEvent(new Event("blur", {bubbles: true}));
		return true;
	})()`, field, n, value)
	if !evaluate[bool](t, ctx, js) {
		t.Fatalf("the CMS editor has no %s field #%d", field, n)
	}
}

// cmsType types text into the n-th Markdown body editor, as the keyboard's
// input method inserts it.
func cmsType(t *testing.T, ctx context.Context, n int, text string) {
	t.Helper()
	ok := evaluate[bool](t, ctx, fmt.Sprintf(`(() => {
		const ed = [...document.querySelectorAll('[data-slate-editor="true"]')][%d];
		if (!ed) return false;
		ed.focus();
		return true;
	})()`, n))
	if !ok {
		t.Fatalf("the CMS editor has no body editor #%d", n)
	}
	err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: text})
		return chromedp.Void{}, err
	})
	if err != nil {
		t.Fatalf("type the body: %v", err)
	}
}

// cmsGo moves the CMS to one of its own pages (#/collections/...).
func cmsGo(t *testing.T, ctx context.Context, route string) {
	t.Helper()
	evaluate[bool](t, ctx, fmt.Sprintf(`(() => { location.hash = %q; return true })()`, "#"+route))
}

// cmsClickText clicks the first button or menu item whose text is label.
func cmsClickText(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	waitFor(t, ctx, label, fmt.Sprintf(`[...document.querySelectorAll("button, [role=menuitem], [role=button]")].some(b => b.textContent.trim() === %q)`, label))
	evaluate[bool](t, ctx, fmt.Sprintf(`(() => { const b = [...document.querySelectorAll("button, [role=menuitem], [role=button]")].find(b => b.textContent.trim() === %q); b.click(); return true })()`, label))
}

// newFiles waits for the CMS to write a Japanese and an English file in
// dir that were not in before, and returns the Japanese one's id.
func newFiles(t *testing.T, dir string, before []string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		now, _ := filepath.Glob(filepath.Join(dir, "*.ja.md"))
		for _, f := range now {
			if slices.Contains(before, f) {
				continue
			}
			id := strings.TrimSuffix(filepath.Base(f), ".ja.md")
			if _, err := os.Stat(filepath.Join(dir, id+".en.md")); err == nil {
				return id
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the CMS wrote no new page pair in %s", dir)
	return ""
}

// frontMatter reads a Markdown file's front matter.
func frontMatter(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fm, _, ok := strings.Cut(strings.TrimPrefix(string(b), "---\n"), "\n---\n")
	if !ok || !strings.HasPrefix(string(b), "---\n") {
		t.Fatalf("%s has no front matter:\n%s", file, b)
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(fm), &m); err != nil {
		t.Fatalf("%s: %v\n%s", file, err, fm)
	}
	return m
}

// waitStatus waits until /admin/status.json, as HR reads it, reports
// problems that ok accepts, and returns them.
func (s cmsStack) waitStatus(t *testing.T, ok func([]string) bool) []string {
	t.Helper()
	var st struct {
		Problems []string `json:"problems"`
		Building bool     `json:"building"`
	}
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, s.baseURL+"/admin/status.json", nil)
		req.AddCookie(&http.Cookie{Name: "okaeri_session", Value: s.hr})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err == nil && !st.Building && ok(st.Problems) {
			return st.Problems
		}
	}
	t.Fatalf("/admin/status.json: %+v", st)
	return nil
}

// waitServed waits until the portal serves path with text on it, and
// returns how long that took.
func (s cmsStack) waitServed(t *testing.T, p, text string) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 30*time.Second {
		if code, body := s.get(t, "", p); code == http.StatusOK && strings.Contains(body, text) {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, _ := s.get(t, "", p)
	t.Fatalf("%s does not show %q 30 s after the save (status %d)", p, text, code)
	return 0
}

// TestCMSPublishes is HR's work in the CMS, in real Chromium against the
// stack `make dev` runs: HR logs in and opens /admin/, writes a news item
// in Japanese and English and an event with a capacity of 12, publishes;
// the Markdown appears in content/ with valid front matter, content check
// passes, the public pages are served within seconds, and the event takes
// 12 RSVPs and puts the 13th on the waitlist. Visitors and members who are
// not HR never reach the CMS.
func TestCMSPublishes(t *testing.T) {
	s := startCMSStack(t)

	// Only HR: a visitor is sent to log in, a member gets 403, and neither
	// reads the configuration or reaches the local backend.
	if code, _ := s.get(t, "", "/admin/"); code != http.StatusSeeOther {
		t.Errorf("/admin/ for a visitor: %d, want 303 to the login page", code)
	}
	if code, _ := s.get(t, s.members[0], "/admin/"); code != http.StatusForbidden {
		t.Errorf("/admin/ for a member who is not HR: %d, want 403", code)
	}
	if code, _ := s.get(t, s.members[0], "/admin/config.yml"); code != http.StatusForbidden {
		t.Errorf("/admin/config.yml for a member: %d, want 403", code)
	}
	req, _ := http.NewRequest(http.MethodPost, s.baseURL+"/admin/api/v1", strings.NewReader(`{"action":"getEntry","params":{"branch":"main","path":"content/about.ja.md"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: "okaeri_session", Value: s.members[0]})
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("the local backend for a member: %v %v, want 403", resp, err)
	}
	// HR's backend writes content only, never the rest of the repository.
	req, _ = http.NewRequest(http.MethodPost, s.baseURL+"/admin/api/v1", strings.NewReader(`{"action":"persistMedia","params":{"branch":"main","asset":{"path":"Makefile","content":"eA==","encoding":"base64"},"options":{"commitMessage":"x"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: "okaeri_session", Value: s.hr})
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("writing the Makefile through the local backend: %v %v, want 403", resp, err)
	}

	// HR's browser is in another zone than Japan: the times are still
	// entered and saved in Japan time.
	ctx := newTab(t)
	err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/London"})
		return chromedp.Void{}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	setCookie(t, ctx, s.baseURL, "okaeri_session", s.hr)
	visit(t, ctx, s.baseURL+"/admin/")
	cmsClickText(t, ctx, "ログイン") // Decap's proxy backend asks once; the HR check was the server's
	waitFor(t, ctx, "the collections", `document.body.innerText.includes("お知らせ（メンバー限定）")`)
	if strings.Contains(bodyText(t, ctx), "News\n") {
		t.Errorf("the news list shows the section's own page (_index.en.md) as an entry")
	}

	jst := time.FixedZone("JST", 9*3600)
	today := time.Now().In(jst).Format("2006-01-02")
	newsDir := filepath.Join(s.repo, "content", "news")
	before, _ := filepath.Glob(filepath.Join(newsDir, "*.ja.md"))
	cmsGo(t, ctx, "/collections/news/new")
	waitFor(t, ctx, "the news editor", `document.querySelectorAll('[id^="title-field-"]').length === 2`)
	cmsFill(t, ctx, "title", 0, "ブラウザから書いたお知らせ")
	cmsFill(t, ctx, "date", 0, today)
	cmsFill(t, ctx, "description", 0, "人事部がCMSで書きました。")
	cmsFill(t, ctx, "title", 1, "News written in the browser")
	cmsFill(t, ctx, "date", 1, today)
	cmsFill(t, ctx, "description", 1, "HR wrote this in the CMS.")
	cmsType(t, ctx, 0, "アルムナイのみなさん、こんにちは。")
	cmsType(t, ctx, 1, "Hello, alumni.")
	saveScreenshot(t, ctx, "cms-news-editor-ja-1280.png")
	cmsClickText(t, ctx, "公開")
	cmsClickText(t, ctx, "公開する")
	newsID := newFiles(t, newsDir, before)
	// Published within seconds: content check, Hugo and sync after the save.
	took := s.waitServed(t, "/news/"+newsID+"/", "ブラウザから書いたお知らせ")
	t.Logf("the news item was served %v after the CMS wrote its files", took.Round(time.Millisecond))

	eventsDir := filepath.Join(s.repo, "content", "events")
	before, _ = filepath.Glob(filepath.Join(eventsDir, "*.ja.md"))
	start := time.Now().In(jst).AddDate(0, 1, 0)
	day := start.Format("2006-01-02")
	cmsGo(t, ctx, "/collections/events/new")
	waitFor(t, ctx, "the event editor", `document.querySelectorAll('[id^="title-field-"]').length === 2 && !!document.querySelector('input[id^="capacity-field-"]')`)
	cmsFill(t, ctx, "title", 0, "CMSで作った交流会")
	cmsFill(t, ctx, "date", 0, today)
	cmsFill(t, ctx, "start", 0, day+"T19:00")
	cmsFill(t, ctx, "end", 0, day+"T21:00")
	cmsFill(t, ctx, "location", 0, "東京本社 20階")
	cmsFill(t, ctx, "capacity", 0, "12")
	cmsFill(t, ctx, "title", 1, "A meetup made in the CMS")
	cmsFill(t, ctx, "date", 1, today)
	cmsFill(t, ctx, "location", 1, "Tokyo office, 20th floor")
	cmsType(t, ctx, 0, "お気軽にどうぞ。")
	cmsType(t, ctx, 1, "Everyone is welcome.")
	saveScreenshot(t, ctx, "cms-event-editor-ja-1280.png")
	cmsClickText(t, ctx, "公開")
	cmsClickText(t, ctx, "公開する")
	eventID := newFiles(t, eventsDir, before)

	// The files are what content check wants, and it passes.
	ja := frontMatter(t, filepath.Join(eventsDir, eventID+".ja.md"))
	en := frontMatter(t, filepath.Join(eventsDir, eventID+".en.md"))
	if ja["capacity"] != 12 || en["capacity"] != 12 {
		t.Errorf("capacity: ja %v, en %v; want 12 in both (the English file copies the shared fields)", ja["capacity"], en["capacity"])
	}
	// YAML reads an unquoted date-time as a timestamp, a quoted one as text.
	st := fmt.Sprint(ja["start"])
	if tm, ok := ja["start"].(time.Time); ok {
		st = tm.Format(time.RFC3339)
	}
	if st != day+"T19:00:00+09:00" {
		t.Errorf("start = %v, want %sT19:00 in Japan time (+09:00)", ja["start"], day)
	}
	if en["title"] != "A meetup made in the CMS" || ja["location"] != "東京本社 20階" {
		t.Errorf("the event's files: ja %v, en %v", ja, en)
	}
	if news := frontMatter(t, filepath.Join(newsDir, newsID+".ja.md")); news["title"] != "ブラウザから書いたお知らせ" {
		t.Errorf("the news item's front matter: %v", news)
	}
	checked, err := content.Check(filepath.Join(s.repo, "content"))
	if err != nil || len(checked) > 0 {
		t.Fatalf("content check after the CMS saved: %v %v", err, checked)
	}
	var problems []string

	// Both languages, and the event.
	s.waitServed(t, "/en/news/"+newsID+"/", "News written in the browser")
	s.waitServed(t, "/events/"+eventID+"/", "CMSで作った交流会")

	// The event takes 12 RSVPs; the 13th waits.
	var info struct {
		Capacity int `json:"capacity"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for info.Capacity != 12 && time.Now().Before(deadline) {
		if resp, err := http.Get(s.baseURL + "/api/events/" + eventID); err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&info)
			resp.Body.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	if info.Capacity != 12 {
		t.Fatalf("the event's capacity in the store: %d, want 12", info.Capacity)
	}
	// A save that content check refuses is not published, and HR is told
	// the file, line and field; once fixed, the notice goes.
	bad := filepath.Join(eventsDir, eventID+".ja.md")
	good, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(string(good), "capacity: 12", "capacity: たくさん", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	problems = s.waitStatus(t, func(p []string) bool { return len(p) > 0 })
	if !strings.Contains(strings.Join(problems, "\n"), eventID+".ja.md:") || !strings.Contains(strings.Join(problems, "\n"), "capacity must be a whole number") {
		t.Errorf("HR's notice after a bad save: %v", problems)
	}
	if err := os.WriteFile(bad, good, 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitStatus(t, func(p []string) bool { return len(p) == 0 })

	for i, cookie := range s.members {
		req, _ := http.NewRequest(http.MethodPost, s.baseURL+"/api/events/"+eventID+"/rsvp", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: "okaeri_session", Value: cookie})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Status string `json:"status"`
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		_ = json.Unmarshal(b, &out)
		want := "confirmed"
		if i == 12 {
			want = "waitlisted"
		}
		if out.Status != want {
			t.Errorf("RSVP %d: %d %s, want %s", i+1, resp.StatusCode, b, want)
		}
	}
}
