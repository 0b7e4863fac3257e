package app

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/newsletter"
)

// sendGridMail is the SendGrid engine for both kinds of mail: one client
// sends transactional messages and newsletter batches.
func sendGridMail(cfg config.Config, log *slog.Logger) (mail.Mailer, mail.BulkSender, error) {
	c, err := sendgrid.New(sendgrid.Config{APIKey: cfg.SendGridAPIKey, BaseURL: cfg.SendGridURL, Log: log})
	if err != nil {
		return nil, nil, err
	}
	return c, c, nil
}

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
	a.Newsletters = newsletter.New(a.Store, a.bulk, a.Keys, newsletter.Config{
		BaseURL: cfg.BaseURL, From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom},
		Concurrency: cfg.NewsletterConcurrency, Webhook: verifier,
		Background: os.Getenv("AWS_LAMBDA_FUNCTION_NAME") == "",
	}, a.Log)
	a.Accounts.Erasers = append(a.Accounts.Erasers, a.Newsletters)
	a.Accounts.Exporters = append(a.Accounts.Exporters, a.Newsletters)
	return nil
}
