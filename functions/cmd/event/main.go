// Command event is the events function as a Lambda: RSVPs, the waitlist,
// calendars, check-in, and on a schedule lapsed offers and reminders (what
// `okaeri events remind` does on one machine), on the core and the events
// service only.
package main

import (
	"context"
	"net/http"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/app/events"
	"github.com/okaeri/okaeri/functions/event"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() {
	boot.Run("event", core.Options{}, func(_ context.Context, c *core.Core, _ core.Options) (map[string]http.Handler, []lambda.Task, error) {
		s := events.New(c)
		remind := lambda.Task{Name: lambda.JobEventsRemind, Run: func(ctx context.Context) (any, error) {
			offers, err := s.ExpireOffers(ctx)
			if err != nil {
				return offers, err
			}
			return s.Remind(ctx)
		}}
		return event.Handler{S: s, Accounts: c.Accounts}.Routes(), []lambda.Task{remind}, nil
	})
}
