package account

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/event"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// jobsPart stands in for the jobs feature (which imports this package):
// one application and one referral for the member it was made for.
type jobsPart struct{ owner string }

func (p jobsPart) MemberHome(_ context.Context, m store.Member, lang string) (string, any, error) {
	if m.ID != p.owner {
		return "jobs", map[string]any{"applications": []any{}, "referrals": []any{}}, nil
	}
	return "jobs", map[string]any{
		"applications": []map[string]string{{"job_title": "バックエンドエンジニア", "status_label": "書類選考中", "href": "/members/me/applications/#application-1"}},
		"referrals":    []map[string]string{{"job_title": "デザイナー", "status_label": "紹介済み", "href": "/members/me/applications/#referral-2"}},
	}, nil
}

// GET /api/me/home: the member's own upcoming events (the real events
// feature: confirmed with the meeting link, waitlisted with the place),
// applications and referrals, profile completeness with the next step,
// and the previous visit, which moves at most once a visit. Another
// member's RSVPs never show; a visitor is asked to log in.
func TestMembersHome(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	aoki, sato := f.approvedMember(t, "aoki@example.com"), f.approvedMember(t, "sato@example.com")
	ev := event.New(f.s.Store, f.s.Mailer, f.s.Keys, event.Config{BaseURL: "http://portal.test", From: mail.Address{Email: "alumni@example.co.jp"}}, nil)
	ev.Now = f.clock.Now
	f.s.Homes = []HomePart{ev, jobsPart{owner: aoki.ID}}
	now := f.clock.Now()
	start := now.Add(10 * 24 * time.Hour)
	put := func(id, ja string, capacity int, online string) {
		if _, err := f.s.Store.PutEvent(ctx, store.Event{ID: id, Title: map[string]string{"ja": ja, "en": ja + " (en)"}, Start: start,
			End: start.Add(2 * time.Hour), Capacity: capacity, Online: online != "", OnlineURL: online, Visibility: store.VisibilityMembers, SyncedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	put("meetup", "オンライン交流会", 20, "https://meet.example.com/j/secret")
	put("dinner", "ディナー", 1, "")
	put("satos", "佐藤さんの勉強会", 5, "https://meet.example.com/j/satos-secret")
	for _, r := range []store.RSVPRequest{{EventID: "dinner", MemberID: sato.ID}, {EventID: "satos", MemberID: sato.ID},
		{EventID: "meetup", MemberID: aoki.ID}, {EventID: "dinner", MemberID: aoki.ID}} {
		r.Now = now
		if _, _, err := f.s.Store.CreateRSVP(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	route := Handler{S: f.s}.Routes()["GET /api/me/home"]
	get := func(c *http.Cookie) (int, map[string]any, string) {
		t.Helper()
		req := httptest.NewRequest("GET", "/api/me/home?lang=ja", nil)
		req.Header.Set("Accept", "application/json")
		if c != nil {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		route.ServeHTTP(rec, req)
		var v map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &v)
		return rec.Code, v, rec.Body.String()
	}
	if code, _, body := get(nil); code != http.StatusUnauthorized || !strings.Contains(body, "unauthorized") {
		t.Fatalf("visitor: %d %s", code, body)
	}
	cookie := f.sessionCookie(t, aoki)
	code, home, body := get(cookie)
	if code != 200 {
		t.Fatalf("home: %d %s", code, body)
	}
	for _, want := range []string{"オンライン交流会", `"status":"confirmed"`, "https://meet.example.com/j/secret", "ディナー",
		`"status":"waitlisted"`, `"position":1`, "キャンセル待ち 1番目", "バックエンドエンジニア", "書類選考中", "デザイナー", "/members/events/"} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "satos") || strings.Contains(body, "佐藤さんの勉強会") {
		t.Errorf("another member's event shows:\n%s", body)
	}
	if strings.Count(body, "meet.example.com") != 1 {
		t.Errorf("the meeting link is for the confirmed online event only:\n%s", body)
	}
	profile := home["profile"].(map[string]any)
	next := profile["next"].(map[string]any)
	if profile["percent"].(float64) != 0 || next["href"] != "/members/profile/#kana" || next["label"] != "フリガナを入力する" {
		t.Errorf("profile: %v", profile)
	}
	if _, ok := home["previous_visit"]; ok {
		t.Errorf("a first visit has no previous one: %v", home)
	}

	// Later in the same visit: nothing written, the same answer.
	first, _ := f.s.Store.GetMember(ctx, aoki.ID)
	f.clock.Add(10 * time.Minute)
	get(cookie)
	same, _ := f.s.Store.GetMember(ctx, aoki.ID)
	if same.Version != first.Version || !same.LastVisitAt.Equal(first.LastVisitAt) {
		t.Errorf("a look within the visit wrote the member: %d -> %d", first.Version, same.Version)
	}
	// A day later, a new visit: what is new is what came after the first.
	f.clock.Add(24 * time.Hour)
	kana := "アオキ"
	company := "ひかり商事"
	if _, err := f.s.UpdateProfile(ctx, aoki.ID, ProfileInput{Kana: &kana, Company: &company}); err != nil {
		t.Fatal(err)
	}
	_, home, _ = get(cookie)
	if home["previous_visit"] != first.LastVisitAt.Format(time.RFC3339Nano) || home["since"] != home["previous_visit"] {
		t.Errorf("previous visit %v, since %v, want %v", home["previous_visit"], home["since"], first.LastVisitAt)
	}
	profile = home["profile"].(map[string]any)
	if profile["percent"].(float64) != 25 || profile["next"].(map[string]any)["field"] != "role" {
		t.Errorf("profile after kana and company: %v", profile)
	}
	// The visit times are the server's: the profile form cannot set them.
	req := httptest.NewRequest("POST", "/api/me/profile", strings.NewReader(`{"previousVisitAt":"2000-01-01T00:00:00Z"}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	Handler{S: f.s}.Routes()["POST /api/me/profile"].ServeHTTP(rec, req)
	if after, _ := f.s.Store.GetMember(ctx, aoki.ID); !after.PreviousVisitAt.Equal(first.LastVisitAt) {
		t.Errorf("a visit time posted to the profile (%d) changed it: %v", rec.Code, after.PreviousVisitAt)
	}
	// Sato's home is Sato's.
	_, _, satoBody := get(f.sessionCookie(t, sato))
	if !strings.Contains(satoBody, "佐藤さんの勉強会") || strings.Contains(satoBody, "オンライン交流会") || strings.Contains(satoBody, "バックエンドエンジニア") {
		t.Errorf("sato's home:\n%s", satoBody)
	}
}

func TestProfileCompletenessInEnglish(t *testing.T) {
	m := store.Member{Kana: "アオキ", Profile: store.Profile{Company: "x", Role: "y", Location: "z", Bio: "b", Skills: []string{"go"},
		Interests: []string{"ski"}}}
	c := ProfileCompleteness(m, "en")
	if c.Percent != 87 || c.Next == nil || c.Next.Href != "/en/members/profile/#open_to_rehire" || c.Next.Label != "Choose what you are open to" {
		t.Errorf("%+v %+v", c, c.Next)
	}
	m.Profile.OpenTo.Mentoring = true
	if c = ProfileCompleteness(m, "en"); c.Percent != 100 || c.Next != nil {
		t.Errorf("complete: %+v", c)
	}
}
