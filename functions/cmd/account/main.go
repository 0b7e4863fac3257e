// Command account is the accounts function as a Lambda: registration,
// login (with CloudFront signed cookies), the member's data, HR's approvals,
// and the profile and directory pages, whose bios it renders.
package main

import (
	"github.com/okaeri/okaeri/functions/account/bio"
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/lambda/entry"
)

func main() { entry.Run("account", nil, app.Options{RenderBio: bio.Render}) }
