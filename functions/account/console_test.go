package account

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// HR's home shows what needs doing (registrations waiting, a new
// application, a seat offered, an overdue send) and the numbers from the
// counters; HR lands there after logging in, the header's hint says HR;
// a member without the role gets 403, a visitor the login page.
func TestConsoleShowsWhatNeedsDoingAndTheNumbers(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	now := f.clock.Now()
	hr := f.hr(t)
	plain := f.approvedByHand(t, "plain@example.com")
	for _, email := range []string{"wait1@example.com", "wait2@example.com"} {
		if err := f.s.Register(ctx, input(email), "c"); err != nil {
			t.Fatal(err)
		}
		if m, err := f.s.Verify(ctx, f.lastToken(t, email)); err != nil || m.Status != store.StatusVerified {
			t.Fatalf("verify %s: %s %v", email, m.Status, err)
		}
	}
	if err := f.s.Store.PutJob(ctx, store.Job{ID: "backend", Title: "バックエンドエンジニア", EmploymentType: store.EmploymentRehire,
		Department: "開発部", Location: "東京", Closes: now.AddDate(0, 1, 0).Truncate(24 * time.Hour),
		Visibility: store.VisibilityMembers, Contact: "careers@example.co.jp", SyncedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Store.Apply(ctx, store.Application{JobID: "backend", MemberID: plain.ID, Message: "また一緒に働きたいです。", Contact: store.ContactEmail}, now); err != nil {
		t.Fatal(err)
	}
	// A full event, one seat freed and offered to the first in line.
	start := now.Add(14 * 24 * time.Hour)
	if _, err := f.s.Store.PutEvent(ctx, store.Event{ID: "homecoming", Title: map[string]string{"ja": "ホームカミングデー", "en": "Homecoming day"},
		Start: start, End: start.Add(2 * time.Hour), Capacity: 1, Visibility: store.VisibilityMembers, SyncedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"a", "b"} {
		if _, _, err := f.s.Store.CreateRSVP(ctx, store.RSVPRequest{EventID: "homecoming", MemberID: m, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.Store.CancelRSVP(ctx, "homecoming", "a", now); err != nil {
		t.Fatal(err)
	}
	expires := now.Add(48 * time.Hour)
	if offers, err := f.s.Store.FillSeats(ctx, "homecoming", store.OfferTerms{Now: now, ExpiresAt: expires}); err != nil || len(offers) != 1 {
		t.Fatalf("offer: %v %v", offers, err)
	}
	// A newsletter scheduled an hour ago that has not started.
	if _, err := f.s.Store.CreateNewsletterSend(ctx, store.NewsletterSend{Slug: "autumn", Status: store.SendScheduled,
		Source: map[string]string{"ja": "---\ntitle: 秋号\n---\n本文"}, SendAt: now.Add(-time.Hour), Actor: "cli"}); err != nil {
		t.Fatal(err)
	}
	// A newsletter synced and planned for tomorrow, that nobody started or scheduled.
	if _, err := f.s.Store.CreateNewsletterSend(ctx, store.NewsletterSend{Slug: "winter", Status: store.SendReady,
		Source: map[string]string{"ja": "---\ntitle: 冬号\n---\n本文"}, SendAt: now.Add(24 * time.Hour), Actor: "cli"}); err != nil {
		t.Fatal(err)
	}

	// A send that went out: delivered to 3, two opened (one twice), one clicked.
	if _, err := f.s.Store.CreateNewsletterSend(ctx, store.NewsletterSend{Slug: "summer", Status: store.SendDone,
		Source: map[string]string{"ja": "---\ntitle: 夏号\n---\n本文"}, Actor: "cli", StartedAt: now.Add(-48 * time.Hour),
		Report: store.SendReport{Recipients: 3, Sent: 3}}); err != nil {
		t.Fatal(err)
	}
	for i, e := range []struct {
		kind   store.EngagementType
		member string
	}{{store.EngagementOpen, "m1"}, {store.EngagementOpen, "m1"},
		{store.EngagementOpen, "m2"}, {store.EngagementClick, "m2"}} {
		if _, err := f.s.Store.RecordEngagement(ctx, store.Engagement{EventID: fmt.Sprintf("ev%d", i), Type: e.kind, Slug: "summer", MemberID: e.member, At: now}); err != nil {
			t.Fatal(err)
		}
	}

	h := Handler{S: f.s}.Routes()
	get := func(m *store.Member, accept string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", "/hr/", nil)
		req.Header.Set("Accept", accept)
		if m != nil {
			req.AddCookie(f.sessionCookie(t, *m))
		}
		rec := httptest.NewRecorder()
		h["GET /hr/{$}"].ServeHTTP(rec, req)
		return rec
	}
	rec := get(&hr, "application/json")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /hr/ as HR: %d %s", rec.Code, rec.Body)
	}
	var c Console
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	if c.Waiting != 2 || c.Received != 1 || c.Approved != 2 {
		t.Errorf("waiting %d, received %d, approved %d; want 2, 1, 2", c.Waiting, c.Received, c.Approved)
	}
	if len(c.Offers) != 1 || c.Offers[0].EventID != "homecoming" || c.Offers[0].Count != 1 || !c.Offers[0].Soonest.Equal(expires) {
		t.Errorf("offers: %+v", c.Offers)
	}
	if len(c.Overdue) != 1 || c.Overdue[0].Slug != "autumn" || len(c.Scheduled) != 0 {
		t.Errorf("overdue %+v, scheduled %+v", c.Overdue, c.Scheduled)
	}
	if len(c.Ready) != 1 || c.Ready[0].Slug != "winter" {
		t.Errorf("ready to send %+v; want winter, HR's to start", c.Ready)
	}
	if len(c.Sends) != 1 || c.Sends[0].Slug != "summer" || c.Sends[0].Engagement != (store.SendEngagement{Opened: 2, Clicked: 1}) {
		t.Errorf("sends %+v; want summer opened by 2, clicked by 1", c.Sends)
	}
	// Logged in: HR (and, in sessionCookie's login, nobody else) is active.
	if c.Active90 != 1 || c.Active[len(c.Active)-1] != 1 {
		t.Errorf("active in 90 days %d, this month %v; want 1", c.Active90, c.Active)
	}
	if c.Funnel["registered"] != 4 || c.Funnel["verified"] != 4 || c.Funnel["approved"] != 2 {
		t.Errorf("funnel %v", c.Funnel)
	}
	if c.Stages["received"] != 1 || len(c.Quarters) != consoleQuarters || c.Applied[len(c.Applied)-1] != 1 {
		t.Errorf("stages %v, applied %v", c.Stages, c.Applied)
	}

	rec = get(&hr, "text/html")
	page := rec.Body.String()
	// The waiting registrations can be approved right here, back to /hr/.
	if n := strings.Count(page, `<input type="hidden" name="back" value="/hr/"><button type="submit" class="button button-small"`); n != 2 {
		t.Errorf("HR's home offers %d approve buttons, want one per waiting registration (2)", n)
	}
	for _, want := range []string{"HRホーム", "いま対応が必要なこと", `href="/hr/registrations"`, "ホームカミングデー", "autumn", "予定時刻を過ぎた配信", "配信を待っているニュースレター", `<a class="button" href="/hr/newsletters/winter">確認して配信する</a>`,
		`<th scope="row">summer</th><td>3</td><td>2</td><td>1</td><td>0</td><td>0</td>`, `<th scope="col">開封</th>`, `role="img"`, "<desc id=", "数値を表で見る", `aria-current="page"`} {
		if !strings.Contains(page, want) {
			t.Errorf("HR's home lacks %q", want)
		}
	}
	// Seven charts (members, funnel, events, stages, hires, referrals,
	// newsletters), each with its title, description and table; the
	// referrals' has no data yet and says so instead of drawing nothing.
	if n := strings.Count(page, `<figure class="chart"`); n != 6 || strings.Count(page, "<title id=") != 6 || strings.Count(page, "<details class=\"chart-data\">") != 6 {
		t.Errorf("%d charts drawn, want 6", n)
	}
	if n := strings.Count(page, `<figure class="chart chart-empty"`); n != 1 ||
		!strings.Contains(page, `<figcaption id="referrals-cap">紹介（四半期別）</figcaption>
<p class="chart-none">まだデータがありません</p>`) {
		t.Errorf("%d empty charts; the referrals' does not say it has no data yet", n)
	}
	// The stages in the words of the job pages and board (httpapi.StageLabel).
	for _, want := range []string{`<th scope="row">受付済み</th><td>1</td>`, `<th scope="row">書類選考中</th>`, `<th scope="row">採用決定</th>`,
		`<th scope="row">取り下げ</th>`, "応募と採用決定（四半期別）"} {
		if !strings.Contains(page, want) {
			t.Errorf("HR's home lacks %q", want)
		}
	}
	for _, old := range []string{">受付<", ">入社<", ">辞退<", "出戻り採用"} {
		if strings.Contains(page, old) {
			t.Errorf("HR's home still says %q", old)
		}
	}
	hint := ""
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == SignedInCookie {
			hint = ck.Value
		}
	}
	if hint != hintHR {
		t.Errorf("the signed-in hint on HR's home is %q, want %q", hint, hintHR)
	}

	if rec := get(&plain, "text/html"); rec.Code != http.StatusForbidden {
		t.Errorf("a member without the role: %d", rec.Code)
	}
	if rec := get(nil, "text/html"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login/") {
		t.Errorf("a visitor: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if got := (Handler{S: f.s}).home(hr); got != "/hr/" {
		t.Errorf("HR lands on %q after logging in", got)
	}
	if got := (Handler{S: f.s}).home(plain); got != "/members/" {
		t.Errorf("a member lands on %q after logging in", got)
	}
}

// A column's height is its value's share of the axis' top, a whole
// number of equal steps (1, 2 or 5 times a power of ten) at or above the
// largest value; a zero draws no bar; a percentage's top is 100.
func TestChartBarsAreToScale(t *testing.T) {
	for v, want := range map[int64][2]int64{0: {1, 1}, 1: {1, 1}, 3: {3, 1}, 4: {4, 1}, 5: {6, 2}, 10: {10, 5},
		11: {15, 5}, 260: {300, 100}, 999: {1000, 500}} {
		if top, step := niceScale(v); top != want[0] || step != want[1] {
			t.Errorf("niceScale(%d) = %d by %d, want %d by %d", v, top, step, want[0], want[1])
		}
	}
	svg := string(chart{ID: "x", Title: "t", Desc: "d", Labels: []string{"a", "b", "c"},
		Series: []series{{"n", []int64{0, 5, 10}}}}.columns())
	heights := regexp.MustCompile(`<rect class="s0" x="\d+" y="\d+" width="\d+" height="(\d+)">`).FindAllStringSubmatch(svg, -1)
	if len(heights) != 2 || heights[0][1] != "90" || heights[1][1] != "180" {
		t.Errorf("column heights %v, want 90, 180 and no bar for the 0", heights)
	}
	// The gridlines are equal steps of whole numbers: a top of 5 is drawn
	// as 0/2/4/6, not 0/2/5.
	for _, c := range []struct {
		values []int64
		want   string
	}{{[]int64{0, 3, 5}, "0 2 4 6"}, {[]int64{1, 3}, "0 1 2 3"}, {[]int64{4, 10}, "0 5 10"}, {[]int64{2, 4}, "0 1 2 3 4"}} {
		svg := string(chart{ID: "g", Title: "t", Desc: "d", Labels: []string{"a", "b", "c"}[:len(c.values)],
			Series: []series{{"n", c.values}}}.columns())
		ticks := regexp.MustCompile(`<line class="grid" x1="\d+" x2="\d+" y1="(\d+)" y2="\d+"/><text class="tick"[^>]*>(\d+)</text>`).FindAllStringSubmatch(svg, -1)
		var texts []string
		gaps := map[int]bool{}
		for i, m := range ticks {
			texts = append(texts, m[2])
			if i > 0 {
				prev, _ := strconv.Atoi(ticks[i-1][1])
				y, _ := strconv.Atoi(m[1])
				gaps[prev-y] = true
			}
		}
		if strings.Join(texts, " ") != c.want || len(gaps) != 1 {
			t.Errorf("values %v: ticks %v (gaps %v), want %s in equal steps", c.values, texts, gaps, c.want)
		}
	}
	// Rows: a zero draws no 1-pixel mark, its number still says 0.
	zero := string(chart{ID: "r", Title: "t", Desc: "d", Labels: []string{"a", "b"},
		Series: []series{{"n", []int64{0, 4}}}}.rows())
	if n := strings.Count(zero, "<rect "); n != 1 || !strings.Contains(zero, `<text class="value" x="128" y="22">0</text>`) ||
		!strings.Contains(zero, `<th scope="row">a</th><td>0</td>`) {
		t.Errorf("a zero row: %d bars, want 1 (for the 4), with 0 written beside the axis and in the table: %s", n, zero)
	}
	rows := string(chart{ID: "y", Title: "t", Desc: "d", Labels: []string{"a"}, Percent: true,
		Series: []series{{"fill", []int64{50}}}}.rows())
	if !strings.Contains(rows, `width="96"`) || !strings.Contains(rows, ">50%<") {
		t.Errorf("a 50%% bar is not half the plot (192) wide: %s", rows)
	}
	above := string(chart{ID: "w", Title: "t", Desc: "d", Labels: []string{"関西アルムナイ交流会"}, Percent: true, LabelsAbove: true,
		Series: []series{{"fill", []int64{50}}}}.rows())
	if !strings.Contains(above, `width="158"`) || !strings.Contains(above, `x="0" y="24" text-anchor="start">関西アルムナイ交流会<`) {
		t.Errorf("a name above its bar: the label is not on its own line or the 50%% bar not half the width (316): %s", above)
	}
	for in, want := range map[string]string{
		"関西アルムナイ交流会":                   "関西アルムナイ交流会",
		"Homecoming day 2026 in Tokyo": "Homecoming day 2026 in Tokyo",
		strings.Repeat("交", 40):        strings.Repeat("交", 23) + "…",
		strings.Repeat("a", 60):        strings.Repeat("a", 42) + "…",
	} {
		if got := fitLabel(in); got != want {
			t.Errorf("fitLabel(%q) = %q, want %q", in, got, want)
		}
	}
	if strings.Contains(string(chart{ID: "z", Title: "<b>", Desc: "d", Labels: []string{"<i>"}, Series: []series{{"n", []int64{1}}}}.columns()), "<b>") {
		t.Error("a title is not escaped")
	}
}

// TestConsoleSpeaksTheJobPagesWordsAndSaysWhenEmpty: on a new portal, HR's
// home in English names the stages as the job pages do, and each chart
// with nothing to show yet says "No data yet" instead of an empty plot.
func TestConsoleSpeaksTheJobPagesWordsAndSaysWhenEmpty(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	hr := f.hrEN(t)
	rec := f.page(t, hr, "GET /hr/{$}", "/hr/")
	page := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /hr/: %d %s", rec.Code, page)
	}
	// Nobody applied or referred: the stages, hires and referrals are empty.
	for _, id := range []string{"stages", "rehires", "referrals"} {
		if !regexp.MustCompile(`<figure class="chart chart-empty" aria-labelledby="` + id + `-cap">\n<figcaption id="` + id + `-cap">[^<]+</figcaption>\n<p class="chart-none">No data yet</p>`).MatchString(page) {
			t.Errorf("the empty %s chart does not say No data yet", id)
		}
	}
	if strings.Contains(page, `aria-labelledby="stages-title`) {
		t.Error("the empty stages chart is still drawn")
	}
	if !strings.Contains(page, `<figcaption id="rehires-cap">Applications and hires by quarter</figcaption>`) {
		t.Error("the hires chart is not named as the job pages name the stage (Hired)")
	}
	// With one application, the stages chart is drawn in the job pages' words.
	if err := f.s.Store.PutJob(ctx, store.Job{ID: "backend", Title: "Backend", EmploymentType: store.EmploymentRehire, Department: "開発部",
		Location: "東京", Closes: f.clock.Now().AddDate(0, 1, 0), Visibility: store.VisibilityMembers, Contact: "careers@example.co.jp", SyncedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Store.Apply(ctx, store.Application{JobID: "backend", MemberID: hr.ID, Message: "Hello again.", Contact: store.ContactEmail}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	rec = f.page(t, hr, "GET /hr/{$}", "/hr/")
	page = rec.Body.String()
	for _, want := range []string{`<th scope="row">Received</th><td>1</td>`, `<th scope="row">Not selected</th>`, `<th scope="row">Hired</th>`, `<th scope="row">Withdrawn</th>`} {
		if !strings.Contains(page, want) {
			t.Errorf("HR's home in English lacks %q", want)
		}
	}
	if strings.Contains(page, ">Declined<") {
		t.Error(`HR's home says "Declined" where the job pages say "Not selected"`)
	}
}

// A ready newsletter whose planned time has passed waits for HR however
// late it is (nothing starts a ready send by itself): HR's home says
// plainly that the time passed and to open the send page, as a warning,
// with the year, since the plan may be last year's; a ready send still to
// come keeps its plain card, with its year too.
func TestConsoleSaysAReadySendsPlannedTimePassed(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	hr := f.hr(t)
	hrEN := f.hrEN(t)
	// Now is 2026-11-21 19:00 in Japan.
	late := time.Date(2025, 12, 1, 10, 0, 0, 0, jst)
	coming := time.Date(2027, 1, 8, 9, 30, 0, 0, jst)
	for slug, at := range map[string]time.Time{"winter-2025": late, "new-year": coming} {
		if _, err := f.s.Store.CreateNewsletterSend(ctx, store.NewsletterSend{Slug: slug, Status: store.SendReady,
			Source: map[string]string{"ja": "---\ntitle: " + slug + "\n---\n本文"}, SendAt: at, Actor: "cli"}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(m store.Member, accept string) string {
		t.Helper()
		req := httptest.NewRequest("GET", "/hr/", nil)
		req.Header.Set("Accept", accept)
		req.AddCookie(f.sessionCookie(t, m))
		rec := httptest.NewRecorder()
		Handler{S: f.s}.Routes()["GET /hr/{$}"].ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /hr/: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	var c Console
	if err := json.Unmarshal([]byte(get(hr, "application/json")), &c); err != nil {
		t.Fatal(err)
	}
	missed := map[string]bool{}
	for _, s := range c.Ready {
		missed[s.Slug] = s.Missed
	}
	if len(c.Ready) != 2 || !missed["winter-2025"] || missed["new-year"] {
		t.Errorf("ready %+v; want winter-2025 with its planned time passed, new-year not", c.Ready)
	}
	for lang, page := range map[string]string{"ja": get(hr, "text/html"), "en": get(hrEN, "text/html")} {
		wants := map[string][]string{
			"ja": {`<li class="card warn"><p class="figure">予定時刻を過ぎたニュースレター</p><p>「winter-2025」は 2025年12月1日 10:00 に配信する予定でしたが、その時刻を過ぎても配信されていません`,
				"配信ページを開き", `<a class="button" href="/hr/newsletters/winter-2025">配信ページを開く</a>`, "（予定 2027年1月8日 09:30）は準備ができています"},
			"en": {`<li class="card warn"><p class="figure">Planned time passed</p><p>“winter-2025” was planned to go out Dec 1, 2025, 10:00. That time has passed and it has not been sent`,
				"Open its send page", `<a class="button" href="/hr/newsletters/winter-2025">Open the send page</a>`, "(planned for Jan 8, 2027, 09:30) is ready"},
		}[lang]
		for _, want := range wants {
			if !strings.Contains(page, want) {
				t.Errorf("%s: HR's home lacks %q", lang, want)
			}
		}
		// The late one is not also shown as just ready, nor without its year.
		for _, old := range []string{"「winter-2025」（予定", "“winter-2025” (planned", "予定 12月1日", "Dec 1, 10:00"} {
			if strings.Contains(page, old) {
				t.Errorf("%s: HR's home still says %q", lang, old)
			}
		}
	}
}
