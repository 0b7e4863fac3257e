package outbox_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/outbox"
)

func TestSendWritesReadableEML(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	ob, err := outbox.New(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []mail.Message{
		{From: mail.Address{Name: "ひかりテック アルムナイ事務局", Email: "alumni@example.co.jp"},
			To: mail.Address{Name: "山田 花子", Email: "hanako@example.net"}, Subject: "ログインリンクのお知らせ（佐藤 一郎 様）",
			Text: "こんにちは。\nhttps://localhost:8080/api/login/callback?token=abc\n", HTML: "<p>こんにちは。</p>", Category: "login"},
		{From: mail.Address{Email: "alumni@example.co.jp"}, To: mail.Address{Email: "b@example.org"},
			Subject: "Second", Text: "plain only", Headers: map[string]string{"List-Unsubscribe": "<https://x/u>"}},
	}
	for _, m := range msgs {
		if err := ob.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct timestamps in the names
	}
	list, err := outbox.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("listed %d messages, want 2", len(list))
	}
	if list[0].Subject != "Second" || list[1].Subject != "ログインリンクのお知らせ（佐藤 一郎 様）" {
		t.Errorf("not newest first: %q, %q", list[0].Subject, list[1].Subject)
	}
	if !strings.Contains(list[1].Text, "token=abc") || list[1].HTML != "<p>こんにちは。</p>" {
		t.Errorf("parts not round-tripped: text %q html %q", list[1].Text, list[1].HTML)
	}
	if got := list[0].Header.Get("List-Unsubscribe"); got != "<https://x/u>" {
		t.Errorf("extra header lost: %q", got)
	}
	if !strings.Contains(list[1].To, "hanako@example.net") {
		t.Errorf("To = %q", list[1].To)
	}
	// The log names the domain only, never the address, the name or the
	// subject (which may name someone: an HR notice names the applicant).
	l := logs.String()
	if strings.Contains(l, "hanako") || strings.Contains(l, "山田") || strings.Contains(l, "佐藤") || !strings.Contains(l, "to_domain=example.net") || !strings.Contains(l, "category=login") {
		t.Errorf("log leaks or lacks fields: %s", l)
	}
	// No temp files left behind.
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(tmp) != 0 {
		t.Errorf("temp files left: %v", tmp)
	}
}

func TestSendRefusesBadMessages(t *testing.T) {
	dir := t.TempDir()
	ob, _ := outbox.New(dir, nil)
	bad := []mail.Message{
		{From: mail.Address{Email: "a@example.co.jp"}, To: mail.Address{Email: "not-an-address"}, Subject: "s", Text: "t"},
		{From: mail.Address{Email: "a@example.co.jp"}, To: mail.Address{Email: "b@example.com"}, Subject: "", Text: "t"},
		{From: mail.Address{Email: "a@example.co.jp"}, To: mail.Address{Email: "b@example.com"}, Subject: "s", Text: "t",
			Headers: map[string]string{"X-Evil": "a\r\nBcc: c@example.com"}},
	}
	for i, m := range bad {
		if err := ob.Send(context.Background(), m); err == nil {
			t.Errorf("message %d accepted", i)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("refused messages left %d files", len(entries))
	}
}
