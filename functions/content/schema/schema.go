// Package schema is the content schema as HR edits it: each kind of page,
// its fields, which are required, what values they take and which must be
// equal in the Japanese and the English file. `okaeri content check`
// (functions/content) enforces it and the CMS's configuration
// (functions/cms) is made from it; it imports nothing, so the CMS function
// links the schema without the content checker's Markdown parser.
package schema

// Languages of the portal.
const (
	Japanese = "ja"
	English  = "en"
)

// Sections HR writes pages in (content/<section>/).
const (
	News        = "news"
	Stories     = "stories"
	Jobs        = "jobs"
	Events      = "events"
	Newsletters = "newsletters"
)

// EmploymentTypes are the allowed job employment_type values, in the order HR sees them.
var EmploymentTypes = []string{"rehire", "contract", "sidework", "project"}

// Common are the fields of every page that HR edits.
var Common = []string{fieldTitle.Name, fieldDate.Name, fieldDescription.Name, fieldDraft.Name}

// Widget is how a field is edited.
type Widget string

// Widgets, named as the CMS names them.
const (
	WidgetString   Widget = "string"
	WidgetText     Widget = "text"     // several lines
	WidgetMarkdown Widget = "markdown" // the page's body
	WidgetDateTime Widget = "datetime" // an instant with offset (RFC 3339)
	WidgetDate     Widget = "date"     // a calendar day YYYY-MM-DD
	WidgetBoolean  Widget = "boolean"
	WidgetNumber   Widget = "number" // a whole number
	WidgetSelect   Widget = "select"
	WidgetEmail    Widget = "email"   // a plain address (a string with a pattern)
	WidgetHTTPS    Widget = "https"   // an https:// address (a string with a pattern)
	WidgetSegment  Widget = "segment" // a newsletter's recipients (an object)
	WidgetList     Widget = "list"    // several short texts
)

// Field is one front-matter field (or the body) of a kind of page.
type Field struct {
	Name     string
	Label    [2]string // ja, en
	Hint     [2]string // ja, en; "" for none
	Widget   Widget
	Required bool
	Options  []string // a select's values
	// OptionLabels are the options as HR reads them (ja, en), in order.
	OptionLabels [][2]string
	Min          *int // a number's least value
	// Shared fields mean the same in both languages (sync stores one
	// value): the CMS copies the Japanese value to the English file.
	Shared bool
}

// Kind is a kind of page HR writes: a section's pages, or one fixed page.
type Kind struct {
	Name    string    // the CMS collection's name
	Label   [2]string // ja, en
	Section string    // content/<section>/ ("" for a fixed page)
	File    string    // a fixed page: its Japanese file, e.g. about.md
	// Members: the section also has members-only pages under
	// content/members/<section>/, a collection of their own.
	Members bool
	Fields  []Field
	// Unoffered are fields content check allows on every page that the
	// CMS does not offer for this kind, with the reason in a comment.
	Unoffered []string
}

// BodyField is the Markdown body below the front matter.
const BodyField = "body"

func atLeast(n int) *int { return &n }

var (
	fieldTitle = Field{Name: "title", Label: [2]string{"タイトル", "Title"}, Widget: WidgetString, Required: true}
	fieldDate  = Field{Name: "date", Label: [2]string{"公開日", "Publication date"}, Widget: WidgetDate, Required: true,
		Hint: [2]string{"この日から公開されます。", "The page is published from this day."}}
	fieldDescription = Field{Name: "description", Label: [2]string{"概要（一覧・検索・共有に表示）", "Summary (lists, search, sharing)"}, Widget: WidgetText,
		Hint: [2]string{"1〜2文で。", "One or two sentences."}}
	fieldDraft = Field{Name: "draft", Label: [2]string{"下書き（公開しない）", "Draft (not published)"}, Widget: WidgetBoolean}
	fieldBody  = Field{Name: BodyField, Label: [2]string{"本文", "Body"}, Widget: WidgetMarkdown}
)

// dated is the fields of every dated page (news, stories, jobs, events).
func dated(extra ...Field) []Field {
	return append([]Field{fieldTitle, fieldDate, fieldDescription, fieldDraft}, append(extra, fieldBody)...)
}

// Schema lists every kind of page the CMS edits, in its menu's order.
var Schema = []Kind{
	{Name: News, Label: [2]string{"お知らせ", "News"}, Section: News, Members: true, Fields: dated()},
	{Name: Stories, Label: [2]string{"アルムナイストーリー", "Alumni stories"}, Section: Stories, Members: true, Fields: dated(
		Field{Name: "person", Label: [2]string{"登場する方（名前の一部やペンネーム）", "The alumnus (a first name or pen name)"}, Widget: WidgetString},
		Field{Name: "role_then", Label: [2]string{"在籍時の役割", "Role at the company"}, Widget: WidgetString},
		Field{Name: "role_now", Label: [2]string{"現在の役割", "Role today"}, Widget: WidgetString},
	)},
	{Name: Jobs, Label: [2]string{"求人", "Jobs"}, Section: Jobs, Members: true, Fields: dated(
		Field{Name: "employment_type", Label: [2]string{"雇用形態", "Employment type"}, Widget: WidgetSelect, Required: true, Options: EmploymentTypes, Shared: true,
			OptionLabels: [][2]string{{"再入社", "Rehire"}, {"契約", "Contract"}, {"副業", "Side work"}, {"プロジェクト", "Project"}}},
		Field{Name: "department", Label: [2]string{"部署", "Department"}, Widget: WidgetString, Required: true},
		Field{Name: "location", Label: [2]string{"勤務地", "Location"}, Widget: WidgetString, Required: true},
		Field{Name: "closes", Label: [2]string{"締切日", "Closing date"}, Widget: WidgetDate, Required: true, Shared: true,
			Hint: [2]string{"この日の終わり（日本時間）まで応募を受け付けます。", "Applications are taken until this day ends in Japan."}},
		Field{Name: "contact", Label: [2]string{"担当の連絡先（役割のアドレス）", "Contact (a role address)"}, Widget: WidgetEmail,
			Hint: [2]string{"個人のアドレスではなく careers@ などの役割のアドレスを。", "A role address such as careers@, not a person's."}},
	)},
	{Name: Events, Label: [2]string{"イベント", "Events"}, Section: Events, Members: true, Fields: dated(
		Field{Name: "start", Label: [2]string{"開始日時", "Starts"}, Widget: WidgetDateTime, Required: true, Shared: true},
		Field{Name: "end", Label: [2]string{"終了日時", "Ends"}, Widget: WidgetDateTime, Required: true, Shared: true},
		Field{Name: "location", Label: [2]string{"会場（オンラインなら「オンライン」）", "Venue (\"Online\" if online)"}, Widget: WidgetString, Required: true},
		Field{Name: "online", Label: [2]string{"オンライン開催", "Held online"}, Widget: WidgetBoolean, Shared: true},
		Field{Name: "online_url", Label: [2]string{"参加用URL（参加が確定した方だけに表示）", "Meeting link (shown to confirmed attendees only)"}, Widget: WidgetHTTPS, Shared: true},
		Field{Name: "capacity", Label: [2]string{"定員", "Capacity"}, Widget: WidgetNumber, Required: true, Min: atLeast(1), Shared: true},
		Field{Name: "rsvp_deadline", Label: [2]string{"申込締切", "RSVP deadline"}, Widget: WidgetDateTime, Shared: true},
		Field{Name: "guests_allowed", Label: [2]string{"同伴者の上限（1人あたり）", "Guests allowed per member"}, Widget: WidgetNumber, Min: atLeast(0), Shared: true},
	)},
	{Name: Newsletters, Label: [2]string{"ニュースレター", "Newsletters"}, Section: Newsletters, Fields: []Field{
		fieldTitle,
		{Name: "subject", Label: [2]string{"メールの件名", "Email subject"}, Widget: WidgetString, Required: true},
		{Name: "preheader", Label: [2]string{"プレビュー文（件名のあとに表示）", "Preheader (shown after the subject)"}, Widget: WidgetString},
		{Name: "segment", Label: [2]string{"配信対象（空欄ならすべての購読者）", "Recipients (empty: every subscriber)"}, Widget: WidgetSegment, Shared: true},
		{Name: "send_at", Label: [2]string{"配信予定日時（空欄なら HR 画面から送信）", "Send at (empty: sent from HR's page)"}, Widget: WidgetDateTime, Shared: true},
		fieldBody,
	},
		// A newsletter is sent from HR's page, not published: no date, summary or draft.
		Unoffered: []string{"date", "description", "draft"}},
	{Name: "about", Label: [2]string{"このサイトについて", "About this site"}, File: "about.md", Fields: []Field{fieldTitle, fieldDescription, fieldBody}},
	{Name: "privacy", Label: [2]string{"プライバシーポリシー", "Privacy policy"}, File: "privacy.md", Fields: []Field{fieldTitle, fieldDescription,
		{Name: "version", Label: [2]string{"版（改定した日 YYYY-MM-DD）", "Version (the day it changed, YYYY-MM-DD)"}, Widget: WidgetString, Required: true, Shared: true,
			Hint: [2]string{"改定したら日付を変えてください。同意の記録にこの版が残ります。", "Change the date when the policy changes: consents record this version."}},
		fieldBody}},
}

// SegmentFields are a newsletter segment's fields as the CMS shows them
// (the keys content check allows under segment, newsletters.go).
var SegmentFields = []Field{
	{Name: "language", Label: [2]string{"言語", "Language"}, Widget: WidgetSelect, Options: []string{Japanese, English},
		OptionLabels: [][2]string{{"日本語の方だけ", "Japanese speakers only"}, {"英語の方だけ", "English speakers only"}}},
	{Name: "departments", Label: [2]string{"在籍していた部署（カンマ区切り）", "Departments (separated by commas)"}, Widget: WidgetList},
	{Name: "left_from", Label: [2]string{"退職年月（から）", "Left from"}, Widget: WidgetString, Hint: [2]string{"例: 2015-04", "For example 2015-04"}},
	{Name: "left_to", Label: [2]string{"退職年月（まで）", "Left until"}, Widget: WidgetString, Hint: [2]string{"例: 2020-03", "For example 2020-03"}},
	{Name: "open_to", Label: [2]string{"関心（カンマ区切り）", "Open to (separated by commas)"}, Widget: WidgetList},
}
