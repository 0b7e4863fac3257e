package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/servetest"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

// eventsPortal is a portal with content synced from a test content folder
// and members who already have sessions (imported as records, as
// `okaeri store import` moves them), so a test can act as many members
// without a login mail each.
type eventsPortal struct {
	*portal
	data    string
	cookies []string // one session cookie per member, in member order
	admin   string   // HR's session cookie
}

// eventFile is content/events/<id>.md for an event starting in days days.
func eventFile(title string, capacity, days int) string {
	start := time.Now().In(time.FixedZone("JST", 9*3600)).Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Hour)
	return fmt.Sprintf(`---
title: %s
date: %s
start: %s
end: %s
location: 本社 8階ラウンジ
online: true
online_url: https://meet.example.com/j/e2e-secret
capacity: %d
guests_allowed: 1
---
本文
`, title, time.Now().Format("2006-01-02"), start.Format(time.RFC3339), start.Add(3*time.Hour).Format(time.RFC3339), capacity)
}

func startEventsPortal(t *testing.T, members int, events map[string]string) *eventsPortal {
	t.Helper()
	ctx := context.Background()
	root, err := servetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bin, err := servetest.BuildOkaeri(ctx, root, work)
	if err != nil {
		t.Fatal(err)
	}
	site, err := servetest.BuiltSite(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	p := &eventsPortal{portal: &portal{t: t, root: root, bin: bin, seen: map[string]bool{}, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}}, data: filepath.Join(work, "data")}

	// Sessions are signed with a key the test knows.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	keySpec := "e2e:" + base64.StdEncoding.EncodeToString(secret)
	keys, err := auth.ParseKeys(keySpec)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	file.WriteString(`{"type":"okaeri-export","version":1,"exportedAt":"2026-01-01T00:00:00Z"}` + "\n")
	now := time.Now().UTC()
	addMember := func(id, email, name string, roles ...store.Role) string {
		m := store.Member{ID: id, Email: email, Name: name, Language: store.LanguageJa, Status: store.StatusApproved,
			Roles: roles, CreatedAt: now, UpdatedAt: now, Version: 1}
		sessionSecret := store.NewID()
		sess := store.Session{ID: store.HashToken(sessionSecret), MemberID: id, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(24 * time.Hour)}
		for _, r := range []store.Record{{Member: &m}, {Session: &sess}} {
			line, err := jsonl.MarshalRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			file.Write(append(line, '\n'))
		}
		return "okaeri_session=" + keys.Sign(sessionSecret)
	}
	p.admin = addMember("hr-admin", admin, "人事 担当", store.RoleHR) // HR's role is a record on the member
	for i := range members {
		p.cookies = append(p.cookies, addMember(fmt.Sprintf("member-%04d", i), fmt.Sprintf("member%04d@example.net", i), fmt.Sprintf("会員 %d", i)))
	}
	records := filepath.Join(work, "members.jsonl")
	if err := os.WriteFile(records, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := p.okaeri(p.data, "store", "import", "--in", records); err != nil {
		t.Fatalf("store import: %v\n%s", err, out)
	}

	contentDir := filepath.Join(work, "content")
	for id, text := range events {
		path := filepath.Join(contentDir, "events", id+".md")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := servetest.Command(ctx, root, bin, "sync", "--dir", contentDir, "--data", p.data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("events: %d synced (%d new", len(events), len(events))) {
		t.Fatalf("okaeri sync: %v\n%s", err, out)
	}
	p.srv, err = servetest.Start(ctx, servetest.Options{Bin: bin, SiteDir: site, DataDir: p.data,
		Env: []string{"OKAERI_ADMINS=" + admin, "OKAERI_SESSION_KEYS=" + keySpec}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.srv.Stop)
	return p
}

type answer struct {
	Status    string `json:"status"`
	Position  int    `json:"position"`
	OnlineURL string `json:"online_url"`
}

// TestThousandRSVPsOverHTTP: 1,000 members RSVP to a 100-seat event at the
// same moment through a real `okaeri serve`: exactly 100 are confirmed and
// 900 wait, in positions 1 to 900.
func TestThousandRSVPsOverHTTP(t *testing.T) {
	const n, capacity = 1000, 100
	p := startEventsPortal(t, n, map[string]string{"load-test": eventFile("負荷試験の交流会", capacity, 30)})
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxConnsPerHost: 64, MaxIdleConnsPerHost: 64}}
	statuses := make([]int, n)
	answers := make([]answer, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest("POST", p.srv.BaseURL+"/api/events/load-test/rsvp", strings.NewReader(`{"guests":0}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Cookie", p.cookies[i])
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			statuses[i] = resp.StatusCode
			body, _ := io.ReadAll(resp.Body)
			errs[i] = json.Unmarshal(body, &answers[i])
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d concurrent RSVPs answered in %s", n, time.Since(began).Round(time.Millisecond))
	confirmed, waitlisted := 0, 0
	for i := range n {
		if errs[i] != nil || statuses[i] != 201 {
			t.Fatalf("RSVP %d: %d %v", i, statuses[i], errs[i])
		}
		switch answers[i].Status {
		case "confirmed":
			confirmed++
		case "waitlisted":
			waitlisted++
			if answers[i].Position < 1 || answers[i].Position > n-capacity {
				t.Fatalf("RSVP %d: position %d", i, answers[i].Position)
			}
		}
	}
	if confirmed != capacity || waitlisted != n-capacity {
		t.Fatalf("%d confirmed and %d waitlisted, want %d and %d", confirmed, waitlisted, capacity, n-capacity)
	}
	// HR's view agrees: 100 attendees, and the waitlist in positions 1..900.
	r := p.do("GET", "/hr/events/load-test", nil, "Cookie", p.admin, "Accept", "application/json")
	var roster struct {
		Counts struct {
			Confirmed, Waitlisted, SeatsLeft int `json:",omitempty"`
		} `json:"counts"`
		Waitlist []struct {
			Position int `json:"position"`
		} `json:"waitlist"`
	}
	if err := json.Unmarshal([]byte(r.body), &roster); err != nil || r.StatusCode != 200 {
		t.Fatalf("HR roster: %d %v", r.StatusCode, err)
	}
	if roster.Counts.Confirmed != capacity || len(roster.Waitlist) != n-capacity {
		t.Fatalf("HR counts: %+v, %d waiting", roster.Counts, len(roster.Waitlist))
	}
	for i, w := range roster.Waitlist {
		if w.Position != i+1 {
			t.Fatalf("waitlist entry %d has position %d", i, w.Position)
		}
	}
	// Asking again answers 200 with the same RSVP.
	for _, i := range []int{0, 499, 999} {
		r := p.do("POST", "/api/events/load-test/rsvp", map[string]int{"guests": 0}, "Cookie", p.cookies[i])
		var again answer
		_ = json.Unmarshal([]byte(r.body), &again)
		if r.StatusCode != 200 || again.Status != answers[i].Status {
			t.Fatalf("RSVP %d again: %d %s", i, r.StatusCode, r.body)
		}
	}
	var info struct {
		SeatsLeft int `json:"seats_left"`
		Waiting   int `json:"waiting"`
	}
	_ = json.Unmarshal([]byte(p.do("GET", "/api/events/load-test", nil).body), &info)
	if info.SeatsLeft != 0 || info.Waiting != n-capacity {
		t.Fatalf("event info: %+v", info)
	}
}

// TestEventJourneyOverHTTP: sync refuses bad content; a member RSVPs with a
// form, another waits; a cancellation offers the seat by email; the offer is
// confirmed from the emailed link; HR sees it all; the scheduled commands run.
func TestEventJourneyOverHTTP(t *testing.T) {
	p := startEventsPortal(t, 2, map[string]string{"journey": eventFile("少人数の勉強会", 1, 14)})
	a, b := p.cookies[0], p.cookies[1]

	r := p.do("POST", "/api/events/journey/rsvp", url.Values{"guests": {"0"}}, "Cookie", a)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/events/journey/?rsvp=confirmed#rsvp-confirmed" {
		t.Fatalf("form RSVP: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	var mine answer
	_ = json.Unmarshal([]byte(p.do("GET", "/api/events/journey/rsvp", nil, "Cookie", a).body), &mine)
	if mine.Status != "confirmed" || mine.OnlineURL != "https://meet.example.com/j/e2e-secret" {
		t.Fatalf("a: %+v", mine)
	}
	// The meeting link is for confirmed attendees only.
	if pub := p.do("GET", "/api/events/journey", nil); strings.Contains(pub.body, "e2e-secret") {
		t.Fatalf("the public event info carries the meeting link: %s", pub.body)
	}
	r = p.do("POST", "/api/events/journey/rsvp", map[string]int{"guests": 0}, "Cookie", b)
	mine = answer{}
	_ = json.Unmarshal([]byte(r.body), &mine)
	if r.StatusCode != 201 || mine.Status != "waitlisted" || mine.Position != 1 || mine.OnlineURL != "" {
		t.Fatalf("b: %d %s", r.StatusCode, r.body)
	}
	p.awaitMail("member0000@example.net", "参加が確定しました")

	// a cancels: b gets the seat offered by email, confirms it from the link.
	if r = p.do("DELETE", "/api/events/journey/rsvp", nil, "Cookie", a); r.StatusCode != 200 {
		t.Fatalf("cancel: %d %s", r.StatusCode, r.body)
	}
	offer := p.awaitMail("member0001@example.net", "お席をご用意しました")
	u, err := url.Parse(link(t, offer))
	if err != nil {
		t.Fatal(err)
	}
	if page := p.do("GET", u.String(), nil, "Accept", "text/html"); page.StatusCode != 200 || !strings.Contains(page.body, "参加を確定する") {
		t.Fatalf("offer page: %d", page.StatusCode)
	}
	r = p.do("POST", u.Path, url.Values{"token": {u.Query().Get("token")}})
	if r.StatusCode != 200 || !strings.Contains(r.body, "参加が確定しました") {
		t.Fatalf("confirm offer: %d %s", r.StatusCode, r.body)
	}
	mine = answer{}
	_ = json.Unmarshal([]byte(p.do("GET", "/api/events/journey/rsvp", nil, "Cookie", b).body), &mine)
	if mine.Status != "confirmed" {
		t.Fatalf("b after confirming: %+v", mine)
	}
	// Refusals: an unknown event, a forged link; the calendar is there.
	if r = p.do("POST", "/api/events/nothing-here/rsvp", map[string]int{}, "Cookie", a); r.StatusCode != 404 ||
		r.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" {
		t.Fatalf("unknown event: %d %s", r.StatusCode, r.body)
	}
	if r = p.do("POST", "/api/events/journey/rsvp", map[string]string{"token": "forged.e2e.x"}); r.StatusCode != 400 {
		t.Fatalf("forged link: %d %s", r.StatusCode, r.body)
	}
	if r = p.do("GET", "/api/events/journey.ics", nil); r.StatusCode != 200 || !strings.Contains(r.body, "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo") {
		t.Fatalf(".ics: %d %s", r.StatusCode, r.body)
	}
	// HR's page and CSV.
	if r = p.do("GET", "/hr/events/journey/rsvps.csv", nil, "Cookie", p.admin); r.StatusCode != 200 || !strings.HasPrefix(r.body, "\uFEFF") {
		t.Fatalf("csv: %d", r.StatusCode)
	}

	// The scheduled commands (the embedded store is one process's at a time).
	p.srv.Stop()
	for _, verb := range []string{"expire-offers", "remind"} {
		out, err := p.okaeri(p.data, "events", verb)
		if err != nil || !strings.Contains(out, "events "+verb+": ") {
			t.Fatalf("okaeri events %s: %v\n%s", verb, err, out)
		}
	}
	// Sync refuses content with problems and writes nothing.
	bad := filepath.Join(t.TempDir(), "content")
	if err := os.MkdirAll(filepath.Join(bad, "events"), 0o755); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(eventFile("壊れたイベント", 1, 10), "capacity: 1", "capacity: 0", 1)
	if err := os.WriteFile(filepath.Join(bad, "events", "broken.md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := servetest.Command(context.Background(), p.root, p.bin, "sync", "--dir", bad, "--data", p.data).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "broken.md:9: capacity must be 1 or more") || !strings.Contains(string(out), "nothing was synced") {
		t.Fatalf("sync of bad content: %v\n%s", err, out)
	}
	export, _ := p.okaeri(p.data, "store", "export")
	if strings.Contains(export, `"id":"broken"`) {
		t.Fatal("bad content reached the store")
	}
}
