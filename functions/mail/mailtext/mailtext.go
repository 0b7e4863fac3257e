// Package mailtext renders a feature's transactional emails: each kind of
// email is a subject and a body in Japanese and English, written as
// text/template sources beside the feature that sends it, and rendered as
// a plain-text part and an HTML part in the company's branded frame
// (Frame; the newsletter's frame is the same one).
package mailtext

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	texttemplate "text/template"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/mail"
)

// Template is one email in one language: {subject, body}. (An array, not a
// struct, so that the features' tables of emails read as plain pairs.)
type Template [2]string

// Subject is the template of the subject line.
func (t Template) Subject() string { return t[0] }

// Body is the template of the body (see blocks.go for its functions).
func (t Template) Body() string { return t[1] }

// Set is a feature's emails: kind -> language ("ja", "en") -> template.
type Set[K ~string] map[K]map[string]Template

// Bilingual asks Render for one email in Japanese and then English, for a
// reader whose language nobody knows (a shared mailbox).
const Bilingual = "ja+en"

// bilingualRule separates the Japanese text from the English one.
const bilingualRule = "\n\n----\n\n"

// Email is one rendered email: the subject, the plain-text part and the
// HTML part in the brand's frame.
type Email struct {
	Lang    string // "ja", "en" or Bilingual
	Subject string
	Text    string
	HTML    string
}

// Message is the email as a mail.Message from the company's sender (its
// display name in the email's language, unless from names one: the
// operator's OKAERI_MAIL_FROM_NAME) to to.
func (e Email) Message(from mail.Address, to mail.Address, b Brand, category string) mail.Message {
	if from.Name == "" {
		from = Sender(from.Email, b.Company, e.Lang)
	}
	return mail.Message{From: from, To: to, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Category: category}
}

// Sender is the company's sender in lang at the address from: 「ひかりテック
// アルムナイ事務局」 to a Japanese reader, "Hikari Tech Alumni Office" to
// an English one (and the Japanese name to a shared mailbox).
func Sender(from string, c brand.Company, lang string) mail.Address {
	return mail.Address{Name: brand.In(c.Sender, langOf(lang)), Email: from}
}

// Render fills the template of kind in lang (Japanese unless "en", or both
// for Bilingual) with data, in the brand's frame. A field the template
// names but data lacks is an error, not a blank.
func (s Set[K]) Render(kind K, lang string, data any, b Brand) (Email, error) {
	langs := []string{langOf(lang)}
	if lang == Bilingual {
		langs = []string{"ja", "en"}
	} else {
		lang = langs[0]
	}
	e := Email{Lang: lang}
	var texts, subjects []string
	var sections []Section
	for _, l := range langs {
		t, ok := s[kind][l]
		if !ok {
			return Email{}, fmt.Errorf("no %s email in %s", kind, l)
		}
		sec, subject, text, err := renderOne(t, l, data, b)
		if err != nil {
			return Email{}, fmt.Errorf("%s email in %s: %w", kind, l, err)
		}
		subjects, texts, sections = append(subjects, subject), append(texts, text), append(sections, sec)
	}
	e.Subject = strings.Join(subjects, " / ")
	e.Text = strings.Join(texts, strings.TrimPrefix(bilingualRule, "\n")) + textFooter(langs, b)
	html, err := Frame{Lang: langs[0], Subject: e.Subject, Sections: sections, Brand: b}.HTML()
	if err != nil {
		return Email{}, err
	}
	e.HTML = html
	return e, nil
}

// textFooter is the plain-text part's footer: who sent it, how to reach them.
func textFooter(langs []string, b Brand) string {
	c := b.Company
	var out strings.Builder
	out.WriteString("\n――――――――――\n")
	for _, l := range langs {
		w := words[l]
		fmt.Fprintf(&out, w.sentBy+"\n", brand.In(c.Sender, l), brand.In(c.Name, l))
	}
	fmt.Fprintf(&out, "%s: %s\n", words[langs[0]].contact, c.Contact)
	fmt.Fprintf(&out, "%s\n", strings.TrimRight(b.BaseURL, "/")+"/")
	return out.String()
}

// renderOne renders one language's subject, section and text.
func renderOne(t Template, lang string, data any, b Brand) (Section, string, string, error) {
	bl := newBlocks()
	subject, err := execute("subject", t.Subject(), data, bl.funcs(lang, b))
	if err != nil {
		return Section{}, "", "", fmt.Errorf("subject: %w", err)
	}
	if len(bl.list) > 0 {
		return Section{}, "", "", fmt.Errorf("subject: no blocks in a subject")
	}
	subject = strings.Join(strings.Fields(subject), " ")
	out, err := execute("body", t.Body(), data, bl.funcs(lang, b))
	if err != nil {
		return Section{}, "", "", fmt.Errorf("body: %w", err)
	}
	text, body, err := bl.split(out)
	if err != nil {
		return Section{}, "", "", err
	}
	return Section{Lang: lang, Heading: subject, Body: body}, subject, text, nil
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// split turns the template's output into the plain-text part and the HTML
// body: paragraphs (blank-line separated, lines kept), and each block as
// what it is; adjacent facts make one table and adjacent buttons one row.
func (bl *blocks) split(out string) (string, template.HTML, error) {
	var text, html strings.Builder
	var para []string
	var group []block // adjacent facts, or adjacent buttons
	flushPara := func() {
		if len(para) == 0 {
			return
		}
		lines := make([]string, len(para))
		for i, l := range para {
			lines[i] = template.HTMLEscapeString(l)
		}
		fmt.Fprintf(&html, `<p class="ok-text" style="%s">%s</p>`+"\n", ParagraphStyle, strings.Join(lines, "<br>\n"))
		para = nil
	}
	flushGroup := func() {
		if len(group) > 0 {
			html.WriteString(groupHTML(group))
			group = nil
		}
	}
	for _, line := range strings.Split(out, "\n") {
		b, ok, err := bl.lookup(line)
		if err != nil {
			return "", "", err
		}
		if !ok {
			line = strings.ReplaceAll(line, "\x00", "") // a copied marker is text
			text.WriteString(strings.TrimRight(line, " \t") + "\n")
			if strings.TrimSpace(line) == "" {
				flushPara()
				continue
			}
			flushGroup()
			para = append(para, strings.TrimSpace(line))
			continue
		}
		text.WriteString(blockText(b) + "\n")
		flushPara()
		if len(group) > 0 && !sameGroup(group[0].kind, b.kind) {
			flushGroup()
		}
		switch b.kind {
		case blockFact, blockButton, blockSecondary:
			group = append(group, b)
		default:
			flushGroup()
			html.WriteString(blockHTML(b))
		}
	}
	flushPara()
	flushGroup()
	t := strings.TrimSpace(blankLines.ReplaceAllString(text.String(), "\n\n")) + "\n"
	return t, template.HTML(html.String()), nil // every piece escaped in flushPara, groupHTML, blockHTML
}

func sameGroup(a, b blockKind) bool {
	isButton := func(k blockKind) bool { return k == blockButton || k == blockSecondary }
	return a == b || isButton(a) && isButton(b)
}

// blockText is a block in the plain-text part.
func blockText(b block) string {
	switch b.kind {
	case blockFact, blockButton, blockSecondary, blockQR:
		return b.label + ": " + b.value
	case blockQuote:
		return "----\n" + strings.TrimSpace(b.value) + "\n----"
	default:
		return b.value
	}
}

// esc is HTML escaping for text and attribute values.
var esc = template.HTMLEscapeString

// groupHTML is a table of facts, or a row of buttons.
func groupHTML(g []block) string {
	var h strings.Builder
	if g[0].kind == blockFact {
		h.WriteString(`<table role="presentation" class="ok-facts" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px 0;border-collapse:collapse;">` + "\n")
		for _, f := range g {
			fmt.Fprintf(&h, `<tr><td class="ok-muted" width="112" style="width:112px;padding:6px 12px 6px 0;vertical-align:top;font-size:14px;line-height:26px;color:%s;white-space:nowrap;">%s</td><td class="ok-text ok-fact-value" style="padding:6px 0;vertical-align:top;font-size:16px;line-height:26px;color:%s;font-weight:bold;">%s</td></tr>`+"\n",
				ColorMuted, esc(f.label), ColorText, multiline(f.value))
		}
		h.WriteString("</table>\n")
		return h.String()
	}
	h.WriteString(`<div style="margin:4px 0 20px 0;">` + "\n")
	for _, b := range g {
		h.WriteString(buttonHTML(b) + "\n")
	}
	h.WriteString("</div>\n")
	return h.String()
}

// accentKey is replaced by the brand colour when the frame renders: the
// blocks are built before the frame knows the brand.
const (
	accentKey   = "\x00accent\x00"
	onAccentKey = "\x00on-accent\x00"
)

func buttonHTML(b block) string {
	if b.kind == blockButton {
		return fmt.Sprintf(`<a class="ok-button" href="%s" style="display:inline-block;margin:0 8px 10px 0;padding:13px 22px;border-radius:6px;background-color:%s;border:2px solid %s;color:%s;font-size:16px;line-height:1.4;font-weight:bold;text-decoration:none;">%s</a>`,
			esc(b.value), accentKey, accentKey, onAccentKey, esc(b.label))
	}
	return fmt.Sprintf(`<a class="ok-button ok-secondary" href="%s" style="display:inline-block;margin:0 8px 10px 0;padding:11px 18px;border-radius:6px;background-color:transparent;border:2px solid %s;color:%s;font-size:15px;line-height:1.4;font-weight:bold;text-decoration:none;">%s</a>`,
		esc(b.value), ColorMuted, ColorText, esc(b.label))
}

// blockHTML is a block that stands alone.
func blockHTML(b block) string {
	switch b.kind {
	case blockQR:
		return fmt.Sprintf(`<p style="margin:0 0 20px 0;"><img src="%s" width="200" height="200" alt="%s" style="display:block;width:200px;height:200px;border:0;background-color:#ffffff;padding:8px;"></p>`+"\n", esc(b.value), esc(b.label))
	case blockQuote:
		return fmt.Sprintf(`<blockquote class="ok-text" style="margin:0 0 20px 0;padding:8px 0 8px 16px;border-left:4px solid %s;font-size:16px;line-height:1.8;color:%s;">%s</blockquote>`+"\n", accentKey, ColorText, multiline(b.value))
	case blockHeading:
		return fmt.Sprintf(`<h2 class="ok-text" style="margin:28px 0 8px 0;font-size:18px;line-height:1.5;font-weight:bold;color:%s;word-break:auto-phrase;">%s</h2>`+"\n", ColorText, esc(b.value))
	default: // note
		return fmt.Sprintf(`<p class="ok-muted" style="margin:0 0 16px 0;font-size:13px;line-height:1.7;color:%s;">%s</p>`+"\n", ColorMuted, multiline(b.value))
	}
}

// multiline escapes text and keeps its line breaks.
func multiline(s string) string {
	return strings.ReplaceAll(esc(strings.TrimSpace(s)), "\n", "<br>\n")
}

func execute(name, text string, data any, funcs texttemplate.FuncMap) (string, error) {
	tmpl, err := texttemplate.New(name).Option("missingkey=error").Funcs(funcs).Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
