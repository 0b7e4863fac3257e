// Command directory is the members' profiles and directory as a Lambda:
// the profile page and its saving (PATCH /api/me/profile), the directory
// page and API, and contact requests, on the core alone (store, mail,
// sessions, accounts). It renders a bio once, when it is saved, and
// stores the HTML beside it (store.Profile.BioHTML), so it is the one
// function that links goldmark (functions/account/bio): the accounts
// function, whose registration and login every member goes through, does
// not pay for goldmark's package init.
package main

import (
	"context"
	"net/http"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/account/bio"
	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() {
	boot.Run("directory", core.Options{}, func(_ context.Context, c *core.Core, _ core.Options) (map[string]http.Handler, []lambda.Task, error) {
		c.Accounts.Config.RenderBio = bio.Render
		return account.Handler{S: c.Accounts}.Routes(), nil, nil
	})
}
