package browsertest

import (
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/chromedp/chromedp"
)

// mailOrigin is the portal's origin in the golden files (mailtexttest.Brand).
const mailOrigin = "https://alumni.example.co.jp"

// mustRender are the mails the issue names; the test fails if any golden
// file is missing, so that it cannot pass by finding none.
var mustRender = []string{
	"event/email-rsvp-confirmed.ja", "event/email-rsvp-confirmed.en",
	"event/email-rsvp-confirmed-online.ja", "event/email-rsvp-confirmed-online.en",
	"account/email-verify.ja", "account/email-verify.en",
	"account/email-welcome.ja", "account/email-welcome.en",
}

// screenshotMails are the mails whose pictures a person reads.
var screenshotMails = map[string]bool{
	"email-rsvp-confirmed": true, "email-rsvp-confirmed-online": true, "email-verify": true, "email-welcome": true,
	"email-nudge": true, "email-yearly": true, "email-contact": true,
}

// Every transactional mail's HTML part, as its golden file holds it (what
// is sent), opened in Chromium on a 390 px phone and a 1280 px screen: no
// sideways scrolling, every button inside the screen, the company's name
// shown. The newsletter's goldens too: one frame for all.
func TestEmailsFitPhoneAndDesktop(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(suite.root, "functions", "*", "testdata", "email-*.html"))
	if err != nil {
		t.Fatal(err)
	}
	news, _ := filepath.Glob(filepath.Join(suite.root, "functions", "newsletter", "testdata", "*.html.golden"))
	files = append(files, news...)
	have := map[string]bool{}
	for _, f := range files {
		have[filepath.Base(filepath.Dir(filepath.Dir(f)))+"/"+strings.TrimSuffix(filepath.Base(f), ".html")] = true
	}
	for _, want := range mustRender {
		if !have[want] {
			t.Errorf("no golden HTML for %s (go test -update in its package writes it)", want)
		}
	}
	if len(files) < 46 {
		t.Fatalf("only %d mails' HTML found: every transactional mail has a golden file in ja and en", len(files))
	}

	// The mails' links point at mailOrigin; the check-in QR code and the
	// company's logo (the site's /images/) are served here, so that the
	// pictures show them. Nothing else is fetched.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/qr") {
			code, err := qr.Encode(mailOrigin+"/hr/events/x/checkin?token=TOKEN", qr.M, qr.Auto)
			if err == nil {
				code, err = barcode.Scale(code, 240, 240)
			}
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Header().Set("Content-Type", "image/png")
			_ = png.Encode(w, code)
			return
		}
		if name, ok := strings.CutPrefix(r.URL.Path, "/images/"); ok && !strings.Contains(name, "/") {
			http.ServeFile(w, r, filepath.Join(suite.root, "site", "static", "images", name))
			return
		}
		if html, err := os.ReadFile(filepath.Join(suite.root, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/")))); err == nil && strings.HasPrefix(r.URL.Path, "/functions/") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			local := strings.NewReplacer(mailOrigin+"/api/", "http://"+r.Host+"/api/", mailOrigin+"/images/", "http://"+r.Host+"/images/")
			_, _ = w.Write([]byte(local.Replace(string(html))))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()

	ctx := newTab(t)
	for _, width := range []int{390, 1280} {
		var opts []chromedp.EmulateViewportOption
		if width < 600 {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 844, opts...)); err != nil {
			t.Fatalf("viewport %d: %v", width, err)
		}
		for _, f := range files {
			rel, _ := filepath.Rel(suite.root, f)
			name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".golden"), ".html")
			visit(t, ctx, srv.URL+"/"+filepath.ToSlash(rel))
			if overflow := evaluate[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
				t.Errorf("%s at %d px: %d px wider than the screen", rel, width, overflow)
			}
			// Each button and fact inside the screen, not only the page.
			if out := evaluate[[]string](t, ctx, `[...document.querySelectorAll('a, td, img, h1, p')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40))`); len(out) > 0 {
				t.Errorf("%s at %d px: outside the screen: %q", rel, width, out)
			}
			if !strings.HasPrefix(name, "autumn") && !strings.Contains(bodyText(t, ctx), "ひかりテック") && !strings.Contains(bodyText(t, ctx), "Hikari Tech") {
				t.Errorf("%s: the company is not named", rel)
			}
			base := strings.TrimSuffix(strings.TrimSuffix(name, ".ja"), ".en")
			if screenshotMails[base] {
				shot := name + "-" + map[bool]string{true: "mobile", false: "desktop"}[width < 600] + ".png"
				saveScreenshot(t, ctx, shot)
			}
		}
	}
}
