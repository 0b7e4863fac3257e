package account

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/queue"
	"github.com/okaeri/okaeri/functions/store"
)

// reviewFixture is a fixture with HR signed in, n registrations waiting and
// the service's mail going through the queue (as on AWS and in okaeri
// serve), drained by hand at the fixture's clock.
type reviewFixture struct {
	*fixture
	hr      *http.Cookie
	hrID    string
	waiting []store.Member
	sender  *queue.Sender
	routes  map[string]http.Handler
}

func newReviewFixture(t *testing.T, emails ...string) *reviewFixture {
	t.Helper()
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	hr := f.hr(t)
	rf := &reviewFixture{fixture: f, hr: f.sessionCookie(t, hr), hrID: hr.ID}
	for _, email := range emails {
		if err := f.s.Register(ctx, input(email), "c"); err != nil {
			t.Fatal(err)
		}
		m, err := f.s.Verify(ctx, f.lastToken(t, email))
		if err != nil || m.Status != store.StatusVerified {
			t.Fatalf("verify %s: %s %v", email, m.Status, err)
		}
		rf.waiting = append(rf.waiting, m)
	}
	rf.sender = &queue.Sender{Queue: f.s.Store, Next: f.s.Mailer, Now: f.clock.Now}
	m := queue.NewMailer(f.s.Store, nil)
	m.Now = f.clock.Now
	f.s.UseQueue(m, rf.sender)
	f.s.Config.DecisionDelay = store.UndoWindow
	rf.routes = Handler{S: f.s}.Routes()
	return rf
}

// post sends a same-site form as HR and returns the answer.
func (rf *reviewFixture) post(t *testing.T, route, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(rf.hr)
	if i := strings.Index(route, "{id}"); i >= 0 {
		req.SetPathValue("id", strings.Split(path[i-len("POST "):], "/")[0])
	}
	rec := httptest.NewRecorder()
	rf.routes[route].ServeHTTP(rec, req)
	return rec
}

func (rf *reviewFixture) get(t *testing.T, route, target string) string {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Accept", "text/html")
	req.AddCookie(rf.hr)
	rec := httptest.NewRecorder()
	rf.routes[route].ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func (rf *reviewFixture) drain(t *testing.T) {
	t.Helper()
	if _, err := rf.sender.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func (rf *reviewFixture) status(t *testing.T, id string) store.Member {
	t.Helper()
	m, err := rf.s.Store.GetMember(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// HR ticks two registrations and approves them at once from HR's home;
// the page says so and offers the undo; one approval is undone; after
// the undo window only the other member gets the welcome mail, the
// counters count one approval, and the history names who did what. Past
// the window the undo is refused and changes nothing.
func TestHRApprovesSeveralAndUndoesOne(t *testing.T) {
	rf := newReviewFixture(t, "sato@example.com", "suzuki@example.com")
	a, b := rf.waiting[0], rf.waiting[1]
	// The store counts approvals in the month of its own clock.
	month := store.MonthOf(time.Now())
	before, err := rf.s.Store.Counts(t.Context(), store.CounterApproved(month), store.CounterReached(store.StatusApproved))
	if err != nil {
		t.Fatal(err)
	}

	rec := rf.post(t, "POST /api/hr/registrations/approve", "/api/hr/registrations/approve", url.Values{"ids": {a.ID, b.ID}, "back": {"/hr/"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("bulk approve: %d %s", rec.Code, rec.Body)
	}
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/hr/?") || !strings.Contains(loc, "done=approved") {
		t.Fatalf("went to %q", loc)
	}
	for _, m := range rf.waiting {
		if st := rf.status(t, m.ID).Status; st != store.StatusApproved {
			t.Fatalf("%s is %s", m.ID, st)
		}
	}
	rf.drain(t)
	for _, m := range rf.waiting {
		for _, e := range rf.mailsTo(t, m.Email) {
			if strings.Contains(e.Text, "/api/login/callback") || strings.Contains(e.Subject, "承認") {
				t.Fatalf("the welcome went before the undo window passed: %s", e.Subject)
			}
		}
	}
	mailsBefore := map[string]int{a.Email: len(rf.mailsTo(t, a.Email)), b.Email: len(rf.mailsTo(t, b.Email))}

	page := rf.get(t, "GET /hr/registrations", "/hr/registrations?"+loc[len("/hr/?"):])
	for _, want := range []string{"2件の登録を承認しました", a.Name, `action="/api/hr/registrations/undo"`, `value="` + a.ID + `"`, "取り消す"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page after approving lacks %q", want)
		}
	}

	rf.clock.Add(3 * time.Minute)
	rec = rf.post(t, "POST /api/hr/registrations/undo", "/api/hr/registrations/undo", url.Values{"ids": {a.ID}, "back": {"/hr/registrations"}})
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=undone") {
		t.Fatalf("undo: %d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	undone := rf.status(t, a.ID)
	if undone.Status != store.StatusVerified || undone.RosterNumber != a.RosterNumber {
		t.Fatalf("after undo: %s, roster %q", undone.Status, undone.RosterNumber)
	}
	after, err := rf.s.Store.Counts(t.Context(), store.CounterApproved(month), store.CounterReached(store.StatusApproved))
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range after {
		if n != before[name]+1 {
			t.Errorf("%s: %d before, %d after two approvals and an undo; want one more", name, before[name], n)
		}
	}

	rf.clock.Add(store.UndoWindow)
	rf.drain(t)
	got := map[string]int{a.Email: len(rf.mailsTo(t, a.Email)) - mailsBefore[a.Email], b.Email: len(rf.mailsTo(t, b.Email)) - mailsBefore[b.Email]}
	if got[a.Email] != 0 || got[b.Email] != 1 {
		t.Fatalf("mails after the window: undone %d (want 0), approved %d (want 1)", got[a.Email], got[b.Email])
	}
	if w := rf.mailsTo(t, b.Email)[0]; !strings.Contains(w.Text, "/api/login/callback") {
		t.Errorf("the welcome has no login link: %s", w.Text)
	}
	rf.drain(t)
	if n := len(rf.mailsTo(t, b.Email)) - mailsBefore[b.Email]; n != 1 {
		t.Errorf("a second drain sent the welcome again: %d", n)
	}

	// Past the window: refused, nothing changes.
	rec = rf.post(t, "POST /api/hr/registrations/undo", "/api/hr/registrations/undo", url.Values{"ids": {b.ID}})
	if rec.Code != http.StatusConflict {
		t.Fatalf("late undo: %d", rec.Code)
	}
	if st := rf.status(t, b.ID).Status; st != store.StatusApproved {
		t.Fatalf("a refused undo changed the status to %s", st)
	}

	page = rf.get(t, "GET /hr/registrations", "/hr/registrations")
	hist := page[strings.Index(page, `id="history"`):]
	if strings.Count(hist, "<td>承認</td>") != 2 || strings.Count(hist, "<td>取り消し</td>") != 1 || !strings.Contains(hist, "<td>"+a.Name+"</td>") {
		t.Errorf("history: %s", hist)
	}
	if !strings.Contains(page, a.Name) || strings.Contains(page[:strings.Index(page, `id="history"`)], b.Email) {
		t.Errorf("the undone registration should wait again, the approved one not")
	}
}

// A selection that went stale (another HR approved one meanwhile) changes
// nothing and says so; bad ids are refused per field.
func TestBulkApproveIsAllOrNothingOnStaleSelections(t *testing.T) {
	rf := newReviewFixture(t, "a@example.com", "b@example.com")
	a, b := rf.waiting[0], rf.waiting[1]
	if _, err := rf.s.Approve(t.Context(), b.ID, "hr:"+rf.hrID); err != nil {
		t.Fatal(err)
	}
	rec := rf.post(t, "POST /api/hr/registrations/approve", "/api/hr/registrations/approve", url.Values{"ids": {a.ID, b.ID}})
	if rec.Code != http.StatusConflict {
		t.Fatalf("stale selection: %d", rec.Code)
	}
	if st := rf.status(t, a.ID).Status; st != store.StatusVerified {
		t.Fatalf("a refused bulk approval approved %s", a.ID)
	}
	for _, ids := range [][]string{nil, {"../x"}, {a.ID, a.ID}} {
		req := httptest.NewRequest("POST", "/api/hr/registrations/approve", strings.NewReader(`{"ids":`+jsonList(ids)+`}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(rf.hr)
		rec := httptest.NewRecorder()
		rf.routes["POST /api/hr/registrations/approve"].ServeHTTP(rec, req)
		var p struct {
			Errors []struct{ Field string } `json:"errors"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "ids" {
			t.Errorf("ids %v: %d %s", ids, rec.Code, rec.Body)
		}
	}
	if st := rf.status(t, a.ID).Status; st != store.StatusVerified {
		t.Fatalf("bad input changed %s", a.ID)
	}
}

func jsonList(ids []string) string {
	if ids == nil {
		return "[]"
	}
	b, _ := json.Marshal(ids)
	return string(b)
}
