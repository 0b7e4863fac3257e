// Command directory is the members' directory as a Lambda: the directory
// page and API, and contact requests, on the core alone (store, mail,
// sessions, accounts). Bios are rendered by the render function
// (OKAERI_BIO_RENDERER), so that this one does not link goldmark.
package main

import (
	"context"
	"net/http"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/account/biorender"
	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() {
	boot.Run("directory", core.Options{}, func(ctx context.Context, c *core.Core, _ core.Options) (map[string]http.Handler, []lambda.Task, error) {
		if c.Config.BioRenderer != "" {
			awsCfg, err := awsenv.Load(ctx, awsenv.FromEnv, awsenv.Options{Region: c.Config.AWSRegion})
			if err != nil {
				return nil, nil, err
			}
			c.Accounts.Config.RenderBios = biorender.New(awsCfg, c.Config.BioRenderer).Render
		}
		return account.Handler{S: c.Accounts}.Routes(), nil, nil
	})
}
