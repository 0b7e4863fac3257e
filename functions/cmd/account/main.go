// Command account is the accounts function as a Lambda: registration,
// login (with CloudFront signed cookies), the member's data, preferences
// and erasure, HR's approvals and console. Erasure and export reach every
// feature's data, so it builds the whole app; profiles (whose bios are
// rendered when saved, with goldmark) and the directory are the directory
// function's.
package main

import (
	"context"
	"net/http"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() {
	boot.Run("account", core.Options{}, func(ctx context.Context, c *core.Core, opt core.Options) (map[string]http.Handler, []lambda.Task, error) {
		a, err := app.FromCore(ctx, c, opt)
		if err != nil {
			return nil, nil, err
		}
		// Only the accounts' routes: the other features' handlers (and
		// their pages) are the other functions' and would only add size.
		lifecycle := lambda.Task{Name: lambda.JobLifecycle, Run: func(ctx context.Context) (any, error) {
			return a.Accounts.RunLifecycle(ctx)
		}}
		return account.Handler{S: a.Accounts}.Routes(), []lambda.Task{lifecycle}, nil
	})
}
