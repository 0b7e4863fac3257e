package content

import (
	"slices"
	"strings"

	"github.com/okaeri/okaeri/functions/content/schema"
)

// The content schema (package schema) is what Check enforces: the fields
// it knows on each section's pages, the fields held equal across
// translations and the fixed pages' own required fields come from it, and
// the tests hold the two to each other.

// The schema's types, for this package and its tests.
type (
	Kind   = schema.Kind
	Field  = schema.Field
	Widget = schema.Widget
)

// Schema lists every kind of page the CMS edits (schema.Schema).
var Schema = schema.Schema

// SegmentFields are a newsletter segment's fields (schema.SegmentFields).
var SegmentFields = schema.SegmentFields

// BodyField is the Markdown body below the front matter.
const BodyField = schema.BodyField

// notInCMS are the fields Check allows on every page that HR does not
// edit in the CMS: Hugo's own, for engineers (URL-stable ones only), and
// visibility, which the CMS sets by the collection's folder (members-only
// pages are saved under content/members/).
var notInCMS = []string{"visibility", "lastmod", "publishdate", "expirydate", "weight", "tags", "summary", "aliases", "keywords", "linktitle", "images"}

// commonCMS are the fields every page has that HR edits.
var commonCMS = schema.Common

// commonFields are allowed on every page: the schema's own and the Hugo
// fields that change neither a page's URL nor its language pairing (slug,
// url and translationKey would, so they are not here).
var commonFields = append(slices.Clone(commonCMS), notInCMS...)

// sectionFields are each section's own fields; any other key on a page of
// the section is reported as unknown.
var sectionFields = func() map[string][]string {
	out := map[string][]string{}
	for _, k := range Schema {
		if k.Section == "" {
			continue
		}
		own := []string{}
		for _, f := range k.Fields {
			if f.Name != BodyField && !slices.Contains(commonCMS, f.Name) {
				own = append(own, f.Name)
			}
		}
		out[k.Section] = own
	}
	return out
}()

// translated lists the machine-facing fields that must be equal in x.md
// and x.en.md: visibility and every Shared field.
var translated = func() []string {
	out := []string{"visibility"}
	for _, k := range Schema {
		for _, f := range k.Fields {
			if f.Shared && !slices.Contains(out, f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	return out
}()

// readFixed checks a fixed page's own required fields (the privacy
// policy's version): the CMS requires them, so content check does too.
func (f *file) readFixed(r *reader) {
	if f.at.list || f.at.section != "" || f.at.members {
		return
	}
	for _, k := range Schema {
		if k.File == "" || f.at.pairKey != strings.TrimSuffix(k.File, ".md") {
			continue
		}
		for _, fld := range k.Fields {
			if fld.Required && fld.Name != BodyField && !slices.Contains(commonCMS, fld.Name) {
				r.text(fld.Name, true)
			}
		}
	}
}
