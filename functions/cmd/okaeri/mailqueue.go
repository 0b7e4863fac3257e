package main

import (
	"context"

	"github.com/okaeri/okaeri/functions/app"
)

// startMailSender runs the mail queue's sender beside okaeri serve: it
// sends what an earlier run left at once, then what each request queues
// (the queue's Mailer kicks it) and retries every few seconds. stop ends
// it and waits; App.Close then sends what came in meanwhile.
func startMailSender(ctx context.Context, a *app.App) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.MailSender.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
