package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/roster"
	"github.com/okaeri/okaeri/functions/store"
)

// cmdRoster runs `okaeri roster import FILE.csv [--dry-run]`.
func cmdRoster(ctx context.Context, e *env, args []string) error {
	usage := func() {
		fmt.Fprint(e.Stderr, `usage: okaeri roster import [--dry-run] [--data DIR] FILE.csv

Imports HR's leaver roster into the store (UTF-8 or Shift_JIS CSV; columns:
employee_number/社員番号, email/メールアドレス (optional), name/氏名,
department/部署, joined/入社年月, left/退職年月). Each bad line is reported
with its number; --dry-run only checks and counts.
`)
	}
	if len(args) == 0 || args[0] != "import" {
		usage()
		return errUsage
	}
	fs := flag.NewFlagSet("roster import", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = usage
	dry := fs.Bool("dry-run", false, "check and count, write nothing")
	data := fs.String("data", ".okaeri", "data folder")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		usage()
		return errUsage
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	entries, bad, enc, err := roster.Parse(f)
	if err != nil {
		return err
	}
	for _, b := range bad {
		fmt.Fprintf(e.Stdout, "%s:%d: %s\n", fs.Arg(0), b.Line, b.Message)
	}
	if *dry {
		fmt.Fprintf(e.Stdout, "roster (%s): %d valid, %d invalid (dry run: nothing written)\n", enc, len(entries), len(bad))
		if len(bad) > 0 {
			return exitError{code: 1}
		}
		return nil
	}
	cfg, err := config.Load(e.Getenv, *data)
	if err != nil {
		return err
	}
	a, err := e.newApp(ctx, cfg, app.Options{DataDir: *data})
	if err != nil {
		return err
	}
	defer a.Close()
	now := time.Now()
	written, failed := 0, 0
	for _, en := range entries {
		err := a.Store.PutRosterEntry(ctx, store.RosterEntry{EmployeeNumber: en.EmployeeNumber, Email: en.Email, Name: en.Name,
			Department: en.Department, Joined: en.Joined, Left: en.Left, ImportedAt: now})
		if err != nil {
			failed++
			fmt.Fprintf(e.Stdout, "%s: employee %s: %v\n", fs.Arg(0), en.EmployeeNumber, errors.Unwrap(err))
			continue
		}
		written++
	}
	fmt.Fprintf(e.Stdout, "roster (%s): %d imported, %d invalid lines, %d refused by the store\n", enc, written, len(bad), failed)
	if len(bad) > 0 || failed > 0 {
		return exitError{code: 1}
	}
	return nil
}
