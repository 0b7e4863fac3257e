// Command cms is HR's Decap CMS as a Lambda: the /admin/ page and its
// configuration on Decap's GitHub backend (every change a pull request),
// and Okaeri's own OAuth exchange with GitHub (/api/cms/auth and
// /api/cms/callback), on the core alone: it checks HR's sessions and keeps
// each login's state in the table. It sends no mail.
package main

import (
	"context"
	"net/http"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/cms"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() {
	boot.Run("cms", core.Options{}, func(_ context.Context, c *core.Core, _ core.Options) (map[string]http.Handler, []lambda.Task, error) {
		return cms.GitHubRoutes(c.Accounts, c.Store, c.Config, c.Log), nil, nil
	})
}
