package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// Lighthouse's targets: 100 for accessibility, best practices and SEO, at
// least 95 for performance with Lighthouse's default mobile emulation
// (a mid-range phone on a slow 4G network, simulated). Performance is
// asserted with OKAERI_LIGHTHOUSE_PERFORMANCE=1: make test runs this test
// so on its own, after every other package (beside them its blocking time
// measures them, not the page), and make bench does the same.
const (
	lighthousePerformance = 95
	lighthouseOther       = 100
)

// lighthouseRetries is how many more times a page is measured when its
// performance is below target: that score moves from run to run (the
// blocking time is observed on this machine, then multiplied by 4), and
// Lighthouse's own advice for variance is several runs. The best run
// counts, as Lighthouse CI's "optimistic" aggregation does; every run is
// logged. A page stays red only when five runs all miss.
const lighthouseRetries = 4

// lighthousePage is one page Lighthouse measures.
type lighthousePage struct {
	Name   string            `json:"name"`
	URL    string            `json:"url"`
	Cookie *lighthouseCookie `json:"cookie,omitempty"` // a session: see testdata/lighthouse.mjs
	// noindex: a members-only or function page, which tells search engines
	// not to index it. Lighthouse's SEO score is then below 100 by design,
	// for that one audit (is-crawlable); any other SEO audit must pass.
	noindex bool
}

// lighthouseCookie is a cookie the browser holds when Lighthouse opens the page.
type lighthouseCookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// lighthouseResult is one line of testdata/lighthouse.mjs.
type lighthouseResult struct {
	Name         string              `json:"name"`
	URL          string              `json:"url"`
	Final        string              `json:"final"`
	Scores       map[string]int      `json:"scores"`
	Failing      map[string][]string `json:"failing"`
	RuntimeError string              `json:"runtimeError"`
	MS           int                 `json:"ms"`
}

// problems lists what misses the targets, one line per category.
func (r lighthouseResult) problems(p lighthousePage) []string {
	var out []string
	if r.RuntimeError != "" {
		return []string{"Lighthouse could not measure it: " + r.RuntimeError}
	}
	if r.Final != p.URL {
		return []string{"Lighthouse measured another page: " + r.Final}
	}
	for _, c := range lighthouseCategories() {
		want := lighthouseOther
		if c == "performance" {
			want = lighthousePerformance
		}
		score, ok := r.Scores[c]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: no score", c))
		case c == "seo" && p.noindex:
			if failing := r.Failing[c]; len(failing) != 1 || !strings.HasPrefix(failing[0], "is-crawlable ") {
				out = append(out, fmt.Sprintf("seo %d on a noindex page: want only is-crawlable to fail, failing:\n\t\t%s", score, strings.Join(failing, "\n\t\t")))
			}
		case score < want:
			out = append(out, fmt.Sprintf("%s %d, want %d or more; failing audits:\n\t\t%s", c, score, want, strings.Join(r.Failing[c], "\n\t\t")))
		}
	}
	if p.noindex && !slices.ContainsFunc(r.Failing["seo"], func(s string) bool { return strings.HasPrefix(s, "is-crawlable ") }) {
		out = append(out, "a members-only or function page that search engines may index (no noindex)")
	}
	return out
}

// lighthousePages is one page of each kind: the home page, each section's
// list and one of its pages, login and register; a members-only page of the
// built site as a member; the member's function pages and HR's main pages.
func lighthousePages(t *testing.T, p fnPortal) []lighthousePage {
	t.Helper()
	public, _, _ := sitePages(t)
	pages := []lighthousePage{{Name: "home", URL: "/"}}
	for _, s := range []string{"news", "stories", "jobs", "events"} {
		pages = append(pages, lighthousePage{Name: s + " list", URL: "/" + s + "/"})
		single := slices.IndexFunc(public, func(path string) bool { return singlePage(s, path) })
		if single < 0 {
			t.Fatalf("no single page in /%s/", s)
		}
		pages = append(pages, lighthousePage{Name: s + " page", URL: public[single]})
	}
	pages = append(pages, lighthousePage{Name: "login", URL: "/login/"}, lighthousePage{Name: "register", URL: "/register/"})
	member := &lighthouseCookie{Name: p.member.Name, Value: p.member.Value}
	hr := &lighthouseCookie{Name: p.hr.Name, Value: p.hr.Value}
	for _, f := range []struct {
		name, url string
		cookie    *lighthouseCookie
	}{
		{"members' home (member)", "/members/", member},
		{"profile (member)", "/members/profile/", member},
		{"directory (member)", "/members/directory/", member},
		{"HR home", "/hr/", hr},
		{"HR members", "/hr/members", hr},
		{"HR registrations", "/hr/registrations", hr},
		{"HR applications", "/hr/applications", hr},
		{"HR audit", "/hr/audit", hr},
		{"HR newsletters", "/hr/newsletters", hr},
	} {
		pages = append(pages, lighthousePage{Name: f.name, URL: f.url, Cookie: f.cookie, noindex: true})
	}
	for i := range pages {
		pages[i].URL = p.baseURL + pages[i].URL
	}
	return pages
}

// singlePage: a page of a section (/news/some-article/), not the section's
// list or a taxonomy's (/jobs/department/, whose folder has a folder per term).
func singlePage(section, path string) bool {
	rest, ok := strings.CutPrefix(path, "/"+section+"/")
	if !ok || rest == "" || strings.Count(rest, "/") != 1 || !strings.HasSuffix(rest, "/") {
		return false
	}
	entries, err := os.ReadDir(filepath.Join(suite.siteDir, filepath.FromSlash(path)))
	if err != nil {
		return false
	}
	return !slices.ContainsFunc(entries, os.DirEntry.IsDir)
}

// runLighthouse measures the pages one after the other in one Chromium.
func runLighthouse(t *testing.T, cli string, pages []lighthousePage) []lighthouseResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	in, err := json.Marshal(pages)
	if err != nil {
		t.Fatal(err)
	}
	lighthouseDir := filepath.Dir(filepath.Dir(cli)) // .../lighthouse/cli/index.js
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "lighthouse.mjs"), lighthouseDir)
	cmd.Env = append(os.Environ(), "CHROME_PATH="+suite.chromium, "OKAERI_LH_CATEGORIES="+strings.Join(lighthouseCategories(), ","))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node lighthouse.mjs: %v\n%s", err, stderr.String())
	}
	var out []lighthouseResult
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r lighthouseResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("lighthouse.mjs printed %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	if len(out) != len(pages) {
		t.Fatalf("lighthouse.mjs measured %d pages of %d\n%s", len(out), len(pages), stderr.String())
	}
	return out
}

// TestLighthouse runs the pinned Lighthouse (scripts/lighthouse) with Node
// on one page of each kind, as a visitor, a member and HR (the session
// cookie in the browser), and asserts the targets:
// accessibility, best practices and SEO 100 (SEO: see lighthousePage.noindex),
// performance 95 or more on Lighthouse's default mobile emulation.
func TestLighthouse(t *testing.T) {
	ctx := context.Background()
	cli, err := scriptOutput(ctx, suite.root, "scripts/lighthouse")
	if err != nil {
		t.Fatalf("lighthouse: %v", err)
	}
	node, err := exec.Command("node", "--version").Output()
	if err != nil {
		t.Fatalf("node is needed for Lighthouse: %v", err)
	}
	p := functionPortal(t)
	pages := lighthousePages(t, p)
	if only := os.Getenv("OKAERI_LIGHTHOUSE_PAGES"); only != "" {
		pages = slices.DeleteFunc(pages, func(pg lighthousePage) bool { return !strings.Contains(pg.Name, only) })
	}
	start := time.Now()
	results := runLighthouse(t, cli, pages)
	best := map[string]lighthouseResult{}
	for _, r := range results {
		best[r.Name] = r
	}
	for retry := 1; retry <= lighthouseRetries; retry++ {
		var again []lighthousePage
		for _, pg := range pages {
			// A run Lighthouse could not record (NO_NAVSTART and the like, on
			// a loaded machine) says nothing about the page: measure again.
			switch r := best[pg.Name]; {
			case r.RuntimeError != "":
				t.Logf("%s: Lighthouse could not measure it on run %d (%s), measuring again", pg.Name, retry, r.RuntimeError)
				again = append(again, pg)
			case measurePerformance() && r.Scores["performance"] < lighthousePerformance:
				t.Logf("%s: performance %d on run %d, measuring again", pg.Name, r.Scores["performance"], retry)
				again = append(again, pg)
			}
		}
		if len(again) == 0 {
			break
		}
		// Blocking time is measured, not simulated: on a machine busy with
		// the other test packages it says more about them than about the
		// page. Measure again once the machine has calmed down.
		waitQuiet(t, time.Minute)
		for _, r := range runLighthouse(t, cli, again) {
			if old := best[r.Name]; r.RuntimeError == "" && (old.RuntimeError != "" || r.Scores["performance"] > old.Scores["performance"]) {
				best[r.Name] = r
			}
		}
	}
	for _, pg := range pages {
		r := best[pg.Name]
		perf := "  -" // not measured in this run
		if measurePerformance() {
			perf = fmt.Sprintf("%3d", r.Scores["performance"])
		}
		t.Logf("%-24s perf %s  a11y %3d  best %3d  seo %3d  (%.1fs) %s", pg.Name, perf, r.Scores["accessibility"],
			r.Scores["best-practices"], r.Scores["seo"], float64(r.MS)/1000, strings.TrimPrefix(pg.URL, p.baseURL))
		for _, problem := range r.problems(pg) {
			t.Errorf("Lighthouse on %s (%s): %s", pg.Name, strings.TrimPrefix(pg.URL, p.baseURL), problem)
		}
	}
	t.Logf("Lighthouse %s (Node %s): %d pages in %v", filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(cli))))),
		strings.TrimSpace(string(node)), len(pages), time.Since(start).Round(time.Second))
}

// waitQuiet waits, at most max, until the machine's load over the last
// minute is below its number of CPUs (Linux; elsewhere it returns at once).
func waitQuiet(t *testing.T, max time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		b, err := os.ReadFile("/proc/loadavg")
		if err != nil {
			return
		}
		var load float64
		if _, err := fmt.Sscan(string(b), &load); err != nil || load < float64(runtime.NumCPU()) || time.Since(start) > max {
			t.Logf("load %.1f on %d CPUs after waiting %v", load, runtime.NumCPU(), time.Since(start).Round(time.Second))
			return
		}
		time.Sleep(2 * time.Second)
	}
}

// measurePerformance: this run asserts the performance target (make test's
// last step, make bench).
func measurePerformance() bool { return os.Getenv("OKAERI_LIGHTHOUSE_PERFORMANCE") == "1" }

// lighthouseCategories are the categories this run measures.
func lighthouseCategories() []string {
	if measurePerformance() {
		return []string{"performance", "accessibility", "best-practices", "seo"}
	}
	return []string{"accessibility", "best-practices", "seo"}
}
