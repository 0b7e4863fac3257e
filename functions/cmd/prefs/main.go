// Command prefs is the preferences function as a Lambda.
package main

import (
	"log/slog"
	"os"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/prefs"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	lambda.Start(&prefs.Handler{Log: log, Secure: true})
}
