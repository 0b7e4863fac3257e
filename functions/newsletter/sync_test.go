package newsletter_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/newsletter/compose"
	"github.com/okaeri/okaeri/functions/store"
)

const (
	springJa = "---\ntitle: アルムナイ通信 春号\nsubject: 【アルムナイ通信】春号\npreheader: 春の交流会のお知らせです。\nsegment:\n  departments: [営業本部]\nsend_at: 2026-04-01T10:00:00+09:00\n---\n\n## 春の交流会\n\n4月の交流会に、ぜひお越しください。\n\n[申し込む](/events/spring-2026/)\n"
	springEn = "---\ntitle: Alumni News, Spring\nsubject: \"[Alumni News] Spring\"\n---\n\n## Spring meetup\n\nJoin us in April.\n\n[Sign up](/events/spring-2026/)\n"
)

// writeNewsletter writes content/newsletters/<name> under dir.
func writeNewsletter(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, compose.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, compose.Dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncContent runs compose.Sync and returns the slugs it wrote.
func (f *fixture) syncContent(dir string) []string {
	f.t.Helper()
	written, err := compose.Sync(context.Background(), f.svc, dir)
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return written
}

func (f *fixture) storedSend(slug string) store.NewsletterSend {
	f.t.Helper()
	send, err := f.store.GetNewsletterSend(context.Background(), slug)
	if err != nil {
		f.t.Fatal(err)
	}
	return send
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSyncStoresRenderedEdition: sync stores, beside the Markdown, what the
// send job needs without parsing it: per language the texts, the body as
// email HTML with absolute links and as plain text; the segment; send_at.
func TestSyncStoresRenderedEdition(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	dir := t.TempDir()
	writeNewsletter(t, dir, "spring-2026.md", springJa)
	writeNewsletter(t, dir, "spring-2026.en.md", springEn)
	if got := f.syncContent(dir); !slices.Equal(got, []string{"spring-2026"}) {
		t.Fatalf("sync wrote %v", got)
	}
	send := f.storedSend("spring-2026")
	r := send.Rendered
	if r == nil {
		t.Fatal("the send has no rendered edition")
	}
	if r.BaseURL != "https://alumni.example.co.jp" || !slices.Equal(r.Segment.Departments, []string{"営業本部"}) || len(r.Editions) != 2 {
		t.Fatalf("rendered %+v", r)
	}
	if !send.SendAt.Equal(time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)) || send.Source["ja"] != springJa || send.Status != store.SendReady {
		t.Fatalf("send %s at %v, source %q", send.Status, send.SendAt, send.Source["ja"])
	}
	ja, en := r.Editions[store.LanguageJa], r.Editions[store.LanguageEn]
	if ja.Title != "アルムナイ通信 春号" || ja.Subject != "【アルムナイ通信】春号" || ja.Preheader != "春の交流会のお知らせです。" || en.Subject != "[Alumni News] Spring" {
		t.Fatalf("texts: %+v / %+v", ja, en)
	}
	for _, want := range []string{`<h2 style="`, `class="ok-text"`, `href="https://alumni.example.co.jp/events/spring-2026/"`, "4月の交流会に、ぜひお越しください。"} {
		if !strings.Contains(ja.HTML, want) {
			t.Errorf("Japanese HTML lacks %q:\n%s", want, ja.HTML)
		}
	}
	if strings.Contains(ja.HTML, "<html") || strings.Contains(ja.HTML, "##") {
		t.Errorf("the stored HTML is not a rendered body fragment:\n%s", ja.HTML)
	}
	if ja.Text != "■ 春の交流会\n\n4月の交流会に、ぜひお越しください。\n\n申し込む (https://alumni.example.co.jp/events/spring-2026/)" {
		t.Errorf("Japanese text %q", ja.Text)
	}
	if !strings.Contains(en.HTML, "Join us in April.") || !strings.Contains(en.Text, "Sign up (https://alumni.example.co.jp/events/spring-2026/)") {
		t.Errorf("English edition %+v", en)
	}

	// Nothing changed: nothing is written.
	if got := f.syncContent(dir); len(got) != 0 {
		t.Fatalf("a second sync wrote %v", got)
	}
	if again := f.storedSend("spring-2026"); again.Version != send.Version {
		t.Fatalf("version %d after an idle sync, was %d", again.Version, send.Version)
	}
}

// TestResyncUpdatesReadySend: HR fixes the Markdown before the send
// starts; the next sync stores the new words and their rendering, and the
// send carries them.
func TestResyncUpdatesReadySend(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	f.addMembers(0, 3, memberSpec{consent: true, dept: "営業本部"})
	dir := t.TempDir()
	writeNewsletter(t, dir, "spring-2026.md", springJa)
	f.syncContent(dir)

	edited := strings.NewReplacer("【アルムナイ通信】春号", "【アルムナイ通信】春号（訂正）", "4月の交流会", "5月の交流会").Replace(springJa)
	writeNewsletter(t, dir, "spring-2026.md", edited)
	if got := f.syncContent(dir); !slices.Equal(got, []string{"spring-2026"}) {
		t.Fatalf("sync of the edit wrote %v", got)
	}
	send := f.storedSend("spring-2026")
	ja := send.Rendered.Editions[store.LanguageJa]
	if send.Source["ja"] != edited || ja.Subject != "【アルムナイ通信】春号（訂正）" || !strings.Contains(ja.HTML, "5月の交流会") || strings.Contains(ja.HTML, "4月") || !strings.Contains(ja.Text, "5月の交流会") {
		t.Fatalf("after the edit: subject %q\n%s\n%s", ja.Subject, ja.HTML, ja.Text)
	}

	// The portal moved: the same words, rendered with the new base URL.
	f.svc.Config.BaseURL = "https://alumni.example.com"
	if got := f.syncContent(dir); !slices.Equal(got, []string{"spring-2026"}) {
		t.Fatalf("sync for the new base URL wrote %v", got)
	}
	if r := f.storedSend("spring-2026").Rendered; r.BaseURL != "https://alumni.example.com" || !strings.Contains(r.Editions[store.LanguageJa].HTML, `href="https://alumni.example.com/events/spring-2026/"`) {
		t.Fatalf("rendered for %s:\n%s", r.BaseURL, r.Editions[store.LanguageJa].HTML)
	}

	if _, err := f.svc.Send(context.Background(), "spring-2026", newsletter.RunOptions{IgnoreSendAt: true}); err != nil {
		t.Fatal(err)
	}
	reqs := f.fake.Requests()
	if len(reqs) != 1 || reqs[0].Body.Subject != "【アルムナイ通信】春号（訂正）" || !strings.Contains(reqs[0].Body.Content[1].Value, "5月の交流会") {
		t.Fatalf("%d requests; subject %q", len(reqs), reqs[0].Body.Subject)
	}
}

// TestRenderedEditionFrozenOnceStarted: once a send has started, an edit
// and a sync change neither its words nor their rendering; every batch,
// before and after the edit, carries what the send started with.
func TestRenderedEditionFrozenOnceStarted(t *testing.T) {
	f := newFixture(t, newsletter.Config{BatchSize: 2})
	f.addMembers(0, 4, memberSpec{consent: true, dept: "営業本部"})
	ctx := context.Background()
	dir := t.TempDir()
	writeNewsletter(t, dir, "spring-2026.md", springJa)
	f.syncContent(dir)
	if send, err := f.svc.Send(ctx, "spring-2026", newsletter.RunOptions{IgnoreSendAt: true, Limit: 2}); err != nil || send.Status != store.SendPaused {
		t.Fatalf("first run: %s, %v", send.Status, err)
	}
	started := f.storedSend("spring-2026")

	writeNewsletter(t, dir, "spring-2026.md", strings.ReplaceAll(springJa, "春号", "夏号"))
	if got := f.syncContent(dir); len(got) != 0 {
		t.Fatalf("sync wrote %v into a started send", got)
	}
	f.svc.Config.BaseURL = "https://alumni.example.com" // not even a new portal re-renders it
	if got := f.syncContent(dir); len(got) != 0 {
		t.Fatalf("sync for a new base URL wrote %v into a started send", got)
	}
	now := f.storedSend("spring-2026")
	if asJSON(t, now.Source) != asJSON(t, started.Source) || asJSON(t, now.Rendered) != asJSON(t, started.Rendered) {
		t.Fatalf("the started send changed:\n%s", asJSON(t, now.Rendered))
	}

	if _, err := f.svc.Send(ctx, "spring-2026", newsletter.RunOptions{IgnoreSendAt: true}); err != nil {
		t.Fatal(err)
	}
	reqs := f.fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if r.Body.Subject != "【アルムナイ通信】春号" || !strings.Contains(r.Body.Content[1].Value, `href="https://alumni.example.co.jp/events/spring-2026/"`) {
			t.Fatalf("request %d: subject %q", r.N, r.Body.Subject)
		}
	}
	f.exactlyOnce(addresses(0, 4))
}

// TestSendWithoutRenderedEdition: a send stored by an older version has
// its Markdown and no rendering. Every way of sending it fails with a
// message telling HR to run okaeri sync, and sends nothing; after the sync
// (which renders the words the send was stored with, not the edited file)
// the scheduler sends it.
func TestSendWithoutRenderedEdition(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	f.addMembers(0, 3, memberSpec{consent: true, dept: "営業本部"})
	ctx := context.Background()
	if _, err := f.store.CreateNewsletterSend(ctx, store.NewsletterSend{
		Slug: "spring-2026", Status: store.SendSending, Source: map[string]string{"ja": springJa}, Actor: "hr:m1", CreatedAt: time.Now(),
	}); err != nil {
		t.Fatal(err)
	}
	wantRefused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, newsletter.ErrNotRendered) || !strings.Contains(err.Error(), "okaeri sync をもう一度実行してください") || !strings.Contains(err.Error(), "run okaeri sync again") {
			t.Fatalf("%s: %v, want ErrNotRendered", what, err)
		}
		if n := len(f.fake.Requests()); n != 0 {
			t.Fatalf("%s: %d requests made", what, n)
		}
	}
	_, err := f.svc.Send(ctx, "spring-2026", newsletter.RunOptions{IgnoreSendAt: true})
	wantRefused("Send", err)
	_, err = f.svc.Send(ctx, "spring-2026", newsletter.RunOptions{DryRun: true})
	wantRefused("dry run", err)
	_, err = f.svc.RunDue(ctx)
	wantRefused("RunDue", err)
	_, err = f.svc.Start(ctx, "spring-2026", "hr:m1", 0)
	wantRefused("Start", err)
	send := f.storedSend("spring-2026")
	if send.Status != store.SendSending || !strings.Contains(send.Error, "okaeri sync") || !send.StartedAt.IsZero() {
		t.Fatalf("the send after the refusals: %s %q", send.Status, send.Error)
	}
	if batches, _ := f.store.ListDeliveryBatches(ctx, "spring-2026"); len(batches) != 0 {
		t.Fatalf("%d batches claimed", len(batches))
	}

	// HR's button answers 409 with what to do, in Japanese first.
	hr, err := f.store.CreateMember(ctx, store.Member{Email: "hr@example.co.jp", Name: "人事 担当", Language: store.LanguageJa, Status: store.StatusApproved, Roles: []store.Role{store.RoleHR}})
	if err != nil {
		t.Fatal(err)
	}
	srv := f.server(f.accounts())
	status, b := call(t, srv, "POST", "/api/hr/newsletters/spring-2026/send", f.sessionCookie(hr))
	if status != 409 || !strings.Contains(b, "okaeri sync をもう一度実行してから") {
		t.Fatalf("HR's start: %d %s", status, b)
	}

	// The file was edited since; the send keeps the words it was stored with.
	dir := t.TempDir()
	writeNewsletter(t, dir, "spring-2026.md", strings.ReplaceAll(springJa, "春号", "夏号"))
	if got := f.syncContent(dir); !slices.Equal(got, []string{"spring-2026"}) {
		t.Fatalf("sync wrote %v", got)
	}
	send = f.storedSend("spring-2026")
	if send.Rendered == nil || send.Rendered.Editions[store.LanguageJa].Subject != "【アルムナイ通信】春号" || send.Source["ja"] != springJa || send.Error != "" {
		t.Fatalf("after sync: %q, error %q", asJSON(t, send.Rendered), send.Error)
	}
	done, err := f.svc.RunDue(ctx)
	if err != nil || len(done) != 1 || done[0].Status != store.SendDone {
		t.Fatalf("RunDue after sync: %+v, %v", done, err)
	}
	if reqs := f.fake.Requests(); len(reqs) != 1 || reqs[0].Body.Subject != "【アルムナイ通信】春号" {
		t.Fatalf("%d requests", len(reqs))
	}
	f.exactlyOnce(addresses(0, 3))
}
