package app

import (
	"fmt"
	"os"

	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/newsletter"
)

// wireNewsletters builds the newsletter service on the app's store, keys
// and bulk sender, and makes erasure reach newsletter data. Locally (not
// on AWS Lambda) HR's "send" runs the job in this process; on Lambda the
// scheduled newsletter function runs it (AWS_LAMBDA_FUNCTION_NAME is set
// by the Lambda runtime).
func (a *App) wireNewsletters(cfg config.Config) error {
	var verifier *sendgrid.WebhookVerifier
	if cfg.SendGridWebhookKey != "" {
		v, err := sendgrid.NewWebhookVerifier(cfg.SendGridWebhookKey)
		if err != nil {
			return fmt.Errorf("OKAERI_SENDGRID_WEBHOOK_KEY: %w", err)
		}
		verifier = v
	}
	a.Newsletters = newsletter.New(a.Store, a.Bulk, a.Keys, newsletter.Config{
		BaseURL: cfg.BaseURL, From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom},
		Concurrency: cfg.NewsletterConcurrency, Webhook: verifier,
		Background: os.Getenv("AWS_LAMBDA_FUNCTION_NAME") == "",
	}, a.Log)
	a.Accounts.Erasers = append(a.Accounts.Erasers, a.Newsletters)
	a.Accounts.Exporters = append(a.Accounts.Exporters, a.Newsletters)
	return nil
}
