package browsertest

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// kana matches hiragana or katakana: text with them is Japanese, whatever
// kanji or Latin letters sit beside them.
var kana = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}]`)

// japanese matches any Japanese script, kanji included.
var japanese = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}\p{Han}]`)

// latin matches the letters an English heading cannot do without.
var latin = regexp.MustCompile(`[A-Za-z]`)

func TestHomeRendersInBothLanguages(t *testing.T) {
	ctx := newTab(t)

	open(t, ctx, "/")
	if lang := evaluate[string](t, ctx, `document.documentElement.lang`); lang != "ja" {
		t.Errorf(`/: <html lang=%q>, want "ja"`, lang)
	}
	h1 := evaluate[string](t, ctx, `document.querySelector("h1")?.innerText ?? ""`)
	if !japanese.MatchString(h1) {
		t.Errorf("/: h1 %q is not Japanese", h1)
	}
	if body := evaluate[string](t, ctx, `document.body.innerText`); !kana.MatchString(body) {
		t.Errorf("/: no kana in the page's text")
	}
	// Japanese headings break only where the build marked a phrase
	// boundary (TestJapaneseHeadingsBreakOnlyBetweenPhrases).
	if wb := evaluate[string](t, ctx, `getComputedStyle(document.querySelector("h1")).wordBreak`); wb != "keep-all" {
		t.Errorf("/: the Japanese h1 breaks with word-break %q, want keep-all", wb)
	}

	open(t, ctx, "/en/")
	if lang := evaluate[string](t, ctx, `document.documentElement.lang`); lang != "en" {
		t.Errorf(`/en/: <html lang=%q>, want "en"`, lang)
	}
	h1 = evaluate[string](t, ctx, `document.querySelector("h1")?.innerText ?? ""`)
	if !latin.MatchString(h1) {
		t.Errorf("/en/: h1 %q has no English text", h1)
	}
	if wb := evaluate[string](t, ctx, `getComputedStyle(document.querySelector("h1")).wordBreak`); wb == "keep-all" {
		t.Errorf("/en/: the English h1 breaks by Japanese phrases")
	}
}

// lineBreaksJS lists, for every Japanese heading and card title of the
// page, each line break that falls where the build marked no phrase
// boundary (<wbr>), nor a space or punctuation: a word cut in two.
const lineBreaksJS = `(() => {
  const bad = [];
  for (const h of document.querySelectorAll("h1, h2, h3, .card-title")) {
    const chars = [], allowed = new Set();
    const walk = (n) => {
      for (const c of n.childNodes) {
        if (c.nodeName === "WBR") { allowed.add(chars.length); continue; }
        if (c.nodeType === Node.TEXT_NODE) {
          for (let i = 0; i < c.length; i++) {
            const r = document.createRange(); r.setStart(c, i); r.setEnd(c, i + 1);
            const box = r.getClientRects()[0];
            chars.push({ch: c.data[i], top: box ? box.top : null});
          }
        } else walk(c);
      }
    };
    walk(h);
    const text = chars.map((c) => c.ch).join("");
    if (!/[\u3040-\u30ff\u4e00-\u9fff]/.test(text)) continue;
    let top = null;
    chars.forEach((c, i) => {
      if (c.top === null || /\s/.test(c.ch)) return;
      if (top !== null && c.top > top + 4) {
        const before = text[i - 1] || "";
        if (!allowed.has(i) && !/[\s、。，．」』）】！？・]/.test(before)) bad.push(text.slice(0, i) + " / " + text.slice(i));
      }
      top = c.top;
    });
  }
  return bad;
})()`

// TestJapaneseHeadingsBreakOnlyBetweenPhrases: on a phone, Japanese
// headings wrap at the phrase boundaries the build marked, never inside a
// word (Chromium's own auto-phrase cut 年末のふりか / えり) or after an
// opening bracket (説明会（ / お昼休み開催）).
func TestJapaneseHeadingsBreakOnlyBetweenPhrases(t *testing.T) {
	ctx := newTab(t)
	for _, w := range []int64{390, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 844)); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/", "/events/", "/jobs/", "/stories/", "/news/"} {
			open(t, ctx, p)
			if bad := evaluate[[]string](t, ctx, lineBreaksJS); len(bad) > 0 {
				t.Errorf("%s at %dpx: headings broken inside a phrase: %q", p, w, bad)
			}
		}
	}
}

func TestLanguageSwitchKeepsPage(t *testing.T) {
	pages := []string{"/about/"}
	// One more translated page from the sections, so the switch is proven on
	// a content page and not only on a fixed one.
	for _, p := range translatedPages(t) {
		if strings.Count(p, "/") >= 3 { // /news/<slug>/, /stories/<slug>/ ...
			pages = append(pages, p)
			break
		}
	}
	t.Logf("switching languages on %v", pages)
	ctx := newTab(t)
	for _, ja := range pages {
		en := translation(ja)

		open(t, ctx, ja)
		clickAndWait(t, ctx, `body a[hreflang|="en"]`)
		if got := location(t, ctx).Path; got != en {
			t.Errorf("%s: the language switch led to %s, want %s", ja, got, en)
			continue
		}
		if lang := evaluate[string](t, ctx, `document.documentElement.lang`); lang != "en" {
			t.Errorf(`%s: <html lang=%q>, want "en"`, en, lang)
		}

		clickAndWait(t, ctx, `body a[hreflang|="ja"]`)
		if got := location(t, ctx).Path; got != ja {
			t.Errorf("%s: the language switch led back to %s, want %s", en, got, ja)
		}
		if lang := evaluate[string](t, ctx, `document.documentElement.lang`); lang != "ja" {
			t.Errorf(`%s: <html lang=%q>, want "ja"`, ja, lang)
		}
	}
}

func TestMembersLinkLeadsToLogin(t *testing.T) {
	for _, tc := range []struct{ home, members, login, link string }{
		// href$= also matches absolute URLs; the Japanese link must not be the English one.
		{home: "/", members: "/members/", login: "/login/", link: `a[href$="/members/"]:not([href$="/en/members/"])`},
		{home: "/en/", members: "/en/members/", login: "/en/login/", link: `a[href$="/en/members/"]`},
	} {
		t.Run(tc.home, func(t *testing.T) {
			ctx := newTab(t)
			open(t, ctx, tc.home)
			// The site's own link, as a visitor would click it: in the header
			// navigation when there is one, anywhere on the page otherwise.
			link := "header " + tc.link
			if count(t, ctx, link) == 0 {
				link = tc.link
			}
			clickAndWait(t, ctx, link)

			u := location(t, ctx)
			if u.Path != tc.login {
				t.Fatalf("following %s from %s landed on %s, want %s", tc.members, tc.home, u, tc.login)
			}
			if next := u.Query().Get("next"); !strings.HasPrefix(next, tc.members) {
				t.Errorf("login page's next=%q, want it to return to %s", next, tc.members)
			}
			// The email field's accessible name, as assistive technology
			// computes it from <label>, aria-labelledby or aria-label.
			name := evaluate[string](t, ctx, `(() => {
				const f = document.querySelector('input[type="email"]');
				if (!f) return "";
				const by = (f.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean)
					.map(id => document.getElementById(id)?.innerText || "").join(" ");
				const labels = [...(f.labels || [])].map(l => l.innerText).join(" ");
				return (by || f.getAttribute("aria-label") || labels).trim();
			})()`)
			if name == "" {
				t.Errorf("%s: no labelled email field (input type=email with a label)", u.Path)
			}
		})
	}
}

// TestHomeScreenshots saves pictures of the home pages, on a desktop and on a
// phone, for a person to look at; on the phone the page must not scroll
// sideways.
func TestHomeScreenshots(t *testing.T) {
	ctx := newTab(t)
	for _, shot := range []struct {
		path, file    string
		width, height int64
		mobile        bool
	}{
		{"/", "home-ja.png", viewportWidth, viewportHeight, false},
		{"/en/", "home-en.png", viewportWidth, viewportHeight, false},
		{"/", "home-ja-mobile.png", 390, 844, true},
		{"/en/", "home-en-mobile.png", 390, 844, true},
	} {
		var opts []chromedp.EmulateViewportOption
		if shot.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(shot.width, shot.height, opts...)); err != nil {
			t.Fatalf("viewport %dx%d: %v", shot.width, shot.height, err)
		}
		open(t, ctx, shot.path)
		if shot.mobile {
			if overflow := evaluate[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
				t.Errorf("%s at %dpx wide: the page is %dpx wider than the screen", shot.path, shot.width, overflow)
			}
		}
		data := screenshot(t, ctx)
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: screenshot is not a PNG: %v", shot.path, err)
		}
		scale := int64(1)
		if shot.mobile {
			scale = 2
		}
		if w := img.Bounds().Dx(); int64(w) != shot.width*scale {
			t.Errorf("%s: screenshot %dpx wide, want %d", shot.path, w, shot.width*scale)
		}
		file := filepath.Join(suite.screenshots, shot.file)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatalf("save screenshot: %v", err)
		}
		t.Logf("%s: %s (%dx%d)", shot.path, file, img.Bounds().Dx(), img.Bounds().Dy())
	}
}

// screenshot captures the whole page, below the fold too, as PNG.
func screenshot(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	data, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return data
}

// TestFooterAtWindowBottom: on a page shorter than the window (the page
// after asking for a login link) the footer ends at the window's bottom
// edge, not above a band of background; on a long page the space above
// the footer is the footer's own margin (3rem), as it was before the body
// became a flex column.
func TestFooterAtWindowBottom(t *testing.T) {
	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight)); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/login/sent/", "/en/login/sent/"} {
		open(t, ctx, path)
		if content := evaluate[int](t, ctx, `Math.round(document.querySelector("main").lastElementChild.getBoundingClientRect().bottom)`); content > viewportHeight/2 {
			t.Fatalf("%s: its content ends at %dpx, so it is no short page", path, content)
		}
		if bottom := evaluate[int](t, ctx, `Math.round(document.querySelector(".site-footer").getBoundingClientRect().bottom)`); bottom != viewportHeight {
			t.Errorf("%s: the footer ends at %dpx in a %dpx window", path, bottom, viewportHeight)
		}
	}
	open(t, ctx, "/jobs/")
	gap := evaluate[int](t, ctx, `Math.round(document.querySelector(".site-footer").getBoundingClientRect().top - document.querySelector("main").lastElementChild.getBoundingClientRect().bottom)`)
	if rem := evaluate[int](t, ctx, `parseFloat(getComputedStyle(document.documentElement).fontSize) * 3`); gap != rem {
		t.Errorf("/jobs/: %dpx between the content and the footer, want the footer's margin %dpx", gap, rem)
	}
}
