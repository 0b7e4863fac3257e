// Command directory is the members' directory as a Lambda: the directory
// page and API, whose bios it renders from Markdown, and contact requests.
// It is built on the core alone (store, mail, sessions, accounts), and is
// the one function that links goldmark.
package main

import (
	"github.com/okaeri/okaeri/functions/account/bio"
	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() { boot.Run("directory", core.Options{RenderBio: bio.Render}, boot.Accounts) }
