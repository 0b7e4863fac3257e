package browsertest

import (
	"context"
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
