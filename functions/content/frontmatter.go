package content

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// field is one front matter key with the line HR wrote it on.
type field struct {
	line int // in the file, not in the YAML text
	node *yaml.Node
}

// frontMatter is a file's parsed YAML front matter.
type frontMatter struct {
	fields map[string]field
	keys   []string // in file order
	node   *yaml.Node
	body   int // the line the text after the closing --- starts on
}

// yamlErrorLine finds the line yaml.v3 puts in its syntax errors ("yaml: line 3: ...").
var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseFrontMatter splits the YAML between the opening and closing `---`
// lines and parses it keeping line numbers. The opening line is line 1, so
// a YAML line n is file line n+1. A nil frontMatter means there is no
// usable front matter; problems without File set are this file's.
func parseFrontMatter(src []byte) (*frontMatter, []Problem) {
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	lines := strings.SplitAfter(string(src), "\n")
	first := strings.TrimRight(lines[0], " \t\r\n")
	switch {
	case first == "---":
	case first == "+++" || strings.HasPrefix(first, "{"):
		return nil, []Problem{{Line: 1, Message: "front matter must be YAML between --- lines (TOML and JSON are not used here)"}}
	default:
		return nil, []Problem{{Line: 1, Message: errNoFrontMatter.Error()}}
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t\r\n") == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, []Problem{{Line: 1, Message: "front matter is not closed: add a --- line after it"}}
	}
	text := strings.Join(lines[1:end], "")
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		msg := err.Error()
		line := 1
		if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = n + 1
			msg = strings.TrimPrefix(msg, m[0])
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		return nil, []Problem{{Line: line, Message: "front matter is not valid YAML: " + msg}}
	}
	fm := &frontMatter{fields: map[string]field{}, body: end + 2}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return fm, nil // only `---` lines, or comments: no fields
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, []Problem{{Line: m.Line + 1, Message: "front matter must be fields written as key: value"}}
	}
	fm.node = m
	var problems []Problem
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		// Hugo reads front matter keys case-insensitively, so Title: is title:.
		key := strings.ToLower(k.Value)
		if first, ok := fm.fields[key]; ok {
			problems = append(problems, Problem{Line: k.Line + 1, Message: fmt.Sprintf("duplicate field %s (first at line %d)", key, first.line)})
			continue
		}
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		fm.fields[key] = field{line: k.Line + 1, node: v}
		fm.keys = append(fm.keys, key)
	}
	return fm, problems
}

// isNull reports whether a value was left empty (`key:` or `key: null`).
// isNull: no value, or an empty string (what the CMS writes for a field HR cleared).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Tag == "!!str" && n.Value == "")
}

// quote shows a value HR wrote, shortened so a long paragraph does not flood the terminal.
func quote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "..."
	}
	return strconv.Quote(s)
}

// reader reads typed fields from one file's front matter, reporting each
// problem at the field's line (or line 1 when the field is missing).
type reader struct {
	fm       *frontMatter
	problems []Problem
}

func (r *reader) report(line int, format string, args ...any) {
	r.problems = append(r.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// lineOf is the line to point at for key: its own line, or line 1 (the front matter start) when it is missing.
func (r *reader) lineOf(key string) int {
	if f, ok := r.fm.fields[key]; ok {
		return f.line
	}
	return 1
}

// has reports whether key is present with a non-empty value.
func (r *reader) has(key string) bool {
	f, ok := r.fm.fields[key]
	return ok && !isNull(f.node)
}

// lookup returns key's value node, reporting a missing required field. A
// `key:` left empty counts as missing for optional fields and as "is empty"
// for required ones.
func (r *reader) lookup(key string, required bool) (field, bool) {
	f, ok := r.fm.fields[key]
	switch {
	case !ok && required:
		r.report(1, "missing required field %s", key)
		return f, false
	case !ok:
		return f, false
	case isNull(f.node) && required:
		r.report(f.line, "%s is empty", key)
		return f, false
	case isNull(f.node):
		return f, false
	}
	return f, true
}

// scalar returns key's scalar text, reporting lists and maps where one value is expected.
func (r *reader) scalar(key string, required bool, what string) (string, field, bool) {
	f, ok := r.lookup(key, required)
	if !ok {
		return "", f, false
	}
	if f.node.Kind != yaml.ScalarNode {
		r.report(f.line, "%s must be %s, not a list or map", key, what)
		return "", f, false
	}
	return f.node.Value, f, true
}

// text reads a string field; a required one must not be blank.
func (r *reader) text(key string, required bool) string {
	s, f, ok := r.scalar(key, required, "text")
	if !ok {
		return ""
	}
	if required && strings.TrimSpace(s) == "" {
		r.report(f.line, "%s is empty", key)
	}
	return s
}

// flag reads an optional true/false field.
func (r *reader) flag(key string) (bool, bool) {
	s, f, ok := r.scalar(key, false, "true or false")
	if !ok {
		return false, false
	}
	if f.node.Tag != "!!bool" {
		r.report(f.line, "%s must be true or false (got %s)", key, quote(s))
		return false, false
	}
	var b bool
	if err := f.node.Decode(&b); err != nil {
		r.report(f.line, "%s must be true or false (got %s)", key, quote(s))
		return false, false
	}
	return b, true
}

// integer reads a whole-number field.
func (r *reader) integer(key string, required bool) (int, bool) {
	s, f, ok := r.scalar(key, required, "a whole number")
	if !ok {
		return 0, false
	}
	var n int
	if f.node.Tag != "!!int" || f.node.Decode(&n) != nil {
		r.report(f.line, "%s must be a whole number (got %s)", key, quote(s))
		return 0, false
	}
	return n, true
}

// instant reads an RFC 3339 time with offset, like 2026-12-05T18:30:00+09:00.
func (r *reader) instant(key string, required bool) (time.Time, bool) {
	s, f, ok := r.scalar(key, required, "a date and time")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		r.report(f.line, "%s must be a date and time with offset like 2026-12-05T18:30:00+09:00 (got %s)", key, quote(s))
		return time.Time{}, false
	}
	return t, true
}

// dateLayout is a calendar date as HR writes it.
const dateLayout = "2006-01-02"

// day reads a calendar date YYYY-MM-DD, or also an RFC 3339 time when withTime is set.
func (r *reader) day(key string, required, withTime bool) (time.Time, bool) {
	s, f, ok := r.scalar(key, required, "a date")
	if !ok {
		return time.Time{}, false
	}
	if t, err := time.Parse(dateLayout, s); err == nil {
		return t, true
	}
	if withTime {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, true
		}
		r.report(f.line, "%s must be a date YYYY-MM-DD or a date and time like 2026-12-05T18:30:00+09:00 (got %s)", key, quote(s))
		return time.Time{}, false
	}
	r.report(f.line, "%s must be a date YYYY-MM-DD (got %s)", key, quote(s))
	return time.Time{}, false
}
