package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/mail/sendgrid/sendgridtest"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

const cliNewsletter = "---\ntitle: アルムナイ通信 冬号\nsubject: 【アルムナイ通信】冬号\npreheader: 今年もありがとうございました。\n---\n\n今年も一年ありがとうございました。\n\n[イベント一覧](/events/)\n"

// addSubscribers puts n approved members with newsletter consent in the store under data/.
func addSubscribers(t *testing.T, n int) {
	t.Helper()
	st, err := bolt.Open(filepath.Join("data", "okaeri.db"), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range n {
		_, err := st.CreateMember(context.Background(), store.Member{Email: fmt.Sprintf("m%d@example.jp", i), Name: fmt.Sprint("会員 ", i),
			Language: store.LanguageJa, Status: store.StatusApproved,
			Consents: map[string]store.Consent{"newsletter": {Given: true, PolicyVersion: "2026-04-01", At: time.Now()}}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestNewsletterSendCLI: okaeri newsletter send against a fake SendGrid,
// with --dry-run first, then for real, then again (nothing more is sent).
func TestNewsletterSendCLI(t *testing.T) {
	t.Chdir(t.TempDir())
	writeContent(t, map[string]string{"newsletters/winter-2026.md": cliNewsletter})
	addSubscribers(t, 1_200)
	fake := sendgridtest.New()
	defer fake.Close()
	vars := map[string]string{"OKAERI_MAIL": "sendgrid", "SENDGRID_API_KEY": fake.APIKey, "OKAERI_SENDGRID_URL": fake.URL}
	run := func(args ...string) (string, error) {
		e, stdout, stderr := contentEnv()
		e.Getenv = func(k string) string { return vars[k] }
		err := cmdNewsletter(context.Background(), e, args)
		return stdout.String() + stderr.String(), err
	}
	out, err := run("send", "winter-2026", "--dry-run", "--data", "data")
	if err != nil || !strings.Contains(out, "1200 recipients, 0 already sent, 0 suppressed, 1200 to send in at least 2 requests") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if len(fake.Requests()) != 0 {
		t.Fatal("the dry run sent mail")
	}
	out, err = run("send", "winter-2026", "--data", "data")
	if err != nil || !strings.Contains(out, "winter-2026: done — sent 1200, suppressed 0, failed 0, uncertain 0 (recipients 1200, 2 batches, 2 requests)") {
		t.Fatalf("send: %v\n%s", err, out)
	}
	if strings.Contains(out, "\r") {
		t.Fatal("a progress bar was drawn into a non-terminal")
	}
	if len(fake.Requests()) != 2 || len(fake.Delivered()) != 1_200 {
		t.Fatalf("%d requests, %d addresses", len(fake.Requests()), len(fake.Delivered()))
	}
	out, err = run("send", "--data", "data", "winter-2026")
	if err != nil || len(fake.Requests()) != 2 || !strings.Contains(out, "sent 1200") {
		t.Fatalf("second send: %v, %d requests\n%s", err, len(fake.Requests()), out)
	}
	out, err = run("status", "--data", "data")
	if err != nil || !strings.Contains(out, "winter-2026: done") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	out, err = run("send", "no-such-newsletter", "--data", "data")
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown newsletter: %v\n%s", err, out)
	}
}

// TestNewsletterOutbox: locally the newsletter goes to the outbox, one
// .eml per member, with the one-click unsubscribe headers.
func TestNewsletterOutbox(t *testing.T) {
	t.Chdir(t.TempDir())
	writeContent(t, map[string]string{"newsletters/winter-2026.md": cliNewsletter})
	addSubscribers(t, 3)
	e, stdout, stderr := contentEnv()
	if err := cmdNewsletter(context.Background(), e, []string{"send", "winter-2026", "--data", "data"}); err != nil {
		t.Fatalf("%v\n%s%s", err, stdout, stderr)
	}
	msgs, err := outbox.List(filepath.Join("data", "outbox"))
	if err != nil || len(msgs) != 3 {
		t.Fatalf("%d messages in the outbox: %v", len(msgs), err)
	}
	raw, err := os.ReadFile(filepath.Join("data", "outbox", msgs[0].File))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"List-Unsubscribe: <http://localhost:8080/api/unsubscribe?token=", "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "multipart/alternative"} {
		if !strings.Contains(string(raw), want) {
			t.Fatalf("message lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(string(raw), "[[okaeri:") {
		t.Fatal("a placeholder was left in the message")
	}
}

func TestNewsletterCheckCLI(t *testing.T) {
	t.Chdir(t.TempDir())
	writeContent(t, map[string]string{
		"newsletters/good.md": cliNewsletter,
		"newsletters/bad.md":  "---\ntitle: t\nsegment:\n  language: fr\n---\n本文\n",
	})
	e, stdout, _ := contentEnv()
	err := cmdNewsletter(context.Background(), e, []string{"check"})
	out := stdout.String()
	if err == nil || !strings.Contains(out, "bad.md: subject is required") || !strings.Contains(out, "segment.language") || !strings.Contains(out, "2 checked, 1 with problems") {
		t.Fatalf("check: %v\n%s", err, out)
	}
}
