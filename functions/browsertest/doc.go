// Package browsertest drives a real headless Chromium (through chromedp)
// against a real `okaeri serve` of the built site: both languages render, the
// language switch keeps the page, members-only links lead to login, and
// axe-core finds no accessibility violation on any page.
//
// It has only tests. They need Chromium (scripts/ensure-chromium installs
// Debian's package when it is missing) and npm once, for axe-core
// (scripts/axe). When either is missing the tests fail; they never skip.
package browsertest
