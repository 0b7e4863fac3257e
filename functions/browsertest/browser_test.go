package browsertest

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Desktop viewport of every test; the screenshot test adds a phone-sized one.
const (
	viewportWidth  = 1280
	viewportHeight = 900
)

// stepTimeout bounds one browser step, so a page that never loads fails the
// test instead of hanging until go test's own timeout. Steps derive it from
// the tab's context after newTab has started the browser: a deadline on the
// first action would bound the whole browser's life.
const stepTimeout = 20 * time.Second

// newTab starts a fresh headless Chromium with its own empty profile and
// returns the context of its one tab. A Chromium that cannot start fails the
// test: the browser tests must never pass by not running.
func newTab(t *testing.T) context.Context {
	t.Helper()
	profile := t.TempDir() // removed after the browser has exited (cleanups run last in, first out)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(suite.chromium),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox, // containers and CI run as root, where the sandbox cannot start
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// /dev/shm is 64 MB in a default container; Chromium crashes when it fills.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(viewportWidth, viewportHeight),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(closeCtx) // a graceful close lets Chromium flush its profile before the folder goes
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
	})
	// The first action starts the browser; do it here so that a broken
	// Chromium is reported as such and not as a failing page.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight)); err != nil {
		t.Fatalf("start chromium %s: %v", suite.chromium, err)
	}
	// The site scrolls smoothly unless the reader prefers less motion. A
	// click scrolls its element into view and presses where the element
	// is then; mid-scroll (longer on a loaded machine) that is somewhere
	// else, and the click is lost. Tests read as someone who prefers
	// reduced motion: scrolling is instant.
	if err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatalf("emulate reduced motion: %v", err)
	}
	if !evaluate[bool](t, ctx, `matchMedia("(prefers-reduced-motion: reduce)").matches`) {
		t.Fatal("the browser does not report reduced motion")
	}
	return ctx
}

// pageURL is the portal's absolute URL of a site path such as "/en/about/".
func pageURL(path string) string { return suite.baseURL + path }

// open navigates the tab to a site path and waits for the load event. It
// fails the test on a network error or an HTTP status other than 200.
func open(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(pageURL(path)))
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	if resp == nil || resp.Status != 200 {
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("open %s: HTTP status %d, want 200", path, status)
	}
}

// clickAndWait clicks the first element matching the CSS selector and waits
// for the page that the click loads.
func clickAndWait(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	// Click would wait for the element to appear; fail at once instead.
	if count(t, ctx, selector) == 0 {
		t.Fatalf("%s: nothing matches %s", location(t, ctx).Path, selector)
	}
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(selector))))
	if err != nil {
		t.Fatalf("click %s and wait for the next page: %v", selector, err)
	}
}

// evaluate runs a JavaScript expression in the page and decodes its value.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %q: %v", expr, err)
	}
	return v
}

// count is the number of elements matching the CSS selector.
func count(t *testing.T, ctx context.Context, selector string) int {
	t.Helper()
	sel, err := json.Marshal(selector)
	if err != nil {
		t.Fatalf("selector %q: %v", selector, err)
	}
	return evaluate[int](t, ctx, `document.querySelectorAll(`+string(sel)+`).length`)
}

// location is the tab's current URL.
func location(t *testing.T, ctx context.Context) *url.URL {
	t.Helper()
	raw := evaluate[string](t, ctx, `location.href`)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse location %q: %v", raw, err)
	}
	return u
}
