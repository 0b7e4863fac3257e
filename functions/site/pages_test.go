package site_test

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
)

var (
	htmlLang   = regexp.MustCompile(`<html[^>]*\slang="?([A-Za-z-]+)`)
	langSwitch = regexp.MustCompile(`<a class="?lang-switch"? href="?([^"\s>]+)`)
)

// TestEveryPageInBothLanguages: each home and section list is built in
// Japanese at / and English at /en/, each with the right html lang.
func TestEveryPageInBothLanguages(t *testing.T) {
	for _, dir := range []string{"", "news/", "stories/", "jobs/", "events/", "about/", "privacy/", "login/", "register/", "members/"} {
		for _, lang := range []string{"ja", "en"} {
			rel := dir + "index.html"
			if lang == "en" {
				rel = "en/" + rel
			}
			page := readFile(t, real.public, rel)
			m := htmlLang.FindStringSubmatch(page)
			if m == nil || m[1] != lang {
				t.Errorf("%s: want <html lang=%q>, got %v", rel, lang, m)
			}
		}
	}
}

// TestLanguageSwitchKeepsPage: every built page of content/ links to its
// translation when there is one, else to the other language's home.
func TestLanguageSwitchKeepsPage(t *testing.T) {
	pages := readContent(t, filepath.Join(real.root, "content"))
	built := make(map[string]bool)
	for _, p := range pages {
		built[p.outputPath()] = true
	}
	checked := 0
	for _, p := range pages {
		other, otherHome := "en/"+p.outputPath(), "/en/"
		if p.lang == "en" {
			other, otherHome = strings.TrimPrefix(p.outputPath(), "en/"), "/"
		}
		want := otherHome
		if built[other] {
			want = "/" + strings.TrimSuffix(other, "index.html")
		}
		m := langSwitch.FindStringSubmatch(readFile(t, real.public, p.outputPath()))
		if m == nil {
			t.Errorf("%s (%s): no language switch", p.outputPath(), p.rel)
			continue
		}
		if m[1] != want {
			t.Errorf("%s (%s): language switch goes to %s, want %s", p.outputPath(), p.rel, m[1], want)
		}
		checked++
	}
	t.Logf("language switch checked on %d pages", checked)
}

// searchEntry is one entry of /index.json.
type searchEntry struct {
	Title   string `json:"title"`
	URL     string `json:"url"`
	Summary string `json:"summary"`
	Section string `json:"section"`
}

// TestSearchIndexListsPublicPages: /index.json and /en/index.json list every
// public page of their language with its fields, and nothing else.
func TestSearchIndexListsPublicPages(t *testing.T) {
	pages := readContent(t, filepath.Join(real.root, "content"))
	for _, lang := range []string{"ja", "en"} {
		rel := "index.json"
		if lang == "en" {
			rel = "en/index.json"
		}
		var entries []searchEntry
		if err := json.Unmarshal([]byte(readFile(t, real.public, rel)), &entries); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		urls := make(map[string]searchEntry)
		for _, e := range entries {
			if e.Title == "" || e.URL == "" || e.Summary == "" {
				t.Errorf("%s: entry with an empty field: %+v", rel, e)
			}
			if strings.Contains(e.URL, "/members/") {
				t.Errorf("%s lists a members-only page: %s", rel, e.URL)
			}
			urls[e.URL] = e
		}
		for _, p := range pages {
			if p.lang != lang || p.isIndex() || p.membersOnly() {
				continue
			}
			url := "/" + strings.TrimSuffix(p.outputPath(), "index.html")
			e, ok := urls[url]
			if !ok {
				t.Errorf("%s does not list %s (%s)", rel, url, p.rel)
				continue
			}
			if e.Title != p.title() || e.Section != p.section() {
				t.Errorf("%s: %s listed as %q in %q, want %q in %q", rel, url, e.Title, e.Section, p.title(), p.section())
			}
		}
	}
}

// catalogItem is one entry of /members/catalog.json, as `okaeri sync` reads it.
type catalogItem struct {
	ID         string `json:"id"`
	Lang       string `json:"lang"`
	Section    string `json:"section"`
	Title      string `json:"title"`
	URL        string `json:"url"`
	Visibility string `json:"visibility"`
	Location   string `json:"location"`
	// events
	Start         string  `json:"start"`
	End           string  `json:"end"`
	Online        *bool   `json:"online"`
	Capacity      int     `json:"capacity"`
	RSVPDeadline  *string `json:"rsvp_deadline"`
	GuestsAllowed *int    `json:"guests_allowed"`
	// jobs
	EmploymentType string `json:"employment_type"`
	Department     string `json:"department"`
	Closes         string `json:"closes"`
}

// readCatalog parses /members/catalog.json of a build.
func readCatalog(t *testing.T, public string) []catalogItem {
	t.Helper()
	var catalog struct {
		Items []catalogItem `json:"items"`
	}
	if err := json.Unmarshal([]byte(readFile(t, public, "members/catalog.json")), &catalog); err != nil {
		t.Fatalf("members/catalog.json: %v", err)
	}
	return catalog.Items
}

// TestCatalogListsEveryEventAndJob: /members/catalog.json holds each event
// and job of content/, public and members-only, in each language, with the
// fields of the content schema; it is the only catalog.
func TestCatalogListsEveryEventAndJob(t *testing.T) {
	items := readCatalog(t, real.public)
	byKey := make(map[string]catalogItem)
	for _, it := range items {
		key := it.Lang + "/" + it.ID
		if _, dup := byKey[key]; dup {
			t.Errorf("catalog lists %s twice", key)
		}
		byKey[key] = it
	}
	want := 0
	for _, p := range readContent(t, filepath.Join(real.root, "content")) {
		sec := p.section()
		if p.isIndex() || (sec != "events" && sec != "jobs") {
			continue
		}
		want++
		it, ok := byKey[p.lang+"/"+p.id]
		if !ok {
			t.Errorf("catalog misses %s", p.rel)
			continue
		}
		vis := "public"
		if p.membersOnly() {
			vis = "members"
		}
		url := "/" + strings.TrimSuffix(p.outputPath(), "index.html")
		if it.Section != sec || it.Visibility != vis || it.URL != url || it.Title != p.title() || it.Location != p.front["location"] {
			t.Errorf("%s: catalog entry %+v, want section %s, visibility %s, url %s", p.rel, it, sec, vis, url)
		}
		switch sec {
		case "events":
			if it.Start != rfc3339(p.front["start"]) || it.End != rfc3339(p.front["end"]) {
				t.Errorf("%s: catalog start/end %s/%s, content %v/%v", p.rel, it.Start, it.End, p.front["start"], p.front["end"])
			}
			if it.Capacity != p.front["capacity"] || it.Online == nil || it.GuestsAllowed == nil {
				t.Errorf("%s: event fields missing in catalog: %+v", p.rel, it)
			}
			if _, has := p.front["rsvp_deadline"]; has != (it.RSVPDeadline != nil) {
				t.Errorf("%s: rsvp_deadline in content %v, in catalog %v", p.rel, has, it.RSVPDeadline)
			}
		case "jobs":
			if !slices.Contains([]string{"rehire", "contract", "sidework", "project"}, it.EmploymentType) ||
				it.Department == "" || len(it.Closes) != len("2006-01-02") {
				t.Errorf("%s: job fields wrong in catalog: %+v", p.rel, it)
			}
		}
	}
	if len(items) != want {
		t.Errorf("catalog has %d items, content has %d events and jobs", len(items), want)
	}
	for _, f := range outputFiles(t, real.public) {
		if strings.HasSuffix(f.rel, "catalog.json") && f.rel != "members/catalog.json" {
			t.Errorf("a second catalog: %s", f.rel)
		}
	}
}

// rfc3339 prints a front matter time (YAML may have parsed it) the way the catalog does.
func rfc3339(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// The stylesheet at its stable path, which the functions' built-in frame
// and the CMS's previews link (brand.FallbackStylesheet), is published and
// is the site's (it has the brand colour in it).
func TestStableStylesheet(t *testing.T) {
	css := readFile(t, real.public, strings.TrimPrefix(brand.FallbackStylesheet, "/"))
	if !strings.Contains(css, ".site-header") || !strings.Contains(strings.ToLower(css), "#b0421c") {
		t.Errorf("%s is not the site's stylesheet (%d bytes)", brand.FallbackStylesheet, len(css))
	}
}

// Japanese headings carry <wbr> between phrases (BudouX, scripts/phrases)
// for browsers without word-break: auto-phrase; the text is unchanged, and
// English pages are left alone.
func TestJapaneseHeadingsBreakBetweenPhrases(t *testing.T) {
	page := readFile(t, real.public, "events/career-talk-2027-01/index.html")
	m := regexp.MustCompile(`<h1>(.*?)</h1>`).FindStringSubmatch(page)
	if m == nil || m[1] != "キャリアトーク<wbr>「外で<wbr>働いて<wbr>わかった<wbr>こと」" {
		t.Errorf("the event's heading: %q", m)
	}
	home := readFile(t, real.public, "index.html")
	if !regexp.MustCompile(`class="?card-title"?><a [^>]*>[^<]+<wbr>`).MatchString(home) {
		t.Error("the home page's card titles have no phrase boundaries")
	}
	// No boundary right after an opening bracket or before a closing one
	// or punctuation (BudouX gives one in 説明会（お昼休み開催）).
	kinsoku := regexp.MustCompile(`[「『（【]<wbr>|<wbr>[」』）】、。・]`)
	for _, f := range []string{"index.html", "events/index.html", "jobs/index.html", "members/index.html"} {
		if m := kinsoku.FindString(readFile(t, real.public, f)); m != "" {
			t.Errorf("%s: a phrase boundary beside a bracket: %q", f, m)
		}
	}
	if en := readFile(t, real.public, "en/events/career-talk-2027-01/index.html"); strings.Contains(en, "<wbr>") {
		t.Error("an English page got <wbr>")
	}
}

// TestMembersMenuIsTheFunctionPagesMenu: the members' home and their job
// list (Hugo pages) carry the members' menu with the very entries, words
// and order of the one the functions draw on the members' own pages, so
// the menu does not change or vanish as a member moves between them.
func TestMembersMenuIsTheFunctionPagesMenu(t *testing.T) {
	entry := regexp.MustCompile(`<a href="?([^" >]+)"?( aria-current="?page"?)?>([^<]+)</a>`)
	menu := func(page string) []string {
		start := strings.Index(page, `class="sub-nav"`)
		if start < 0 {
			start = strings.Index(page, `class=sub-nav`)
		}
		if start < 0 {
			return nil
		}
		block := page[start:]
		block = block[:strings.Index(block, "</nav>")]
		var out []string
		for _, m := range entry.FindAllStringSubmatch(block, -1) {
			out = append(out, m[1]+map[bool]string{true: " (current)", false: ""}[m[2] != ""]+" "+html.UnescapeString(m[3]))
		}
		return out
	}
	for _, tc := range []struct{ lang, file, current string }{
		{"ja", "members/index.html", "/members/"}, {"en", "en/members/index.html", "/members/"},
		{"ja", "members/jobs/index.html", ""}, {"ja", "members/jobs/type/rehire/index.html", ""},
	} {
		var want strings.Builder
		tmpl := template.Must(template.New("nav").Parse(httpapi.MemberNav))
		if err := tmpl.Execute(&want, map[string]any{"Menu": httpapi.NewMemberMenu(tc.lang, tc.current)}); err != nil {
			t.Fatal(err)
		}
		got, exp := menu(readFile(t, real.public, tc.file)), menu(want.String())
		if len(exp) != 6 || !slices.Equal(got, exp) {
			t.Errorf("%s: the members' menu is\n%q\nwant the function pages'\n%q", tc.file, got, exp)
		}
	}
}
