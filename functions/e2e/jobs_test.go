package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/job/jobtest"
	"github.com/okaeri/okaeri/functions/servetest"
)

// startJobsPortal is startPortal with the repository's content synced into
// the store: `okaeri sync` needs the store file, so it runs between two
// starts of the server.
func startJobsPortal(t *testing.T) *portal {
	t.Helper()
	p := startPortal(t)
	p.srv.Stop()
	data := p.srv.DataDir
	out, err := servetest.Command(context.Background(), p.root, p.bin, "sync", "--dir", "content", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "jobs: 10 written") {
		t.Fatalf("okaeri sync: %v\n%s", err, out)
	}
	site, err := servetest.BuiltSite(context.Background(), p.root)
	if err != nil {
		t.Fatal(err)
	}
	p.srv, err = servetest.Start(context.Background(), servetest.Options{Bin: p.bin, SiteDir: site, DataDir: data,
		Env: []string{"OKAERI_ADMINS=" + admin}, LogFile: filepath.Join(data, "serve-jobs.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.srv.Stop)
	return p
}

// session logs an approved member in by the emailed link and returns the
// Cookie header that carries the session.
func (p *portal) session(email string) []string {
	p.t.Helper()
	if r := p.do("POST", "/api/login", map[string]string{"email": email}); r.StatusCode != 202 {
		p.t.Fatalf("login %s: %d", email, r.StatusCode)
	}
	r := p.followLink(link(p.t, p.awaitMail(email, "ログイン")))
	c := cookieFrom(r)
	if c == nil {
		p.t.Fatalf("no session for %s: %d", email, r.StatusCode)
	}
	return []string{"Cookie", c.Name + "=" + c.Value}
}

// member registers an address of the leaver roster (approved at once) and logs it in.
func (p *portal) member(email string) []string {
	p.t.Helper()
	if r := p.do("POST", "/api/register", registration(email)); r.StatusCode != 202 {
		p.t.Fatalf("register: %d %s", r.StatusCode, r.body)
	}
	if r := p.followLink(link(p.t, p.awaitMail(email, "メールアドレスの確認"))); r.StatusCode != 200 {
		p.t.Fatalf("verify: %d %s", r.StatusCode, r.body)
	}
	return p.session(email)
}

// upload posts a multipart application, as a browser or curl -F would.
func (p *portal) upload(path string, fields map[string]string, fileName string, file []byte, hdr ...string) (response, time.Duration) {
	p.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if fileName != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="resume"; filename="%s"`, fileName))
		h.Set("Content-Type", "application/pdf")
		part, _ := w.CreatePart(h)
		_, _ = part.Write(file)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", p.srv.BaseURL+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatalf("upload to %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp, string(body)}, time.Since(start)
}

func (p *portal) blobFiles() []string {
	var names []string
	_ = filepath.WalkDir(filepath.Join(p.srv.DataDir, "blobs"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	return names
}

var referralUnsubscribeRE = regexp.MustCompile(`http://[^\s>]+(/api/referrals/unsubscribe\?token=[^\s>]+)`)

// TestJobsJourney: an alumna applies with a résumé (once, however often she
// asks), the refusals the issue names, HR's pipeline with a chosen email, a
// referral and its unsubscribe link, all against a real `okaeri serve`.
func TestJobsJourney(t *testing.T) {
	p := startJobsPortal(t)
	const email = "hanako.yamada@example.net"
	hanako := p.member(email)
	hr := p.session(admin)
	const apply = "/api/jobs/backend-engineer-rehire/applications"

	// A real 5 MB PDF: 201, then the same application again with 200.
	pdf := jobtest.PDFOfSize(5<<20 - 4096)
	r, took := p.upload(apply, map[string]string{"message": "またご一緒したいです。", "contact": "email"}, "職務経歴書.pdf", pdf, hanako...)
	if r.StatusCode != 201 {
		t.Fatalf("apply: %d %s", r.StatusCode, r.body)
	}
	t.Logf("a 5 MB résumé upload over HTTP took %v", took)
	var first struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal([]byte(r.body), &first)
	r, _ = p.upload(apply, map[string]string{"message": "もう一度"}, "cv.pdf", jobtest.PDF(10), hanako...)
	if r.StatusCode != 200 || !strings.Contains(r.body, first.ID) || !strings.Contains(r.body, "またご一緒したいです。") {
		t.Fatalf("second apply: %d %s", r.StatusCode, r.body)
	}

	// Refusals: each clear, and nothing kept.
	for _, tc := range []struct {
		what   string
		path   string
		file   []byte
		name   string
		hdr    []string
		status int
		detail string
	}{
		{"6 MB", "/api/jobs/product-manager-rehire/applications", jobtest.PDF(6 << 20), "big.pdf", hanako, 413, "5MB"},
		{"an executable renamed .pdf", "/api/jobs/product-manager-rehire/applications", jobtest.Executable(20000), "resume.pdf", hanako, 415, "PDF"},
		{"a closed job", "/api/jobs/qa-contract-2026/applications", jobtest.PDF(10), "cv.pdf", hanako, 409, "2026年10月31日に締め切りました"},
		{"a members-only job without a session", "/api/jobs/security-review-project/applications", jobtest.PDF(10), "cv.pdf", nil, 401, "ログイン"},
	} {
		r, _ := p.upload(tc.path, map[string]string{"message": "応募します"}, tc.name, tc.file, tc.hdr...)
		if r.StatusCode != tc.status || !strings.Contains(r.body, tc.detail) {
			t.Errorf("%s: %d %s", tc.what, r.StatusCode, r.body)
		}
	}
	if files := p.blobFiles(); len(files) != 1 {
		t.Fatalf("résumé files kept: %v (want the one accepted)", files)
	}
	r = p.do("GET", "/api/me/applications", nil, hanako...)
	if r.StatusCode != 200 || strings.Count(r.body, `"job_id"`) != 1 {
		t.Fatalf("my applications: %d %s", r.StatusCode, r.body)
	}
	if !strings.Contains(p.awaitMail("careers@example.co.jp", "").Text, "/hr/jobs/backend-engineer-rehire") {
		t.Error("HR's notice does not link to /hr/jobs/{id}")
	}

	// HR moves the application to interview and chooses to tell her.
	r = p.do("POST", "/api/hr/applications/"+first.ID+"/status", url.Values{"status": {"interview"}, "note": {"一次面接へ"}, "notify": {"on"}}, hr...)
	if r.StatusCode != 303 {
		t.Fatalf("HR move: %d %s", r.StatusCode, r.body)
	}
	p.awaitMail(email, "面接")
	r = p.do("GET", "/members/me/applications/", nil, hanako...)
	if r.StatusCode != 200 || !strings.Contains(r.body, `data-status="interview"`) || strings.Contains(r.body, "一次面接へ") {
		t.Fatalf("member's page: %d", r.StatusCode)
	}
	r = p.do("GET", "/hr/applications.csv", nil, hr...)
	if r.StatusCode != 200 || !strings.HasPrefix(r.body, "\uFEFF") || !strings.Contains(r.body, "山田 花子") {
		t.Errorf("CSV: %d %.200s", r.StatusCode, r.body)
	}
	if r = p.do("GET", "/hr/jobs", nil, hanako...); r.StatusCode != 403 {
		t.Errorf("a member on /hr/jobs: %d", r.StatusCode)
	}

	// A referral: one email naming her, with a working unsubscribe link.
	refer := func(job string) response {
		return p.do("POST", "/api/jobs/"+job+"/referrals", map[string]string{"name": "鈴木 一郎", "email": "ichiro@example.com", "relationship": "colleague"}, hanako...)
	}
	if r = refer("backend-engineer-rehire"); r.StatusCode != 201 {
		t.Fatalf("refer: %d %s", r.StatusCode, r.body)
	}
	invitation := p.awaitMail("ichiro@example.com", "")
	r = refer("backend-engineer-rehire")
	if p.settle(); r.StatusCode != 200 || p.countMailTo("ichiro@example.com") != 1 {
		t.Fatalf("refer again: %d, %d mails", r.StatusCode, p.countMailTo("ichiro@example.com"))
	}
	unsub := referralUnsubscribeRE.FindStringSubmatch(invitation.Text)
	if !strings.Contains(invitation.Subject, "山田 花子") || unsub == nil {
		t.Fatalf("invitation: %q\n%s", invitation.Subject, invitation.Text)
	}
	u, _ := url.Parse(unsub[1])
	if r = p.do("POST", u.Path, url.Values{"token": {u.Query().Get("token")}}, "Accept", "text/html"); r.StatusCode != 200 {
		t.Fatalf("unsubscribe: %d %s", r.StatusCode, r.body)
	}
	r = refer("product-manager-rehire")
	if p.settle(); r.StatusCode != 201 || !strings.Contains(r.body, `"suppressed":true`) || p.countMailTo("ichiro@example.com") != 1 {
		t.Fatalf("refer an unsubscribed friend: %d %s, %d mails", r.StatusCode, r.body, p.countMailTo("ichiro@example.com"))
	}

	// The job lists: filtered pages are plain static pages; the members' list needs a session.
	if r = p.do("GET", "/jobs/type/rehire/", nil); r.StatusCode != 200 || !strings.Contains(r.body, "/jobs/backend-engineer-rehire/") || strings.Contains(r.body, "/jobs/sre-contract/") {
		t.Errorf("/jobs/type/rehire/: %d", r.StatusCode)
	}
	if r = p.do("GET", "/members/jobs/type/project/", nil); r.StatusCode != 303 {
		t.Errorf("members' filtered list without a session: %d", r.StatusCode)
	}
	if r = p.do("GET", "/members/jobs/type/project/", nil, hanako...); r.StatusCode != 200 || !strings.Contains(r.body, "/members/jobs/security-review-project/") {
		t.Errorf("members' filtered list: %d", r.StatusCode)
	}
}
