package job

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// HR's applications board: /hr/applications shows one column per stage,
// in store.ApplicationStatuses order, each headed by the stage's label and
// its count, each application a card with buttons that move it. The buttons
// are one form per card posting to /api/hr/applications/{id}/status with a
// back field, so a move comes back to the board (with its filters) and a
// notice. Filters are GET fields: job, stage (or the older status) and the
// applied date from/to, days in Japan. /js/hr-board.js lets a mouse drag a
// card to another column: the drop submits the same form, so the server's
// rules apply and the page works the same without the script.

// boardPath is the board, the only page a move's back field may name.
const boardPath = "/hr/applications"

// boardFilter is the board's (and its CSV's) filter, read from the query.
type boardFilter struct {
	Job   string
	Stage store.ApplicationStatus
	// From and To are days (YYYY-MM-DD) in Japan, both included; from and
	// to bound CreatedAt: from <= CreatedAt < to.
	From, To string
	from, to time.Time
}

// boardKeys are the query keys a board URL may carry.
var boardKeys = []string{"job", "stage", "status", "from", "to"}

const dateLayout = "2006-01-02"

// parseBoardFilter reads ?job=&stage=&from=&to= (status is the older name
// of stage, still in links from HR's home). Every bad field is named.
func parseBoardFilter(q url.Values) (boardFilter, error) {
	f := boardFilter{Job: q.Get("job"), From: q.Get("from"), To: q.Get("to")}
	var bad []httpapi.FieldError
	field, stage := "stage", q.Get("stage")
	if stage == "" && q.Get("status") != "" {
		field, stage = "status", q.Get("status")
	}
	f.Stage = store.ApplicationStatus(stage)
	if stage != "" && !f.Stage.Valid() {
		bad = append(bad, httpapi.FieldError{Field: field, Code: "one_of", Params: []any{statusList()}})
	}
	day := func(name, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(dateLayout, v, japan)
		if err != nil || t.Format(dateLayout) != v {
			bad = append(bad, httpapi.FieldError{Field: name, Code: "date"})
			return time.Time{}
		}
		return t
	}
	f.from = day("from", f.From)
	if t := day("to", f.To); !t.IsZero() {
		f.to = t.AddDate(0, 0, 1)
	}
	if !f.from.IsZero() && !f.to.IsZero() && !f.from.Before(f.to) {
		bad = append(bad, httpapi.FieldError{Field: "to", Code: "date_order"})
	}
	if len(bad) > 0 {
		return boardFilter{}, httpapi.Invalid(bad...)
	}
	return f, nil
}

// keep reports whether an application passes the stage and date filters
// (the job filter picks the postings read).
func (f boardFilter) keep(a store.Application) bool {
	return (f.Stage == "" || a.Status == f.Stage) &&
		(f.from.IsZero() || !a.CreatedAt.Before(f.from)) &&
		(f.to.IsZero() || a.CreatedAt.Before(f.to))
}

// query is the filter as a query, only the fields set, in one spelling.
func (f boardFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"job": f.Job, "stage": string(f.Stage), "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// url is the board with this filter.
func (f boardFilter) url() string {
	if q := f.query().Encode(); q != "" {
		return boardPath + "?" + q
	}
	return boardPath
}

// boardBack is the page a move from the board returns to: the board itself,
// with at most its own filter fields, each once and valid, rebuilt from the
// parsed values. Anything else (another host, "//host", another path, a
// fragment, other keys) gives "": the move then answers as from the
// application's own page.
func boardBack(raw string) string {
	if raw == "" || httpapi.SafeNext(raw, "") == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Path != boardPath || u.RawPath != "" || u.Fragment != "" || u.ForceQuery {
		return ""
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return ""
	}
	for k, vs := range q {
		if !slices.Contains(boardKeys, k) || len(vs) != 1 {
			return ""
		}
	}
	f, err := parseBoardFilter(q)
	if err != nil {
		return ""
	}
	return f.url()
}

// boardMoves are the buttons on a card: the next sensible stages (from
// received also straight to interview, as HR may invite at once) and
// declined, each one the pipeline allows (store.CanMove; the server checks
// again on the post).
func boardMoves(from store.ApplicationStatus) []store.ApplicationStatus {
	next := map[store.ApplicationStatus][]store.ApplicationStatus{
		store.ApplicationReceived:  {store.ApplicationScreening, store.ApplicationInterview},
		store.ApplicationScreening: {store.ApplicationInterview},
		store.ApplicationInterview: {store.ApplicationOffer},
		store.ApplicationOffer:     {store.ApplicationHired},
	}[from]
	var out []store.ApplicationStatus
	for _, to := range append(slices.Clone(next), store.ApplicationDeclined) {
		if store.CanMove(from, to) {
			out = append(out, to)
		}
	}
	return out
}

// boardCard is one application on the board.
type boardCard struct {
	HRApplication
	Moves      []option // the buttons
	Targets    string   // every stage a drop may move it to, space-separated, for the script
	Movable    bool     // open and not erased: it has a form
	AppliedISO string
}

type boardColumn struct {
	Status store.ApplicationStatus
	Label  string
	Cards  []boardCard
}

func (s *Service) boardColumns(views []HRApplication, stage store.ApplicationStatus, lang string) []boardColumn {
	var cols []boardColumn
	for _, st := range store.ApplicationStatuses {
		if stage != "" && st != stage {
			continue
		}
		cols = append(cols, boardColumn{Status: st, Label: statusLabel(lang, st)})
	}
	for _, v := range views {
		i := slices.IndexFunc(cols, func(c boardColumn) bool { return c.Status == v.Status })
		if i < 0 {
			continue
		}
		c := boardCard{HRApplication: v, Movable: v.ErasedAt.IsZero() && !v.Status.Final(),
			AppliedISO: v.CreatedAt.In(japan).Format(time.RFC3339)}
		if c.Movable {
			for _, to := range boardMoves(v.Status) {
				c.Moves = append(c.Moves, option{Value: string(to), Label: statusLabel(lang, to)})
			}
			for _, to := range store.ApplicationStatuses {
				if store.CanMove(v.Status, to) {
					if c.Targets != "" {
						c.Targets += " "
					}
					c.Targets += string(to)
				}
			}
		}
		cols[i].Cards = append(cols[i].Cards, c)
	}
	return cols
}

// movedNotice is the board's notice after a move: who went where.
func (s *Service) movedNotice(ctx context.Context, q url.Values, lang string) string {
	id, to := q.Get("moved"), store.ApplicationStatus(q.Get("moved_to"))
	if id == "" || !to.Valid() {
		return ""
	}
	a, err := s.Store.GetApplication(ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.Log.ErrorContext(ctx, "read application", "err", err)
		}
		return ""
	}
	T := hrText[lang]
	name := ""
	if a.MemberID != "" {
		m, err := s.Store.GetMember(ctx, a.MemberID)
		if err == nil {
			name = m.Name
		}
	}
	if name == "" {
		return fmt.Sprintf(T["moved_anon"], statusLabel(lang, to))
	}
	return fmt.Sprintf(T["moved"], name, statusLabel(lang, to))
}

var hrBoardTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-applications").Parse(hrHead + `
{{if .Moved}}<p class="notice" role="status" id="moved">{{.Moved}}</p>{{end}}
{{if or .Count .Query}}<form method="get" action="/hr/applications" class="form search board-filter">
<div class="field"><label for="job">{{.T.job}}</label><select id="job" name="job"><option value="">{{.T.all}}</option>{{range .JobOptions}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="field"><label for="stage">{{.T.stage}}</label><select id="stage" name="stage"><option value="">{{.T.all}}</option>{{range .Statuses}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="field"><label for="from">{{.T.from}}</label><input type="date" id="from" name="from" value="{{.Filter.From}}"></div>
<div class="field"><label for="to">{{.T.to}}</label><input type="date" id="to" name="to" value="{{.Filter.To}}"></div>
<p><button type="submit" class="button">{{.T.filter}}</button>{{if .Query}} <a href="/hr/applications">{{.T.clear}}</a>{{end}}</p></form>{{end}}
{{if not .Count}}<p class="board-none" id="board-none">{{if .Query}}{{.T.none_match}}{{else}}{{.T.no_applications}}{{end}}</p>{{else}}
<p><a class="button button-secondary" href="/hr/applications.csv{{if .Query}}?{{.Query}}{{end}}" id="csv">{{if .Query}}{{.T.csv_these}}{{else}}{{.T.csv}}{{end}}</a></p>
<p class="hint">{{.T.board_hint}}</p>
<div class="board" data-board>
{{range .Columns}}<section class="board-column" data-status="{{.Status}}" aria-labelledby="stage-{{.Status}}">
<h2 id="stage-{{.Status}}"><span class="board-label">{{.Label}}</span> <span class="badge board-count" data-count="{{len .Cards}}">{{len .Cards}}<span class="visually-hidden">{{$.T.unit}}</span></span></h2>
{{if .Cards}}<ol class="board-cards">{{range .Cards}}
<li class="card board-card" id="application-{{.ID}}" data-id="{{.ID}}" data-status="{{.Status}}"{{if .Movable}} draggable="true" data-targets="{{.Targets}}"{{end}}>
<p class="card-title"><a href="/hr/applications/{{.ID}}">{{if .Applicant.ID}}{{.Applicant.Name}}{{else}}{{$.T.erased}}{{end}}</a></p>
<p class="card-meta">{{if .Job.Title}}{{.Job.TitleIn $.Lang}}{{else}}{{.JobID}}{{end}}<br>{{$.T.applied}} <time datetime="{{.AppliedISO}}">{{.Applied}}</time></p>
{{if .Movable}}<form method="post" action="/api/hr/applications/{{.ID}}/status" class="board-move" data-move>
<input type="hidden" name="back" value="{{$.BoardBack}}">
<div class="check"><input type="checkbox" id="notify-{{.ID}}" name="notify" value="on"><label for="notify-{{.ID}}">{{$.T.notify}}</label></div>
<p class="board-buttons">{{range .Moves}}<button type="submit" name="status" value="{{.Value}}" class="button button-secondary"><span aria-hidden="true">→ </span><span class="visually-hidden">{{$.T.move_to}}: </span>{{.Label}}</button>{{end}}</p>
</form>{{end}}
</li>{{end}}
</ol>{{else}}<p class="board-empty">{{$.T.none}}</p>{{end}}
</section>
{{end}}</div>
<script src="/js/hr-board.js" defer></script>{{end}}` + hrFoot))
})
