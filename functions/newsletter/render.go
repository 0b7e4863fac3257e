package newsletter

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/store"
)

// Placeholders in a rendered Email, filled per recipient (by SendGrid's
// substitutions, or by mail.Bulk.Expand for the outbox). The HTML ones take
// HTML-escaped values.
const (
	KeyName            = "[[okaeri:name]]"
	KeyNameHTML        = "[[okaeri:name:html]]"
	KeyUnsubscribe     = "[[okaeri:unsubscribe]]"
	KeyUnsubscribeHTML = "[[okaeri:unsubscribe:html]]"
)

// Email is a newsletter rendered in one language, with placeholders for
// each recipient's name and unsubscribe link.
type Email struct {
	Lang      store.Language
	Subject   string
	Preheader string
	HTML      string
	Text      string
}

// RenderConfig is what the email's frame needs besides the newsletter.
type RenderConfig struct {
	BaseURL string // the portal's origin, for the footer's links
	Sender  string // the sender's name, shown in the footer
}

// Email colours: WCAG AA contrast on their backgrounds in both schemes.
const (
	colorText      = "#1f2328" // on #ffffff: 15.8:1
	colorMuted     = "#57606a" // on #ffffff: 6.4:1
	colorLink      = "#0b57d0" // on #ffffff: 6.6:1
	colorPage      = "#f3f4f6"
	colorCard      = "#ffffff"
	colorRule      = "#d0d7de"
	fontFamily     = `-apple-system, BlinkMacSystemFont, 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', Meiryo, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`
	paragraphStyle = "margin:0 0 16px 0;font-size:16px;line-height:1.8;color:" + colorText + ";"
)

// styles are the inline styles each element of the body gets: inline,
// because Gmail and Outlook drop or ignore much of a <style> block.
var styles = map[string]string{
	"h2":         "margin:32px 0 12px 0;font-size:22px;line-height:1.4;font-weight:bold;color:" + colorText + ";",
	"h3":         "margin:28px 0 10px 0;font-size:19px;line-height:1.4;font-weight:bold;color:" + colorText + ";",
	"h4":         "margin:24px 0 8px 0;font-size:17px;line-height:1.5;font-weight:bold;color:" + colorText + ";",
	"p":          paragraphStyle,
	"a":          "color:" + colorLink + ";text-decoration:underline;",
	"ul":         "margin:0 0 16px 0;padding:0 0 0 24px;",
	"li":         "margin:0 0 8px 0;font-size:16px;line-height:1.8;color:" + colorText + ";",
	"blockquote": "margin:0 0 16px 0;padding:4px 0 4px 16px;border-left:4px solid " + colorRule + ";color:" + colorMuted + ";",
	"img":        "display:block;max-width:100%;height:auto;border:0;margin:0 0 16px 0;",
	"hr":         "border:0;border-top:1px solid " + colorRule + ";margin:24px 0;",
	"code":       "font-family:Menlo,Consolas,monospace;font-size:14px;background-color:#eff1f3;padding:2px 4px;border-radius:3px;",
	"pre":        "margin:0 0 16px 0;padding:12px;background-color:#eff1f3;border-radius:4px;overflow-x:auto;font-family:Menlo,Consolas,monospace;font-size:14px;line-height:1.5;white-space:pre-wrap;",
	"table":      "border-collapse:collapse;margin:0 0 16px 0;width:100%;",
	"cell":       "border:1px solid " + colorRule + ";padding:6px 10px;font-size:15px;line-height:1.6;text-align:left;color:" + colorText + ";",
}

// classes let the dark-mode rules in the head override the inline colours.
var classes = map[string]string{"h2": "ok-text", "h3": "ok-text", "h4": "ok-text", "p": "ok-text", "li": "ok-text", "a": "ok-link", "cell": "ok-text", "blockquote": "ok-muted"}

// BodyStyle is the inline style an element of the body gets ("h2", "p",
// "a", "li", "cell", "pre" ...) and the class the frame's dark-mode rules
// know it by (empty if none): compose renders the body with them, so the
// body and the frame around it look as one.
func BodyStyle(element string) (style, class string) {
	return styles[element], classes[element]
}

// Render puts a newsletter's edition for lang (Japanese if there is no
// translation), as compose rendered it, in the email's frame: the subject,
// an HTML email and its plain-text part, with placeholders for each
// recipient's name and unsubscribe link.
func Render(rn store.RenderedNewsletter, lang store.Language, cfg RenderConfig) (Email, error) {
	lang, ed := rn.Edition(lang)
	w := words[lang]
	page := emailPage{
		Lang: string(lang), Subject: ed.Subject, Preheader: ed.Preheader, Title: ed.Title,
		// The body is compose's rendering of HR's Markdown, which drops raw HTML.
		Greeting: template.HTML(fmt.Sprintf(w.greeting, KeyNameHTML)), Body: template.HTML(ed.HTML),
		Why: w.why, Unsubscribe: w.unsubscribe, Preferences: w.preferences,
		UnsubscribeURL: template.URL(KeyUnsubscribeHTML), PreferencesURL: preferencesURL(cfg.BaseURL, lang),
		Sender: cfg.Sender, Portal: strings.TrimRight(cfg.BaseURL, "/") + "/",
		Styles: cssMap(styles), Colors: map[string]string{"text": colorText, "muted": colorMuted, "link": colorLink, "page": colorPage, "card": colorCard, "rule": colorRule},
		Font:     template.CSS(fontFamily),
		MSOHead:  `<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->`,
		MSOOpen:  `<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`,
		MSOClose: `<!--[if mso]></td></tr></table><![endif]-->`,
	}
	var out bytes.Buffer
	if err := emailTemplate().Execute(&out, page); err != nil {
		return Email{}, fmt.Errorf("render newsletter: %w", err)
	}
	var t strings.Builder
	fmt.Fprintf(&t, w.greeting+"\n\n", KeyName)
	t.WriteString(ed.Text)
	t.WriteString("\n\n――――――――――\n")
	t.WriteString(w.why + "\n")
	fmt.Fprintf(&t, "%s: %s\n", w.unsubscribe, KeyUnsubscribe)
	fmt.Fprintf(&t, "%s: %s\n", w.preferences, page.PreferencesURL)
	fmt.Fprintf(&t, "%s %s\n", cfg.Sender, page.Portal)
	return Email{Lang: lang, Subject: ed.Subject, Preheader: ed.Preheader, HTML: out.String(), Text: t.String()}, nil
}

// Sample fills an email's placeholders for a preview: a sample recipient's
// name in the email's language and an unsubscribe link that unsubscribes
// nobody.
func (e Email) Sample(baseURL string) Email {
	name := "山田 花子"
	if e.Lang == store.LanguageEn {
		name = "Hanako Yamada"
	}
	unsubscribe := strings.TrimRight(baseURL, "/") + UnsubscribePath + "?token=preview"
	e.HTML = strings.NewReplacer(KeyNameHTML, template.HTMLEscapeString(name), KeyUnsubscribeHTML, template.HTMLEscapeString(unsubscribe)).Replace(e.HTML)
	e.Text = strings.NewReplacer(KeyName, name, KeyUnsubscribe, unsubscribe).Replace(e.Text)
	return e
}

// preferencesURL is the member's email settings page in their language.
func preferencesURL(base string, lang store.Language) string {
	base = strings.TrimRight(base, "/")
	if lang == store.LanguageEn {
		return base + "/en/members/profile/"
	}
	return base + "/members/profile/"
}

// words are the email's own texts, Japanese first.
var words = map[store.Language]struct{ greeting, why, unsubscribe, preferences string }{
	store.LanguageJa: {
		greeting:    "%s 様",
		why:         "このメールは、アルムナイネットワークにご登録いただき、ニュースレターの受け取りに同意された方にお送りしています。",
		unsubscribe: "配信停止",
		preferences: "メール設定の変更",
	},
	store.LanguageEn: {
		greeting:    "Dear %s,",
		why:         "You receive this email because you joined the alumni network and agreed to receive its newsletter.",
		unsubscribe: "Unsubscribe",
		preferences: "Email preferences",
	},
}

type emailPage struct {
	Lang, Subject, Preheader, Title string
	Greeting, Body                  template.HTML
	Why, Unsubscribe, Preferences   string
	UnsubscribeURL                  template.URL
	PreferencesURL, Sender, Portal  string
	Font                            template.CSS
	Styles                          map[string]template.CSS
	Colors                          map[string]string
	MSOHead, MSOOpen, MSOClose      template.HTML // Outlook's conditional comments, which html/template would drop
}

// cssMap marks the package's own fixed styles as safe CSS for the template.
func cssMap(m map[string]string) map[string]template.CSS {
	out := make(map[string]template.CSS, len(m))
	for k, v := range m {
		out[k] = template.CSS(v)
	}
	return out
}

// emailTemplate() is the frame around the body: tables for Outlook's Word
// engine (with an MSO-only fixed width), 600px wide on large screens and
// full width on phones, light colours inline and dark ones in a
// prefers-color-scheme block (plus Outlook.com's [data-ogsc] hooks),
// lang and role="article" for screen readers, presentation tables.
var emailTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="ltr" xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>{{.Subject}}</title>
{{.MSOHead}}
<style>
:root { color-scheme: light dark; supported-color-schemes: light dark; }
body { margin: 0; padding: 0; -webkit-text-size-adjust: 100%; -ms-text-size-adjust: 100%; }
a { color: {{index .Colors "link"}}; }
@media (max-width: 620px) {
  .ok-card { width: 100% !important; }
  .ok-pad { padding: 20px 16px !important; }
}
@media (prefers-color-scheme: dark) {
  .ok-page { background-color: #121212 !important; }
  .ok-card { background-color: #1e1e1e !important; }
  .ok-text, .ok-text p, .ok-text li { color: #e6e6e6 !important; }
  .ok-muted { color: #b4b4b4 !important; }
  .ok-link { color: #8ab4f8 !important; }
  .ok-rule { border-color: #3a3a3a !important; }
}
[data-ogsc] .ok-text { color: #e6e6e6 !important; }
[data-ogsc] .ok-muted { color: #b4b4b4 !important; }
[data-ogsc] .ok-link { color: #8ab4f8 !important; }
[data-ogsb] .ok-page { background-color: #121212 !important; }
[data-ogsb] .ok-card { background-color: #1e1e1e !important; }
</style>
</head>
<body class="ok-page" style="margin:0;padding:0;background-color:{{index .Colors "page"}};">
<div role="article" aria-roledescription="email" aria-label="{{.Subject}}" lang="{{.Lang}}" dir="ltr" style="font-family:{{.Font}};">
{{- if .Preheader}}
<div style="display:none;max-height:0;max-width:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:{{index .Colors "page"}};opacity:0;">{{.Preheader}}&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;</div>
{{- end}}
<table role="presentation" class="ok-page" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:{{index .Colors "page"}};">
<tr><td align="center" style="padding:24px 8px;">
{{.MSOOpen}}
<table role="presentation" class="ok-card" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;background-color:{{index .Colors "card"}};border-radius:8px;">
<tr><td class="ok-pad ok-text" style="padding:32px 40px;font-family:{{.Font}};color:{{index .Colors "text"}};">
<h1 class="ok-text" style="margin:0 0 24px 0;font-size:26px;line-height:1.4;font-weight:bold;color:{{index .Colors "text"}};">{{.Title}}</h1>
<p class="ok-text" style="{{index .Styles "p"}}">{{.Greeting}}</p>
{{.Body}}
</td></tr>
<tr><td class="ok-pad ok-muted ok-rule" style="padding:24px 40px 32px 40px;border-top:1px solid {{index .Colors "rule"}};font-family:{{.Font}};font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};">
<p class="ok-muted" style="margin:0 0 12px 0;font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};">{{.Why}}</p>
<p class="ok-muted" style="margin:0 0 12px 0;font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};"><a class="ok-link" clicktracking="off" href="{{.UnsubscribeURL}}" style="{{index .Styles "a"}}">{{.Unsubscribe}}</a> &nbsp;|&nbsp; <a class="ok-link" href="{{.PreferencesURL}}" style="{{index .Styles "a"}}">{{.Preferences}}</a></p>
<p class="ok-muted" style="margin:0;font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};">{{.Sender}} &nbsp;<a class="ok-link" href="{{.Portal}}" style="{{index .Styles "a"}}">{{.Portal}}</a></p>
</td></tr>
</table>
{{.MSOClose}}
</td></tr>
</table>
</div>
</body>
</html>
`))
})
