// Package core builds what every part of Okaeri needs: the store, the
// mailer, the session keys and the accounts service (sessions, profiles,
// the directory). Package app adds the feature services on top of it.
// A Lambda that serves only accounts' routes (the directory) builds core
// alone, so that it does not link, initialise and wire jobs, events and
// newsletters at every cold start.
package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/edge"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/guard"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/mail/queue"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/engine"
)

// Options are what the process decides beyond environment variables.
type Options struct {
	DataDir string // local data folder (bolt file, outbox, session key)
	Dev     bool   // plain-http cookies
	// AWS finds the region and credentials for DynamoDB and S3: nil is the
	// Lambda environment (awsenv.FromEnv); the okaeri command passes the
	// SDK's default chain (awsenv/chain), which Lambdas do not link.
	AWS awsenv.Loader
}

// Core is the configured base of Okaeri.
type Core struct {
	Config    config.Config
	Store     store.Store
	Mailer    mail.Mailer     // transactional mail, skipping hard-bounced addresses
	Bulk      mail.BulkSender // newsletter batches: SendGrid, or the outbox one by one
	Keys      *auth.Keyring
	Accounts  *account.Service
	OutboxDir string
	Log       *slog.Logger
	Secure    bool

	// MailSender sends what the accounts service queued (functions/mail/queue).
	MailSender *queue.Sender

	// Site is the page frame and the company that `okaeri sync` published
	// from the built site, read from the store on the first page and then
	// at most once a minute (functions/brand).
	Site *brand.Source
}

// Company is the company the portal belongs to, for pages and mails (see
// functions/brand): the synced site's, the sample's until one is synced.
func (c *Core) Company(ctx context.Context) brand.Company { return c.Site.Company(ctx) }

// New opens the store and builds the rest. Close releases it.
func New(ctx context.Context, cfg config.Config, opt Options, log *slog.Logger) (*Core, error) {
	c := &Core{Config: cfg, Log: log, Secure: !opt.Dev}
	st, err := engine.Open(ctx, engine.Config{Spec: cfg.Store, Region: cfg.AWSRegion, Endpoint: cfg.DynamoDBEndpoint, Log: log, AWS: opt.AWS})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	c.Store = st
	c.Site = &brand.Source{Log: log, Load: func(ctx context.Context) ([]byte, error) {
		doc, err := st.GetSiteDocument(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return doc.Data, err
	}}
	fail := func(err error) (*Core, error) {
		st.Close()
		return nil, err
	}
	switch cfg.Mail {
	case "outbox":
		c.OutboxDir = filepath.Join(opt.DataDir, "outbox")
		if c.Mailer, err = outbox.New(c.OutboxDir, log); err != nil {
			return fail(err)
		}
		c.Bulk = mail.OneByOne{Mailer: c.Mailer}
	case "sendgrid":
		// One client sends transactional messages and newsletter batches.
		sg, err := sendgrid.New(sendgrid.Config{APIKey: cfg.SendGridAPIKey, BaseURL: cfg.SendGridURL, Log: log})
		if err != nil {
			return fail(err)
		}
		c.Mailer, c.Bulk = sg, sg
	default:
		return fail(errors.New("OKAERI_MAIL=" + cfg.Mail + " is not available yet; use outbox"))
	}
	// Transactional mail skips hard-bounced addresses.
	c.Mailer = guard.BounceGuard{Next: c.Mailer, Suppressions: st, Log: log}
	if cfg.SessionKeys != "" {
		c.Keys, err = auth.ParseKeys(cfg.SessionKeys)
	} else {
		c.Keys, err = auth.LocalKeyring(opt.DataDir)
	}
	if err != nil {
		return fail(err)
	}
	// Account mail is queued and sent after the answer: no timing oracle.
	c.MailSender = queue.NewSender(st, c.Mailer, log)
	queued := queue.NewMailer(st, c.MailSender)
	c.Accounts = account.New(st, queued, c.Keys, account.Config{
		BaseURL: cfg.BaseURL, From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom},
		PolicyVersion: cfg.PrivacyVersion, Approval: account.ApprovalMode(cfg.Approval), Admins: cfg.Admins, SecureCookies: c.Secure,
		Rules:              account.Rules{MinTenureMonths: cfg.MinTenureMonths, ExcludedDepartments: cfg.ExcludedDepartments},
		DecisionDelay:      cfg.DecisionMailDelay,
		RegisterPerAddress: account.Limit(cfg.LimitRegisterAddress), RegisterPerClient: account.Limit(cfg.LimitRegisterClient),
		LoginPerAddress: account.Limit(cfg.LimitLoginAddress), LoginPerClient: account.Limit(cfg.LimitLoginClient),
	}, log)
	c.Accounts.Company = c.Company // mails are the company's (functions/mail/mailtext)
	if cfg.CloudFrontKeyID != "" || cfg.CloudFrontPrivateKey != "" {
		signer, err := edge.New(cfg.CloudFrontKeyID, cfg.CloudFrontPrivateKey, cfg.BaseURL, c.Secure)
		if err != nil {
			return fail(err)
		}
		c.Accounts.Edge = signer
	}
	// Register and login answer before they look the address up: the
	// sender does that work after the answer (account.Tasks).
	c.Accounts.UseQueue(queued, c.MailSender)
	return c, nil
}

// Close releases the store.
func (c *Core) Close() error { return c.Store.Close() }
