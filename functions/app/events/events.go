// Package events builds the events service (RSVPs, the waitlist,
// reminders, check-in) on the core. It is its own package so that the
// events Lambda links no other feature; functions/app uses it too.
package events

import (
	"time"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/event"
	"github.com/okaeri/okaeri/functions/mail"
)

// New builds the service.
func New(c *core.Core) *event.Service {
	cfg := c.Config
	s := event.New(c.Store, c.Mailer, c.Keys, event.Config{BaseURL: cfg.BaseURL,
		From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom}, OfferTTL: time.Duration(cfg.OfferHours) * time.Hour}, c.Log)
	s.Company = c.Company
	return s
}
