// Package mailtext renders a feature's transactional emails: each kind of
// email is a subject and a plain-text body in Japanese and English, written
// as text/template sources beside the feature that sends it.
package mailtext

import (
	"bytes"
	"fmt"
	"text/template"
)

// Template is one email in one language: {subject, body}. (An array, not a
// struct, so that the features' tables of emails read as plain pairs.)
type Template [2]string

// Subject is the template of the subject line.
func (t Template) Subject() string { return t[0] }

// Body is the template of the plain-text body.
func (t Template) Body() string { return t[1] }

// Set is a feature's emails: kind -> language ("ja", "en") -> template.
type Set[K ~string] map[K]map[string]Template

// Render fills the template of kind in lang (Japanese unless "en") with
// data. A field the template names but data lacks is an error, not a blank.
func (s Set[K]) Render(kind K, lang string, data any) (subject, body string, err error) {
	if lang != "en" {
		lang = "ja"
	}
	t, ok := s[kind][lang]
	if !ok {
		return "", "", fmt.Errorf("no %s email in %s", kind, lang)
	}
	if subject, err = execute("subject", t.Subject(), data); err != nil {
		return "", "", fmt.Errorf("%s email subject: %w", kind, err)
	}
	if body, err = execute("body", t.Body(), data); err != nil {
		return "", "", fmt.Errorf("%s email body: %w", kind, err)
	}
	return subject, body, nil
}

func execute(name, text string, data any) (string, error) {
	tmpl, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
