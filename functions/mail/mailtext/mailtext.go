// Package mailtext renders a feature's transactional emails: each kind of
// email is a subject and a plain-text body in Japanese and English, written
// as text/template sources beside the feature that sends it.
package mailtext

import (
	"bytes"
	"fmt"
	"strings"
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

// Bilingual asks Render for one email in Japanese and then English, for a
// reader whose language nobody knows (a shared mailbox).
const Bilingual = "ja+en"

// bilingualRule separates the Japanese text from the English one.
const bilingualRule = "\n\n----\n\n"

// Render fills the template of kind in lang (Japanese unless "en", or both
// for Bilingual) with data. A field the template names but data lacks is an
// error, not a blank.
func (s Set[K]) Render(kind K, lang string, data any) (subject, body string, err error) {
	if lang == Bilingual {
		return s.renderBilingual(kind, data)
	}
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

// renderBilingual is the Japanese email followed by the English one: both
// subjects joined by " / ", both bodies with a rule between them.
func (s Set[K]) renderBilingual(kind K, data any) (subject, body string, err error) {
	jaSubject, jaBody, err := s.Render(kind, "ja", data)
	if err != nil {
		return "", "", err
	}
	enSubject, enBody, err := s.Render(kind, "en", data)
	if err != nil {
		return "", "", err
	}
	return jaSubject + " / " + enSubject, strings.TrimRight(jaBody, "\n") + bilingualRule + enBody, nil
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
