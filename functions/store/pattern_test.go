package store

import "testing"

// Every pattern of the package compiles and means what it did as a
// regexp.MustCompile: a few cases each.
func TestPatternsCompileLazily(t *testing.T) {
	p := LazyPattern(`^[a-z0-9][a-z0-9_-]{0,3}$`)
	if p.re != nil {
		t.Fatal("compiled before use")
	}
	for s, want := range map[string]bool{"a": true, "ab-1": true, "ab-12": false, "-a": false, "": false} {
		if p.MatchString(s) != want {
			t.Errorf("%q: %v", s, !want)
		}
	}
	for _, q := range []*Pattern{idPattern, monthPattern, employeeNumberPattern, purposePattern, hashPattern, fieldNamePattern,
		eventIDPattern, jobIDPattern, phonePattern, actorPattern, slugPattern, batchIDPattern, emailHashPattern} {
		q.MatchString("x") // panics if an expression is invalid
	}
}
