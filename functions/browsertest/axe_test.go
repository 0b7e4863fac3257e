package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeViolation is the part of an axe-core result a person needs to fix it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  json.RawMessage `json:"target"` // selectors; nested arrays inside shadow DOM
		HTML    string          `json:"html"`
		Summary string          `json:"summary"`
	} `json:"nodes"`
}

// runAxe runs every rule axe-core enables by default (WCAG 2.x A and AA and
// best practices) on the whole document and keeps only the violations.
const runAxe = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help,
	nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary || ""})),
})))`

// TestAxeEveryPage loads every public page of the built site in one tab and
// asserts that axe-core finds no violation.
func TestAxeEveryPage(t *testing.T) {
	public, members, aliases := sitePages(t)
	// Members-only pages answer 303 to the login page until there is a
	// session; the login page itself is checked with the public pages. Alias
	// pages navigate away at once, to a page that is in the list.
	t.Logf("checking %d pages; skipped %d members-only pages (they redirect to login) and %d alias redirects %v",
		len(public), len(members), len(aliases), aliases)

	for _, p := range members {
		assertRedirectsToLogin(t, p)
	}

	ctx := newTab(t)
	start := time.Now()
	violations := 0
	for _, p := range public {
		open(t, ctx, p)
		found, err := axeCheck(ctx)
		if err != nil {
			t.Fatalf("%s: axe-core: %v", p, err)
		}
		for _, v := range found {
			for _, n := range v.Nodes {
				violations++
				t.Errorf("axe %s (%s) on %s at %s: %s\n\t%s\n\t%s", v.ID, v.Impact, p, string(n.Target), v.Help,
					n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n\t"))
			}
		}
	}
	t.Logf("axe-core checked %d pages in %v, %d violations", len(public), time.Since(start).Round(time.Millisecond), violations)
}

// assertRedirectsToLogin checks the premise of skipping a members-only page:
// without a session the server sends the visitor to the login page.
func assertRedirectsToLogin(t *testing.T, p string) {
	t.Helper()
	client := &http.Client{
		Timeout:       stepTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(pageURL(p))
	if err != nil {
		t.Fatalf("GET %s: %v", p, err)
	}
	resp.Body.Close()
	login := "/login/"
	if strings.HasPrefix(p, "/en/") {
		login = "/en/login/"
	}
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, login) {
		t.Errorf("GET %s without a session: %d to %q, want 303 to %s", p, resp.StatusCode, loc, login)
	}
}

// axeCheck injects axe.min.js into the loaded page and runs it. Runtime.evaluate
// comes from DevTools, outside the page's Content-Security-Policy, so the
// page is tested under the same strict policy visitors get.
func axeCheck(ctx context.Context) ([]axeViolation, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](suite.axeSource)); err != nil {
		return nil, fmt.Errorf("inject axe.min.js: %w", err)
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](runAxe, chromedp.EvalAwaitPromise))
}
