package newsletter

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/mail/mailtext"
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
	BaseURL string        // the portal's origin, for the footer's links
	Company brand.Company // whose newsletter it is: the frame's name, colour and contact
	Sender  string        // the sender's name in the footer, overriding the company's (OKAERI_MAIL_FROM_NAME)
}

// Email colours: the frame's (mailtext), which grew from this one.
const (
	colorText      = mailtext.ColorText
	colorMuted     = mailtext.ColorMuted
	colorLink      = mailtext.ColorLink
	colorRule      = mailtext.ColorRule
	paragraphStyle = mailtext.ParagraphStyle
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
// translation), as compose rendered it, in the company's email frame (the
// one every transactional mail has): the subject, an HTML email and its
// plain-text part, with placeholders for each recipient's name and
// unsubscribe link.
func Render(rn store.RenderedNewsletter, lang store.Language, cfg RenderConfig) (Email, error) {
	lang, ed := rn.Edition(lang)
	w := words[lang]
	sender := cfg.Sender
	if sender == "" {
		sender = brand.In(cfg.Company.Sender, string(lang))
	}
	prefs := preferencesURL(cfg.BaseURL, lang)
	link := func(href, text string) string {
		return `<a class="ok-link"` + map[bool]string{true: ` clicktracking="off"`}[href == KeyUnsubscribeHTML] +
			` href="` + href + `" style="` + styles["a"] + `">` + template.HTMLEscapeString(text) + `</a>`
	}
	frame := mailtext.Frame{
		Lang: string(lang), Subject: ed.Subject, Preheader: ed.Preheader,
		Brand: mailtext.Brand{Company: cfg.Company, BaseURL: cfg.BaseURL},
		// The body is compose's rendering of HR's Markdown, which drops raw HTML.
		Sections: []mailtext.Section{{Lang: string(lang), Heading: ed.Title, Body: template.HTML(
			`<p class="ok-text" style="` + paragraphStyle + `">` + fmt.Sprintf(w.greeting, KeyNameHTML) + "</p>\n" + ed.HTML)}},
		Footer: []template.HTML{
			template.HTML(template.HTMLEscapeString(w.why)),
			// KeyUnsubscribeHTML is replaced by an HTML-escaped URL per recipient.
			template.HTML(link(KeyUnsubscribeHTML, w.unsubscribe) + " &nbsp;|&nbsp; " + link(template.HTMLEscapeString(prefs), w.preferences)),
		},
	}
	if cfg.Sender != "" {
		frame.Brand.Company.Sender = map[string]string{string(lang): cfg.Sender}
	}
	html, err := frame.HTML()
	if err != nil {
		return Email{}, fmt.Errorf("render newsletter: %w", err)
	}
	var t strings.Builder
	fmt.Fprintf(&t, w.greeting+"\n\n", KeyName)
	t.WriteString(ed.Text)
	t.WriteString("\n\n――――――――――\n")
	t.WriteString(w.why + "\n")
	fmt.Fprintf(&t, "%s: %s\n", w.unsubscribe, KeyUnsubscribe)
	fmt.Fprintf(&t, "%s: %s\n", w.preferences, prefs)
	fmt.Fprintf(&t, "%s（%s） %s\n", sender, brand.In(cfg.Company.Name, string(lang)), strings.TrimRight(cfg.BaseURL, "/")+"/")
	return Email{Lang: lang, Subject: ed.Subject, Preheader: ed.Preheader, HTML: html, Text: t.String()}, nil
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
		return base + "/en/members/preferences/"
	}
	return base + "/members/preferences/"
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
