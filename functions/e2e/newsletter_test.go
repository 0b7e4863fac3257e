package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/sendgrid/sendgridtest"
	"github.com/okaeri/okaeri/functions/servetest"
)

const e2eNewsletter = "---\ntitle: アルムナイ通信 臨時号\nsubject: 【アルムナイ通信】臨時号のお知らせ\npreheader: テスト配信です。\n---\n\nアルムナイのみなさん、こんにちは。今月のお知らせをお届けします。\n\n[イベント一覧](/events/)\n"

// TestNewsletterJourney runs against a real `okaeri serve`: HR syncs a
// newsletter and starts it with an admin session, it reaches the
// subscriber once, the subscriber unsubscribes with a one-click POST that
// carries no Origin (as Gmail's servers send it), and SendGrid's signed
// webhook gets through the portal's same-origin rule while a bad
// signature is refused.
func TestNewsletterJourney(t *testing.T) {
	key, err := sendgridtest.NewWebhookKey()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"OKAERI_SENDGRID_WEBHOOK_KEY=" + key.PublicBase64}
	p := startPortal(t, env...)
	const email = "hanako.yamada@example.net"

	// A subscriber: registered with newsletter consent, approved by the roster.
	if r := p.do("POST", "/api/register", registration(email)); r.StatusCode != 202 {
		t.Fatalf("register: %d %s", r.StatusCode, r.body)
	}
	if r := p.followLink(link(t, p.awaitMail(email, "メールアドレスの確認"))); r.StatusCode != 200 {
		t.Fatalf("verify: %d %s", r.StatusCode, r.body)
	}

	// HR's newsletter goes into the store (bolt allows one process: stop, sync, start again).
	content := filepath.Join(t.TempDir(), "content")
	if err := os.MkdirAll(filepath.Join(content, "newsletters"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(content, "newsletters", "extra-2026.md"), []byte(e2eNewsletter), 0o644); err != nil {
		t.Fatal(err)
	}
	data := p.srv.DataDir
	p.srv.Stop()
	if out, err := p.okaeri(data, "newsletter", "sync", "--content", content); err != nil || !strings.Contains(out, "1 stored or updated (extra-2026)") {
		t.Fatalf("newsletter sync: %v\n%s", err, out)
	}
	site, err := servetest.BuiltSite(context.Background(), p.root)
	if err != nil {
		t.Fatal(err)
	}
	p.srv, err = servetest.Start(context.Background(), servetest.Options{Bin: p.bin, SiteDir: site, DataDir: data,
		Env: append([]string{"OKAERI_ADMINS=" + admin}, env...)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.srv.Stop)

	// HR logs in and starts the send.
	if r := p.do("POST", "/api/login", map[string]string{"email": admin}); r.StatusCode != 202 {
		t.Fatalf("admin login: %d", r.StatusCode)
	}
	r := p.followLink(link(t, p.awaitMail(admin, "ログイン")))
	session := cookieFrom(r)
	if session == nil {
		t.Fatalf("no admin session: %d", r.StatusCode)
	}
	auth := []string{"Cookie", session.Name + "=" + session.Value}
	if r := p.do("POST", "/api/hr/newsletters/extra-2026/send", nil); r.StatusCode != 401 {
		t.Fatalf("send without a session: %d", r.StatusCode)
	}
	if r := p.do("POST", "/api/hr/newsletters/extra-2026/send", nil, auth...); r.StatusCode != 202 {
		t.Fatalf("send: %d %s", r.StatusCode, r.body)
	}
	var view struct {
		Status string `json:"status"`
		Report struct {
			Sent int `json:"sent"`
		} `json:"report"`
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		r := p.do("GET", "/api/hr/newsletters/extra-2026", nil, auth...)
		if err := json.Unmarshal([]byte(r.body), &view); err != nil {
			t.Fatalf("status: %d %s", r.StatusCode, r.body)
		}
		if view.Status == "done" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var news []string
	for _, e := range p.outbox() {
		if strings.Contains(e.Subject, "臨時号") {
			news = append(news, e.To)
		}
	}
	if view.Status != "done" || len(news) != 1 || !strings.Contains(news[0], email) {
		t.Fatalf("send ended %s with %d sent; newsletter mails to %v", view.Status, view.Report.Sent, news)
	}
	mail := p.awaitMail(email, "臨時号")
	unsub := strings.Trim(strings.SplitN(mail.Header.Get("List-Unsubscribe"), ",", 2)[0], "<> ")
	if !strings.HasPrefix(unsub, p.srv.BaseURL+"/api/unsubscribe?token=") || mail.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("unsubscribe headers: %q / %q", mail.Header.Get("List-Unsubscribe"), mail.Header.Get("List-Unsubscribe-Post"))
	}
	if !strings.Contains(mail.Text, "山田 花子 様") || !strings.Contains(mail.Text, unsub) {
		t.Fatalf("the text part lacks the name or the unsubscribe link:\n%s", mail.Text)
	}

	// One-click, as a mail provider sends it: no Origin, no Sec-Fetch-Site.
	req, _ := http.NewRequest("POST", unsub, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
	}
	// The subscriber's preferences say so.
	if r := p.do("POST", "/api/login", map[string]string{"email": email}); r.StatusCode != 202 {
		t.Fatalf("login: %d", r.StatusCode)
	}
	member := cookieFrom(p.followLink(link(t, p.awaitMail(email, "ログイン"))))
	me := p.do("GET", "/api/me", nil, "Cookie", member.Name+"="+member.Value)
	if !strings.Contains(me.body, `"newsletter":{"given":false`) {
		t.Fatalf("consent after unsubscribing: %s", me.body)
	}

	// SendGrid's webhook: signed, no Origin: accepted; a bad signature: 401.
	events := []map[string]any{{"email": "bounced@example.org", "event": "bounce", "type": "bounce", "sg_event_id": "e2e-1", "timestamp": time.Now().Unix()}}
	req, _ = key.WebhookRequest(p.srv.BaseURL+"/api/webhooks/sendgrid", events, time.Now())
	resp, err = p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("signed webhook: %d", resp.StatusCode)
	}
	req, _ = key.WebhookRequest(p.srv.BaseURL+"/api/webhooks/sendgrid", events, time.Now())
	req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", "bm90LWEtc2lnbmF0dXJl")
	resp, err = p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("badly signed webhook: %d", resp.StatusCode)
	}
}
