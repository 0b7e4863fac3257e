package browsertest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDirectoryBlock: in real Chromium, a demo member (青木 陽翔) filters
// the directory, opens HR's demo account's card and blocks them with the
// card's form, without JavaScript's help; HR's account then no longer
// finds him (list, search, filter, his page is a 404); he lifts the block
// from his profile and is found again. The pages pass axe-core.
func TestDirectoryBlock(t *testing.T) {
	p := functionPortal(t)
	idOf := func(session *http.Cookie, q string) string {
		t.Helper()
		_, _, body, err := p.get(session, "/api/directory?"+q)
		if err != nil {
			t.Fatal(err)
		}
		var dp struct{ Members []struct{ ID, Name string } }
		if err := json.Unmarshal(body, &dp); err != nil {
			t.Fatalf("directory API: %v %s", err, body)
		}
		if len(dp.Members) != 1 {
			return ""
		}
		return dp.Members[0].ID
	}
	haruto := idOf(p.member, "q=青木")
	hr := idOf(p.member, "q=人事")
	if haruto == "" || hr == "" {
		t.Fatal("the demo members are not listed")
	}

	his := newTab(t)
	setCookie(t, his, p.baseURL, p.member.Name, p.member.Value)
	visit(t, his, p.baseURL+"/members/directory/?department=人事&open_to=")
	if txt := bodyText(t, his); !strings.Contains(txt, "人事 さくら") || strings.Contains(txt, "松本 結衣") {
		t.Fatalf("filtered by department:\n%s", txt)
	}
	// The avatar is initials, hidden from screen readers; the name is the text.
	if got := evaluate[string](t, his, `(document.querySelector(".member-card .avatar[aria-hidden=true]") || {}).textContent || ""`); got != "人" {
		t.Errorf("avatar %q, want the family name's first character", got)
	}
	assertAccessible(t, his)
	clickText := func(ctx context.Context, selector string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
			t.Fatalf("click %s: %v", selector, err)
		}
	}
	clickText(his, "#m-"+hr+" details:last-of-type summary")
	clickAndWait(t, his, `#m-`+hr+` form[action$="/block"] button[type=submit]`)
	if txt := bodyText(t, his); !strings.Contains(txt, "ブロックしました") || !strings.Contains(txt, "ブロック中") {
		t.Fatalf("after blocking:\n%s", txt)
	}
	if u := location(t, his); u.Query().Get("department") != "人事" || u.Query().Get("blocked") != "1" {
		t.Errorf("after blocking, back at %s: the filters should stay", u)
	}

	hers := newTab(t)
	setCookie(t, hers, p.baseURL, p.hr.Name, p.hr.Value)
	for _, path := range []string{"/members/directory/", "/members/directory/?q=青木", "/members/directory/?company=ミライ", "/en/members/directory/?skill=Go"} {
		visit(t, hers, p.baseURL+path)
		if txt := bodyText(t, hers); strings.Contains(txt, "青木") {
			t.Errorf("%s shows the member who blocks HR's account:\n%s", path, txt)
		}
	}
	resp, err := chromedp.Run(hers, chromedp.NavigateResponse(p.baseURL+"/members/directory/"+haruto+"/"))
	if err != nil || resp == nil || resp.Status != http.StatusNotFound {
		t.Errorf("his page for the blocked member: %v %+v, want 404", err, resp)
	}

	// He lifts the block on his profile; she finds him again.
	visit(t, his, p.baseURL+"/members/profile/") // no #blocks: a smooth scroll would move the button under the click
	if txt := bodyText(t, his); !strings.Contains(txt, "表示しない人（ブロック）") || !strings.Contains(txt, "人事 さくら") {
		t.Fatalf("the profile does not list the block:\n%s", txt)
	}
	assertAccessible(t, his)
	clickAndWait(t, his, `form[action="/api/directory/`+hr+`/unblock"] button[type=submit]`)
	if txt := bodyText(t, his); !strings.Contains(txt, "ブロックを解除しました") {
		t.Fatalf("after unblocking:\n%s", txt)
	}
	visit(t, hers, p.baseURL+"/members/directory/"+haruto+"/")
	if txt := bodyText(t, hers); !strings.Contains(txt, "青木 陽翔") {
		t.Errorf("his page after the unblock:\n%s", txt)
	}
}
