// Command event is the events function as a Lambda: RSVPs, the waitlist,
// calendars, check-in, and on a schedule lapsed offers and reminders (what
// `okaeri events remind` does on one machine).
package main

import (
	"context"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/entry"
)

func main() {
	entry.Run("event", func(a *app.App) []lambda.Task {
		return []lambda.Task{{Name: lambda.JobEventsRemind, Run: func(ctx context.Context) (any, error) {
			offers, err := a.Events.ExpireOffers(ctx)
			if err != nil {
				return offers, err
			}
			return a.Events.Remind(ctx)
		}}}
	}, app.Options{})
}
