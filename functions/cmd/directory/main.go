// Command directory is the members' directory as a Lambda: the directory
// page and API, and contact requests, on the core alone (store, mail,
// sessions, accounts). Bios are shown as they were rendered when saved
// (store.Profile.BioHTML), so this function does not link goldmark.
package main

import (
	"context"
	"net/http"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() {
	boot.Run("directory", core.Options{}, func(_ context.Context, c *core.Core, _ core.Options) (map[string]http.Handler, []lambda.Task, error) {
		return account.Handler{S: c.Accounts}.Routes(), nil, nil
	})
}
