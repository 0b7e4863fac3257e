// Package browsertest drives the jobs feature in real headless Chromium
// (chromedp) against a real `okaeri serve` with the repository's content
// synced: a member applies with a résumé from a job's page, HR moves the
// application to interview, and the member sees the new status. axe-core
// checks each page the journey passes through.
package browsertest
