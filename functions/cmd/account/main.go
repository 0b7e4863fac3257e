// Command account is the accounts function as a Lambda: registration,
// login (with CloudFront signed cookies), the member's data, HR's approvals.
package main

import "github.com/okaeri/okaeri/functions/lambda/entry"

func main() { entry.Run("account", nil) }
