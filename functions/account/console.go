package account

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
	"golang.org/x/text/width"
)

// HR's console home (/hr/): what needs doing now, then the numbers. Every
// figure comes from store.Counters, kept by the writes themselves, or from
// the few records that exist in tens (events, newsletter sends); nothing
// here reads members, applications or RSVPs one by one.

// Console is what /hr/ shows.
type Console struct {
	Now time.Time `json:"now"`
	// What needs action now.
	Waiting   int64          `json:"registrationsWaiting"` // verified, waiting for HR
	Received  int64          `json:"applicationsReceived"` // at stage received
	Offers    []ConsoleOffer `json:"offers"`               // open seat offers, per upcoming event
	Scheduled []ConsoleSend  `json:"scheduled"`            // sends waiting for their time
	Ready     []ConsoleSend  `json:"ready"`                // synced, neither started nor scheduled: HR's to start (Missed: its planned time passed)
	Overdue   []ConsoleSend  `json:"overdue"`              // scheduled, the time passed, not started
	Stuck     []ConsoleSend  `json:"stuck"`                // failed, paused, or sending with no runner

	// The numbers.
	Approved   int64            `json:"membersApproved"`
	Active90   int64            `json:"membersActive90Days"`
	Months     []string         `json:"months"`
	Registered []int64          `json:"registeredPerMonth"`
	Approvals  []int64          `json:"approvedPerMonth"`
	Active     []int64          `json:"activePerMonth"`
	Funnel     map[string]int64 `json:"funnel"` // registered, verified, approved
	Stages     map[string]int64 `json:"applicationsByStage"`
	Quarters   []string         `json:"quarters"`
	Applied    []int64          `json:"applicationsPerQuarter"`
	Rehired    []int64          `json:"rehiredPerQuarter"`
	Referred   []int64          `json:"referralsPerQuarter"`
	RefHired   []int64          `json:"referralsHiredPerQuarter"`
	Events     []ConsoleEvent   `json:"events"`
	Sends      []ConsoleSend    `json:"sends"`
}

// ConsoleOffer is an upcoming event with seats offered to people in line.
type ConsoleOffer struct {
	EventID string    `json:"eventId"`
	Title   string    `json:"title"`
	Count   int       `json:"count"`
	Soonest time.Time `json:"soonestExpiry"`
}

// ConsoleEvent is an event's fill and attendance.
type ConsoleEvent struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Start    time.Time `json:"start"`
	Capacity int       `json:"capacity"`
	Taken    int       `json:"taken"`
	Waiting  int       `json:"waiting"`
	Attended int64     `json:"attended"` // seats checked in
	Past     bool      `json:"past"`
}

// ConsoleSend is a newsletter send in the console.
type ConsoleSend struct {
	Slug   string           `json:"slug"`
	Title  string           `json:"title"`
	Status store.SendStatus `json:"status"`
	SendAt time.Time        `json:"sendAt,omitzero"`
	Report store.SendReport `json:"report"`
	// Missed: a ready send whose planned time (SendAt) has passed. Nothing
	// starts a ready send by itself, so it waits for HR however late it is.
	Missed bool `json:"plannedTimePassed,omitempty"`
	// Engagement: members who opened, clicked, unsubscribed with its link
	// (counters kept by the events; only for the sends in Sends).
	Engagement store.SendEngagement `json:"engagement"`
}

// Console numbers span these many months and quarters, and "active" this
// many days.
const (
	consoleMonths   = 12
	consoleQuarters = 8
	consoleWaiting  = 5 // registrations HR can approve right on the home
	activeDays      = 90
	consoleEvents   = 8
	consoleSends    = 6
)

// quarters are the count quarters ending with now's, oldest first.
func quarters(now time.Time, count int) []string {
	t := now.In(jst)
	first := time.Date(t.Year(), t.Month(), 1, 12, 0, 0, 0, jst)
	out := make([]string, count)
	for i := range count {
		out[i] = store.QuarterOf(first.AddDate(0, 3*(i-count+1), 0))
	}
	return out
}

// jst is Japan time, HR's calendar.
var jst = time.FixedZone("JST", 9*60*60)

// Console gathers /hr/'s figures at now, for lang's titles.
func (s *Service) Console(ctx context.Context, lang string) (Console, error) {
	now := s.Now()
	c := Console{Now: now, Months: store.Months(now, consoleMonths), Quarters: quarters(now, consoleQuarters)}
	events, err := s.Store.ListEvents(ctx)
	if err != nil {
		return c, err
	}
	sends, err := s.Store.ListNewsletterSends(ctx)
	if err != nil {
		return c, err
	}
	// The events shown: the latest that started, and those coming.
	slices.SortFunc(events, func(a, b store.Event) int { return a.Start.Compare(b.Start) })
	shown := events
	if n := len(shown); n > consoleEvents {
		upcoming := 0
		for _, e := range shown {
			if e.Start.After(now) {
				upcoming++
			}
		}
		end := min(n, n-upcoming+consoleEvents/2)
		shown = shown[max(0, end-consoleEvents):end]
	}

	names := []string{
		store.CounterMembers(store.StatusVerified), store.CounterMembers(store.StatusApproved),
		store.CounterMembers(store.StatusPending), store.CounterReached(store.StatusVerified), store.CounterReached(store.StatusApproved),
	}
	for _, m := range c.Months {
		names = append(names, store.CounterRegistered(m), store.CounterApproved(m), store.CounterActive(m))
	}
	days := store.Days(now, activeDays)
	for _, d := range days {
		names = append(names, store.CounterLastActive(d))
	}
	for _, st := range store.ApplicationStatuses {
		names = append(names, store.CounterApplications(st))
	}
	for _, q := range c.Quarters {
		names = append(names, store.CounterApplied(q), store.CounterRehired(q), store.CounterReferred(q), store.CounterReferralsHired(q))
	}
	for _, e := range shown {
		names = append(names, store.CounterAttended(e.ID))
	}
	n, err := s.Store.Counts(ctx, names...)
	if err != nil {
		return c, err
	}

	c.Waiting = n[store.CounterMembers(store.StatusVerified)]
	c.Received = n[store.CounterApplications(store.ApplicationReceived)]
	c.Approved = n[store.CounterMembers(store.StatusApproved)]
	for _, d := range days {
		c.Active90 += n[store.CounterLastActive(d)]
	}
	for _, m := range c.Months {
		c.Registered = append(c.Registered, n[store.CounterRegistered(m)])
		c.Approvals = append(c.Approvals, n[store.CounterApproved(m)])
		c.Active = append(c.Active, n[store.CounterActive(m)])
	}
	verified := n[store.CounterReached(store.StatusVerified)]
	c.Funnel = map[string]int64{
		"registered": verified + n[store.CounterMembers(store.StatusPending)],
		"verified":   verified,
		"approved":   n[store.CounterReached(store.StatusApproved)],
	}
	c.Stages = map[string]int64{}
	for _, st := range store.ApplicationStatuses {
		c.Stages[string(st)] = n[store.CounterApplications(st)]
	}
	for _, q := range c.Quarters {
		c.Applied = append(c.Applied, n[store.CounterApplied(q)])
		c.Rehired = append(c.Rehired, n[store.CounterRehired(q)])
		c.Referred = append(c.Referred, n[store.CounterReferred(q)])
		c.RefHired = append(c.RefHired, n[store.CounterReferralsHired(q)])
	}
	for _, e := range shown {
		c.Events = append(c.Events, ConsoleEvent{ID: e.ID, Title: text(e.Title, lang), Start: e.Start, Capacity: e.Capacity,
			Taken: e.Taken, Waiting: e.Waiting, Attended: n[store.CounterAttended(e.ID)], Past: !e.Start.After(now)})
	}
	// Offers waiting for an answer, for events still to come.
	for _, e := range events {
		if !e.Start.After(now) || e.Taken == 0 {
			continue
		}
		offers, err := s.Store.ListOffers(ctx, e.ID)
		if err != nil {
			return c, err
		}
		if len(offers) == 0 {
			continue
		}
		o := ConsoleOffer{EventID: e.ID, Title: text(e.Title, lang), Count: len(offers), Soonest: offers[0].ExpiresAt}
		for _, x := range offers {
			if x.ExpiresAt.Before(o.Soonest) {
				o.Soonest = x.ExpiresAt
			}
		}
		c.Offers = append(c.Offers, o)
	}
	// Newsletter sends: those waiting, late or stopped; the latest reports.
	for _, ns := range sends {
		cs := ConsoleSend{Slug: ns.Slug, Title: sendTitle(ns, lang), Status: ns.Status, SendAt: ns.SendAt, Report: ns.Report}
		switch {
		case ns.Status == store.SendScheduled && !ns.SendAt.After(now.Add(-sendGrace)):
			c.Overdue = append(c.Overdue, cs)
		case ns.Status == store.SendScheduled:
			c.Scheduled = append(c.Scheduled, cs)
		case ns.Status == store.SendReady:
			cs.Missed = !ns.SendAt.IsZero() && !ns.SendAt.After(now)
			c.Ready = append(c.Ready, cs)
		case ns.Status == store.SendFailed || ns.Status == store.SendPaused,
			ns.Status == store.SendSending && ns.LeaseUntil.Before(now.Add(-sendGrace)):
			c.Stuck = append(c.Stuck, cs)
		}
		if !ns.StartedAt.IsZero() {
			c.Sends = append(c.Sends, cs)
		}
	}
	if len(c.Sends) > consoleSends {
		c.Sends = c.Sends[len(c.Sends)-consoleSends:]
	}
	slugs := make([]string, len(c.Sends))
	for i, cs := range c.Sends {
		slugs[i] = cs.Slug
	}
	eng, err := store.EngagementOf(ctx, s.Store, slugs...)
	if err != nil {
		return Console{}, err
	}
	for i := range c.Sends {
		c.Sends[i].Engagement = eng[c.Sends[i].Slug]
	}
	return c, nil
}

// sendGrace is how late a scheduled send or a runner's lease may be
// before the console calls it overdue or stopped: the scheduler runs every
// few minutes.
const sendGrace = 15 * time.Minute

func text(m map[string]string, lang string) string {
	if v := m[lang]; v != "" {
		return v
	}
	return m["ja"]
}

func sendTitle(ns store.NewsletterSend, lang string) string {
	if ns.Rendered != nil {
		if _, e := ns.Rendered.Edition(store.Language(lang)); e.Title != "" {
			return e.Title
		}
	}
	return ns.Slug
}

// percent is part of whole in whole percent (0 when whole is 0).
func percent(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	return min(100, (part*100+whole/2)/whole)
}

func (h Handler) hrHome(w http.ResponseWriter, r *http.Request, admin store.Member) {
	if r.URL.Path == "/hr" {
		http.Redirect(w, r, "/hr/", http.StatusMovedPermanently)
		return
	}
	lang := string(admin.Language)
	if lang != httpapi.LangEN {
		lang = httpapi.LangJA
	}
	c, err := h.S.Console(r.Context(), lang)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	h.S.setHRHint(w)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpapi.WriteJSON(w, http.StatusOK, c)
		return
	}
	T := consoleText[lang]
	// Times with their year (brand.DateTime), as the newsletter pages
	// write them: a planned send can be months away or months late.
	when := func(t time.Time) string { return brand.DateTime(lang, t) }
	charts := []template.HTML{}
	monthLabels := make([]string, len(c.Months))
	for i, m := range c.Months {
		monthLabels[i] = monthLabel(m, lang, i == 0 || strings.HasSuffix(m, "-01"))
	}
	draw := func(c chart, kind func(chart) template.HTML) {
		charts = append(charts, drawOrSayEmpty(c, kind, T["no_data"]))
	}
	draw(chart{ID: "members", Title: T["c_members"], Desc: fmt.Sprintf(T["d_members"], len(c.Months)),
		Labels: monthLabels, Table: T["table"], Series: []series{
			{T["registered"], c.Registered}, {T["approved"], c.Approvals}, {T["active"], c.Active}}}, chart.columns)
	draw(chart{ID: "funnel", Title: T["c_funnel"], Desc: T["d_funnel"], Table: T["table"],
		Labels: []string{T["f_registered"], T["f_verified"], T["f_approved"]},
		Series: []series{{T["people"], []int64{c.Funnel["registered"], c.Funnel["verified"], c.Funnel["approved"]}}}}, chart.rows)
	if len(c.Events) > 0 {
		var labels []string
		var fill, attend []int64
		for _, e := range c.Events {
			labels = append(labels, fitLabel(e.Title))
			fill = append(fill, percent(int64(e.Taken), int64(e.Capacity)))
			if e.Past {
				attend = append(attend, percent(e.Attended, int64(e.Taken)))
			} else {
				attend = append(attend, 0)
			}
		}
		draw(chart{ID: "events", Title: T["c_events"], Desc: T["d_events"], Table: T["table"], Percent: true, LabelsAbove: true,
			Labels: labels, Series: []series{{T["fill"], fill}, {T["attendance"], attend}}}, chart.rows)
	}
	var stageLabels []string
	var stageValues []int64
	for _, st := range store.ApplicationStatuses {
		stageLabels = append(stageLabels, httpapi.StageLabel(lang, string(st)))
		stageValues = append(stageValues, c.Stages[string(st)])
	}
	draw(chart{ID: "stages", Title: T["c_stages"], Desc: T["d_stages"], Table: T["table"],
		Labels: stageLabels, Series: []series{{T["applications"], stageValues}}}, chart.rows)
	quarterLabels := make([]string, len(c.Quarters))
	for i, q := range c.Quarters {
		quarterLabels[i] = quarterLabel(q, lang)
	}
	draw(chart{ID: "rehires", Title: T["c_rehires"], Desc: fmt.Sprintf(T["d_rehires"], len(c.Quarters)), Table: T["table"],
		Labels: quarterLabels, Series: []series{{T["applied"], c.Applied}, {T["rehired"], c.Rehired}}}, chart.columns)
	draw(chart{ID: "referrals", Title: T["c_referrals"], Desc: fmt.Sprintf(T["d_referrals"], len(c.Quarters)), Table: T["table"],
		Labels: quarterLabels, Series: []series{{T["referred"], c.Referred}, {T["ref_hired"], c.RefHired}}}, chart.columns)
	if len(c.Sends) > 0 {
		var labels []string
		var sent, opened, clicked, unsubscribed, held []int64
		for _, s := range c.Sends {
			labels = append(labels, fitLabel(s.Title))
			sent = append(sent, int64(s.Report.Sent))
			opened, clicked = append(opened, s.Engagement.Opened), append(clicked, s.Engagement.Clicked)
			unsubscribed = append(unsubscribed, s.Engagement.Unsubscribed)
			held = append(held, int64(s.Report.Suppressed+s.Report.Failed+s.Report.Uncertain))
		}
		draw(chart{ID: "sends", Title: T["c_sends"], Desc: T["d_sends"], Table: T["table"], Labels: labels, LabelsAbove: true,
			Series: []series{{T["delivered"], sent}, {T["opened"], opened}, {T["clicked"], clicked}, {T["unsubscribed"], unsubscribed}, {T["not_delivered"], held}}}, chart.rows)
	}
	var waiting []reviewRow
	if c.Waiting > 0 {
		if waiting, err = h.waitingRows(r.Context(), consoleWaiting, ""); err != nil {
			h.fail(w, r, httpapi.Internal(err), "")
			return
		}
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: T["title"], Section: httpapi.SectionMembers},
		consoleTmpl(), map[string]any{"T": T, "C": c, "Charts": charts, "When": when, "Admin": admin.Name,
			"Waiting": waiting, "RT": reviewText[lang], "Years": yearsFunc(lang), "Notice": h.readNotice(r.Context(), r, lang, "/hr/"),
			"Nothing": c.Waiting == 0 && c.Received == 0 && len(c.Offers) == 0 && len(c.Overdue) == 0 && len(c.Stuck) == 0 && len(c.Scheduled) == 0 && len(c.Ready) == 0,
			"Menu":    httpapi.NewHRMenu(lang, "/hr/")})
}

// drawOrSayEmpty is c drawn by kind, or, when every value is 0, its
// title, what it will show and noData ("まだデータがありません"): an
// empty plot says nothing to a reader who cannot tell a zero from a chart
// that failed to draw.
func drawOrSayEmpty(c chart, kind func(chart) template.HTML, noData string) template.HTML {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v != 0 {
				return kind(c)
			}
		}
	}
	var b strings.Builder
	if err := emptyChartTmpl().Execute(&b, map[string]any{"C": c, "NoData": noData}); err != nil {
		return template.HTML(template.HTMLEscapeString(err.Error()))
	}
	return template.HTML(b.String()) // #nosec G203 -- html/template escaped every value
}

var emptyChartTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("empty-chart").Parse(`<figure class="chart chart-empty" aria-labelledby="{{.C.ID}}-cap">
<figcaption id="{{.C.ID}}-cap">{{.C.Title}}</figcaption>
<p class="chart-none">{{.NoData}}</p>
<p class="hint">{{.C.Desc}}</p>
</figure>`))
})

// fitLabel is a name shortened to one line of a chart (chartWidth at the
// charts' largest type, 14 units on a phone): a wide (CJK) character
// counts 14 units, any other 8 (golang.org/x/text/width); a cut name ends
// in "…".
func fitLabel(s string) string {
	const room = 2 * (chartWidth - 16) // in half units
	used := 0
	r := []rune(s)
	for i, c := range r {
		w := 16
		if k := width.LookupRune(c).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
			w = 28
		}
		if used+w > room {
			return string(r[:max(i-1, 0)]) + "…"
		}
		used += w
	}
	return s
}

// monthLabel is "2026-04" as "4月" or "Apr", with the year ("26年1月",
// "Jan 26") when withYear.
func monthLabel(m, lang string, withYear bool) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	switch {
	case lang == httpapi.LangEN && withYear:
		return t.Format("Jan 06")
	case lang == httpapi.LangEN:
		return t.Format("Jan")
	case withYear:
		return t.Format("06年1月")
	}
	return t.Format("1月")
}

// quarterLabel is "2026-Q4" as "26年Q4" or "Q4 26".
func quarterLabel(q, lang string) string {
	y, n, ok := strings.Cut(q, "-")
	if !ok || len(y) != 4 {
		return q
	}
	if lang == httpapi.LangEN {
		return n + " " + y[2:]
	}
	return y[2:] + "年" + n
}

var consoleTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("console").Parse(`<div class="wrap hr console">` + httpapi.HRNav + `
<h1>{{.T.title}}</h1>
<section aria-labelledby="todo">
<h2 id="todo">{{.T.todo}}</h2>
` + noticeHTML + `
{{if .Nothing}}<p class="lead">{{.T.nothing}}</p>{{else}}
<ul class="cards todo">
{{if .C.Waiting}}<li class="card"><p class="figure"><span class="n">{{.C.Waiting}}</span> {{.T.unit_regs}}</p><p>{{.T.waiting}}</p>
{{with .Waiting}}<ul class="quick-review">{{range .}}<li>{{with .Member}}<span><b>{{.Name}}</b>{{if .Kana}} <small>（{{.Kana}}）</small>{{end}}<br><small>{{.Department}} {{call $.Years .Joined .Left}}</small></span>{{end}}
<small class="reason">{{index $.RT (printf "reason_%s" .Match.Reason)}}</small>
<form method="post" action="/api/hr/registrations/{{.Member.ID}}/approve"><input type="hidden" name="back" value="/hr/"><button type="submit" class="button button-small" aria-label="{{printf $.T.approve_who .Member.Name}}">{{$.RT.approve}}</button></form></li>{{end}}</ul>{{end}}
<p><a class="button{{if .Waiting}} button-secondary{{end}}" href="/hr/registrations">{{.T.review}}</a></p></li>{{end}}
{{if .C.Received}}<li class="card"><p class="figure"><span class="n">{{.C.Received}}</span> {{.T.unit_apps}}</p><p>{{.T.received}}</p><p><a class="button" href="/hr/applications?status=received">{{.T.see_apps}}</a></p></li>{{end}}
{{range .C.Offers}}<li class="card"><p class="figure"><span class="n">{{.Count}}</span> {{$.T.unit_offers}}</p><p>{{printf $.T.offers .Title (call $.When .Soonest)}}</p><p><a class="button button-secondary" href="/hr/events/{{.EventID}}">{{$.T.see_event}}</a></p></li>{{end}}
{{range .C.Overdue}}<li class="card warn"><p class="figure">{{$.T.overdue}}</p><p>{{printf $.T.overdue_text .Title (call $.When .SendAt)}}</p><p><a class="button" href="/hr/newsletters/{{.Slug}}">{{$.T.see_send}}</a></p></li>{{end}}
{{range .C.Ready}}{{if .Missed}}<li class="card warn"><p class="figure">{{$.T.missed}}</p><p>{{printf $.T.missed_text .Title (call $.When .SendAt)}}</p><p><a class="button" href="/hr/newsletters/{{.Slug}}">{{$.T.open_send}}</a></p></li>{{end}}{{end}}
{{range .C.Stuck}}<li class="card warn"><p class="figure">{{$.T.stuck}}</p><p>{{printf $.T.stuck_text .Title}}</p><p><a class="button" href="/hr/newsletters/{{.Slug}}">{{$.T.see_send}}</a></p></li>{{end}}
{{range .C.Ready}}{{if not .Missed}}<li class="card"><p class="figure">{{$.T.ready}}</p><p>{{if .SendAt.IsZero}}{{printf $.T.ready_text .Title}}{{else}}{{printf $.T.ready_at .Title (call $.When .SendAt)}}{{end}}</p><p><a class="button" href="/hr/newsletters/{{.Slug}}">{{$.T.start_send}}</a></p></li>{{end}}{{end}}
{{range .C.Scheduled}}<li class="card"><p class="figure">{{$.T.scheduled}}</p><p>{{printf $.T.scheduled_text .Title (call $.When .SendAt)}}</p><p><a class="button button-secondary" href="/hr/newsletters/{{.Slug}}">{{$.T.see_send}}</a></p></li>{{end}}
</ul>{{end}}
</section>
<section aria-labelledby="numbers">
<h2 id="numbers">{{.T.numbers}}</h2>
<dl class="key-figures">
<div><dt>{{.T.k_approved}}</dt><dd>{{.C.Approved}}</dd></div>
<div><dt>{{.T.k_active}}</dt><dd>{{.C.Active90}}</dd></div>
<div><dt>{{.T.k_waiting}}</dt><dd>{{.C.Waiting}}</dd></div>
<div><dt>{{.T.k_received}}</dt><dd>{{.C.Received}}</dd></div>
</dl>
<p class="hint">{{.T.active_note}}</p>
<div class="charts">{{range .Charts}}{{.}}{{end}}</div>
</section>
</div>`))
})

var consoleText = map[string]map[string]string{
	"ja": {
		"title": "HRホーム", "todo": "いま対応が必要なこと", "nothing": "いま対応が必要なことはありません。",
		"unit_regs": "件", "waiting": "登録申請が承認を待っています。", "review": "照合結果を見て審査する", "approve_who": "%sさんを承認する",
		"unit_apps": "件", "received": "新しい応募が届いています（未対応）。", "see_apps": "応募を見る",
		"unit_offers": "件", "offers": "「%s」の空席をキャンセル待ちの方に案内中です。最初の回答期限は %s です。", "see_event": "イベントを見る",
		"overdue": "予定時刻を過ぎた配信", "overdue_text": "「%s」は %s に配信する予定でしたが、まだ始まっていません。", "see_send": "配信を確認する",
		"stuck": "止まっている配信", "stuck_text": "「%s」の配信が途中で止まっています。内容を確認して再開してください。",
		"scheduled": "予約済みの配信", "scheduled_text": "「%s」は %s に配信されます。",
		"ready": "配信を待っているニュースレター", "ready_text": "「%s」は準備ができています。内容を確認して、配信を始めるか予約してください。",
		"ready_at": "「%s」（予定 %s）は準備ができています。内容を確認して、配信を始めるか予約してください。", "start_send": "確認して配信する",
		"missed": "予定時刻を過ぎたニュースレター", "missed_text": "「%s」は %s に配信する予定でしたが、その時刻を過ぎても配信されていません（自動では始まりません）。配信ページを開き、内容を確認してから「配信を開始する」を押してください。", "open_send": "配信ページを開く",
		"numbers": "数字で見る", "k_approved": "メンバー（承認済み）", "k_active": "直近90日のアクティブ", "k_waiting": "審査待ち", "k_received": "未対応の応募",
		"active_note": "アクティブ：ログインした、またはログインしたままポータルを使ったメンバー（1人1回）。",
		"table":       "数値を表で見る", "people": "人数",
		"c_members": "メンバーの推移（月別）", "d_members": "直近%d か月の月ごとの新規登録、承認、アクティブなメンバーの数。",
		"registered": "新規登録", "approved": "承認", "active": "アクティブ",
		"c_funnel": "登録の流れ", "d_funnel": "登録した人、メールを確認した人、承認された人の累計。",
		"f_registered": "登録", "f_verified": "メール確認", "f_approved": "承認",
		"c_events": "イベントの申込率と出席率", "d_events": "最近と今後のイベントごとの、定員に対する申込（席）の割合と、申込に対する出席の割合。",
		"fill": "申込率", "attendance": "出席率",
		"c_stages": "応募の状況", "d_stages": "いま各段階にある応募の数。", "applications": "応募",
		"c_rehires": "応募と採用決定（四半期別）", "d_rehires": "直近%d四半期の応募数と、採用決定になった数。",
		"applied": "応募", "rehired": "採用決定", "no_data": "まだデータがありません",
		"c_referrals": "紹介（四半期別）", "d_referrals": "直近%d四半期にメンバーが紹介した数と、紹介から採用された数。",
		"referred": "紹介", "ref_hired": "採用",
		"c_sends": "ニュースレター", "d_sends": "最近の配信ごとの、届いた人数、開封・クリック・配信停止した人数（同じ人は 1 人と数えます）、届かなかった（配信停止中・失敗）人数。",
		"delivered": "届いた", "not_delivered": "届かなかった", "opened": "開封", "clicked": "クリック", "unsubscribed": "配信停止",
	},
	"en": {
		"title": "HR home", "todo": "Needs your attention", "nothing": "Nothing needs your attention right now.",
		"unit_regs": "", "waiting": "registrations are waiting for approval.", "review": "Review with the roster", "approve_who": "Approve %s",
		"unit_apps": "", "received": "new applications have not been looked at yet.", "see_apps": "See applications",
		"unit_offers": "", "offers": "seats of “%s” are offered to people on the waitlist; the first answer is due %s.", "see_event": "See the event",
		"overdue": "Send overdue", "overdue_text": "“%s” was due to go out %s and has not started.", "see_send": "Check the send",
		"stuck": "Send stopped", "stuck_text": "Sending “%s” stopped part way. Check it and resume.",
		"scheduled": "Send scheduled", "scheduled_text": "“%s” goes out %s.",
		"ready": "Newsletter ready to send", "ready_text": "“%s” is ready. Check it, then start or schedule the send.",
		"ready_at": "“%s” (planned for %s) is ready. Check it, then start or schedule the send.", "start_send": "Check and send",
		"missed": "Planned time passed", "missed_text": "“%s” was planned to go out %s. That time has passed and it has not been sent (it does not start by itself). Open its send page, check it, then press “Start the send”.", "open_send": "Open the send page",
		"numbers": "The numbers", "k_approved": "Members (approved)", "k_active": "Active, last 90 days", "k_waiting": "Waiting for review", "k_received": "New applications",
		"active_note": "Active: a member who logged in, or used the portal while logged in (each member once).",
		"table":       "Show the numbers as a table", "people": "People",
		"c_members": "Members by month", "d_members": "New registrations, approvals and active members in each of the last %d months.",
		"registered": "Registered", "approved": "Approved", "active": "Active",
		"c_funnel": "Registration funnel", "d_funnel": "People who registered, confirmed their address, and were approved, in total.",
		"f_registered": "Registered", "f_verified": "Confirmed email", "f_approved": "Approved",
		"c_events": "Events: fill and attendance", "d_events": "For recent and coming events, seats taken as a share of capacity, and attendance as a share of seats taken.",
		"fill": "Fill", "attendance": "Attendance",
		"c_stages": "Applications by stage", "d_stages": "How many applications are at each stage now.", "applications": "Applications",
		"c_rehires": "Applications and hires by quarter", "d_rehires": "Applications, and applicants hired, in each of the last %d quarters.",
		"applied": "Applications", "rehired": "Hired", "no_data": "No data yet",
		"c_referrals": "Referrals by quarter", "d_referrals": "Referrals members made, and referred friends hired, in each of the last %d quarters.",
		"referred": "Referrals", "ref_hired": "Hired",
		"c_sends": "Newsletters", "d_sends": "For recent sends, how many members it reached, how many opened it, clicked a link and unsubscribed with its link (each person once), and how many it did not reach (suppressed or failed).",
		"delivered": "Delivered", "not_delivered": "Not delivered", "opened": "Opened", "clicked": "Clicked", "unsubscribed": "Unsubscribed",
	},
}
