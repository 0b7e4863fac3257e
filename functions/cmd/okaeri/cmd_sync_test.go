package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

const syncEvent = "---\ntitle: 夏のバーベキュー\ndate: 2026-06-01\nstart: 2036-07-18T17:00:00+09:00\nend: 2036-07-18T20:00:00+09:00\nlocation: 屋上\ncapacity: %s\n---\n"

// TestSyncPutsEventsInTheStore: sync stores each event's machine-facing
// fields, is safe to run again, and refuses content with problems without
// writing anything.
func TestSyncPutsEventsInTheStore(t *testing.T) {
	t.Chdir(t.TempDir())
	writeContent(t, map[string]string{"events/bbq.md": strings.Replace(syncEvent, "%s", "40", 1)})
	for range 2 {
		e, stdout, stderr := contentEnv()
		if err := cmdSync(context.Background(), e, []string{"--data", "data"}); err != nil {
			t.Fatalf("sync: %v\n%s", err, stderr)
		}
		if !strings.HasPrefix(stdout.String(), "events: 1 synced") {
			t.Fatalf("sync printed %q", stdout)
		}
	}

	writeContent(t, map[string]string{"events/bbq.md": strings.Replace(syncEvent, "%s", "0", 1)})
	e, stdout, _ := contentEnv()
	err := cmdSync(context.Background(), e, []string{"--data", "data"})
	if err == nil || !strings.Contains(err.Error(), "nothing was synced") || !strings.Contains(stdout.String(), "content/events/bbq.md:7: capacity must be 1 or more") {
		t.Fatalf("sync of bad content: %v\n%s", err, stdout)
	}
	st, err := bolt.Open(filepath.Join("data", "okaeri.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev, err := st.GetEvent(context.Background(), "bbq")
	if err != nil || ev.Capacity != 40 {
		t.Fatalf("stored event: %+v %v", ev, err)
	}
}

// TestSyncRendersNewsletters: okaeri sync stores each newsletter rendered
// for email with the configured base URL, so the newsletter function
// parses no Markdown; an edit before the send is synced again.
func TestSyncRendersNewsletters(t *testing.T) {
	files := map[string]string{"newsletters/winter-2026.md": cliNewsletter}
	for _, name := range []string{"_index.md", "_index.en.md"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "content", "newsletters", name))
		if err != nil {
			t.Fatal(err)
		}
		files["newsletters/"+name] = string(b)
	}
	t.Chdir(t.TempDir())
	sync := func() string {
		t.Helper()
		e, stdout, stderr := contentEnv()
		e.Getenv = func(k string) string { return map[string]string{"OKAERI_BASE_URL": "https://alumni.example.co.jp"}[k] }
		if err := cmdSync(context.Background(), e, []string{"--data", "data"}); err != nil {
			t.Fatalf("sync: %v\n%s%s", err, stdout, stderr)
		}
		return stdout.String()
	}
	rendered := func() store.RenderedEdition {
		t.Helper()
		st, err := bolt.Open(filepath.Join("data", "okaeri.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		send, err := st.GetNewsletterSend(context.Background(), "winter-2026")
		if err != nil || send.Rendered == nil || send.Rendered.BaseURL != "https://alumni.example.co.jp" {
			t.Fatalf("stored send: %+v, %v", send.Rendered, err)
		}
		return send.Rendered.Editions[store.LanguageJa]
	}

	writeContent(t, files)
	if out := sync(); !strings.Contains(out, "newsletters: 1 updated [winter-2026]") {
		t.Fatalf("sync printed %q", out)
	}
	ja := rendered()
	if ja.Subject != "【アルムナイ通信】冬号" || !strings.Contains(ja.HTML, `<a href="https://alumni.example.co.jp/events/"`) || !strings.Contains(ja.Text, "今年も一年ありがとうございました。") {
		t.Fatalf("rendered %+v", ja)
	}
	if out := sync(); !strings.Contains(out, "newsletters: 0 updated") {
		t.Fatalf("an unchanged sync printed %q", out)
	}

	writeContent(t, map[string]string{"newsletters/winter-2026.md": strings.Replace(cliNewsletter, "今年も一年", "今年も1年", 1)})
	if out := sync(); !strings.Contains(out, "newsletters: 1 updated [winter-2026]") {
		t.Fatalf("sync of the edit printed %q", out)
	}
	if ja := rendered(); !strings.Contains(ja.HTML, "今年も1年ありがとうございました。") || strings.Contains(ja.Text, "今年も一年") {
		t.Fatalf("after the edit: %+v", ja)
	}
}

// TestSyncPublishesTheSite: sync puts the built site's frame and company
// into the store, merged from each language's document; without a built
// site it says so and stores nothing.
func TestSyncPublishesTheSite(t *testing.T) {
	t.Chdir(t.TempDir())
	writeContent(t, map[string]string{"events/bbq.md": strings.Replace(syncEvent, "%s", "40", 1)})
	e, stdout, stderr := contentEnv()
	if err := cmdSync(context.Background(), e, []string{"--data", "data", "--site", "public"}); err != nil {
		t.Fatalf("sync: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout.String(), "site: no public/_okaeri/site.json") {
		t.Fatalf("sync without a site printed %q", stdout)
	}
	fallback := brand.Fallback()
	company := fallback.Company
	company.Portal = map[string]string{"ja": "テスト アルムナイ", "en": "Test Alumni"}
	for lang, p := range map[string]string{"ja": "public/_okaeri/site.json", "en": "public/en/_okaeri/site.json"} {
		doc, _ := json.Marshal(brand.Site{Company: company, Frames: map[string]map[string]string{lang: fallback.Frames[lang]}})
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e, stdout, stderr = contentEnv()
	if err := cmdSync(context.Background(), e, []string{"--data", "data", "--site", "public"}); err != nil {
		t.Fatalf("sync: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout.String(), "site: page frame and company of テスト アルムナイ (2 languages)") {
		t.Fatalf("sync printed %q", stdout)
	}
	st, err := bolt.Open(filepath.Join("data", "okaeri.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	doc, err := st.GetSiteDocument(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	site, err := brand.ParseSite(doc.Data)
	if err != nil || site.Company.Portal["en"] != "Test Alumni" || site.Frame("en", brand.Guest) != fallback.Frames["en"][brand.Guest] {
		t.Fatalf("stored site: %+v, %v", site.Company, err)
	}
}
