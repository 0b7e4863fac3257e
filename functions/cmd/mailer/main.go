// Command mailer is the mail queue's sender as a Lambda: the other
// functions queue account mail in the table and answer at once
// (functions/mail/queue); this one sends it through SendGrid. The table's
// stream starts it on each new queue item, and a schedule every 5 minutes
// sends what is due for a retry or what a crashed run left. No route.
package main

import (
	"context"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() {
	boot.RunJobs("mailer", core.Options{}, func(_ context.Context, c *core.Core) ([]lambda.Task, error) {
		drain := lambda.Task{Name: lambda.JobMailDrain, Stream: true, Run: func(ctx context.Context) (any, error) {
			return c.MailSender.Drain(ctx)
		}}
		return []lambda.Task{drain}, nil
	})
}
