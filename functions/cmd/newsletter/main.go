// Command newsletter is the newsletter function as a Lambda: unsubscribe
// links, SendGrid's event webhook, HR's sends, and on a schedule every send
// that is due (resumed across invocations), on the core and the newsletter
// service only.
package main

import (
	"context"
	"net/http"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/app/newsletters"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
	"github.com/okaeri/okaeri/functions/newsletter"
)

func main() {
	boot.Run("newsletter", core.Options{}, func(_ context.Context, c *core.Core, _ core.Options) (map[string]http.Handler, []lambda.Task, error) {
		s, err := newsletters.New(c)
		if err != nil {
			return nil, nil, err
		}
		due := lambda.Task{Name: lambda.JobNewslettersDue, Run: func(ctx context.Context) (any, error) { return s.RunDue(ctx) }}
		return newsletter.Handler{S: s, Accounts: c.Accounts}.Routes(), []lambda.Task{due}, nil
	})
}
