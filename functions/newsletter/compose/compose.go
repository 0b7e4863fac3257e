// Package compose reads HR's newsletters from content/newsletters/ (YAML
// front matter and a Markdown body) and renders them for email with
// goldmark: the okaeri CLI does it when it syncs or sends, and stores the
// result with the send. The newsletter function sends what was stored and
// never imports this package, so its cold start pays for neither goldmark
// nor YAML.
package compose

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
	Segment  store.NewsletterSegment
	SendAt   time.Time // zero: send when started
}

// Edition is one language's text of a newsletter.
type Edition struct {
	Title     string // HR's name for the issue, shown as the email's heading
	Subject   string
	Preheader string // the preview line mail clients show after the subject
	Body      string // Markdown
}

// segment is the front matter's segment: store.NewsletterSegment with the
// file's key names.
type segment struct {
	Language    store.Language `yaml:"language"`
	Departments []string       `yaml:"departments"`
	LeftFrom    string         `yaml:"left_from"`
	LeftTo      string         `yaml:"left_to"`
	OpenTo      []string       `yaml:"open_to"`
}

// frontMatter is a newsletter file's YAML front matter.
type frontMatter struct {
	Title     string    `yaml:"title"`
	Subject   string    `yaml:"subject"`
	Preheader string    `yaml:"preheader"`
	Segment   *segment  `yaml:"segment"`
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
	sources, err := ReadSources(contentDir, slug)
	if err != nil {
		return nil, nil, err
	}
	n, err := Parse(slug, sources)
	if err != nil {
		return nil, nil, err
	}
	return n, sources, nil
}

// ReadSources reads a newsletter's files' text by language ("ja", and "en"
// if translated), unparsed.
func ReadSources(contentDir, slug string) (map[string]string, error) {
	if !store.ValidSlug(slug) {
		return nil, fmt.Errorf("%w: %q is not a newsletter name (lowercase letters, digits and hyphens)", ErrNotFound, slug)
	}
	sources := map[string]string{}
	for _, lang := range []store.Language{store.LanguageJa, store.LanguageEn} {
		name := slug + ".en.md"
		if lang == store.LanguageJa {
			name = japaneseFile(filepath.Join(contentDir, Dir), slug)
		}
		b, err := os.ReadFile(filepath.Join(contentDir, Dir, name))
		switch {
		case err == nil:
			sources[string(lang)] = string(b)
		case errors.Is(err, os.ErrNotExist) && lang == store.LanguageJa:
			return nil, fmt.Errorf("%w: %s", ErrNotFound, filepath.Join(contentDir, Dir, name))
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, fmt.Errorf("load newsletter: %w", err)
		}
	}
	return sources, nil
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
		out = append(out, strings.TrimSuffix(strings.TrimSuffix(name, ".md"), ".ja"))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// japaneseFile is the name of a newsletter's Japanese file in dir: x.md,
// or x.ja.md as the CMS names it (content check refuses both at once).
func japaneseFile(dir, slug string) string {
	if _, err := os.Stat(filepath.Join(dir, slug+".ja.md")); err == nil {
		return slug + ".ja.md"
	}
	return slug + ".md"
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
				n.Segment = store.NewsletterSegment(*fm.Segment)
			}
			n.SendAt = fm.SendAt
			continue
		}
		if jaFM != nil && ((fm.Segment != nil && !sameSegment(store.NewsletterSegment(*fm.Segment), n.Segment)) || (!fm.SendAt.IsZero() && !fm.SendAt.Equal(n.SendAt))) {
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
	if err := validateSegment(n.Segment); err != nil {
		errs = append(errs, fmt.Errorf("%s.md: %w", slug, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return n, nil
}

func sameSegment(a, b store.NewsletterSegment) bool {
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

// validateSegment checks the segment's values as HR wrote them.
func validateSegment(s store.NewsletterSegment) error {
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
	if from, to := s.LeftMonths(); s.LeftFrom != "" && s.LeftTo != "" && yearMonth.MatchString(s.LeftFrom) && yearMonth.MatchString(s.LeftTo) && from > to {
		errs = append(errs, errors.New("segment.left_from is after segment.left_to"))
	}
	for _, o := range s.OpenTo {
		if !slices.Contains(store.SegmentOpenTo, o) {
			errs = append(errs, fmt.Errorf("segment.open_to: %q is not one of %s", o, strings.Join(store.SegmentOpenTo, ", ")))
		}
	}
	for _, d := range s.Departments {
		if strings.TrimSpace(d) == "" {
			errs = append(errs, errors.New("segment.departments holds an empty name"))
		}
	}
	return errors.Join(errs...)
}
