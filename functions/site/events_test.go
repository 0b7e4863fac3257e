package site_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestOnlineURLNeverPublished: an event's online_url (the meeting link) is
// for confirmed attendees only. `okaeri sync` stores it; no output file of
// the site carries it, public or members-only.
func TestOnlineURLNeverPublished(t *testing.T) {
	var urls []string
	for _, p := range readContent(t, filepath.Join(real.root, "content")) {
		if u, _ := p.front["online_url"].(string); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		t.Fatal("no event in content/ has an online_url: the test would prove nothing")
	}
	for _, f := range outputFiles(t, real.public) {
		for _, u := range urls {
			if strings.Contains(f.text, u) || strings.Contains(f.text, strings.TrimPrefix(u, "https://")) {
				t.Errorf("%s carries an event's meeting link", f.rel)
			}
		}
	}
}

var (
	rsvpBoxRE    = regexp.MustCompile(`<section class="callout rsvp" id=rsvp [^>]*data-rsvp=([a-z0-9_-]+)`)
	rsvpScriptRE = regexp.MustCompile(`<script src=(/js/events\.min\.[0-9a-f]{64,}\.js) integrity=sha384-[A-Za-z0-9+/=]+ defer></script>`)
)

// TestEventPagesCarryRSVPForms: every open event page has the RSVP and
// cancel forms posting to its own id (they work without JavaScript), the
// messages a form post comes back to, the fingerprinted script (never an
// inline one), and calendar links.
func TestEventPagesCarryRSVPForms(t *testing.T) {
	checked := 0
	for _, p := range readContent(t, filepath.Join(real.root, "content")) {
		if p.section() != "events" || p.isIndex() {
			continue
		}
		html := readFile(t, real.public, p.outputPath())
		m := rsvpBoxRE.FindStringSubmatch(html)
		if m == nil || m[1] != p.id {
			t.Errorf("%s: RSVP box for %v, want %q", p.rel, m, p.id)
			continue
		}
		want := []string{"id=rsvp-confirmed", "id=rsvp-waitlisted", "id=rsvp-cancelled",
			"/api/events/" + p.id + ".ics?lang=" + p.lang, "https://calendar.google.com/calendar/render?action=TEMPLATE"}
		forms := []string{"action=/api/events/" + p.id + "/rsvp data-rsvp-create", "action=/api/events/" + p.id + "/rsvp/cancel data-rsvp-cancel",
			"name=lang value=" + p.lang}
		if closes := frontTime(t, p, "rsvp_deadline", "start"); closes.After(time.Now()) {
			want = append(want, forms...)
		} else if strings.Contains(html, "data-rsvp-create") {
			t.Errorf("%s: closed at %s, yet the page has an RSVP form", p.rel, closes)
		}
		for _, w := range want {
			if !strings.Contains(html, w) {
				t.Errorf("%s: no %s", p.rel, w)
			}
		}
		// 終了 / Ended once the event is over (its end), as the function
		// pages say, not from its start.
		if ended := frontTime(t, p, "end").Before(time.Now()); strings.Contains(html, `class="badge badge-muted">`) != ended {
			t.Errorf("%s: ended %v, yet the 終了 badge shown is %v", p.rel, ended, !ended)
		}
		s := rsvpScriptRE.FindStringSubmatch(html)
		if s == nil {
			t.Errorf("%s: no fingerprinted events script", p.rel)
		} else if readFile(t, real.public, strings.TrimPrefix(s[1], "/")) == "" {
			t.Errorf("%s: the script %s is empty", p.rel, s[1])
		}
		if regexp.MustCompile(`<script(?: [^>]*)?>[^<]`).MatchString(html) {
			t.Errorf("%s: an inline script (the CSP allows none)", p.rel)
		}
		checked++
	}
	if checked < 4 {
		t.Fatalf("only %d event pages checked", checked)
	}
}

// frontTime is the first of keys the page's front matter sets, as a time.
func frontTime(t *testing.T, p contentPage, keys ...string) time.Time {
	t.Helper()
	for _, k := range keys {
		switch v := p.front[k].(type) {
		case time.Time:
			return v
		case string:
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t.Fatalf("%s: %s: %v", p.rel, k, err)
			}
			return at
		}
	}
	t.Fatalf("%s: none of %v set", p.rel, keys)
	return time.Time{}
}
