package site_test

import (
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	// A filter link in a job list: href, then the count in its label.
	filterLinkRE = regexp.MustCompile(`<a href=(?:"?)(/(?:en/)?(?:members/)?jobs/(type|department|location)/[^ >"]+/)"?[^>]*>[^<]*<span class=count>\((\d+)\)</span>`)
	// A job card's title link.
	jobCardRE = regexp.MustCompile(`class=card-title><a href=(?:"?)([^ >"]+)`)
)

// jobCards lists the job pages a list page shows, as output paths.
func jobCards(html string) []string {
	var out []string
	for _, m := range jobCardRE.FindAllStringSubmatch(html, -1) {
		out = append(out, strings.TrimPrefix(m[1], "/")+"index.html")
	}
	slices.Sort(out)
	return out
}

// TestJobFiltersWithoutJavaScript: each job list links to a static page per
// employment type, department and location; each such page exists, shows
// exactly the jobs with that value (as many as its link says), and together
// the pages of one filter show every open job of the list. Closed jobs are
// listed last under their own heading, never counted nor filtered. The public lists never
// show a members-only job; the members' lists show both kinds.
func TestJobFiltersWithoutJavaScript(t *testing.T) {
	pages := readContent(t, filepath.Join(real.root, "content"))
	jobs := map[string]contentPage{} // output path -> page
	for _, p := range pages {
		if p.section() == "jobs" && !p.isIndex() {
			jobs[p.outputPath()] = p
		}
	}
	for _, list := range []struct {
		dir     string
		lang    string
		members bool
	}{{"jobs/", "ja", false}, {"en/jobs/", "en", false}, {"members/jobs/", "ja", true}, {"en/members/jobs/", "en", true}} {
		t.Run(list.dir, func(t *testing.T) {
			page := readFile(t, real.public, list.dir+"index.html")
			// Open jobs first; the closed ones only under their own heading.
			html, closedPart, _ := strings.Cut(page, "id=jobs-closed-title")
			all := jobCards(html)
			var want, wantClosed []string
			for out, p := range jobs {
				if p.lang == list.lang && (list.members || !p.membersOnly()) {
					if jobOpen(t, p) {
						want = append(want, out)
					} else {
						wantClosed = append(wantClosed, out)
					}
				}
			}
			slices.Sort(want)
			slices.Sort(wantClosed)
			if !slices.Equal(all, want) {
				t.Fatalf("the list shows as open %v\nwant %v", all, want)
			}
			if got := jobCards(closedPart); !slices.Equal(got, wantClosed) {
				t.Errorf("the list shows as closed %v\nwant %v", got, wantClosed)
			}
			// The count names the open jobs only.
			count := regexp.MustCompile(`class=job-count role=status>\D*(\d+)`).FindStringSubmatch(html)
			if count == nil || count[1] != strconv.Itoa(len(want)) {
				t.Errorf("the list's count says %v, want %d open", count, len(want))
			}
			links := filterLinkRE.FindAllStringSubmatch(html, -1)
			if len(links) == 0 {
				t.Fatal("no filter links")
			}
			covered := map[string][]string{}
			for _, l := range links {
				href, kind, count := l[1], l[2], l[3]
				file, err := url.PathUnescape(strings.TrimPrefix(href, "/") + "index.html")
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(file, list.dir) {
					t.Errorf("filter link %s leaves the list %s", href, list.dir)
				}
				shown := jobCards(readFile(t, real.public, file))
				if n, _ := strconv.Atoi(count); n != len(shown) || n == 0 {
					t.Errorf("%s says %s jobs, shows %d", href, count, len(shown))
				}
				value, _ := url.PathUnescape(path.Base(href))
				for _, out := range shown {
					p := jobs[out]
					got, _ := p.front[map[string]string{"type": "employment_type", "department": "department", "location": "location"}[kind]].(string)
					if kind == "type" && got != value || kind != "type" && !strings.Contains(stripPunct(got), stripPunct(value)) {
						t.Errorf("%s shows %s, whose %s is %q", href, out, kind, got)
					}
					if p.membersOnly() && !list.members {
						t.Errorf("public filter page %s shows the members-only job %s", href, out)
					}
				}
				covered[kind] = append(covered[kind], shown...)
				if list.members != inMembersArea(file) {
					t.Errorf("filter page %s is outside its list's area", file)
				}
			}
			for _, kind := range []string{"type", "department", "location"} {
				got := covered[kind]
				slices.Sort(got)
				if !slices.Equal(got, all) {
					t.Errorf("the %s pages together show %v, want every job of the list", kind, got)
				}
			}
		})
	}
}

// jobOpen says whether a job still takes applications: through the end of
// its closing day in Tokyo.
func jobOpen(t *testing.T, p contentPage) bool {
	d := frontTime(t, p, "closes")
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, tokyo).After(time.Now())
}

// stripPunct keeps letters and digits, as the generated folder names do.
func stripPunct(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(" ()（）・,、-", r) {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// TestJobPagesCarryApplyAndReferForms: every open job's page has the apply
// form (multipart, posting to the API with the job's id and a résumé field
// that asks for PDF) and the referral form; a closed job's page has neither.
func TestJobPagesCarryApplyAndReferForms(t *testing.T) {
	open, closed := 0, 0
	for _, p := range readContent(t, filepath.Join(real.root, "content")) {
		if p.section() != "jobs" || p.isIndex() {
			continue
		}
		html := readFile(t, real.public, p.outputPath())
		apply := strings.Contains(html, "action=/api/jobs/"+p.id+"/applications") && strings.Contains(html, "enctype=multipart/form-data") &&
			strings.Contains(html, "name=resume") && strings.Contains(html, "accept=application/pdf,.pdf")
		refer := strings.Contains(html, "action=/api/jobs/"+p.id+"/referrals")
		isClosed := strings.Contains(html, "badge-muted")
		switch {
		case isClosed && (apply || refer):
			t.Errorf("%s is closed but offers a form", p.rel)
		case !isClosed && !(apply && refer):
			t.Errorf("%s is open but lacks the apply or referral form (apply %v, refer %v)", p.rel, apply, refer)
		case isClosed:
			closed++
		default:
			open++
		}
	}
	if open == 0 || closed == 0 {
		t.Fatalf("%d open and %d closed job pages: the sample content should have both", open, closed)
	}
}
