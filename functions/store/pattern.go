package store

import (
	"regexp"
	"sync"
)

// Pattern is a regular expression compiled on its first use. Counted
// repetitions such as [a-z0-9_-]{0,99} compile into programs of hundreds of
// instructions; compiled at package initialisation they cost every Lambda
// function 1 to 2 ms of cold start, most of them for patterns it never uses.
type Pattern struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// LazyPattern returns a Pattern for expr (a valid expression: it panics on
// first use otherwise, as regexp.MustCompile would at start). Every
// package-level regular expression of the functions is one.
func LazyPattern(expr string) *Pattern { return &Pattern{expr: expr} }

func (p *Pattern) compiled() *regexp.Regexp {
	p.once.Do(func() { p.re = regexp.MustCompile(p.expr) })
	return p.re
}

// MatchString reports whether s matches.
func (p *Pattern) MatchString(s string) bool { return p.compiled().MatchString(s) }

// FindStringSubmatch is regexp's FindStringSubmatch.
func (p *Pattern) FindStringSubmatch(s string) []string { return p.compiled().FindStringSubmatch(s) }
