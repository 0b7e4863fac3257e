package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// checkHRNewsletters opens HR's newsletter pages as the site's
// administrator, has axe-core check them, checks that each email preview
// is a frame the page cannot reach into (sandboxed: no scripts, its own
// opaque origin), and starts the send with the plain form: a 303 back to
// the page, which says what happened.
func checkHRNewsletters(t *testing.T, ctx context.Context, baseURL string) {
	t.Helper()
	visit(t, ctx, baseURL+"/hr/newsletters")
	if txt := bodyText(t, ctx); !strings.Contains(txt, "アルムナイ通信 2026年冬号") || !strings.Contains(txt, "未配信") {
		t.Fatalf("HR's newsletter list: %s", txt)
	}
	assertAccessible(t, ctx)

	clickAndWait(t, ctx, `a[href="/hr/newsletters/winter-2026"]`)
	if txt := bodyText(t, ctx); !strings.Contains(txt, "プレビュー") || !strings.Contains(txt, "テキスト版") {
		t.Fatalf("HR's newsletter page: %s", txt)
	}
	frames := evaluate[[]bool](t, ctx, `[...document.querySelectorAll("iframe.newsletter-preview")].map(f =>
		f.hasAttribute("sandbox") && f.sandbox.length === 0 && f.contentDocument === null && !f.hasAttribute("src"))`)
	if len(frames) != 2 || !frames[0] || !frames[1] {
		t.Fatalf("preview frames (sandboxed, unreachable, srcdoc only): %v, want two true", frames)
	}
	assertAccessible(t, ctx)
	// A full-page screenshot leaves out-of-process frames blank: show the
	// first preview in the viewport instead.
	evaluate[bool](t, ctx, `(document.querySelector("iframe.newsletter-preview").scrollIntoView({behavior: "instant"}), true)`)
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(suite.screenshots, "hr-newsletter-preview.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}

	click(t, ctx, "#confirmed")
	clickAndWait(t, ctx, `form[action="/api/hr/newsletters/winter-2026/send"] button[type=submit]`)
	if u := location(t, ctx); u.Path != "/hr/newsletters/winter-2026" || u.Query().Get("started") != "1" {
		t.Fatalf("after the send form: %s", u)
	}
	// Scheduled before 2026-12-01 10:00 JST, started after it.
	if notice := evaluate[string](t, ctx, `document.querySelector("p.notice[role=status]").innerText`); !strings.HasPrefix(notice, "配信を") {
		t.Fatalf("notice after the send form: %q", notice)
	}
	assertAccessible(t, ctx)
}

// checkHRHome opens HR's home as HR: what needs doing and the charts, the
// header's link to it (from the hint the page sets), axe-core clean, no
// horizontal scrolling on a 390 px phone; pictures at 390 and 1280 px.
func checkHRHome(t *testing.T, ctx context.Context, baseURL string) {
	t.Helper()
	visit(t, ctx, baseURL+"/hr/")
	if txt := bodyText(t, ctx); !strings.Contains(txt, "いま対応が必要なこと") || !strings.Contains(txt, "数字で見る") {
		t.Fatalf("HR's home: %s", txt)
	}
	if n := count(t, ctx, "figure.chart svg[role=img] title"); n < 5 {
		t.Errorf("HR's home draws %d charts, want at least 5", n)
	}
	visit(t, ctx, baseURL+"/hr/") // the hint the first visit set is read now
	if !visible(t, ctx, `header [data-hr] a[href="/hr/"]`) {
		t.Error("the header shows HR no link to HR's home")
	}
	assertAccessible(t, ctx)
	for _, w := range []int64{390, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 844)); err != nil {
			t.Fatal(err)
		}
		visit(t, ctx, baseURL+"/hr/")
		if overflow := evaluate[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
			t.Errorf("HR's home at %dpx: %dpx wider than the screen", w, overflow)
		}
		saveScreenshot(t, ctx, fmt.Sprintf("hr-home-ja-%d.png", w))
		// The review and the member search, on a phone too.
		for name, path := range map[string]string{"hr-registrations": "/hr/registrations", "hr-members": "/hr/members?q=" + url.QueryEscape("ヤマダ")} {
			visit(t, ctx, baseURL+path)
			if overflow := evaluate[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
				t.Errorf("%s at %dpx: %dpx wider than the screen", path, w, overflow)
			}
			if w == 390 {
				assertAccessible(t, ctx)
			}
			saveScreenshot(t, ctx, fmt.Sprintf("%s-ja-%d.png", name, w))
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight)); err != nil {
		t.Fatal(err)
	}
}
