// Command account is the accounts function as a Lambda: registration,
// login (with CloudFront signed cookies), the member's data and profile,
// HR's approvals. The directory, which renders bios, is its own function.
package main

import (
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/lambda/entry"
)

func main() { entry.Run("account", nil, app.Options{}) }
