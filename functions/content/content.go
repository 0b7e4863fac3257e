// Package content reads HR's Markdown (content/) and checks it against the
// content schema shared with the Hugo site (docs/content.md).
//
// Load parses every .md file under a content directory, reports each
// problem with the file and line HR has to fix, and builds a Catalog of
// events and jobs for `okaeri sync`. Check is Load without the catalog.
//
// Decisions worth knowing:
//   - Japanese first: x.md is Japanese, x.en.md its English translation. An
//     .en.md without its x.md is an error, because every page must exist in
//     Japanese (the default language at /).
//   - Machine-facing fields (visibility; an event's start, end, capacity,
//     rsvp_deadline, guests_allowed; a job's closes, employment_type) must be
//     equal in both languages: sync stores one value per id.
//   - Events and jobs reject unknown front matter keys, so a typo such as
//     `capactiy` is caught instead of silently meaning "no capacity".
//   - Every problem is an error; there is no warning level, so CI and HR see
//     one rule: no output means the content is good.
package content

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/content/schema"
)

// Languages of the portal.
const (
	Japanese = schema.Japanese
	English  = schema.English
)

// Visibilities a page may have.
const (
	Public  = "public"
	Members = "members"
)

// membersDir is the folder (relative to the content dir) that holds members-only pages.
const membersDir = "members"

// Problem is one thing wrong in the content, at the line HR has to edit.
type Problem struct {
	File    string // the content dir as given, joined with the file's relative path
	Line    int    // 1-based
	Message string // English, for a terminal or a CI log
}

// String formats the problem as `file:line: message`, the form editors and CI logs link.
func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message) }

// Page is one Markdown file.
type Page struct {
	Path        string         // relative to the content dir, with forward slashes
	Lang        string         // Japanese or English (from the .en.md suffix)
	Section     string         // news, stories, jobs, events ...; "" for pages at the top (of content/ or content/members/)
	Members     bool           // under content/members/
	ID          string         // file base without language suffix; the folder name for a bundle's index.md
	List        bool           // a section or home list page (_index.md)
	Visibility  string         // Public or Members: the explicit value, or the folder's default
	Title       string         //
	Date        time.Time      // zero when absent
	Description string         //
	Draft       bool           //
	Params      map[string]any // the whole front matter, as decoded YAML
}

// Event is one event merged across its translations; machine-facing fields come from the Japanese file.
type Event struct {
	ID            string
	Path          string            // the Japanese file, relative to the content dir
	Title         map[string]string // by language
	Location      map[string]string // by language ("オンライン" / "Online" allowed)
	Start, End    time.Time
	Online        bool
	Capacity      int
	RSVPDeadline  time.Time // zero when the event sets none (RSVP stays open until start)
	GuestsAllowed int       // how many +N guests one member may bring
	OnlineURL     string    // the meeting link: synced for confirmed attendees, never rendered by the site
	Visibility    string
	Draft         bool
}

// Job is one job posting merged across its translations; machine-facing fields come from the Japanese file.
type Job struct {
	ID             string
	Path           string            // the Japanese file, relative to the content dir
	Title          map[string]string // by language
	Department     map[string]string // by language
	Location       map[string]string // by language
	EmploymentType string            // one of EmploymentTypes
	Closes         time.Time         // a calendar date: midnight UTC of the closing day
	Contact        string            // a role address, or ""
	Visibility     string
	Draft          bool
}

// EmploymentTypes are the allowed job employment_type values, in the order HR sees them.
var EmploymentTypes = schema.EmploymentTypes

// Catalog is everything Load read. Trust it only when Load reported no problems.
type Catalog struct {
	Pages  []Page  // every .md file, sorted by Path, including ones with problems
	Events []Event // one per id, sorted by ID
	Jobs   []Job   // one per id, sorted by ID
}

// Check validates the content under dir and returns its problems sorted by file and line.
func Check(dir string) ([]Problem, error) {
	_, problems, err := Load(dir)
	return problems, err
}

// Load reads every Markdown file under dir. Problems are sorted by file,
// then line; the error is only for a directory that cannot be read.
func Load(dir string) (*Catalog, []Problem, error) {
	rels, err := markdownFiles(dir)
	if err != nil {
		return nil, nil, err
	}
	var (
		files    []*file
		problems []Problem
	)
	for _, rel := range rels {
		src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, nil, fmt.Errorf("load content: %w", err)
		}
		f := parseFile(dir, rel, src)
		files = append(files, f)
		problems = append(problems, f.problems...)
	}
	problems = append(problems, checkAcrossFiles(dir, files)...)
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})
	return buildCatalog(files), problems, nil
}

// markdownFiles lists the .md files under dir, relative and slash-separated,
// skipping hidden files and folders as Hugo does.
func markdownFiles(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("load content: %s is not a directory", dir)
	}
	var rels []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.HasSuffix(d.Name(), ".md") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rels = append(rels, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	slices.Sort(rels)
	return rels, nil
}

// placement is what a file's path says about it.
type placement struct {
	lang    string
	section string
	members bool
	id      string
	list    bool
	pairKey string // the path without language suffix and .md: x.md and x.en.md share it
}

func place(rel string) placement {
	dir, name := path.Split(rel)
	base := strings.TrimSuffix(name, ".md")
	p := placement{lang: Japanese}
	if b, ok := strings.CutSuffix(base, ".en"); ok {
		p.lang, base = English, b
	} else if b, ok := strings.CutSuffix(base, ".ja"); ok {
		// x.ja.md is x.md: the CMS names the Japanese file so.
		base = b
	}
	p.pairKey = dir + base
	p.list = base == "_index"
	p.id = base
	if base == "index" && dir != "" {
		// A leaf bundle (events/x/index.md) is the page x.
		p.id = path.Base(dir)
	}
	parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	if parts[0] == membersDir {
		p.members = true
		parts = parts[1:]
	}
	if len(parts) > 0 && parts[0] != "" {
		p.section = parts[0]
	}
	return p
}

// display joins the content dir as given with a relative path, for messages.
func display(dir, rel string) string {
	return filepath.Join(dir, filepath.FromSlash(rel))
}

// errNoFrontMatter marks a file that does not start with `---`.
var errNoFrontMatter = errors.New("missing front matter: the file must start with YAML between --- lines")
