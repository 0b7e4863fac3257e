package newsletter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// HR's newsletter pages: /hr/newsletters lists every send, newest first;
// /hr/newsletters/{slug} shows one with its report, a preview of each
// edition and the form that starts it (a POST to the JSON API's own route,
// answered with 303 back here). No JavaScript.

// hrPath is a send's page.
func hrPath(slug string) string { return "/hr/newsletters/" + url.PathEscape(slug) }

// hrLang is the administrator's language: the pages follow it, as HR's
// other pages do.
func hrLang(m store.Member) string {
	if m.Language == store.LanguageEn {
		return httpapi.LangEN
	}
	return httpapi.LangJA
}

var hrText = map[string]map[string]string{
	"ja": {
		"site": "アルムナイネットワーク", "skip": "本文へ移動", "title": "ニュースレター", "intro": "サイトに取り込んだニュースレターと、その配信の状況です（新しい順）。時刻はすべて日本時間です。",
		"none":    "ニュースレターはまだありません。「コンテンツの編集」（/admin/）の「ニュースレター」で書いて公開すると、ここに表示されます。",
		"caption": "ニュースレターの配信", "newsletter": "ニュースレター", "subject": "件名", "segment": "配信対象", "send_at": "配信予定",
		"status": "状態", "started": "開始", "finished": "完了", "running": "実行中", "asap": "開始したらすぐ",
		"pending": "送信待ち", "back": "ニュースレター一覧へ",
		"went_to": "送った人数", "delivered": "届いた", "not_delivered": "届かなかった", "opened": "開封", "clicked": "クリック", "unsubscribed": "配信停止",
		"rate_note": "割合は、送った人数（届いた人と届かなかった人の合計）に対する割合です。開封・クリック・配信停止は、それぞれ人数で数えています（同じ人が何度開いても 1 人）。配信停止はこのニュースレターのリンクから止めた人です。開封はメールソフトが画像を読み込んだときに数えるため、実際より少なく出ることがあります。",
		"why_not":   "届かなかった内訳：配信停止や宛先エラーで除外 %d 人、送信失敗 %d 人、送信できたか不明 %d 人。", "pending_note": "まだ送っていない人が %d 人います。",
		"summary": "概要", "edit": "内容の編集", "colon": "：", "edit_link": "「コンテンツの編集」でこのニュースレターを開く", "actor": "開始した人", "updated": "最終更新", "report": "送信レポート",
		"report_none": "まだ配信していません。", "last_error": "最後のエラー", "preview": "プレビュー", "preheader": "プレビュー文",
		"edition_ja": "日本語版", "edition_en": "英語版", "frame": "メールのプレビュー", "text_part": "テキスト版",
		"no_en":        "英語版はありません。英語を選んだメンバーには日本語版が届きます。",
		"preview_note": "受信者の名前には見本（山田 花子 様）が入ります。このページでは安全のためメールのスタイルとスクリプトを無効にしているため、見た目は実際のメールと異なります。実際の見た目は、下の「自分にテスト送信する」で届くメールで確かめてください。",
		"send":         "配信", "confirm": "プレビューと配信対象を確認しました。この内容で配信します（配信は取り消せません）。",
		"start": "配信を開始する", "schedule": "配信を予約する", "resume": "配信を再開する",
		"schedule_note":  "配信予定（%s）の前に押すと予約になり、その時刻に自動で配信されます。",
		"resume_note":    "前回の続きから配信します。送信済みの人には二度と送りません。",
		"scheduled_note": "%s に自動で配信されます。", "sending_note": "配信中です。進み具合はこのページを再読み込みすると確認できます。",
		"done_note": "配信が完了しました。", "uncertain_note": "送信できたか確認できない宛先が %d 件あります。自動では再送しません。SendGrid の管理画面（Activity）で届いたかを確かめ、届いていなければポータルの運用担当者に再送を依頼してください（運用担当者向け：okaeri newsletter send %s --resend-uncertain）。",
		"reload": "最新の状態に更新", "notice_started": "配信を開始しました。", "notice_scheduled": "配信を予約しました。%s に配信されます。",
		"notice_already": "この配信はすでに開始されています。同じ内容が二重に送られることはありません。",
		"seg_all":        "ニュースレターの受け取りに同意したすべてのメンバー", "seg_lang_ja": "日本語を選んだメンバー", "seg_lang_en": "英語を選んだメンバー",
		"seg_departments": "在籍時の部署：%s", "seg_left": "退職時期：%s〜%s", "seg_open_to": "関心：%s", "sep": "、",
		"open_rehire": "再入社", "open_sidework": "副業", "open_mentoring": "メンタリング", "open_referrals": "紹介",
		"missed": "予定の時刻を過ぎています", "st_ready": "未配信", "st_scheduled": "予約済み", "st_sending": "配信中", "st_paused": "一時停止中", "st_done": "配信完了", "st_failed": "停止（エラー）",
		"actor_cli": "運用担当者（管理コマンド）", "actor_scheduler": "自動配信", "actor_hr": "事務局",
		"test": "テスト送信", "test_button": "自分にテスト送信する",
		"test_note":     "件名に「【テスト送信】」を付けて、あなたのアドレス（%s）にだけ、あなたの言語の版を送ります。配信は始まらず、配信の状態も変わりません。",
		"notice_tested": "テスト送信しました。%s に届きます。", "notice_test_wait": "テスト送信は少し前に済んでいます。同じメールが二重に届かないよう、1〜2分待ってからもう一度押してください。",
		"audience": "今配信すると届く人数", "audience_total": "合計", "audience_ja": "日本語版", "audience_en": "英語版",
		"audience_suppressed": "配信停止などで除外", "audience_claimed": "すでに送信済み・送信中", "people": "%d 人", "rate": "%s%%",
		"warn_base_url": "このニュースレターのリンク（%d 件）は %s を指しています。このポータルのアドレスは %s です。このまま配信すると、リンクを開いた人が別のサイトに行きます。配信する前に、ポータルの運用担当者にアドレスの設定の確認とニュースレターの取り込み直しを依頼してください（運用担当者向け：OKAERI_BASE_URL を確かめて okaeri sync）。",
		"warn_overdue":  "配信予定（%s）を %d 分過ぎましたが、まだ始まっていません。定期実行（スケジューラ）が止まっている可能性があります。下のボタンで今すぐ配信するか、運用担当者に連絡してください。",
		"audience_note": "ニュースレターの受け取りに同意し、配信対象に当てはまり、配信停止リストに載っていないメンバーの数です。実際の配信と同じ方法で、このページを開いた時点の状態から数えています。",
	},
	"en": {
		"site": "Alumni network", "skip": "Skip to content", "title": "Newsletters", "intro": "The newsletters on the site and how their sends went, newest first. All times are Japan time.",
		"none":    "No newsletters yet. Write one under Newsletters in “Edit the portal” (/admin/) and publish it: it appears here.",
		"caption": "Newsletter sends", "newsletter": "Newsletter", "subject": "Subject", "segment": "Recipients", "send_at": "Scheduled",
		"status": "Status", "started": "Started", "finished": "Finished", "running": "running", "asap": "As soon as started",
		"pending": "Pending", "back": "All newsletters",
		"went_to": "Sent to", "delivered": "Delivered", "not_delivered": "Not delivered", "opened": "Opened", "clicked": "Clicked", "unsubscribed": "Unsubscribed",
		"rate_note": "Rates are of everyone the send was for (delivered and not delivered together). Opened, clicked and unsubscribed count people: someone who opens it five times counts once. Unsubscribed counts those who stopped it with this newsletter's link. An open counts when the mail app loads the images, so the real figure may be higher.",
		"why_not":   "Not delivered: %d left out (unsubscribed or a bad address), %d failed, %d uncertain.", "pending_note": "%d people have not been sent it yet.",
		"summary": "Summary", "edit": "Editing", "colon": ": ", "edit_link": "Open this newsletter in “Edit the portal”", "actor": "Started by", "updated": "Last updated", "report": "Send report",
		"report_none": "Not sent yet.", "last_error": "Last error", "preview": "Preview", "preheader": "Preheader",
		"edition_ja": "Japanese edition", "edition_en": "English edition", "frame": "Preview of the email", "text_part": "Plain-text part",
		"no_en":        "There is no English edition. Members who chose English get the Japanese one.",
		"preview_note": "The recipient's name is a sample (山田 花子 様 / Dear Hanako Yamada). For safety this page turns off the email's styles and scripts, so it looks plainer than the real email: send yourself a test below to see it as sent.",
		"send":         "Send", "confirm": "I have checked the preview and the recipients. Send it as it is (a send cannot be taken back).",
		"start": "Start the send", "schedule": "Schedule the send", "resume": "Resume the send",
		"schedule_note":  "Before its scheduled time (%s) this schedules the send; it goes out by itself then.",
		"resume_note":    "The send continues where it stopped. Nobody who got it gets it twice.",
		"scheduled_note": "It goes out by itself at %s.", "sending_note": "Sending. Reload this page to see how far it got.",
		"done_note": "The send is complete.", "uncertain_note": "%d recipients may or may not have got it; they are never resent automatically. Check SendGrid's Activity feed and, if they did not get it, ask whoever runs the portal to resend (for them: okaeri newsletter send %s --resend-uncertain).",
		"reload": "Reload the status", "notice_started": "The send has started.", "notice_scheduled": "The send is scheduled for %s.",
		"notice_already": "This send had already started. Nobody gets it twice.",
		"seg_all":        "Every member who agreed to receive the newsletter", "seg_lang_ja": "Members who chose Japanese", "seg_lang_en": "Members who chose English",
		"seg_departments": "Department: %s", "seg_left": "Left the company: %s to %s", "seg_open_to": "Open to: %s", "sep": ", ",
		"open_rehire": "re-hire", "open_sidework": "side work", "open_mentoring": "mentoring", "open_referrals": "referrals",
		"missed": "Planned time passed", "st_ready": "Ready", "st_scheduled": "Scheduled", "st_sending": "Sending", "st_paused": "Paused", "st_done": "Done", "st_failed": "Failed",
		"actor_cli": "whoever runs the portal (server command)", "actor_scheduler": "the scheduler", "actor_hr": "HR",
		"test": "Test send", "test_button": "Send a test to myself",
		"test_note":     "Sends your language's edition to your address (%s) only, with \"[Test]\" before the subject. The send does not start and its status does not change.",
		"notice_tested": "The test is sent to %s.", "notice_test_wait": "A test went out a moment ago. So that it does not arrive twice, wait a minute or two before pressing again.",
		"audience": "Who would get it now", "audience_total": "Total", "audience_ja": "Japanese edition", "audience_en": "English edition",
		"audience_suppressed": "Left out (unsubscribed, bounced)", "audience_claimed": "Already sent or on their way", "people": "%d", "rate": "%s%%",
		"warn_base_url": "This newsletter's links (%d) point at %s, but this portal's address is %s. Sent as it is, readers who open a link land on another site. Before sending, ask whoever runs the portal to check its address and bring the newsletter in again (for them: check OKAERI_BASE_URL, then okaeri sync).",
		"warn_overdue":  "The send was due at %s, %d minutes ago, and has not started. The scheduler may have stopped. Start it now with the button below, or tell whoever runs the portal.",
		"audience_note": "Members who agreed to receive the newsletter, are in its recipients and are not on the suppression list, counted the way the send counts them, as things are when this page was opened.",
	},
}

// hrSend is a send as HR's pages show it: words and Japan times.
type hrSend struct {
	Slug        string
	Title       string // the Japanese edition's (the slug before it is rendered)
	TitleEN     string // the English edition's, if translated
	Subject     string
	SubjectEN   string
	Segment     []string
	Status      store.SendStatus
	StatusLabel string
	Running     bool
	Rendered    bool
	Report      store.SendReport
	Figures     []hrFigure // the report in words: delivered, not delivered, opened, clicked, unsubscribed
	Error       string
	Version     int64
	SendAt      hrTime
	Started     hrTime
	Finished    hrTime
	Updated     hrTime
	Actor       string
	Asap        string // what a ready send without send_at says for its time
	Missed      bool   // its planned time passed and it has not started
}

// hrTime is a time for a page: in Japan, to the minute, with its
// machine-readable form for <time>.
type hrTime struct{ Text, ISO string }

func timeOf(lang string, t time.Time) hrTime {
	if t.IsZero() {
		return hrTime{}
	}
	return hrTime{Text: brand.DateTime(lang, t), ISO: t.UTC().Format(time.RFC3339)}
}

func (h Handler) hrSendOf(ctx context.Context, s store.NewsletterSend, eng store.SendEngagement, lang string) hrSend {
	T := hrText[lang]
	v := hrSend{Slug: s.Slug, Title: s.Slug, Status: s.Status, StatusLabel: cmp.Or(T["st_"+string(s.Status)], string(s.Status)),
		Running: s.LeaseOwner != "" && s.LeaseUntil.After(h.S.Now()), Rendered: s.Rendered != nil, Report: s.Report, Error: s.Error,
		Version: s.Version, SendAt: timeOf(lang, s.SendAt), Started: timeOf(lang, s.StartedAt), Finished: timeOf(lang, s.FinishedAt), Updated: timeOf(lang, s.UpdatedAt), Asap: T["asap"]}
	if s.Rendered != nil {
		ja := s.Rendered.Editions[store.LanguageJa]
		v.Title, v.Subject = cmp.Or(ja.Title, s.Slug), ja.Subject
		if en, ok := s.Rendered.Editions[store.LanguageEn]; ok {
			v.TitleEN, v.SubjectEN = en.Title, en.Subject
		}
		v.Segment = segmentWords(s.Rendered.Segment, T)
	}
	if s.Status != store.SendReady {
		v.Actor = h.actorName(ctx, s.Actor, T)
	}
	// A ready send waits for HR however late it is; a scheduled one is
	// late once the scheduler should have started it.
	now := h.S.Now()
	v.Missed = !s.SendAt.IsZero() && (s.Status == store.SendReady && s.SendAt.Before(now) ||
		s.Status == store.SendScheduled && s.SendAt.Before(now.Add(-overdueAfter)))
	v.Figures = reportFigures(s.Report, eng, T)
	return v
}

// hrWarning is one thing on a send's page HR should act on before sending.
type hrWarning struct{ ID, Text string }

// sendWarnings says what is wrong with a send before it goes: its body
// was rendered for another origin than OKAERI_BASE_URL (its links would
// take readers elsewhere), or its scheduled time passed and it did not
// start (the scheduler may be down).
func (h Handler) sendWarnings(s store.NewsletterSend, lang string) []hrWarning {
	T := hrText[lang]
	var out []hrWarning
	here := strings.TrimRight(h.S.Config.BaseURL, "/")
	if s.Rendered != nil && s.Status != store.SendDone {
		if there := strings.TrimRight(s.Rendered.BaseURL, "/"); there != here {
			links := 0
			for _, e := range s.Rendered.Editions {
				links += linksTo(e.HTML, there)
			}
			out = append(out, hrWarning{"warn-base-url", fmt.Sprintf(T["warn_base_url"], links, cmp.Or(there, "—"), here)})
		}
	}
	if now := h.S.Now(); s.Status == store.SendScheduled && !s.SendAt.IsZero() && s.SendAt.Before(now.Add(-overdueAfter)) {
		out = append(out, hrWarning{"warn-overdue", fmt.Sprintf(T["warn_overdue"], timeOf(lang, s.SendAt).Text, int(now.Sub(s.SendAt).Minutes()))})
	}
	return out
}

// overdueAfter is how late a scheduled send may start before its page
// warns (the scheduler runs every few minutes; /hr/ uses the same grace).
const overdueAfter = 15 * time.Minute

// linksTo counts the href attributes of body that go to origin.
func linksTo(body, origin string) int {
	if origin == "" {
		return 0
	}
	n := 0
	for _, q := range []string{`href="`, `href='`} {
		n += strings.Count(body, q+origin+"/") + strings.Count(body, q+origin+q[len(q)-1:])
	}
	return n
}

// reportFigures is a send's report in plain words, each count with its
// rate of everyone the send was for: delivered (SendGrid accepted it) and
// not delivered (left out by the suppression list, failed, uncertain),
// then opened, clicked and unsubscribed, members each once, from the
// counters the events keep.
func reportFigures(rep store.SendReport, eng store.SendEngagement, T map[string]string) []hrFigure {
	notDelivered := rep.Suppressed + rep.Failed + rep.Uncertain
	base := int64(rep.Sent + notDelivered)
	figure := func(id, label string, n int64) hrFigure {
		f := hrFigure{ID: id, Label: label, Value: fmt.Sprintf(T["people"], n), Count: n}
		if base > 0 {
			f.Rate = fmt.Sprintf(T["rate"], percentText(n, base))
		}
		return f
	}
	return []hrFigure{
		{ID: "count-went-to", Label: T["went_to"], Value: fmt.Sprintf(T["people"], base), Count: base},
		figure("count-delivered", T["delivered"], int64(rep.Sent)),
		figure("count-opened", T["opened"], eng.Opened),
		figure("count-clicked", T["clicked"], eng.Clicked),
		figure("count-unsubscribed", T["unsubscribed"], eng.Unsubscribed),
		figure("count-not-delivered", T["not_delivered"], int64(notDelivered)),
	}
}

// percentText is n of base in percent: one decimal below 10%, whole above.
func percentText(n, base int64) string {
	p := float64(n) * 100 / float64(base)
	if p > 0 && p < 0.1 {
		return "<0.1" // not "0%" for someone who did
	}
	if p > 0 && p < 10 {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", p), ".0")
	}
	return fmt.Sprintf("%.0f", p)
}

// segmentWords says who a segment reaches, one line per condition.
func segmentWords(seg store.NewsletterSegment, T map[string]string) []string {
	var out []string
	switch seg.Language {
	case store.LanguageJa:
		out = append(out, T["seg_lang_ja"])
	case store.LanguageEn:
		out = append(out, T["seg_lang_en"])
	}
	if len(seg.Departments) > 0 {
		out = append(out, fmt.Sprintf(T["seg_departments"], strings.Join(seg.Departments, T["sep"])))
	}
	if seg.LeftFrom != "" || seg.LeftTo != "" {
		from, to := seg.LeftMonths()
		out = append(out, fmt.Sprintf(T["seg_left"], cmp.Or(from, "…"), cmp.Or(to, "…")))
	}
	if len(seg.OpenTo) > 0 {
		var open []string
		for _, o := range seg.OpenTo {
			open = append(open, cmp.Or(T["open_"+o], o))
		}
		out = append(out, fmt.Sprintf(T["seg_open_to"], strings.Join(open, T["sep"])))
	}
	if len(out) == 0 {
		out = append(out, T["seg_all"])
	}
	return out
}

// actorName says who started a send: an administrator by name (HR sees
// HR's own names), the CLI or the scheduler.
func (h Handler) actorName(ctx context.Context, actor string, T map[string]string) string {
	switch {
	case actor == "cli":
		return T["actor_cli"]
	case actor == "scheduler":
		return T["actor_scheduler"]
	case strings.HasPrefix(actor, "hr:"):
		if m, err := h.S.Store.GetMember(ctx, strings.TrimPrefix(actor, "hr:")); err == nil && m.Name != "" {
			return m.Name
		}
		return T["actor_hr"]
	}
	return actor
}

// newestFirst orders sends by their date: when they are (or were) to go,
// else when they started, else when they were synced.
func newestFirst(sends []store.NewsletterSend) {
	date := func(s store.NewsletterSend) time.Time {
		for _, t := range []time.Time{s.SendAt, s.StartedAt} {
			if !t.IsZero() {
				return t
			}
		}
		return s.CreatedAt
	}
	slices.SortStableFunc(sends, func(a, b store.NewsletterSend) int {
		return cmp.Or(date(b).Compare(date(a)), strings.Compare(a.Slug, b.Slug))
	})
}

// cmsEntries is where HR's CMS (/admin/, Decap) opens a newsletter by its
// slug: the newsletters collection (functions/cms, schema.Newsletters).
const cmsEntries = "/admin/#/collections/newsletters/entries/"

// hrHead starts every HR page's content, inside the site's frame.
const hrHead = `<div class="wrap hr">` + httpapi.HRNav

const hrFoot = `
</div>`

// hrTimePartial renders an hrTime as <time>, or a dash when there is none;
// "send_at" a send's scheduled time, "as soon as started" for a ready send
// without one.
const hrTimePartial = `{{define "time"}}{{if .Text}}<time datetime="{{.ISO}}">{{.Text}}</time>{{else}}—{{end}}{{end}}` +
	`{{define "send_at"}}{{if .SendAt.Text}}{{template "time" .SendAt}}{{else if eq .Status "ready"}}{{.Asap}}{{else}}—{{end}}{{end}}`

var hrListTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-newsletters").Parse(hrTimePartial + hrHead + `
<h1>{{.T.title}}</h1>
<p>{{.T.intro}}</p>
{{if not .Sends}}<p>{{.T.none}}</p>{{else}}
<div class="table-scroll" role="region" aria-labelledby="sends-caption" tabindex="0">
<table class="stacked names sends"><caption id="sends-caption">{{.T.caption}} ({{len .Sends}})</caption>
<thead><tr><th scope="col">{{.T.newsletter}}</th><th scope="col">{{.T.segment}}</th><th scope="col">{{.T.send_at}}</th><th scope="col">{{.T.status}}</th><th scope="col">{{.T.report}}</th></tr></thead>
<tbody>{{range .Sends}}<tr id="send-{{.Slug}}">
<td data-label="{{$.T.newsletter}}"><div>{{if and (eq $.Lang "en") .TitleEN}}<a href="/hr/newsletters/{{.Slug}}" lang="en">{{.TitleEN}}</a><br><span lang="ja">{{.Title}}</span>{{else}}<a href="/hr/newsletters/{{.Slug}}" lang="ja">{{.Title}}</a>{{if .TitleEN}}<br><span lang="en">{{.TitleEN}}</span>{{end}}{{end}}
{{if .Subject}}<p class="subject">{{$.T.subject}}{{$.T.colon}}<span lang="ja">{{.Subject}}</span>{{if .SubjectEN}}<br><span lang="en">{{.SubjectEN}}</span>{{end}}</p>{{end}}</div></td>
<td data-label="{{$.T.segment}}"><div>{{range $i, $s := .Segment}}{{if $i}}<br>{{end}}{{$s}}{{else}}—{{end}}</div></td>
<td data-label="{{$.T.send_at}}" class="date"><div>{{template "send_at" .}}{{if .Missed}}<br><span class="badge badge-warn">{{$.T.missed}}</span>{{end}}</div></td>
<td data-label="{{$.T.status}}"><div><span data-status="{{.Status}}">{{.StatusLabel}}{{if .Running}} ({{$.T.running}}){{end}}</span>
{{if .Started.Text}}<br><small>{{$.T.started}} {{template "time" .Started}}</small>{{end}}{{if .Finished.Text}}<br><small>{{$.T.finished}} {{template "time" .Finished}}</small>{{end}}</div></td>
<td data-label="{{$.T.report}}">{{if or (index .Figures 0).Count .Report.Pending}}<ul class="figures">{{range .Figures}}<li>{{.Label}} <span class="count">{{.Value}}</span></li>{{end}}{{if .Report.Pending}}<li>{{$.T.pending}} <span class="count">{{printf $.T.people .Report.Pending}}</span></li>{{end}}</ul>{{else}}{{$.T.report_none}}{{end}}</td></tr>
{{end}}</tbody></table></div>{{end}}` + hrFoot))
})

var hrSendTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-newsletter").Parse(hrTimePartial + hrHead + `
<p class="back"><a href="/hr/newsletters">{{.T.back}}</a></p>
<h1 lang="ja">{{.S.Title}}</h1>
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}
{{if not .S.Rendered}}<p class="form-errors" id="not-rendered">{{.NotRendered}}</p>{{end}}
{{range .Warnings}}<p class="form-errors" id="{{.ID}}">{{.Text}}</p>{{end}}
{{if .S.Error}}<div class="form-errors" id="last-error"><h2>{{.T.last_error}}</h2><p class="pre">{{.S.Error}}</p></div>{{end}}
<h2>{{.T.summary}}</h2>
<dl class="facts">
<div><dt>{{.T.status}}</dt><dd id="send-status" data-status="{{.S.Status}}">{{.S.StatusLabel}}{{if .S.Running}} ({{.T.running}}){{end}}</dd></div>
{{if .S.Subject}}<div><dt>{{.T.subject}}</dt><dd><span lang="ja">{{.S.Subject}}</span>{{if .S.SubjectEN}}<br><span lang="en">{{.S.SubjectEN}}</span>{{end}}</dd></div>{{end}}
<div><dt>{{.T.segment}}</dt><dd>{{range $i, $s := .S.Segment}}{{if $i}}<br>{{end}}{{$s}}{{else}}—{{end}}</dd></div>
<div><dt>{{.T.send_at}}</dt><dd>{{template "send_at" .S}}</dd></div>
<div><dt>{{.T.started}}</dt><dd>{{template "time" .S.Started}}</dd></div>
<div><dt>{{.T.finished}}</dt><dd>{{template "time" .S.Finished}}</dd></div>
{{if .S.Actor}}<div><dt>{{.T.actor}}</dt><dd>{{.S.Actor}}</dd></div>{{end}}
<div><dt>{{.T.updated}}</dt><dd>{{template "time" .S.Updated}}</dd></div>
<div><dt>{{.T.edit}}</dt><dd><a href="{{.CMS}}{{.S.Slug}}">{{.T.edit_link}}</a></dd></div>
</dl>
<h2>{{.T.report}}</h2>
{{if .Sent}}<dl class="facts counts">
{{range .S.Figures}}<div><dt>{{.Label}}</dt><dd id="{{.ID}}">{{.Value}}{{if .Rate}} <span class="rate">({{.Rate}})</span>{{end}}</dd></div>
{{end}}</dl>
<p class="hint">{{.T.rate_note}}</p>
{{if .WhyNot}}<p id="why-not">{{.WhyNot}}</p>{{end}}{{else}}<p>{{.T.report_none}}</p>{{end}}
{{if .S.Report.Pending}}<p id="count-pending">{{printf .T.pending_note .S.Report.Pending}}</p>{{end}}
{{if .Uncertain}}<p class="notice">{{.Uncertain}}</p>{{end}}
{{if .Editions}}<h2>{{.T.preview}}</h2>
<p class="hint">{{.T.preview_note}}</p>
{{range .Editions}}<section class="newsletter-edition" lang="{{.Lang}}" aria-labelledby="edition-{{.Lang}}">
<h3 id="edition-{{.Lang}}" lang="{{$.Lang}}">{{.Label}}</h3>
<dl class="facts">
<div><dt lang="{{$.Lang}}">{{$.T.subject}}</dt><dd>{{.Subject}}</dd></div>
{{if .Preheader}}<div><dt lang="{{$.Lang}}">{{$.T.preheader}}</dt><dd>{{.Preheader}}</dd></div>{{end}}
</dl>
<div class="newsletter-frame" role="region" aria-label="{{.Frame}}" tabindex="0"><iframe class="newsletter-preview" title="{{.Frame}}" sandbox srcdoc="{{.HTML}}"></iframe></div>
<h4 lang="{{$.Lang}}">{{$.T.text_part}}</h4>
<pre class="pre newsletter-text">{{.Text}}</pre>
</section>
{{end}}{{if .NoEnglish}}<p>{{.T.no_en}}</p>{{end}}{{end}}
{{if .Audience}}<h2 id="audience">{{.T.audience}}</h2>
<p class="hint">{{.T.audience_note}}</p>
<dl class="facts counts">
{{range .Audience}}<div><dt>{{.Label}}</dt><dd id="{{.ID}}">{{.Value}}</dd></div>
{{end}}</dl>{{end}}
{{if .TestNote}}<h2 id="test">{{.T.test}}</h2>
<form method="post" action="/api/hr/newsletters/{{.S.Slug}}/test" class="form stack">
<p class="hint">{{.TestNote}}</p>
<p><button type="submit" class="button button-secondary">{{.T.test_button}}</button></p>
</form>{{end}}
<h2 id="send">{{.T.send}}</h2>
{{if .CanStart}}<form method="post" action="/api/hr/newsletters/{{.S.Slug}}/send" class="form stack">
<input type="hidden" name="version" value="{{.S.Version}}">
{{if .StartNote}}<p class="hint">{{.StartNote}}</p>{{end}}
<div class="check"><input type="checkbox" id="confirmed" name="confirmed" value="on" required><label for="confirmed">{{.T.confirm}}</label></div>
<p><button type="submit" class="button">{{.StartLabel}}</button></p>
</form>{{else}}<p>{{.StateNote}}</p>
<p><a class="button button-secondary" href="/hr/newsletters/{{.S.Slug}}">{{.T.reload}}</a></p>{{end}}` + hrFoot))
})

// hrFigure is one labelled number on a page, with its rate if it has one.
type hrFigure struct {
	ID, Label, Value string
	Count            int64
	Rate             string
}

// hrEdition is one language's email on the page.
type hrEdition struct {
	Lang, Label, Frame string
	Subject, Preheader string
	HTML, Text         string // the whole email, a sample recipient's
}

func (h Handler) hrData(lang, current string) map[string]any {
	return map[string]any{"Lang": lang, "T": hrText[lang], "Title": hrText[lang]["title"], "Menu": httpapi.NewHRMenu(lang, current)}
}

func (h Handler) hrNewsletters(w http.ResponseWriter, r *http.Request, admin store.Member) {
	sends, err := h.S.Store.ListNewsletterSends(r.Context())
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), httpapi.PathIn(hrLang(admin), "/members/"))
		return
	}
	newestFirst(sends)
	lang := hrLang(admin)
	slugs := make([]string, len(sends))
	for i, s := range sends {
		slugs[i] = s.Slug
	}
	eng, err := store.EngagementOf(r.Context(), h.S.Store, slugs...)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), httpapi.PathIn(lang, "/members/"))
		return
	}
	views := make([]hrSend, 0, len(sends))
	for _, s := range sends {
		views = append(views, h.hrSendOf(r.Context(), s, eng[s.Slug], lang))
	}
	data := h.hrData(lang, "/hr/newsletters")
	data["Sends"] = views
	writePage(w, r, hrListTmpl(), data)
}

func (h Handler) hrNewsletter(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	s, err := h.S.Store.GetNewsletterSend(ctx, r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err, "/hr/newsletters")
		return
	}
	eng, err := store.EngagementOf(ctx, h.S.Store, s.Slug)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "/hr/newsletters")
		return
	}
	lang := hrLang(admin)
	T := hrText[lang]
	v := h.hrSendOf(ctx, s, eng[s.Slug], lang)
	data := h.hrData(lang, "")
	data["Title"], data["S"] = v.Title, v
	data["NotRendered"] = httpapi.Message(lang, "newsletter_not_rendered")
	data["CMS"] = cmsEntries
	q := r.URL.Query()
	switch {
	case q.Get("started") != "" && s.Status == store.SendScheduled:
		data["Notice"] = fmt.Sprintf(T["notice_scheduled"], v.SendAt.Text)
	case q.Get("started") != "":
		data["Notice"] = T["notice_started"]
	case q.Get("already") != "":
		data["Notice"] = T["notice_already"]
	case q.Get("changed") != "":
		data["Notice"] = httpapi.Message(lang, "newsletter_changed")
	case q.Get("tested") == "wait":
		data["Notice"] = T["notice_test_wait"]
	case q.Get("tested") != "":
		data["Notice"] = fmt.Sprintf(T["notice_tested"], admin.Email)
	}
	if s.Rendered != nil && admin.Email != "" {
		data["TestNote"] = fmt.Sprintf(T["test_note"], admin.Email)
	}
	data["Warnings"] = h.sendWarnings(s, lang)
	if s.Report.Uncertain > 0 {
		data["Uncertain"] = fmt.Sprintf(T["uncertain_note"], s.Report.Uncertain, s.Slug)
	}
	rep := s.Report
	data["Sent"] = !s.StartedAt.IsZero() || rep.Sent+rep.Failed+rep.Uncertain+rep.Suppressed > 0
	if rep.Suppressed+rep.Failed+rep.Uncertain > 0 {
		data["WhyNot"] = fmt.Sprintf(T["why_not"], rep.Suppressed, rep.Failed, rep.Uncertain)
	}
	if s.Rendered != nil {
		editions, err := h.previews(r.Context(), *s.Rendered, T)
		if err != nil {
			h.fail(w, r, httpapi.Internal(err), "/hr/newsletters")
			return
		}
		data["Editions"], data["NoEnglish"] = editions, len(editions) == 1
	}
	if s.Rendered != nil && s.Status != store.SendDone {
		a, err := h.S.Audience(ctx, s.Slug)
		if err != nil {
			h.fail(w, r, httpapi.Internal(err), "/hr/newsletters")
			return
		}
		people := func(n int) string { return fmt.Sprintf(T["people"], n) }
		data["Audience"] = []hrFigure{{ID: "audience-total", Label: T["audience_total"], Value: people(a.Total())},
			{ID: "audience-ja", Label: T["audience_ja"], Value: people(a.Ja)}, {ID: "audience-en", Label: T["audience_en"], Value: people(a.En)},
			{ID: "audience-suppressed", Label: T["audience_suppressed"], Value: people(a.Suppressed)}}
		if a.Claimed > 0 {
			data["Audience"] = append(data["Audience"].([]hrFigure), hrFigure{ID: "audience-claimed", Label: T["audience_claimed"], Value: people(a.Claimed)})
		}
	}
	h.startForm(data, s, v, T)
	writePage(w, r, hrSendTmpl(), data)
}

// startForm decides whether the page offers to start the send and what its
// button and notes say.
func (h Handler) startForm(data map[string]any, s store.NewsletterSend, v hrSend, T map[string]string) {
	switch {
	case s.Rendered == nil:
		data["StateNote"] = data["NotRendered"]
	case v.Running || s.Status == store.SendSending:
		data["StateNote"] = T["sending_note"]
	case s.Status == store.SendScheduled:
		data["StateNote"] = fmt.Sprintf(T["scheduled_note"], v.SendAt.Text)
	case s.Status == store.SendDone:
		data["StateNote"] = T["done_note"]
	case s.Status == store.SendPaused || s.Status == store.SendFailed:
		data["CanStart"], data["StartLabel"], data["StartNote"] = true, T["resume"], T["resume_note"]
	case s.SendAt.After(h.S.Now()):
		data["CanStart"], data["StartLabel"] = true, T["schedule"]
		data["StartNote"] = fmt.Sprintf(T["schedule_note"], v.SendAt.Text)
	default:
		data["CanStart"], data["StartLabel"] = true, T["start"]
	}
}

// previews renders each edition as its recipients get it, with a sample
// recipient. The preheader is left out of the frame (mail clients hide it
// with inline styles, which the page's policy turns off) and shown beside.
func (h Handler) previews(ctx context.Context, rn store.RenderedNewsletter, T map[string]string) ([]hrEdition, error) {
	cfg := h.S.renderConfig(ctx)
	var out []hrEdition
	for _, lang := range []store.Language{store.LanguageJa, store.LanguageEn} {
		ed, ok := rn.Editions[lang]
		if !ok {
			continue
		}
		one := rn
		bare := ed
		bare.Preheader = ""
		one.Editions = map[store.Language]store.RenderedEdition{lang: bare}
		em, err := Render(one, lang, cfg)
		if err != nil {
			return nil, err
		}
		em = em.Sample(cfg.BaseURL)
		label := T["edition_"+string(lang)]
		out = append(out, hrEdition{Lang: string(lang), Label: label, Frame: T["frame"] + " (" + label + ")",
			Subject: ed.Subject, Preheader: ed.Preheader, HTML: em.HTML, Text: em.Text})
	}
	if len(out) == 0 {
		return nil, errors.New("newsletter: the rendering has no edition")
	}
	return out, nil
}

// writePage renders an HR page in the site's frame; data is hrData's.
func writePage(w http.ResponseWriter, r *http.Request, t *template.Template, data map[string]any) {
	lang, _ := data["Lang"].(string)
	title, _ := data["Title"].(string)
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: title, Section: httpapi.SectionMembers}, t, data)
}
