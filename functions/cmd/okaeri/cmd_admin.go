package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// cmdAdmin runs `okaeri admin grant|revoke EMAIL|ID` and `okaeri admin
// list`: the operator grants or revokes HR's role. The role is a record on
// the member, audited; it never follows from an address.
func cmdAdmin(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "grant" && args[0] != "revoke") {
		fmt.Fprintln(e.Stderr, "usage: okaeri admin grant EMAIL|ID | revoke EMAIL|ID | list [--data DIR]")
		return errUsage
	}
	verb := args[0]
	fs := flag.NewFlagSet("admin "+verb, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	data := fs.String("data", ".okaeri", "data folder")
	// The member may come before or after the flags.
	rest := args[1:]
	var who string
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		who, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if who == "" && fs.NArg() > 0 {
		who = fs.Arg(0)
	}
	if verb != "list" && who == "" {
		fmt.Fprintf(e.Stderr, "usage: okaeri admin %s EMAIL|ID\n", verb)
		return errUsage
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
	if verb == "list" {
		admins, err := a.Store.ListMembersByRole(ctx, store.RoleHR)
		if err != nil {
			return err
		}
		for _, m := range admins {
			fmt.Fprintf(e.Stdout, "%s\t%s\n", m.ID, m.Email)
		}
		fmt.Fprintf(e.Stdout, "%d HR administrator(s)\n", len(admins))
		return nil
	}
	m, err := a.Accounts.SetRole(ctx, "operator", who, store.RoleHR, verb == "grant")
	if err != nil {
		return fmt.Errorf("%s", httpapi.ProblemFor(err, httpapi.LangEN).Detail)
	}
	if verb == "grant" {
		fmt.Fprintf(e.Stdout, "member %s is an HR administrator\n", m.ID)
	} else {
		fmt.Fprintf(e.Stdout, "member %s is no longer an HR administrator\n", m.ID)
	}
	return nil
}
