package mailtext

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/brand"
)

// Brand is what the frame takes from the company and the portal: every
// email carries the company's name, colour and contact address, and links
// to the portal.
type Brand struct {
	Company brand.Company
	BaseURL string // the portal's origin, for the header's and footer's links
}

// Email colours: WCAG AA contrast on their backgrounds in both schemes.
// (The newsletter's frame grew into this one; it uses the same.)
const (
	ColorText  = "#1f2328" // on #ffffff: 15.8:1
	ColorMuted = "#57606a" // on #ffffff: 6.4:1
	ColorLink  = "#0b57d0" // on #ffffff: 6.6:1
	ColorPage  = "#f3f4f6"
	ColorCard  = "#ffffff"
	ColorRule  = "#d0d7de"
	// FontFamily is Japanese-first: Hiragino and Meiryo before the Latin faces.
	FontFamily = `-apple-system, BlinkMacSystemFont, 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', Meiryo, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`
	// ParagraphStyle is a paragraph of the body.
	ParagraphStyle = "margin:0 0 16px 0;font-size:16px;line-height:1.8;color:" + ColorText + ";"
	// LinkStyle is a link in the body.
	LinkStyle = "color:" + ColorLink + ";text-decoration:underline;"
	// sampleColour is the brand colour when a company's is not #rrggbb.
	sampleColour = "#b0421c"
)

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// colours are the brand colour and the text colour that reads on it.
func colours(c brand.Company) (accent, onAccent string) {
	accent = c.Colour
	if !hexColour.MatchString(accent) {
		accent = sampleColour
	}
	// White on the colour if that reaches 4.5:1, else near-black.
	if contrast(accent, "#ffffff") >= 4.5 {
		return accent, "#ffffff"
	}
	return accent, ColorText
}

// contrast is the WCAG contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(1) + 0.7152*ch(3) + 0.0722*ch(5)
}

// Section is one language's part of an email: its heading and body.
// A bilingual email has two.
type Section struct {
	Lang    string
	Heading string
	Body    template.HTML // built by the frame's own renderer, or a caller's escaped HTML
}

// Frame is an email's HTML page: the company's header, the sections, and
// a footer with the sender, the contact address and the portal.
type Frame struct {
	Lang      string
	Subject   string
	Preheader string
	Sections  []Section
	// Footer are extra footer paragraphs before the sender's line (the
	// newsletter's why and unsubscribe links), already escaped HTML.
	Footer []template.HTML
	Brand  Brand
}

// framePage is what the template reads.
type framePage struct {
	Frame
	Portal, Company, Sender, Contact, PortalURL string
	SentBy                                      string
	ContactWord                                 string
	LogoURL                                     string
	Accent, OnAccent                            string
	Colors                                      map[string]string
	Font                                        template.CSS
	MSOHead, MSOOpen, MSOClose                  template.HTML
}

// HTML renders the frame.
func (f Frame) HTML() (string, error) {
	c := f.Brand.Company
	w := words[langOf(f.Lang)]
	accent, on := colours(c)
	base := strings.TrimRight(f.Brand.BaseURL, "/")
	portalURL := base + "/"
	if f.Lang == "en" {
		portalURL = base + "/en/"
	}
	// The blocks name the brand colour by a key (escaped text cannot hold
	// a NUL: HTMLEscapeString turns it into U+FFFD).
	colour := strings.NewReplacer(accentKey, accent, onAccentKey, on)
	f.Sections = append([]Section(nil), f.Sections...)
	for i := range f.Sections {
		f.Sections[i].Body = template.HTML(colour.Replace(string(f.Sections[i].Body)))
	}
	p := framePage{
		Frame:  f,
		Portal: brand.In(c.Portal, f.Lang), Company: brand.In(c.Name, f.Lang), Sender: brand.In(c.Sender, f.Lang),
		Contact: c.Contact, PortalURL: portalURL, ContactWord: w.contact,
		Accent: accent, OnAccent: on,
		Colors: map[string]string{"text": ColorText, "muted": ColorMuted, "link": ColorLink, "page": ColorPage, "card": ColorCard, "rule": ColorRule},
		Font:   template.CSS(FontFamily),
		// Outlook's conditional comments, which html/template would drop.
		MSOHead:  `<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->`,
		MSOOpen:  `<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`,
		MSOClose: `<!--[if mso]></td></tr></table><![endif]-->`,
	}
	p.SentBy = fmt.Sprintf(w.sentBy, p.Sender, p.Company)
	// Mail programs show raster logos only (Gmail and Outlook drop SVG):
	// an SVG logo leaves the header to the mark and the name.
	logo := c.MailLogo
	if logo == "" {
		logo = c.Logo
	}
	if l := strings.ToLower(logo); logo != "" && (strings.HasSuffix(l, ".png") || strings.HasSuffix(l, ".jpg") || strings.HasSuffix(l, ".gif")) {
		if strings.HasPrefix(logo, "https://") {
			p.LogoURL = logo
		} else if strings.HasPrefix(logo, "/") {
			p.LogoURL = base + logo
		}
	}
	var out bytes.Buffer
	if err := frameTemplate().Execute(&out, p); err != nil {
		return "", fmt.Errorf("email frame: %w", err)
	}
	return out.String(), nil
}

func langOf(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "ja"
}

// frameTemplate is the frame: tables for Outlook's Word engine (with an
// MSO-only fixed width), 600px wide on large screens and full width on
// phones, light colours inline and dark ones in a prefers-color-scheme
// block (plus Outlook.com's [data-ogsc] hooks), lang and role="article"
// for screen readers, presentation tables. Long words and URLs wrap, so
// no phone scrolls sideways.
var frameTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("frame").Parse(`<!DOCTYPE html>
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
  .ok-button { display: block !important; text-align: center !important; margin: 0 0 10px 0 !important; }
  .ok-facts td { display: block !important; width: auto !important; padding: 2px 0 !important; }
  .ok-facts .ok-fact-value { padding-bottom: 10px !important; }
}
@media (prefers-color-scheme: dark) {
  .ok-page { background-color: #121212 !important; }
  .ok-card { background-color: #1e1e1e !important; }
  .ok-text, .ok-text p, .ok-text li, .ok-text td { color: #e6e6e6 !important; }
  .ok-muted { color: #b4b4b4 !important; }
  .ok-link { color: #8ab4f8 !important; }
  .ok-rule { border-color: #3a3a3a !important; }
  .ok-secondary { color: #e6e6e6 !important; border-color: #8c8c8c !important; }
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
<table role="presentation" class="ok-card" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;background-color:{{index .Colors "card"}};border-radius:8px;border-top:6px solid {{.Accent}};">
<tr><td class="ok-pad" style="padding:24px 40px 0 40px;font-family:{{.Font}};">
<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>
{{- if .LogoURL}}
<td style="padding:0 12px 0 0;vertical-align:middle;"><img src="{{.LogoURL}}" width="36" height="36" alt="" style="display:block;border:0;width:36px;height:36px;"></td>
{{- else}}
<td aria-hidden="true" style="width:12px;height:28px;background-color:{{.Accent}};border-radius:3px;font-size:1px;line-height:1px;">&nbsp;</td><td style="width:10px;font-size:1px;line-height:1px;">&nbsp;</td>
{{- end}}
<td style="vertical-align:middle;font-family:{{.Font}};"><a href="{{.PortalURL}}" style="font-size:17px;line-height:1.4;font-weight:bold;color:{{.Accent}};text-decoration:none;">{{.Portal}}</a><br><span class="ok-muted" style="font-size:12px;line-height:1.5;color:{{index .Colors "muted"}};">{{.Company}}</span></td>
</tr></table>
</td></tr>
{{- range $i, $s := .Sections}}
<tr><td class="ok-pad ok-text" lang="{{$s.Lang}}" style="padding:{{if $i}}8px{{else}}24px{{end}} 40px 16px 40px;font-family:{{$.Font}};color:{{index $.Colors "text"}};word-break:break-word;overflow-wrap:anywhere;">
{{- if $i}}
<hr class="ok-rule" style="border:0;border-top:1px solid {{index $.Colors "rule"}};margin:0 0 24px 0;">
{{- end}}
<h1 class="ok-text" style="margin:0 0 20px 0;font-size:22px;line-height:1.45;font-weight:bold;color:{{index $.Colors "text"}};word-break:auto-phrase;">{{$s.Heading}}</h1>
{{$s.Body}}
</td></tr>
{{- end}}
<tr><td class="ok-pad ok-muted ok-rule" style="padding:20px 40px 28px 40px;border-top:1px solid {{index .Colors "rule"}};font-family:{{.Font}};font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};word-break:break-word;overflow-wrap:anywhere;">
{{- range .Footer}}
<p class="ok-muted" style="margin:0 0 12px 0;font-size:13px;line-height:1.7;color:{{index $.Colors "muted"}};">{{.}}</p>
{{- end}}
<p class="ok-muted" style="margin:0 0 4px 0;font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};">{{.SentBy}}</p>
<p class="ok-muted" style="margin:0;font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};">{{.ContactWord}}: <a class="ok-link" href="mailto:{{.Contact}}" style="color:{{index .Colors "link"}};text-decoration:underline;">{{.Contact}}</a> &nbsp;|&nbsp; <a class="ok-link" href="{{.PortalURL}}" style="color:{{index .Colors "link"}};text-decoration:underline;">{{.Portal}}</a></p>
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

// BrandOf is the brand of the portal at baseURL whose company comes from
// company (core.Core.Company, read when each email is built); nil is the
// sample company.
func BrandOf(ctx context.Context, company func(context.Context) brand.Company, baseURL string) Brand {
	c := brand.Sample()
	if company != nil {
		c = company(ctx)
	}
	return Brand{Company: c, BaseURL: baseURL}
}
