package content

import (
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Sections with their own front matter rules.
const (
	sectionNews    = "news"
	sectionStories = "stories"
	sectionJobs    = "jobs"
	sectionEvents  = "events"
)

// datedSections are the sections whose pages need a date.
var datedSections = []string{sectionNews, sectionStories, sectionJobs, sectionEvents}

// idPattern is what an event's or job's file name may be: it is the store key and part of the URL.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// notSet is how a translation check shows an optional field that is absent.
const notSet = "not set"

// file is one Markdown file as read, with its own problems.
type file struct {
	rel      string
	shown    string // rel joined to the content dir as given
	at       placement
	fm       *frontMatter // nil when there is no usable front matter
	page     Page
	event    *eventFields
	job      *jobFields
	machine  map[string]machineValue // machine-facing fields that parsed, for the translation check
	problems []Problem
}

// machineValue is a machine-facing field for comparing translations: canon compares, shown is what HR wrote.
type machineValue struct{ canon, shown string }

type eventFields struct {
	start, end, rsvpDeadline time.Time
	location, onlineURL      string
	online                   bool
	capacity, guestsAllowed  int
}

type jobFields struct {
	employmentType, department, location, contact string
	closes                                        time.Time
}

func (f *file) add(ps ...Problem) {
	for _, p := range ps {
		if p.File == "" {
			p.File = f.shown
		}
		f.problems = append(f.problems, p)
	}
}

func (f *file) reportf(line int, format string, args ...any) {
	f.add(Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// parseFile reads one file and applies every rule that needs only that file.
func parseFile(dir, rel string, src []byte) *file {
	at := place(rel)
	f := &file{rel: rel, shown: display(dir, rel), at: at, machine: map[string]machineValue{}}
	f.page = Page{Path: rel, Lang: at.lang, Section: at.section, Members: at.members, ID: at.id, List: at.list, Visibility: Public}
	if at.members {
		f.page.Visibility = Members
	}
	fm, problems := parseFrontMatter(src)
	f.add(problems...)
	if fm == nil {
		return f
	}
	f.fm = fm
	f.checkImages(dir, src)
	r := &reader{fm: fm}
	f.readPage(r)
	f.readFixed(r)
	if !at.list {
		switch at.section {
		case sectionEvents:
			f.readEvent(r)
		case sectionJobs:
			f.readJob(r)
		case sectionNewsletters:
			f.readNewsletter(r)
		case sectionStories:
			r.text("person", false)
			r.text("role_then", false)
			r.text("role_now", false)
		}
		if allowed, ok := sectionFields[at.section]; ok {
			f.checkKnownFields(r, allowed)
			if !idPattern.MatchString(at.id) {
				r.report(1, "file name %s is this page's id and URL: use lowercase letters, digits and hyphens", quote(at.id))
			}
		}
	}
	f.add(r.problems...)
	return f
}

// readPage reads the fields every page has.
func (f *file) readPage(r *reader) {
	p := &f.page
	p.Title = r.text("title", true)
	p.Description = r.text("description", false)
	p.Draft, _ = r.flag("draft")
	dated := slices.Contains(datedSections, f.at.section) && !f.at.list
	p.Date, _ = r.day("date", dated, true)

	valid := true // absent means the folder's default
	if v, fld, ok := r.scalar("visibility", false, "public or members"); ok {
		valid = v == Public || v == Members
		switch {
		case !valid:
			r.report(fld.line, "visibility must be public or members (got %s)", quote(v))
		case v == Members && !f.at.members:
			r.report(fld.line, "members-only pages belong under content/members/")
		case v == Public && f.at.members:
			r.report(fld.line, "public pages do not belong under content/members/: remove visibility: public or move the file out")
		}
		if valid {
			p.Visibility = v
		}
	} else if r.has("visibility") {
		valid = false // a list or map, already reported
	}
	if valid {
		f.machine["visibility"] = machineValue{p.Visibility, p.Visibility}
	}

	p.Params = make(map[string]any, len(r.fm.keys))
	for _, k := range r.fm.keys {
		var v any
		if err := r.fm.fields[k].node.Decode(&v); err == nil {
			p.Params[k] = v
		}
	}
}

// readEvent reads and checks an event's fields.
func (f *file) readEvent(r *reader) {
	e := &eventFields{}
	f.event = e
	start, startOK := r.instant("start", true)
	end, endOK := r.instant("end", true)
	if startOK {
		e.start = start
		f.setInstant("start", start, r)
	}
	if endOK {
		e.end = end
		f.setInstant("end", end, r)
	}
	if startOK && endOK {
		switch {
		case end.Before(start):
			r.report(r.lineOf("end"), "end is before start")
		case end.Equal(start):
			r.report(r.lineOf("end"), "end is the same as start: it must be after start")
		}
	}
	e.location = r.text("location", true)
	if online, ok := r.flag("online"); ok || !r.has("online") {
		e.online = online
		f.machine["online"] = machineValue{strconv.FormatBool(online), strconv.FormatBool(online)}
	}
	if c, ok := r.integer("capacity", true); ok {
		e.capacity = c
		f.machine["capacity"] = machineValue{strconv.Itoa(c), strconv.Itoa(c)}
		if c < 1 {
			r.report(r.lineOf("capacity"), "capacity must be 1 or more")
		}
	}
	if d, ok := r.instant("rsvp_deadline", false); ok {
		e.rsvpDeadline = d
		f.setInstant("rsvp_deadline", d, r)
		if startOK && d.After(start) {
			r.report(r.lineOf("rsvp_deadline"), "rsvp_deadline is after start")
		}
	} else if !r.has("rsvp_deadline") {
		f.machine["rsvp_deadline"] = machineValue{notSet, notSet}
	}
	// online_url goes to the store through sync and is shown to confirmed
	// attendees only; no template renders it. Problems never echo it.
	if u := strings.TrimSpace(r.text("online_url", false)); u != "" {
		if p, err := url.Parse(u); err != nil || p.Scheme != "https" || p.Host == "" || strings.ContainsAny(u, " \t") {
			r.report(r.lineOf("online_url"), "online_url must be an https:// address")
		} else {
			e.onlineURL = u
			f.machine["online_url"] = machineValue{u, "(not shown)"}
		}
	}
	if g, ok := r.integer("guests_allowed", false); ok || !r.has("guests_allowed") {
		e.guestsAllowed = g
		f.machine["guests_allowed"] = machineValue{strconv.Itoa(g), strconv.Itoa(g)}
		if g < 0 {
			r.report(r.lineOf("guests_allowed"), "guests_allowed must be 0 or more")
		}
	}
}

// setInstant records a time for the translation check: equal instants agree whatever their offset.
func (f *file) setInstant(key string, t time.Time, r *reader) {
	f.machine[key] = machineValue{t.UTC().Format(time.RFC3339Nano), r.fm.fields[key].node.Value}
}

// readJob reads and checks a job's fields.
func (f *file) readJob(r *reader) {
	j := &jobFields{}
	f.job = j
	if t := r.text("employment_type", true); t != "" {
		if slices.Contains(EmploymentTypes, t) {
			j.employmentType = t
			f.machine["employment_type"] = machineValue{t, t}
		} else if strings.TrimSpace(t) != "" {
			r.report(r.lineOf("employment_type"), "employment_type must be one of %s (got %s)", strings.Join(EmploymentTypes, ", "), quote(t))
		}
	}
	j.department = r.text("department", true)
	j.location = r.text("location", true)
	if d, ok := r.day("closes", true, false); ok {
		j.closes = d
		f.machine["closes"] = machineValue{d.Format(dateLayout), d.Format(dateLayout)}
	}
	if c := r.text("contact", false); c != "" {
		// The address is not echoed: it could be a person's, and problems end up in CI logs.
		if a, err := mail.ParseAddress(c); err != nil || a.Address != c {
			r.report(r.lineOf("contact"), "contact must be a plain email address, like careers@example.co.jp")
		} else {
			j.contact = c
		}
	}
}

// checkKnownFields reports keys outside the section's schema: most are typos that would silently drop a value.
func (f *file) checkKnownFields(r *reader, sectionOnly []string) {
	known := slices.Concat(commonFields, sectionOnly)
	for _, k := range r.fm.keys {
		if slices.Contains(known, k) {
			continue
		}
		if s := closest(k, known); s != "" {
			r.report(r.fm.fields[k].line, "unknown field %s (did you mean %s?)", k, s)
		} else {
			r.report(r.fm.fields[k].line, "unknown field %s", k)
		}
	}
}

// closest is the known key within two edits of k, or "".
func closest(k string, known []string) string {
	best, bestD := "", 3
	for _, c := range known {
		if d := editDistance(k, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, counting a swap of two neighbours (capactiy) as one edit.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// checkAcrossFiles applies the rules that need more than one file: translations, ids, the members folder.
func checkAcrossFiles(dir string, files []*file) []Problem {
	var problems []Problem
	at := func(f *file, line int, format string, args ...any) {
		problems = append(problems, Problem{File: f.shown, Line: line, Message: fmt.Sprintf(format, args...)})
	}

	japanese := map[string]*file{}
	doubled := map[*file]bool{} // x.md beside x.ja.md: reported once, here
	for _, f := range files {
		if f.at.lang != Japanese {
			continue
		}
		if first, ok := japanese[f.at.pairKey]; ok {
			at(f, 1, "%s is also the Japanese page %s: keep one of the two files", f.shown, first.shown)
			doubled[f] = true
			continue
		}
		japanese[f.at.pairKey] = f
	}
	for _, f := range files {
		if f.at.lang != English {
			continue
		}
		ja, ok := japanese[f.at.pairKey]
		if !ok {
			at(f, 1, "English page has no Japanese original %s: every page is written in Japanese first", display(dir, f.at.pairKey+".md"))
			continue
		}
		for _, k := range translated {
			en, enOK := f.machine[k]
			jv, jaOK := ja.machine[k]
			if enOK && jaOK && en.canon != jv.canon {
				line := 1
				if f.fm != nil {
					line = (&reader{fm: f.fm}).lineOf(k)
				}
				at(f, line, "%s %s disagrees with the Japanese original %s (%s)", k, en.shown, ja.shown, jv.shown)
			}
		}
	}

	// Ids are per section and language, across content/<s>/ and content/members/<s>/.
	seen := map[string]*file{}
	for _, f := range files {
		if f.at.list || f.at.section == "" || doubled[f] {
			continue
		}
		key := f.at.section + "/" + f.at.id + "/" + f.at.lang
		if first, ok := seen[key]; ok {
			at(f, 1, "id %s is already used by %s", f.at.id, first.shown)
			continue
		}
		seen[key] = f
	}

	problems = append(problems, checkMembersCascade(dir, files)...)
	problems = append(problems, checkNewslettersHidden(dir, files)...)
	return problems
}

// checkMembersCascade makes sure content/members/_index.md marks everything
// beneath it members-only: the site builds a page under /members/ only
// because of that cascade, so without it a members page could go public.
func checkMembersCascade(dir string, files []*file) []Problem {
	const indexRel = membersDir + "/_index.md"
	var index *file
	needed := false
	for _, f := range files {
		switch {
		case f.rel == indexRel:
			index = f
		case f.at.members && !(f.at.list && f.at.section == ""):
			needed = true
		}
	}
	switch {
	case !needed:
		return nil
	case index == nil:
		return []Problem{{File: display(dir, indexRel), Line: 1, Message: "file is missing: it must set cascade: visibility: members for the pages under content/members/"}}
	case index.fm == nil:
		return nil // already reported: no usable front matter
	}
	c, ok := index.fm.fields["cascade"]
	if !ok || !setsMembers(c.node) {
		line := 1
		if ok {
			line = c.line
		}
		return []Problem{{File: index.shown, Line: line, Message: "cascade must set visibility: members for the pages under content/members/"}}
	}
	return nil
}

// setsMembers reports whether a cascade value sets visibility: members,
// directly, under params, or in one of a list of cascade entries.
func setsMembers(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := strings.ToLower(n.Content[i].Value), n.Content[i+1]
			if k == "visibility" && v.Kind == yaml.ScalarNode && v.Value == Members {
				return true
			}
			if k == "params" && setsMembers(v) {
				return true
			}
		}
	case yaml.SequenceNode:
		return slices.ContainsFunc(n.Content, setsMembers)
	}
	return false
}

// buildCatalog merges events and jobs across languages, Japanese first.
func buildCatalog(files []*file) *Catalog {
	c := &Catalog{}
	events := map[string]*Event{}
	jobs := map[string]*Job{}
	for _, f := range files {
		c.Pages = append(c.Pages, f.page)
	}
	for _, lang := range []string{Japanese, English} {
		for _, f := range files {
			if f.at.lang != lang {
				continue
			}
			p := f.page
			if e := f.event; e != nil {
				ev, ok := events[p.ID]
				if !ok {
					ev = &Event{
						ID: p.ID, Path: p.Path, Title: map[string]string{}, Location: map[string]string{},
						Start: e.start, End: e.end, Online: e.online, Capacity: e.capacity,
						RSVPDeadline: e.rsvpDeadline, GuestsAllowed: e.guestsAllowed, OnlineURL: e.onlineURL,
						Visibility: p.Visibility, Draft: p.Draft,
					}
					events[p.ID] = ev
				}
				if _, dup := ev.Title[lang]; !dup {
					ev.Title[lang], ev.Location[lang] = p.Title, e.location
				}
			}
			if j := f.job; j != nil {
				jb, ok := jobs[p.ID]
				if !ok {
					jb = &Job{
						ID: p.ID, Path: p.Path, Title: map[string]string{}, Department: map[string]string{}, Location: map[string]string{},
						EmploymentType: j.employmentType, Closes: j.closes, Contact: j.contact,
						Visibility: p.Visibility, Draft: p.Draft,
					}
					jobs[p.ID] = jb
				}
				if _, dup := jb.Title[lang]; !dup {
					jb.Title[lang], jb.Department[lang], jb.Location[lang] = p.Title, j.department, j.location
				}
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(events)) {
		c.Events = append(c.Events, *events[id])
	}
	for _, id := range slices.Sorted(maps.Keys(jobs)) {
		c.Jobs = append(c.Jobs, *jobs[id])
	}
	return c
}
