package browsertest

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// fnPage is one page a Go function renders, fetched as someone.
type fnPage struct {
	Who    string // "member", "hr" or "visitor"
	Path   string
	Status int // the status the page answered with
	HTML   []byte
}

// session is the cookie of who, nil for a visitor.
func (p fnPortal) session(who string) *http.Cookie {
	switch who {
	case "member":
		return p.member
	case "hr":
		return p.hr
	}
	return nil
}

var memberPageRE = regexp.MustCompile(`href="/members/directory/([A-Z0-9]+)/"`)

var hrefRE = regexp.MustCompile(`href="?([^"\s>]+)`)

// fnPageShape names a kind of page: "/hr/members/{id}" and "/hr/members/{other}"
// are one kind, so the crawl fetches one page of each kind, not every member's.
func fnPageShape(path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 2 {
		return fmt.Sprintf("/%s/%s/+%d", segs[0], segs[1], len(segs)-2)
	}
	return path
}

// crawlable: the function pages the crawl follows (HTML pages, not CSV,
// résumés or the API; the members' function pages, not Hugo's).
func crawlable(path string) bool {
	path, _, _ = strings.Cut(path, "?")
	if strings.HasSuffix(path, ".csv") || strings.HasSuffix(path, "/resume") {
		return false
	}
	if strings.HasPrefix(path, "/hr/") || path == "/hr" {
		return true
	}
	for _, p := range []string{"/members/profile/", "/members/preferences/", "/members/directory/", "/members/me/applications/"} {
		if path == p || path == "/en"+p {
			return true
		}
	}
	return false
}

// functionPages fetches the pages the Go functions render: HR's console,
// crawled from /hr/ one page of each kind; the member's profile, directory
// and applications in both languages; the page an emailed link opens; and
// the error pages a person can meet (wrong role, no such member, a used or
// broken link).
func functionPages(t *testing.T, p fnPortal) []fnPage {
	t.Helper()
	var pages []fnPage
	fetch := func(who, path string) fnPage {
		status, ctype, body, err := p.get(p.session(who), path)
		if err != nil {
			t.Fatalf("GET %s as %s: %v", path, who, err)
		}
		if !strings.HasPrefix(ctype, "text/html") {
			t.Fatalf("GET %s as %s: %d %s, want an HTML page", path, who, status, ctype)
		}
		pg := fnPage{Who: who, Path: path, Status: status, HTML: body}
		pages = append(pages, pg)
		return pg
	}

	// HR's console, breadth first.
	seen := map[string]bool{}
	queue := []string{"/hr/"}
	seen[fnPageShape("/hr/")] = true
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		pg := fetch("hr", path)
		if pg.Status != http.StatusOK {
			t.Errorf("GET %s as HR: %d, want 200", path, pg.Status)
		}
		for _, m := range hrefRE.FindAllSubmatch(pg.HTML, -1) {
			href := strings.ReplaceAll(string(m[1]), "&amp;", "&")
			if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") {
				continue
			}
			href, _, _ = strings.Cut(href, "#")
			if shape := fnPageShape(href); crawlable(href) && !seen[shape] {
				seen[shape] = true
				queue = append(queue, href)
			}
		}
	}
	for _, path := range []string{"/members/profile/", "/members/preferences/", "/members/directory/", "/members/me/applications/"} {
		for _, lang := range []string{"", "/en"} {
			if pg := fetch("member", lang+path); pg.Status != http.StatusOK {
				t.Errorf("GET %s as a member: %d, want 200", lang+path, pg.Status)
			}
		}
	}
	// The directory with its filters open, and a member's own page in it.
	filtered := fetch("member", "/members/directory/?skill=go&open_to=mentoring")
	if filtered.Status != http.StatusOK {
		t.Errorf("the filtered directory: %d", filtered.Status)
	}
	if m := memberPageRE.FindSubmatch(filtered.HTML); m == nil {
		t.Error("the filtered directory links no member's page")
	} else {
		for _, lang := range []string{"", "/en"} {
			if pg := fetch("member", lang+"/members/directory/"+string(m[1])+"/"); pg.Status != http.StatusOK {
				t.Errorf("a member's page: %d", pg.Status)
			}
		}
	}
	for _, e := range []struct {
		who, path string
		status    int
	}{
		{"member", "/members/directory/NOSUCHMEMBER/", http.StatusNotFound},
		{"visitor", p.loginLink, http.StatusOK},                      // the page an emailed login link opens
		{"visitor", "/api/register/verify?token=x", http.StatusGone}, // a used or expired link: its page at once
		{"member", "/hr/", http.StatusForbidden},                     // not HR
		{"hr", "/hr/members/no-such-member", http.StatusNotFound},
		{"hr", "/hr/applications/no-such-application", http.StatusNotFound},
		{"visitor", "/api/events/no-such-event/rsvp/invite?token=x", 0},
		{"visitor", "/api/referrals/unsubscribe?token=x", 0},
	} {
		if pg := fetch(e.who, e.path); e.status != 0 && pg.Status != e.status {
			t.Errorf("GET %s as %s: %d, want %d", e.path, e.who, pg.Status, e.status)
		}
	}
	names := make([]string, len(pages))
	for i, pg := range pages {
		names[i] = fmt.Sprintf("%s %s (%d)", pg.Who, pg.Path, pg.Status)
	}
	t.Logf("%d function pages: %s", len(pages), strings.Join(names, ", "))
	return pages
}
