// Command newsletter is the newsletter function as a Lambda: unsubscribe
// links, SendGrid's event webhook, HR's sends, and on a schedule every send
// that is due (resumed across invocations).
package main

import (
	"context"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/entry"
)

func main() {
	entry.Run("newsletter", func(a *app.App) []lambda.Task {
		return []lambda.Task{{Name: lambda.JobNewslettersDue, Run: func(ctx context.Context) (any, error) {
			return a.Newsletters.RunDue(ctx)
		}}}
	}, app.Options{})
}
