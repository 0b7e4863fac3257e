package job

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/job/jobtest"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

const hrAdmin = "hr@example.co.jp"

// fixture is a jobs function on a real bolt store, a real blob folder and
// the real outbox, behind its own routes.
type fixture struct {
	t      testing.TB
	s      *Service
	st     store.Store
	mux    *http.ServeMux
	outbox string
	blobs  string
	now    time.Time
	mu     sync.Mutex
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := bolt.Open(filepath.Join(dir, "okaeri.db"), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := outbox.New(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	keys := auth.NewKeyring(auth.Key{ID: "t", Secret: []byte(strings.Repeat("k", 32))})
	from := mail.Address{Email: "alumni@example.co.jp"}
	acc := account.New(st, ob, keys, account.Config{BaseURL: "http://portal.test", From: from, Admins: []string{hrAdmin}}, nil)
	f := &fixture{t: t, st: st, outbox: ob.Dir, blobs: filepath.Join(dir, "blobs"), now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	acc.Now = f.clock
	f.s = New(st, st, blobs, ob, acc, Config{BaseURL: "http://portal.test", From: from, Admins: []string{hrAdmin}}, nil)
	f.s.Now = f.clock
	acc.Erasers = append(acc.Erasers, f.s)
	f.mux = http.NewServeMux()
	for p, h := range (Handler{S: f.s}).Routes() {
		f.mux.Handle(p, h)
	}
	f.putJob(openJob("backend-engineer-rehire", store.VisibilityPublic))
	f.putJob(openJob("security-review-project", store.VisibilityMembers))
	closed := openJob("qa-contract-2026", store.VisibilityPublic)
	closed.Closes = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	f.putJob(closed)
	return f
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func openJob(id, visibility string) store.Job {
	return store.Job{ID: id, Title: "バックエンドエンジニア（再入社・正社員）", TitleEn: "Backend engineer (re-hire)",
		EmploymentType: store.EmploymentRehire, Department: "プロダクト開発部", DepartmentEn: "Product Development",
		Location: "東京都渋谷区", LocationEn: "Shibuya, Tokyo", Visibility: visibility, Closes: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Contact: "careers@example.co.jp"}
}

func (f *fixture) putJob(j store.Job) {
	f.t.Helper()
	if err := f.st.PutJob(context.Background(), j); err != nil {
		f.t.Fatal(err)
	}
}

// member is an approved member with a live session; cookie is its header value.
type member struct {
	store.Member
	cookie string
}

func (f *fixture) member(email, name string, lang store.Language) member {
	f.t.Helper()
	ctx := context.Background()
	var roles []store.Role
	if email == hrAdmin { // HR's administrator holds the role, as a record
		roles = []store.Role{store.RoleHR}
	}
	m, err := f.st.CreateMember(ctx, store.Member{Email: email, Name: name, Department: "開発部", Joined: "2015-04", Left: "2022-03",
		Language: lang, Status: store.StatusApproved, CreatedAt: f.clock(), Roles: roles})
	if err != nil {
		f.t.Fatal(err)
	}
	secret := store.NewID()
	now := f.clock()
	if err := f.st.CreateSession(ctx, store.Session{ID: store.HashToken(secret), MemberID: m.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		f.t.Fatal(err)
	}
	return member{Member: m, cookie: account.SessionCookie + "=" + f.s.Accounts.Keys.Sign(secret)}
}

type request struct {
	method, path string
	body         io.Reader
	contentType  string
	cookie       string
	accept       string
	lang         string
}

func (f *fixture) do(r request) *httptest.ResponseRecorder {
	f.t.Helper()
	req := httptest.NewRequest(r.method, r.path, r.body)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.cookie != "" {
		req.Header.Set("Cookie", r.cookie)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	if r.lang != "" {
		req.Header.Set("Accept-Language", r.lang)
	}
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	return rec
}

// upload is a multipart/form-data body with text fields and an optional file.
func upload(fields map[string]string, fileName string, file []byte) (io.Reader, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if fileName != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="resume"; filename="%s"`, fileName))
		h.Set("Content-Type", "application/pdf") // what the browser claims; never trusted
		p, _ := w.CreatePart(h)
		_, _ = p.Write(file)
	}
	_ = w.Close()
	return &b, w.FormDataContentType()
}

func (f *fixture) mails(to string) []outbox.Entry {
	f.t.Helper()
	list, err := outbox.List(f.outbox)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []outbox.Entry
	for _, e := range list {
		if strings.Contains(e.To, to) {
			out = append(out, e)
		}
	}
	return out
}

func (f *fixture) blobFiles() []string {
	f.t.Helper()
	var names []string
	_ = filepath.WalkDir(f.blobs, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	return names
}

func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body.String(), err)
	}
	return v
}

func TestApplyOnceWithResume(t *testing.T) {
	f := newFixture(t)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	pdf := jobtest.PDF(2000)
	body, ctype := upload(map[string]string{"message": "またご一緒したいです。", "contact": "phone", "phone": "090-1234-5678"}, "職務経歴書.pdf", pdf)
	rec := f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: body, contentType: ctype, cookie: m.cookie, accept: "application/json"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("first apply: %d %s", rec.Code, rec.Body)
	}
	first := decode[ApplicationView](t, rec)
	if first.Status != "received" || first.ResumeName != "職務経歴書.pdf" || first.Phone != "090-1234-5678" || !first.CanWithdraw {
		t.Fatalf("application view: %+v", first)
	}
	stored, err := f.st.GetApplication(context.Background(), first.ID)
	if err != nil {
		t.Fatal(err)
	}
	rc, size, err := f.s.Blobs.Get(context.Background(), stored.Resume)
	if err != nil {
		t.Fatalf("résumé blob: %v", err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, pdf) || size != int64(len(pdf)) || stored.ResumeSize != int64(len(pdf)) {
		t.Fatal("the stored résumé is not the uploaded PDF")
	}

	// Asking again: 200 with the first application; the second file is not kept.
	body, ctype = upload(map[string]string{"message": "二度目"}, "other.pdf", jobtest.PDF(10))
	rec = f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: body, contentType: ctype, cookie: m.cookie, accept: "application/json"})
	if rec.Code != http.StatusOK {
		t.Fatalf("second apply: %d %s", rec.Code, rec.Body)
	}
	if again := decode[ApplicationView](t, rec); again.ID != first.ID || again.Message != "またご一緒したいです。" {
		t.Fatalf("second apply answered %+v", again)
	}
	if files := f.blobFiles(); len(files) != 1 {
		t.Fatalf("blob files after two applies: %v", files)
	}

	// The applicant is told, and so is the job's HR contact, with a link to HR's page.
	if mails := f.mails("hanako@example.net"); len(mails) != 1 || !strings.Contains(mails[0].Subject, "ご応募を受け付けました") {
		t.Fatalf("applicant mails: %+v", mails)
	}
	hr := f.mails("careers@example.co.jp")
	if len(hr) != 1 || !strings.Contains(hr[0].Text, "http://portal.test/hr/jobs/backend-engineer-rehire") || !strings.Contains(hr[0].Text, "山田 花子") {
		t.Fatalf("HR mails: %+v", hr)
	}
	if strings.Contains(hr[0].Text, "hanako@example.net") || strings.Contains(hr[0].Text, "090-1234") {
		t.Fatal("the HR notice carries the applicant's contact details; they belong behind the login")
	}
	entries, _, _ := f.st.ListAudit(context.Background(), store.AuditQuery{Subject: first.ID}, store.Page{})
	if len(entries) != 1 || entries[0].Action != "application.create" || entries[0].Actor != m.ID {
		t.Fatalf("audit: %+v", entries)
	}
}

func TestApplyJSONWithLink(t *testing.T) {
	f := newFixture(t)
	m := f.member("taro@example.net", "佐藤 太郎", store.LanguageEn)
	rec := f.do(request{method: "POST", path: "/api/jobs/security-review-project/applications", cookie: m.cookie,
		body: strings.NewReader(`{"message":"I would love to help.","link":"https://github.com/taro","contact":"online"}`), contentType: "application/json"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("apply: %d %s", rec.Code, rec.Body)
	}
	v := decode[ApplicationView](t, rec)
	if v.Link != "https://github.com/taro" || v.Contact != "online" || v.StatusLabel != "Received" || v.JobURL != "/en/members/jobs/security-review-project/" {
		t.Fatalf("view: %+v", v)
	}
	if mails := f.mails("taro@example.net"); len(mails) != 1 || !strings.Contains(mails[0].Subject, "We have received your application") {
		t.Fatalf("English confirmation: %+v", mails)
	}
}

// TestApplyRefusals: every refusal is clear, and nothing is kept: no blob,
// no application, no audit entry, no mail.
func TestApplyRefusals(t *testing.T) {
	f := newFixture(t)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	post := func(job string, body io.Reader, ctype, cookie, lang string) *httptest.ResponseRecorder {
		return f.do(request{method: "POST", path: "/api/jobs/" + job + "/applications", body: body, contentType: ctype, cookie: cookie, accept: "application/json", lang: lang})
	}
	multi := func(name string, data []byte) (io.Reader, string) {
		return upload(map[string]string{"message": "応募します"}, name, data)
	}
	for _, tc := range []struct {
		what       string
		job        string
		body       func() (io.Reader, string)
		cookie     string
		lang       string
		status     int
		detailPart string
	}{
		{"closed job", "qa-contract-2026", func() (io.Reader, string) { return multi("cv.pdf", jobtest.PDF(100)) }, m.cookie, "ja", 409, "2026年10月31日に締め切りました"},
		{"closed job, in English", "qa-contract-2026", func() (io.Reader, string) { return multi("cv.pdf", jobtest.PDF(100)) }, m.cookie, "en", 409, "This job closed on October 31, 2026"},
		{"members-only job without a session", "security-review-project", func() (io.Reader, string) { return multi("cv.pdf", jobtest.PDF(100)) }, "", "ja", 401, "ログイン"},
		{"public job without a session", "backend-engineer-rehire", func() (io.Reader, string) { return multi("cv.pdf", jobtest.PDF(100)) }, "", "en", 401, "log in"},
		{"forged session", "backend-engineer-rehire", func() (io.Reader, string) { return multi("cv.pdf", jobtest.PDF(100)) }, account.SessionCookie + "=forged", "ja", 401, "ログイン"},
		{"executable renamed .pdf", "backend-engineer-rehire", func() (io.Reader, string) { return multi("resume.pdf", jobtest.Executable(4096)) }, m.cookie, "ja", 415, "PDF"},
		{"a Word file", "backend-engineer-rehire", func() (io.Reader, string) { return multi("cv.pdf", []byte("PK\x03\x04word/document.xml")) }, m.cookie, "en", 415, "PDF"},
		{"6 MB PDF", "backend-engineer-rehire", func() (io.Reader, string) { return multi("big.pdf", jobtest.PDF(6<<20)) }, m.cookie, "ja", 413, "5MB"},
		{"just over 5 MB", "backend-engineer-rehire", func() (io.Reader, string) { return multi("big.pdf", jobtest.PDFOfSize(MaxResumeBytes+1)) }, m.cookie, "en", 413, "5 MB"},
		{"no message", "backend-engineer-rehire", func() (io.Reader, string) {
			return upload(map[string]string{"message": " "}, "cv.pdf", jobtest.PDF(10))
		}, m.cookie, "ja", 400, "入力内容"},
		{"phone contact without a number", "backend-engineer-rehire", func() (io.Reader, string) {
			return strings.NewReader(`{"message":"x","contact":"phone"}`), "application/json"
		}, m.cookie, "ja", 400, ""},
		{"a javascript: link", "backend-engineer-rehire", func() (io.Reader, string) {
			return strings.NewReader(`{"message":"x","link":"javascript:alert(1)"}`), "application/json"
		}, m.cookie, "en", 400, ""},
		{"unknown job", "no-such-job", func() (io.Reader, string) { return multi("cv.pdf", jobtest.PDF(10)) }, m.cookie, "ja", 404, "求人"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			body, ctype := tc.body()
			rec := post(tc.job, body, ctype, tc.cookie, tc.lang)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("content type %q", ct)
			}
			if !strings.Contains(rec.Body.String(), tc.detailPart) {
				t.Fatalf("answer %s lacks %q", rec.Body, tc.detailPart)
			}
		})
	}
	if files := f.blobFiles(); len(files) != 0 {
		t.Fatalf("refused uploads left files: %v", files)
	}
	if apps, err := f.st.ListApplicationsByMember(context.Background(), m.ID); err != nil || len(apps) != 0 {
		t.Fatalf("refused applications were stored: %v %v", apps, err)
	}
	if entries, _, _ := f.st.ListAudit(context.Background(), store.AuditQuery{}, store.Page{}); len(entries) != 0 {
		t.Fatalf("refusals were audited as changes: %+v", entries)
	}
	if list, _ := outbox.List(f.outbox); len(list) != 0 {
		t.Fatalf("refusals sent mail: %d", len(list))
	}
}

// TestConcurrentAppliesKeepOneResume: the same member's racing uploads end
// as one application and one file.
func TestConcurrentAppliesKeepOneResume(t *testing.T) {
	f := newFixture(t)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	const n = 8
	codes := make([]int, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body, ctype := upload(map[string]string{"message": fmt.Sprint("try ", i)}, "cv.pdf", jobtest.PDF(50000+i))
			rec := f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: body, contentType: ctype, cookie: m.cookie, accept: "application/json"})
			codes[i] = rec.Code
			var v ApplicationView
			_ = json.Unmarshal(rec.Body.Bytes(), &v)
			ids[i] = v.ID
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		switch codes[i] {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("request %d: %d", i, codes[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("request %d got application %s, request 0 got %s", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Fatalf("%d requests created an application", created)
	}
	if files := f.blobFiles(); len(files) != 1 {
		t.Fatalf("résumé files kept: %d", len(files))
	}
}

func TestFormPosts(t *testing.T) {
	f := newFixture(t)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	html := "text/html,application/xhtml+xml"
	// A browser's upload form: 303 to the member's applications page, in the page's language.
	body, ctype := upload(map[string]string{"message": "よろしくお願いします", "lang": "en"}, "cv.pdf", jobtest.PDF(100))
	rec := f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: body, contentType: ctype, cookie: m.cookie, accept: html})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/en/members/me/applications/?applied=backend-engineer-rehire" {
		t.Fatalf("form apply: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// No file chosen: the browser still sends an empty résumé part.
	m2 := f.member("jiro@example.net", "鈴木 次郎", store.LanguageJa)
	body, ctype = upload(map[string]string{"message": "リンクで応募します", "link": "https://example.net/jiro"}, " ", nil)
	rec = f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: body, contentType: ctype, cookie: m2.cookie, accept: html})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("form apply without a file: %d %s", rec.Code, rec.Body)
	}
	// A visitor without a session gets a page that logs in and comes back to the job.
	body, ctype = upload(map[string]string{"message": "x"}, "", nil)
	rec = f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: body, contentType: ctype, accept: html})
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `href="/login/?next=%2Fjobs%2Fbackend-engineer-rehire%2F"`) {
		t.Fatalf("form apply without a session: %d %s", rec.Code, rec.Body)
	}
	// A refused form post shows what is wrong and links back to the job.
	body, ctype = upload(map[string]string{"message": "x"}, "cv.pdf", jobtest.Executable(10))
	rec = f.do(request{method: "POST", path: "/api/jobs/security-review-project/applications", body: body, contentType: ctype, cookie: m.cookie, accept: html})
	if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), `href="/members/jobs/security-review-project/"`) ||
		!strings.Contains(rec.Body.String(), "PDF") {
		t.Fatalf("refused form: %d %s", rec.Code, rec.Body)
	}
}

func TestWithdraw(t *testing.T) {
	f := newFixture(t)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	other := f.member("taro@example.net", "佐藤 太郎", store.LanguageJa)
	a := f.apply(m, "backend-engineer-rehire")
	rec := f.do(request{method: "POST", path: "/api/me/applications/" + a.ID + "/withdraw", cookie: other.cookie, contentType: "application/json", body: strings.NewReader("{}")})
	if rec.Code != http.StatusNotFound {
		t.Fatalf("withdrawing someone else's application: %d", rec.Code)
	}
	rec = f.do(request{method: "POST", path: "/api/me/applications/" + a.ID + "/withdraw", cookie: m.cookie,
		contentType: "application/x-www-form-urlencoded", body: strings.NewReader("confirm=yes&lang=ja"), accept: "text/html"})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/members/me/applications/?withdrawn=1" {
		t.Fatalf("withdraw: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	got, _ := f.st.GetApplication(context.Background(), a.ID)
	if got.Status != store.ApplicationWithdrawn || got.History[len(got.History)-1].Actor != m.ID {
		t.Fatalf("after withdraw: %+v", got)
	}
	if hr := f.mails("careers@example.co.jp"); len(hr) != 2 || !strings.Contains(hr[0].Subject, "取り下げ") {
		t.Fatalf("HR is told about the withdrawal: %d mails", len(hr))
	}
	rec = f.do(request{method: "POST", path: "/api/me/applications/" + a.ID + "/withdraw", cookie: m.cookie, contentType: "application/json", body: strings.NewReader("{}")})
	if rec.Code != http.StatusConflict {
		t.Fatalf("withdrawing twice: %d", rec.Code)
	}
}

// apply sends a JSON application and returns it as stored.
func (f *fixture) apply(m member, job string) store.Application {
	f.t.Helper()
	rec := f.do(request{method: "POST", path: "/api/jobs/" + job + "/applications", cookie: m.cookie, contentType: "application/json",
		body: strings.NewReader(`{"message":"またよろしくお願いします。"}`)})
	if rec.Code != http.StatusCreated {
		f.t.Fatalf("apply: %d %s", rec.Code, rec.Body)
	}
	v := decode[ApplicationView](f.t, rec)
	a, err := f.st.GetApplication(context.Background(), v.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func TestHRPipeline(t *testing.T) {
	f := newFixture(t)
	hr := f.member(hrAdmin, "人事 担当", store.LanguageJa)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	body, ctype := upload(map[string]string{"message": "=HYPERLINK(\"http://evil\")"}, "cv.pdf", jobtest.PDF(300))
	rec := f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: body, contentType: ctype, cookie: m.cookie, accept: "application/json"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("apply: %d %s", rec.Code, rec.Body)
	}
	a := decode[ApplicationView](t, rec)
	move := func(cookie, form string) *httptest.ResponseRecorder {
		return f.do(request{method: "POST", path: "/api/hr/applications/" + a.ID + "/status", cookie: cookie,
			contentType: "application/x-www-form-urlencoded", body: strings.NewReader(form), accept: "text/html"})
	}
	if rec := move(m.cookie, "status=screening"); rec.Code != http.StatusForbidden {
		t.Fatalf("a member moving an application: %d", rec.Code)
	}
	mailsBefore := len(f.mails("hanako@example.net"))
	if rec := move(hr.cookie, "status=screening&note=%E7%B5%8C%E9%A8%93%E5%8D%81%E5%88%86"); rec.Code != http.StatusSeeOther {
		t.Fatalf("move to screening: %d %s", rec.Code, rec.Body)
	}
	if n := len(f.mails("hanako@example.net")); n != mailsBefore {
		t.Fatal("the applicant was emailed although HR did not tick the box")
	}
	if rec := move(hr.cookie, "status=interview&notify=on"); rec.Code != http.StatusSeeOther {
		t.Fatalf("move to interview: %d %s", rec.Code, rec.Body)
	}
	mails := f.mails("hanako@example.net")
	if len(mails) != mailsBefore+1 || !strings.Contains(mails[0].Subject, "面接") || strings.Contains(mails[0].Text, "経験十分") {
		t.Fatalf("status email: %+v", mails[0])
	}
	if rec := move(hr.cookie, "status=received"); rec.Code != http.StatusConflict {
		t.Fatalf("moving back to received: %d", rec.Code)
	}
	if rec := move(hr.cookie, "status=archived"); rec.Code != http.StatusBadRequest {
		t.Fatalf("an unknown status: %d", rec.Code)
	}
	got, _ := f.st.GetApplication(context.Background(), a.ID)
	if got.Status != store.ApplicationInterview || len(got.History) != 3 || !got.History[2].Notified || got.History[1].Note != "経験十分" {
		t.Fatalf("after moves: %+v", got)
	}
	entries, _, _ := f.st.ListAudit(context.Background(), store.AuditQuery{Subject: a.ID}, store.Page{})
	var moves []store.AuditEntry
	for _, e := range entries {
		if e.Action == "application.move" {
			moves = append(moves, e)
		}
	}
	fields := map[string]bool{}
	for _, e := range moves {
		fields[strings.Join(e.Fields, ",")] = e.Actor == "hr:"+hr.ID
	}
	if len(moves) != 2 || !fields["status,note"] || !fields["status"] {
		t.Fatalf("audit of moves (field names only, by HR): %+v", moves)
	}

	// HR's pages show the application; the member's page shows the status but never HR's note.
	if rec := f.do(request{method: "GET", path: "/hr/jobs", cookie: hr.cookie}); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), `<a href="/hr/jobs/backend-engineer-rehire">`) || !strings.Contains(rec.Body.String(), `<ul class="figures"><li data-status="interview">面接 <span class="count">1</span></li><li class="total">応募計 <span class="count">1</span></li></ul>`) {
		t.Fatalf("/hr/jobs: %d\n%s", rec.Code, rec.Body)
	}
	for _, p := range []string{"/hr/jobs/backend-engineer-rehire", "/hr/applications", "/hr/applications?status=interview", "/hr/applications/" + a.ID} {
		rec := f.do(request{method: "GET", path: p, cookie: hr.cookie, accept: "text/html"})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "山田 花子") {
			t.Fatalf("%s: %d\n%s", p, rec.Code, rec.Body)
		}
	}
	if rec := f.do(request{method: "GET", path: "/hr/applications?status=offer", cookie: hr.cookie}); strings.Contains(rec.Body.String(), "山田 花子") {
		t.Fatal("the status filter shows an application at another status")
	}
	if rec := f.do(request{method: "GET", path: "/hr/jobs", cookie: m.cookie, accept: "text/html"}); rec.Code != http.StatusForbidden {
		t.Fatalf("a member on /hr/jobs: %d", rec.Code)
	}
	page := f.do(request{method: "GET", path: "/members/me/applications/", cookie: m.cookie}).Body.String()
	if !strings.Contains(page, `data-status="interview"`) || !strings.Contains(page, "面接") || strings.Contains(page, "経験十分") ||
		!strings.Contains(page, `<dl class="facts">`) || strings.Contains(page, "<dl>") {
		t.Fatalf("member's page:\n%s", page)
	}
	if rec := f.do(request{method: "GET", path: "/members/me/applications/"}); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login/?next=") {
		t.Fatalf("the page without a session: %d %s", rec.Code, rec.Header().Get("Location"))
	}

	// The résumé downloads as the uploaded bytes, as an attachment.
	rec = f.do(request{method: "GET", path: "/hr/applications/" + a.ID + "/resume", cookie: hr.cookie})
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") || !bytes.Equal(rec.Body.Bytes(), jobtest.PDF(300)) {
		t.Fatalf("résumé download: %d %v", rec.Code, rec.Header())
	}
	if rec := f.do(request{method: "GET", path: "/hr/applications/" + a.ID + "/resume", cookie: m.cookie}); rec.Code != http.StatusForbidden {
		t.Fatalf("a member downloading a résumé: %d", rec.Code)
	}

	// CSV: UTF-8 with a BOM, Japanese intact, formulas defused.
	rec = f.do(request{method: "GET", path: "/hr/applications.csv?job=backend-engineer-rehire", cookie: hr.cookie})
	csvText := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(csvText, "\uFEFF応募ID,") || !strings.Contains(csvText, "山田 花子") ||
		!strings.Contains(csvText, "面接") || !strings.Contains(csvText, `'=HYPERLINK`) || !strings.Contains(csvText, "\r\n") {
		t.Fatalf("CSV: %d\n%s", rec.Code, csvText)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV content type %q", rec.Header().Get("Content-Type"))
	}
}

var unsubscribeRE = regexp.MustCompile(`http://portal\.test(/api/referrals/unsubscribe\?token=[^\s>]+)`)

func TestReferrals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	hr := f.member(hrAdmin, "人事 担当", store.LanguageJa)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	refer := func(email string) *httptest.ResponseRecorder {
		return f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/referrals", cookie: m.cookie, contentType: "application/json",
			body: strings.NewReader(`{"name":"鈴木 一郎","email":"` + email + `","relationship":"colleague","note":"Goが得意です"}`)})
	}
	rec := refer("ichiro@example.com")
	if rec.Code != http.StatusCreated {
		t.Fatalf("refer: %d %s", rec.Code, rec.Body)
	}
	first := decode[ReferralView](t, rec)
	if !first.Invited || first.Suppressed {
		t.Fatalf("referral: %+v", first)
	}
	mails := f.mails("ichiro@example.com")
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "山田 花子") || !strings.Contains(mails[0].Text, "http://portal.test/api/referrals/answer?token=") ||
		!strings.Contains(mails[0].Text, "Goが得意です") || !strings.HasPrefix(mails[0].Header.Get("List-Unsubscribe"), "<http://portal.test/api/referrals/unsubscribe?token=") {
		t.Fatalf("friend's email: %+v", mails)
	}
	if rec := refer("Ichiro@Example.com"); rec.Code != http.StatusOK || decode[ReferralView](t, rec).ID != first.ID {
		t.Fatalf("referring again: %d %s", rec.Code, rec.Body)
	}
	if n := len(f.mails("ichiro@example.com")) + len(f.mails("Ichiro@Example.com")); n != 1 {
		t.Fatalf("the friend got %d emails, want exactly 1", n)
	}
	if rec := f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/referrals", contentType: "application/json", body: strings.NewReader(`{}`)}); rec.Code != http.StatusUnauthorized {
		t.Fatalf("referring without a session: %d", rec.Code)
	}
	// A browser's referral form without a session: a page whose login link comes back to the job.
	req := httptest.NewRequest("POST", "/api/jobs/backend-engineer-rehire/referrals", strings.NewReader("name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", "http://example.com/en/jobs/backend-engineer-rehire/")
	rec = httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `href="/en/login/?next=%2Fen%2Fjobs%2Fbackend-engineer-rehire%2F"`) {
		t.Fatalf("referral form without a session: %d %s", rec.Code, rec.Body)
	}
	if rec := refer("not-an-address"); rec.Code != http.StatusBadRequest {
		t.Fatalf("a bad address: %d", rec.Code)
	}

	// The friend unsubscribes with the link, without logging in: the address is
	// suppressed and a later referral is recorded but not mailed.
	link := unsubscribeRE.FindStringSubmatch(mails[0].Text)
	if link == nil {
		t.Fatalf("no unsubscribe link in\n%s", mails[0].Text)
	}
	if rec := f.do(request{method: "GET", path: link[1]}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="token"`) {
		t.Fatalf("unsubscribe page: %d %s", rec.Code, rec.Body)
	}
	u, _ := url.Parse(link[1])
	rec = f.do(request{method: "POST", path: u.Path, contentType: "application/x-www-form-urlencoded", accept: "text/html",
		body: strings.NewReader(url.Values{"token": {u.Query().Get("token")}}.Encode())})
	if rec.Code != http.StatusOK {
		t.Fatalf("unsubscribe: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(request{method: "POST", path: link[1] + "x", contentType: "application/x-www-form-urlencoded", body: strings.NewReader("List-Unsubscribe=One-Click")}); rec.Code != http.StatusNotFound {
		t.Fatalf("a forged token: %d", rec.Code)
	}
	if sup, err := store.IsSuppressed(ctx, f.st, "ICHIRO@example.com"); err != nil || !sup {
		t.Fatalf("suppressed after unsubscribing: %v %v", sup, err)
	}
	f.putJob(openJob("sre-contract", store.VisibilityPublic))
	rec = f.do(request{method: "POST", path: "/api/jobs/sre-contract/referrals", cookie: m.cookie, contentType: "application/json",
		body: strings.NewReader(`{"name":"鈴木 一郎","email":"ichiro@example.com","relationship":"friend"}`)})
	if rec.Code != http.StatusCreated {
		t.Fatalf("refer a suppressed address: %d %s", rec.Code, rec.Body)
	}
	if v := decode[ReferralView](t, rec); !v.Suppressed || v.Invited {
		t.Fatalf("a suppressed referral: %+v", v)
	}
	if n := len(f.mails("ichiro@example.com")); n != 1 {
		t.Fatalf("a suppressed address was mailed (%d mails)", n)
	}

	// HR sees the referrals per job and per alumnus, and records the outcome.
	page := f.do(request{method: "GET", path: "/hr/referrals?referrer=" + m.ID, cookie: hr.cookie}).Body.String()
	if strings.Count(page, `id="referral-`) != 2 || !strings.Contains(page, "山田 花子") {
		t.Fatalf("referrals of one alumnus:\n%s", page)
	}
	rec = f.do(request{method: "POST", path: "/api/hr/referrals/" + first.ID + "/outcome", cookie: hr.cookie, contentType: "application/x-www-form-urlencoded",
		accept: "text/html", body: strings.NewReader("outcome=hired&note=4月入社&back=/hr/jobs/backend-engineer-rehire")})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/hr/jobs/backend-engineer-rehire?saved=1" {
		t.Fatalf("set outcome: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if r, _ := f.st.GetReferral(ctx, first.ID); r.Outcome != store.ReferralHired || r.OutcomeNote != "4月入社" {
		t.Fatalf("outcome stored: %+v", r)
	}
	rec = f.do(request{method: "GET", path: "/hr/referrals.csv", cookie: hr.cookie})
	if !strings.HasPrefix(rec.Body.String(), "\uFEFF紹介ID") || !strings.Contains(rec.Body.String(), "採用") {
		t.Fatalf("referrals CSV:\n%s", rec.Body)
	}
	mine := decode[MineView](t, f.do(request{method: "GET", path: "/api/me/applications", cookie: m.cookie}))
	hired := 0
	for _, r := range mine.Referrals {
		if r.ID == first.ID && r.OutcomeLabel == "採用" {
			hired++
		}
	}
	if len(mine.Referrals) != 2 || hired != 1 {
		t.Fatalf("the member's referrals: %+v", mine.Referrals)
	}
}

func TestEraseMember(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	body, ctype := upload(map[string]string{"message": "山田です"}, "cv.pdf", jobtest.PDF(100))
	rec := f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: body, contentType: ctype, cookie: m.cookie, accept: "application/json"})
	a := decode[ApplicationView](t, rec)
	f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/referrals", cookie: m.cookie, contentType: "application/json",
		body: strings.NewReader(`{"name":"鈴木 一郎","email":"ichiro@example.com","relationship":"colleague"}`)})
	if len(f.blobFiles()) != 1 {
		t.Fatal("no résumé stored")
	}
	if err := f.s.Accounts.Erase(ctx, m.ID, m.ID); err != nil {
		t.Fatalf("erase: %v", err)
	}
	if files := f.blobFiles(); len(files) != 0 {
		t.Fatalf("résumé left after erasure: %v", files)
	}
	got, err := f.st.GetApplication(ctx, a.ID)
	if err != nil || got.MemberID != "" || got.Message != "" || got.ErasedAt.IsZero() {
		t.Fatalf("erased application: %+v %v", got, err)
	}
	refs, _, _ := f.st.ListReferralsByJob(ctx, "backend-engineer-rehire", store.Page{})
	if len(refs) != 1 || refs[0].FriendEmail != "" {
		t.Fatalf("erased referral: %+v", refs)
	}
	// HR's pages still count it, anonymously.
	hr := f.member(hrAdmin, "人事 担当", store.LanguageJa)
	page := f.do(request{method: "GET", path: "/hr/jobs/backend-engineer-rehire", cookie: hr.cookie}).Body.String()
	if !strings.Contains(page, "（退会済み）") || strings.Contains(page, "山田") {
		t.Fatalf("HR's page after erasure:\n%s", page)
	}
}

func TestCheckResume(t *testing.T) {
	for _, tc := range []struct {
		what string
		data []byte
		code int
	}{
		{"a PDF", jobtest.PDF(0), 0},
		{"exactly 5 MB", append([]byte("%PDF-1.7\n"), make([]byte, MaxResumeBytes-9)...), 0},
		{"one byte over", append([]byte("%PDF-1.7\n"), make([]byte, MaxResumeBytes-8)...), 413},
		{"an ELF executable", jobtest.Executable(100), 415},
		{"a Windows executable", []byte("MZ\x90\x00\x03"), 415},
		{"PDF magic not at the start", []byte(" %PDF-1.4"), 415},
		{"empty", nil, 415},
	} {
		err := CheckResume(tc.data)
		switch {
		case tc.code == 0 && err != nil:
			t.Errorf("%s: %v", tc.what, err)
		case tc.code != 0 && (err == nil || !strings.Contains(fmt.Sprint(err), map[int]string{413: "too-large", 415: "unsupported"}[tc.code])):
			t.Errorf("%s: %v, want %d", tc.what, err, tc.code)
		}
	}
	if got := resumeName(`C:\Users\hanako\..\履歴書"2026".pdf`); got != "履歴書2026.pdf" {
		t.Errorf("resumeName: %q", got)
	}
}
