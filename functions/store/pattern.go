package store

import (
	"regexp"
	"sync"
)

// pattern is a regular expression compiled on its first use. Counted
// repetitions such as [a-z0-9_-]{0,99} compile into programs of hundreds of
// instructions; compiled at package initialisation they cost every Lambda
// function 1 to 2 ms of cold start, most of them for patterns it never uses.
type pattern struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// lazyPattern returns a pattern for expr (a valid expression: it panics on
// first use otherwise, as regexp.MustCompile would at start).
func lazyPattern(expr string) *pattern { return &pattern{expr: expr} }

// MatchString reports whether s matches.
func (p *pattern) MatchString(s string) bool {
	p.once.Do(func() { p.re = regexp.MustCompile(p.expr) })
	return p.re.MatchString(s)
}
