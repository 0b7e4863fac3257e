package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/okaeri/okaeri/functions/content"
)

// cmdContent runs `okaeri content check [--dir content]`: it prints each
// problem as file:line: message (for editors and CI logs) and exits 1 on any.
func cmdContent(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(e.Stderr, "usage: okaeri content check [--dir content]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errUsage
	}
	flags := flag.NewFlagSet("content check", flag.ContinueOnError)
	flags.SetOutput(e.Stderr)
	dir := flags.String("dir", "content", "content `folder` to check")
	if err := flags.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(e.Stderr, "okaeri content check: unexpected argument %q\n", flags.Arg(0))
		return errUsage
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	catalog, problems, err := content.Load(*dir)
	if err != nil {
		return err // names the folder already
	}
	for _, p := range problems { // already sorted by file, then line
		fmt.Fprintln(e.Stdout, p)
	}
	fmt.Fprintf(e.Stderr, "content check: %d files, %d problems\n", len(catalog.Pages), len(problems))
	if len(problems) > 0 {
		return exitError{code: 1}
	}
	return nil
}
