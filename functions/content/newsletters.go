package content

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// sectionNewsletters holds newsletters: Markdown that is sent by email
// (functions/newsletter) and must never become a page of the site.
const sectionNewsletters = "newsletters"

// segmentFields are the keys a newsletter's segment may have (the
// newsletter package checks their values when it reads the file): the
// schema's SegmentFields.
var segmentFields = func() []string {
	var out []string
	for _, f := range SegmentFields {
		out = append(out, f.Name)
	}
	return out
}()

// readNewsletter checks a newsletter's own fields.
func (f *file) readNewsletter(r *reader) {
	r.text("subject", true)
	r.text("preheader", false)
	r.instant("send_at", false)
	fld, ok := r.fm.fields["segment"]
	if !ok || isNull(fld.node) {
		return
	}
	if fld.node.Kind != yaml.MappingNode {
		r.report(fld.line, "segment must be fields written as key: value (%s)", strings.Join(segmentFields, ", "))
		return
	}
	for i := 0; i+1 < len(fld.node.Content); i += 2 {
		k := fld.node.Content[i]
		if !slices.Contains(segmentFields, k.Value) {
			r.report(k.Line+1, "unknown segment field %s (one of %s)", k.Value, strings.Join(segmentFields, ", "))
		}
	}
}

// checkNewslettersHidden makes sure content/newsletters/_index.md (and
// _index.en.md, for the English files: a cascade reaches only its own
// language) keeps the newsletters out of the site with
// `build: {render: never, list: never}` on itself and in its cascade.
// Without it Hugo would publish every newsletter, unsent text and segment
// included, as a public page.
func checkNewslettersHidden(dir string, files []*file) []Problem {
	const want = "build: {render: never, list: never} and cascade: {build: {render: never, list: never}}"
	var problems []Problem
	for _, lang := range []string{Japanese, English} {
		indexRel := sectionNewsletters + "/_index.md"
		if lang == English {
			indexRel = sectionNewsletters + "/_index.en.md"
		}
		var index *file
		needed := false
		for _, f := range files {
			switch {
			case f.rel == indexRel:
				index = f
			case f.at.section == sectionNewsletters && !f.at.members && f.at.lang == lang:
				needed = true
			}
		}
		switch {
		case !needed:
			continue
		case index == nil:
			problems = append(problems, Problem{File: display(dir, indexRel), Line: 1, Message: "file is missing: it must set " + want + " so that newsletters never become pages"})
			continue
		case index.fm == nil:
			continue // already reported
		}
		for _, key := range []string{"build", "cascade"} {
			fld, ok := index.fm.fields[key]
			good := ok && ((key == "build" && neverBuilt(fld.node)) || (key == "cascade" && cascadesNeverBuilt(fld.node)))
			if !good {
				line := 1
				if ok {
					line = fld.line
				}
				problems = append(problems, Problem{File: index.shown, Line: line, Message: indexRel + " must set " + want})
				break
			}
		}
	}
	return problems
}

// neverBuilt reports whether a build value says render: never and list: never.
func neverBuilt(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	got := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		got[strings.ToLower(n.Content[i].Value)] = n.Content[i+1].Value
	}
	return got["render"] == "never" && got["list"] == "never"
}

// cascadesNeverBuilt reports whether a cascade (a mapping, or a list of
// them) carries a never-built build value.
func cascadesNeverBuilt(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if strings.ToLower(n.Content[i].Value) == "build" && neverBuilt(n.Content[i+1]) {
				return true
			}
		}
	case yaml.SequenceNode:
		return slices.ContainsFunc(n.Content, cascadesNeverBuilt)
	}
	return false
}
