package cms

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/okaeri/okaeri/functions/content/schema"
)

// Paths of the repository the CMS writes, relative to its root.
const (
	ContentDir  = "content"
	MediaFolder = "site/assets/media" // Hugo processes images from its assets (render-image hook)
	PublicMedia = "/media"            // how a page's Markdown names them
)

// Backend is where the CMS reads and saves content.
type Backend struct {
	// Local: Decap's local backend (decap-server, MODE=fs), reached through
	// this server at ProxyPath. Saving writes the files in content/.
	Local bool
	// GitHub: the repository ("owner/name") and branch on AWS; every save
	// is a pull request (the editorial workflow). BaseURL is the portal's
	// origin, where Okaeri's own OAuth exchange runs (/api/cms/auth).
	Repo, Branch, BaseURL string
}

// ProxyPath is where the CMS talks to its local backend, on this server.
const ProxyPath = "/admin/api/v1"

// AuthEndpoint is the OAuth exchange's path on the portal (no leading /, as
// Decap's auth_endpoint is joined to base_url).
const AuthEndpoint = "api/cms/auth"

// Config is Decap CMS's configuration (config.yml) made from the content
// schema (schema.Schema), labelled in lang ("ja" or "en"); logo is the
// company's logo on the site ("" for Decap's own).
func Config(b Backend, siteURL, lang, logo string) ([]byte, error) {
	l := 0
	if lang == schema.English {
		l = 1
	}
	cfg := map[string]any{
		"locale":        lang,
		"site_url":      siteURL,
		"display_url":   siteURL,
		"media_folder":  MediaFolder,
		"public_folder": PublicMedia,
		"i18n": map[string]any{
			"structure":      "multiple_files",
			"locales":        []string{schema.Japanese, schema.English},
			"default_locale": schema.Japanese,
		},
		// Uploaded file names become URLs: ASCII, lowercase.
		"slug": map[string]any{"encoding": "ascii", "clean_accents": true, "sanitize_replacement": "-"},
	}
	if logo != "" {
		cfg["logo_url"] = logo
	}
	if b.Local {
		cfg["backend"] = map[string]any{"name": "proxy", "proxy_url": ProxyPath, "branch": "main"}
	} else {
		if b.Repo == "" || b.BaseURL == "" {
			return nil, fmt.Errorf("cms: the GitHub backend needs a repository and the portal's URL")
		}
		branch := b.Branch
		if branch == "" {
			branch = "main"
		}
		cfg["backend"] = map[string]any{"name": "github", "repo": b.Repo, "branch": branch,
			"base_url": strings.TrimSuffix(b.BaseURL, "/"), "auth_endpoint": AuthEndpoint,
			"squash_merges": true, "open_authoring": false}
		cfg["publish_mode"] = "editorial_workflow"
	}
	var collections []any
	var fixed []any
	for _, k := range schema.Schema {
		if k.File != "" {
			fixed = append(fixed, map[string]any{
				"name": k.Name, "label": k.Label[l], "i18n": true,
				"file":   ContentDir + "/" + k.File,
				"fields": fields(k, l),
			})
			continue
		}
		collections = append(collections, folder(k, l, false))
		if k.Members {
			collections = append(collections, folder(k, l, true))
		}
	}
	collections = append(collections, map[string]any{
		"name": "pages", "label": [2]string{"固定ページ", "Fixed pages"}[l], "files": fixed,
	})
	cfg["collections"] = collections
	return yaml.Marshal(cfg)
}

// CollectionName is the CMS collection of a section's pages: news, or
// members_news for its members-only pages under content/members/.
func CollectionName(k schema.Kind, members bool) string {
	if members {
		return "members_" + k.Name
	}
	return k.Name
}

func folder(k schema.Kind, l int, members bool) map[string]any {
	dir := ContentDir + "/" + k.Section
	label := k.Label[l]
	if members {
		dir = ContentDir + "/members/" + k.Section
		label += [2]string{"（メンバー限定）", " (members only)"}[l]
	}
	c := map[string]any{
		"name": CollectionName(k, members), "label": label, "label_singular": label,
		"folder": dir, "create": true, "delete": true, "extension": "md", "format": "yaml-frontmatter",
		"i18n": true,
		// The file name is the page's id and URL: Japanese titles make no
		// ASCII slug, so the moment of creation names it.
		"slug":    "{{year}}{{month}}{{day}}-{{hour}}{{minute}}{{second}}",
		"summary": "{{title}}",
		"fields":  fields(k, l),
	}
	if hasField(k, "date") {
		c["sortable_fields"] = []string{"date", "title"}
	}
	return c
}

func hasField(k schema.Kind, name string) bool {
	for _, f := range k.Fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

func fields(k schema.Kind, l int) []any {
	var out []any
	for _, f := range k.Fields {
		out = append(out, field(f, l))
	}
	return out
}

// formatDay is the Moment.js format of a calendar day, as content check reads it.
const formatDay = "YYYY-MM-DD"

func field(f schema.Field, l int) map[string]any {
	m := map[string]any{"name": f.Name, "label": f.Label[l], "required": f.Required}
	if f.Hint[l] != "" {
		m["hint"] = f.Hint[l]
	}
	// Shared fields are written once, in Japanese, and copied to English.
	m["i18n"] = true
	if f.Shared {
		m["i18n"] = "duplicate"
	}
	switch f.Widget {
	case schema.WidgetList:
		m["widget"] = "list" // one line, values separated by commas
	case schema.WidgetString, schema.WidgetText, schema.WidgetMarkdown, schema.WidgetBoolean:
		m["widget"] = string(f.Widget)
		if f.Widget == schema.WidgetBoolean {
			m["default"] = false
		}
	case schema.WidgetDateTime:
		// Okaeri's own widget (site/static/cms/okaeri-cms.js): the clock
		// in Tokyo whatever the browser's zone, stored with +09:00.
		m["widget"] = "datetime_jst"
		if f.Hint[l] == "" {
			m["hint"] = [2]string{"日本時間で入力します。", "In Japan time."}[l]
		}
	case schema.WidgetDate:
		m["widget"] = "datetime"
		m["format"] = formatDay
		m["date_format"] = "YYYY/MM/DD"
		m["time_format"] = false
	case schema.WidgetNumber:
		m["widget"] = "number"
		m["value_type"] = "int"
		if f.Min != nil {
			m["min"] = *f.Min
		}
	case schema.WidgetSelect:
		m["widget"] = "select"
		var opts []any
		for i, v := range f.Options {
			label := v
			if i < len(f.OptionLabels) {
				label = f.OptionLabels[i][l]
			}
			opts = append(opts, map[string]any{"label": label, "value": v})
		}
		m["options"] = opts
	case schema.WidgetEmail:
		m["widget"] = "string"
		m["pattern"] = []string{`^[^@\s]+@[^@\s]+\.[^@\s]+$`, [2]string{"careers@example.co.jp のようなメールアドレスを入力してください", "Enter an address such as careers@example.co.jp"}[l]}
	case schema.WidgetHTTPS:
		m["widget"] = "string"
		m["pattern"] = []string{`^https://\S+$`, [2]string{"https:// で始まるアドレスを入力してください", "Enter an address starting with https://"}[l]}
	case schema.WidgetSegment:
		// Decap allows only true or false on an object: the segment is
		// written in the Japanese file alone, where sending reads it.
		m["i18n"] = false
		m["widget"] = "object"
		m["collapsed"] = true
		var sub []any
		for _, s := range schema.SegmentFields {
			sf := field(s, l)
			delete(sf, "i18n")
			sub = append(sub, sf)
		}
		m["fields"] = sub
	default:
		panic("cms: no widget for " + string(f.Widget))
	}
	return m
}
