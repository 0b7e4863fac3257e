// Command prefs is the preferences function as a Lambda. It touches no
// table and no secret, so it builds its handler alone instead of the app.
package main

import (
	"os"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/prefs"
)

func main() {
	log := lambda.Logger(os.Getenv("OKAERI_LOG_LEVEL"))
	h, err := lambda.Handler("prefs", (&prefs.Handler{Log: log, Secure: true}).Routes(), log)
	if err != nil {
		lambda.Exit(log, err)
	}
	lambda.Start(h, log)
}
