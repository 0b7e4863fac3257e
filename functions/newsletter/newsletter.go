// Package newsletter sends HR's Markdown newsletters to every subscribed
// alumnus exactly once: rendering (goldmark, an accessible HTML email and a
// plain-text part), recipients (approved members with newsletter consent in
// the segment, minus the suppression list), the send job (batches of up to
// 1,000 recipients recorded around every request, so a crash or a re-run
// never sends twice and never skips anyone), one-click unsubscribe, the
// SendGrid Event Webhook, and a Mailer guard that keeps transactional mail
// away from hard-bounced addresses.
package newsletter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/okaeri/okaeri/functions/store"
)

// Dir is the content folder newsletters live in, relative to content/.
const Dir = "newsletters"

// Newsletter is one newsletter as HR wrote it: the Japanese file and, if
// there is one, its English translation.
type Newsletter struct {
	Slug     string
	Editions map[store.Language]Edition // ja always; en if translated
	Segment  Segment
	SendAt   time.Time // zero: send when started
}

// Edition is one language's text of a newsletter.
type Edition struct {
	Title     string // HR's name for the issue, shown as the email's heading
	Subject   string
	Preheader string // the preview line mail clients show after the subject
	Body      string // Markdown
}

// Segment selects recipients among approved members with newsletter
// consent; zero fields do not filter.
type Segment struct {
	// Language is "ja" or "en" to send to members of that language only.
	Language store.Language `yaml:"language"`
	// Departments: members whose department is one of these (exactly).
	Departments []string `yaml:"departments"`
	// LeftFrom and LeftTo bound the month members left, inclusive: YYYY or
	// YYYY-MM (a year means January for LeftFrom and December for LeftTo).
	LeftFrom string `yaml:"left_from"`
	LeftTo   string `yaml:"left_to"`
	// OpenTo: members open to at least one of these (rehire, sidework,
	// mentoring, referrals).
	OpenTo []string `yaml:"open_to"`
}

// OpenToFlags are the allowed open_to values.
var OpenToFlags = []string{"rehire", "sidework", "mentoring", "referrals"}

// frontMatter is a newsletter file's YAML front matter.
type frontMatter struct {
	Title     string    `yaml:"title"`
	Subject   string    `yaml:"subject"`
	Preheader string    `yaml:"preheader"`
	Segment   *Segment  `yaml:"segment"`
	SendAt    time.Time `yaml:"send_at"`
	Draft     bool      `yaml:"draft"`
	// Hugo's and the content schema's own fields, which a newsletter may
	// carry and the email does not use.
	Date        any `yaml:"date"`
	Description any `yaml:"description"`
	Lastmod     any `yaml:"lastmod"`
	Weight      any `yaml:"weight"`
	Tags        any `yaml:"tags"`
	Summary     any `yaml:"summary"`
	Keywords    any `yaml:"keywords"`
}

var (
	yearMonth = regexp.MustCompile(`^\d{4}(-(0[1-9]|1[0-2]))?$`)
	// maxSubject keeps the subject readable in an inbox list.
	maxSubject = 150
	maxPreview = 200
)

// ErrNotFound means there is no newsletter with that slug.
var ErrNotFound = errors.New("newsletter: not found")

// Load reads content/newsletters/<slug>.md (and <slug>.en.md if present)
// and returns the newsletter and the files' text by language, which a send
// freezes.
func Load(contentDir, slug string) (*Newsletter, map[string]string, error) {
	if !store.ValidSlug(slug) {
		return nil, nil, fmt.Errorf("%w: %q is not a newsletter name (lowercase letters, digits and hyphens)", ErrNotFound, slug)
	}
	sources := map[string]string{}
	for _, lang := range []store.Language{store.LanguageJa, store.LanguageEn} {
		name := slug + ".md"
		if lang == store.LanguageEn {
			name = slug + ".en.md"
		}
		b, err := os.ReadFile(filepath.Join(contentDir, Dir, name))
		switch {
		case err == nil:
			sources[string(lang)] = string(b)
		case errors.Is(err, os.ErrNotExist) && lang == store.LanguageJa:
			return nil, nil, fmt.Errorf("%w: %s", ErrNotFound, filepath.Join(contentDir, Dir, name))
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, nil, fmt.Errorf("load newsletter: %w", err)
		}
	}
	n, err := Parse(slug, sources)
	if err != nil {
		return nil, nil, err
	}
	return n, sources, nil
}

// List returns the slugs of every newsletter under contentDir, sorted.
func List(contentDir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(contentDir, Dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list newsletters: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".en.md") || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
			continue
		}
		out = append(out, strings.TrimSuffix(name, ".md"))
	}
	slices.Sort(out)
	return out, nil
}

// Parse reads a newsletter from its files' text by language ("ja"
// required, "en" optional). Machine-facing fields (segment, send_at) come
// from the Japanese file; the English one may repeat them only unchanged.
func Parse(slug string, sources map[string]string) (*Newsletter, error) {
	n := &Newsletter{Slug: slug, Editions: map[store.Language]Edition{}}
	var errs []error
	var jaFM *frontMatter
	for _, lang := range []store.Language{store.LanguageJa, store.LanguageEn} {
		src, ok := sources[string(lang)]
		if !ok {
			continue
		}
		file := slug + ".md"
		if lang == store.LanguageEn {
			file = slug + ".en.md"
		}
		fm, body, err := splitFrontMatter(src)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", file, err))
			continue
		}
		ed := Edition{Title: strings.TrimSpace(fm.Title), Subject: strings.TrimSpace(fm.Subject), Preheader: strings.TrimSpace(fm.Preheader), Body: body}
		for _, p := range []struct {
			field, value string
			max          int
			required     bool
		}{{"title", ed.Title, maxSubject, true}, {"subject", ed.Subject, maxSubject, true}, {"preheader", ed.Preheader, maxPreview, false}} {
			switch {
			case p.value == "" && p.required:
				errs = append(errs, fmt.Errorf("%s: %s is required", file, p.field))
			case strings.ContainsAny(p.value, "\r\n"):
				errs = append(errs, fmt.Errorf("%s: %s must be one line", file, p.field))
			case len([]rune(p.value)) > p.max:
				errs = append(errs, fmt.Errorf("%s: %s is longer than %d characters", file, p.field, p.max))
			}
		}
		if strings.TrimSpace(body) == "" {
			errs = append(errs, fmt.Errorf("%s: the newsletter has no text", file))
		}
		if fm.Draft {
			errs = append(errs, fmt.Errorf("%s: draft: true; remove it when the newsletter is ready to send", file))
		}
		n.Editions[lang] = ed
		if lang == store.LanguageJa {
			jaFM = fm
			if fm.Segment != nil {
				n.Segment = *fm.Segment
			}
			n.SendAt = fm.SendAt
			continue
		}
		if jaFM != nil && ((fm.Segment != nil && !sameSegment(*fm.Segment, n.Segment)) || (!fm.SendAt.IsZero() && !fm.SendAt.Equal(n.SendAt))) {
			errs = append(errs, fmt.Errorf("%s: segment and send_at are set in %s.md; the translation may leave them out or repeat them unchanged", file, slug))
		}
	}
	if _, ok := sources[string(store.LanguageJa)]; !ok {
		errs = append(errs, fmt.Errorf("%s.md: every newsletter is written in Japanese first", slug))
	}
	for lang := range sources {
		if lang != string(store.LanguageJa) && lang != string(store.LanguageEn) {
			errs = append(errs, fmt.Errorf("%s: unknown language %q", slug, lang))
		}
	}
	if err := n.Segment.validate(); err != nil {
		errs = append(errs, fmt.Errorf("%s.md: %w", slug, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return n, nil
}

func sameSegment(a, b Segment) bool {
	return a.Language == b.Language && slices.Equal(a.Departments, b.Departments) && a.LeftFrom == b.LeftFrom &&
		a.LeftTo == b.LeftTo && slices.Equal(a.OpenTo, b.OpenTo)
}

// splitFrontMatter separates the YAML between the --- lines from the body.
func splitFrontMatter(src string) (*frontMatter, string, error) {
	src = strings.TrimPrefix(src, "\uFEFF")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	rest, ok := strings.CutPrefix(src, "---\n")
	if !ok {
		return nil, "", errors.New("the file must start with front matter between --- lines")
	}
	yml, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		if y, found := strings.CutSuffix(rest, "\n---"); found {
			yml, body, ok = y, "", true
		}
	}
	if !ok {
		return nil, "", errors.New("front matter is not closed: add a --- line after it")
	}
	var fm frontMatter
	dec := yaml.NewDecoder(bytes.NewReader([]byte(yml)))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) {
		return nil, "", fmt.Errorf("front matter: %w", err)
	}
	return &fm, body, nil
}

func (s Segment) validate() error {
	var errs []error
	switch s.Language {
	case "", store.LanguageJa, store.LanguageEn, "all":
	default:
		errs = append(errs, fmt.Errorf("segment.language must be ja, en or all (got %q)", s.Language))
	}
	for _, f := range []struct{ name, v string }{{"left_from", s.LeftFrom}, {"left_to", s.LeftTo}} {
		if f.v != "" && !yearMonth.MatchString(f.v) {
			errs = append(errs, fmt.Errorf("segment.%s must be YYYY or YYYY-MM (got %q)", f.name, f.v))
		}
	}
	if s.LeftFrom != "" && s.LeftTo != "" && yearMonth.MatchString(s.LeftFrom) && yearMonth.MatchString(s.LeftTo) && monthFrom(s.LeftFrom) > monthTo(s.LeftTo) {
		errs = append(errs, errors.New("segment.left_from is after segment.left_to"))
	}
	for _, o := range s.OpenTo {
		if !slices.Contains(OpenToFlags, o) {
			errs = append(errs, fmt.Errorf("segment.open_to: %q is not one of %s", o, strings.Join(OpenToFlags, ", ")))
		}
	}
	for _, d := range s.Departments {
		if strings.TrimSpace(d) == "" {
			errs = append(errs, errors.New("segment.departments holds an empty name"))
		}
	}
	return errors.Join(errs...)
}

func monthFrom(v string) string {
	if len(v) == 4 {
		return v + "-01"
	}
	return v
}

func monthTo(v string) string {
	if len(v) == 4 {
		return v + "-12"
	}
	return v
}

// Matches reports whether a member is in the segment. Consent, status and
// suppression are checked elsewhere.
func (s Segment) Matches(m store.Member) bool {
	if (s.Language == store.LanguageJa || s.Language == store.LanguageEn) && m.Language != s.Language {
		return false
	}
	if len(s.Departments) > 0 && !slices.Contains(s.Departments, strings.TrimSpace(m.Department)) {
		return false
	}
	if s.LeftFrom != "" || s.LeftTo != "" {
		if m.Left == "" {
			return false
		}
		if s.LeftFrom != "" && m.Left < monthFrom(s.LeftFrom) {
			return false
		}
		if s.LeftTo != "" && m.Left > monthTo(s.LeftTo) {
			return false
		}
	}
	if len(s.OpenTo) > 0 {
		o := m.Profile.OpenTo
		open := map[string]bool{"rehire": o.Rehire, "sidework": o.Sidework, "mentoring": o.Mentoring, "referrals": o.Referrals}
		if !slices.ContainsFunc(s.OpenTo, func(f string) bool { return open[f] }) {
			return false
		}
	}
	return true
}

// Edition returns the edition for a language, falling back to Japanese
// when there is no translation.
func (n *Newsletter) Edition(lang store.Language) (store.Language, Edition) {
	if e, ok := n.Editions[lang]; ok {
		return lang, e
	}
	return store.LanguageJa, n.Editions[store.LanguageJa]
}
