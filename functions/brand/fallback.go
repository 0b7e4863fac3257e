package brand

import (
	"html"
	"strings"
)

// fallbackText is the built-in frame's words per language.
var fallbackText = map[string]map[string]string{
	"ja": {"skip": "本文へスキップ", "account": "アカウント", "members": "メンバー", "logout": "ログアウト", "login": "ログイン", "hr": "HRホーム",
		"other": "English", "other_lang": "en", "footer": "フッターメニュー", "privacy": "プライバシーポリシー", "home": "/"},
	"en": {"skip": "Skip to content", "account": "Account", "members": "Members", "logout": "Log out", "login": "Log in", "hr": "HR home",
		"other": "日本語", "other_lang": "ja", "footer": "Footer menu", "privacy": "Privacy policy", "home": "/en/"},
}

// FallbackStylesheet is the site's stylesheet at the stable path the
// built-in frame links (site/layouts/_partials/assets.html publishes it).
const FallbackStylesheet = "/css/okaeri.css"

// Fallback is the site before `okaeri sync` has published one: the sample
// company and a minimal frame in the site's own classes and stylesheet,
// so a page still has its header, brand and footer.
func Fallback() Site {
	c := Sample()
	s := Site{Company: c, Frames: map[string]map[string]string{}}
	for lang, t := range fallbackText {
		s.Frames[lang] = map[string]string{}
		for _, who := range []string{Guest, Member, Members, HR} {
			s.Frames[lang][who] = fallbackFrame(c, lang, who, t)
		}
	}
	return s
}

func fallbackFrame(c Company, lang, who string, t map[string]string) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="` + lang + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + MarkTitle + ` | ` + e(In(c.Portal, lang)) + `</title><meta name="robots" content="noindex, nofollow">
<link rel="icon" href="` + e(c.Logo) + `" type="image/svg+xml"><link rel="stylesheet" href="` + FallbackStylesheet + `"></head>
<body><a class="skip-link" href="#main">` + t["skip"] + `</a>
<header class="site-header"><div class="wrap header-inner">
<a class="brand" href="` + t["home"] + `"><img class="brand-mark" src="` + e(c.Logo) + `" alt="" width="26" height="26"><span class="brand-name">` + e(In(c.Portal, lang)) + `</span></a>
<nav class="nav-account" aria-label="` + t["account"] + `"><ul>`)
	if who == Guest {
		b.WriteString(`<li><a href="` + t["home"] + `login/">` + t["login"] + `</a></li>`)
	}
	current := ""
	if who == Members {
		current = ` class="is-active"`
	}
	b.WriteString(`<li><a href="` + t["home"] + `members/"` + current + `>` + t["members"] + `</a></li>`)
	if who == HR {
		b.WriteString(`<li><a href="/hr/" class="is-active">` + t["hr"] + `</a></li>`)
	}
	if who != Guest {
		b.WriteString(`<li><form method="post" action="/api/logout"><button type="submit" class="link-button">` + t["logout"] + `</button></form></li>`)
	}
	b.WriteString(`<li><a class="lang-switch" href="` + MarkOther + `" hreflang="` + t["other_lang"] + `" lang="` + t["other_lang"] + `">` + t["other"] + `</a></li>
</ul></nav></div></header>
<main id="main" tabindex="-1">
` + MarkMain + `
</main>
<footer class="site-footer"><div class="wrap footer-inner"><nav aria-label="` + t["footer"] + `"><ul>
<li><a href="` + t["home"] + `privacy/">` + t["privacy"] + `</a></li><li><a href="mailto:` + e(c.Contact) + `">` + e(c.Contact) + `</a></li></ul></nav>
<p class="footer-copy"><small>© ` + e(In(c.Name, lang)) + `</small></p></div></footer>
</body></html>`)
	return b.String()
}
