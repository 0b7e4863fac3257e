// Package newsletters builds the newsletter service (sends, unsubscribe,
// SendGrid's event webhook) on the core. It is its own package so that the
// newsletter Lambda links no other feature; functions/app uses it too.
package newsletters

import (
	"fmt"
	"os"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/newsletter"
)

// New builds the service on the core's store, keys and bulk sender.
// Locally (not on AWS Lambda) HR's "send" runs the job in this process; on
// Lambda the scheduled newsletter function runs it (the Lambda runtime
// sets AWS_LAMBDA_FUNCTION_NAME).
func New(c *core.Core) (*newsletter.Service, error) {
	cfg := c.Config
	var verifier *sendgrid.WebhookVerifier
	if cfg.SendGridWebhookKey != "" {
		v, err := sendgrid.NewWebhookVerifier(cfg.SendGridWebhookKey)
		if err != nil {
			return nil, fmt.Errorf("OKAERI_SENDGRID_WEBHOOK_KEY: %w", err)
		}
		verifier = v
	}
	s := newsletter.New(c.Store, c.Bulk, c.Keys, newsletter.Config{
		BaseURL: cfg.BaseURL, From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom},
		Concurrency: cfg.NewsletterConcurrency, Webhook: verifier,
		Background: os.Getenv("AWS_LAMBDA_FUNCTION_NAME") == "",
	}, c.Log)
	s.Company = c.Company
	return s, nil
}
