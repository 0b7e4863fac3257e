// Package brand is the company an Okaeri portal belongs to, configured
// once and used by the site, every page the functions render, every mail
// and HR's notices: its name in each language, the portal's name, the
// logo, the brand colour, the contact address and the mail sender's name
// per language.
//
// The one source is the Hugo site's configuration (site/hugo.toml); Hugo
// publishes it beside the page frame for the functions (see Site). Sample
// is the sample company's, the fallback before a site has been published
// to the store; a test keeps it equal to what Hugo publishes.
package brand

// Company is the company and its portal, per language ("ja", "en").
type Company struct {
	// Name is the company's name: 株式会社ひかりテック, Hikari Tech Inc.
	Name map[string]string `json:"name"`
	// Portal is the portal's name (the site title): ひかりテック アルムナイ.
	Portal map[string]string `json:"portal"`
	// Sender is the display name of the mail sender, per language.
	Sender map[string]string `json:"sender"`
	// Logo is the logo's path on the site (an SVG), for pages.
	Logo string `json:"logo"`
	// MailLogo is the logo as a PNG for mails (mail programs drop SVG),
	// "" for none: the mails' header then shows the portal's name alone.
	MailLogo string `json:"mail_logo,omitempty"`
	// Colour is the brand colour, #rrggbb.
	Colour string `json:"colour"`
	// Contact is the address alumni write to.
	Contact string `json:"contact"`
}

// In returns a per-language value in lang, Japanese when lang has none.
func In(m map[string]string, lang string) string {
	if v, ok := m[lang]; ok && v != "" {
		return v
	}
	return m["ja"]
}

// Sample is the sample company of the repository's site/hugo.toml.
func Sample() Company {
	return Company{
		Name:     map[string]string{"ja": "株式会社ひかりテック", "en": "Hikari Tech Inc."},
		Portal:   map[string]string{"ja": "ひかりテック アルムナイ", "en": "Hikari Tech Alumni"},
		Sender:   map[string]string{"ja": "ひかりテック アルムナイ事務局", "en": "Hikari Tech Alumni Office"},
		Logo:     "/images/logo.svg",
		MailLogo: "/images/logo.png",
		Colour:   "#b0421c",
		Contact:  "alumni@example.co.jp",
	}
}
