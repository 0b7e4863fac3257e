// Package jobs builds the jobs service (postings, applications with
// résumés, referrals) on the core. It is its own package so that the jobs
// Lambda links no other feature; functions/app uses it too.
package jobs

import (
	"context"
	"fmt"

	"github.com/okaeri/okaeri/functions/app/core"
	blobengine "github.com/okaeri/okaeri/functions/blob/engine"
	"github.com/okaeri/okaeri/functions/job"
	"github.com/okaeri/okaeri/functions/mail"
)

// New opens the résumé store and builds the service.
func New(ctx context.Context, c *core.Core, opt core.Options) (*job.Service, error) {
	cfg := c.Config
	blobs, err := blobengine.Open(ctx, blobengine.Config{Spec: cfg.Blobs, DataDir: opt.DataDir, Region: cfg.AWSRegion, AWS: opt.AWS})
	if err != nil {
		return nil, fmt.Errorf("open blobs: %w", err)
	}
	s := job.New(c.Store, c.Store, blobs, c.Mailer, c.Accounts, job.Config{BaseURL: cfg.BaseURL,
		From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom}, Admins: cfg.Admins,
		ReferralsPerMember: job.Limit(cfg.LimitReferrals)}, c.Log)
	s.Company = c.Company
	return s, nil
}
