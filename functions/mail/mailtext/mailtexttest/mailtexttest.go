// Package mailtexttest checks a feature's emails against golden files, so a
// change to any text shows up in review as a diff of what people will read.
package mailtexttest

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/okaeri/okaeri/functions/mail/mailtext"
)

// Golden renders every email of set in ja and en with data and compares it
// with testdata/email-<kind>.<lang>.golden; update rewrites the files.
func Golden[K ~string](t *testing.T, set mailtext.Set[K], data any, update bool) {
	t.Helper()
	kinds := make([]K, 0, len(set))
	for k := range set {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	for _, kind := range kinds {
		for _, lang := range []string{"ja", "en"} {
			if _, ok := set[kind][lang]; !ok {
				t.Errorf("%s has no %s version", kind, lang)
				continue
			}
			subject, body, err := set.Render(kind, lang, data)
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			Compare(t, Path(string(kind), lang), "Subject: "+subject+"\n\n"+body, update)
		}
	}
}

// GoldenBilingual renders each of kinds as one Japanese-then-English email
// (mailtext.Bilingual) and compares it with
// testdata/email-<kind>.ja+en.golden; update rewrites the files.
func GoldenBilingual[K ~string](t *testing.T, set mailtext.Set[K], data any, update bool, kinds ...K) {
	t.Helper()
	if len(kinds) == 0 {
		t.Fatal("GoldenBilingual: no kinds named")
	}
	for _, kind := range kinds {
		subject, body, err := set.Render(kind, mailtext.Bilingual, data)
		if err != nil {
			t.Fatalf("%s/%s: %v", kind, mailtext.Bilingual, err)
		}
		Compare(t, Path(string(kind), mailtext.Bilingual), "Subject: "+subject+"\n\n"+body, update)
	}
}

// Path is the golden file of one email.
func Path(kind, lang string) string {
	return filepath.Join("testdata", "email-"+kind+"."+lang+".golden")
}

// Compare checks got against the golden file at path, or rewrites it.
func Compare(t *testing.T, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n%s", path, got)
	}
}
