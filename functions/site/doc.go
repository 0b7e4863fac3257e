// Package site proves what the Hugo site in site/ builds from content/: every
// page in both languages, a public search index and a members catalog, and
// members-only pages nowhere but under /members/ and /en/members/
// (invariant 3). The package has no code of its own, only tests; the site
// build benchmark lives in benchsite/.
package site
