// Package newsletter sends HR's newsletters to every subscribed alumnus
// exactly once: the email (the edition `okaeri sync` rendered and stored
// with the send, in a frame for email clients, with a plain-text part),
// recipients (approved members with newsletter consent in the segment,
// minus the suppression list), the send job (batches of up to 1,000
// recipients recorded around every request, so a crash or a re-run never
// sends twice and never skips anyone), one-click unsubscribe, the SendGrid
// Event Webhook, and a Mailer guard that keeps transactional mail away
// from hard-bounced addresses.
//
// Reading HR's Markdown is compose's job (functions/newsletter/compose),
// which the okaeri CLI runs; this package never imports it, so the
// newsletter function does not pay for goldmark and YAML at cold start.
package newsletter

import (
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// Draft is a newsletter read from its files and rendered, as a send stores it.
type Draft struct {
	SendAt   time.Time // from the front matter; zero: send when started
	Rendered store.RenderedNewsletter
}

// Composer reads a newsletter's files' text by language ("ja", "en") and
// renders it (compose.Composer, in the okaeri CLI). Its errors name the
// files and what is wrong in them.
type Composer interface {
	Compose(slug string, sources map[string]string) (Draft, error)
}
