package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/httpapi"
)

// cmdMember runs `okaeri member add ...`: HR adds and approves a person by
// hand, for alumni who left before the roster begins.
func cmdMember(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "directory-defaults" {
		return cmdDirectoryDefaults(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(e.Stderr, "usage: okaeri member add --email E --name N --department D --joined YYYY-MM --left YYYY-MM [--kana K] [--employee-number X] [--language ja|en]")
		return errUsage
	}
	fs := flag.NewFlagSet("member add", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	var in account.RegisterInput
	fs.StringVar(&in.Email, "email", "", "email address")
	fs.StringVar(&in.Name, "name", "", "name")
	fs.StringVar(&in.Kana, "kana", "", "name in kana")
	fs.StringVar(&in.Department, "department", "", "department")
	fs.StringVar(&in.Joined, "joined", "", "month joined, YYYY-MM")
	fs.StringVar(&in.Left, "left", "", "month left, YYYY-MM")
	fs.StringVar(&in.EmployeeNumber, "employee-number", "", "employee number")
	fs.StringVar(&in.Language, "language", "ja", "ja or en")
	data := fs.String("data", ".okaeri", "data folder")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
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
	m, err := a.Accounts.AddMember(ctx, in, "hr:cli")
	if err != nil {
		p := httpapi.ProblemFor(err, httpapi.LangEN)
		for _, f := range p.Errors {
			fmt.Fprintf(e.Stderr, "--%s: %s\n", f.Field, f.Message)
		}
		return fmt.Errorf("%s", p.Title)
	}
	fmt.Fprintf(e.Stdout, "member %s added and approved; an approval email was sent\n", m.ID)
	return nil
}

// cmdDirectoryDefaults runs `okaeri member directory-defaults [--dry-run]`:
// once after upgrading, members who never chose what the directory shows
// get its defaults (name, department, years), and nobody else changes
// (account.MigrateDirectoryDefaults).
func cmdDirectoryDefaults(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("member directory-defaults", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	dry := fs.Bool("dry-run", false, "only count")
	data := fs.String("data", ".okaeri", "data folder")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
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
	rep, err := a.Accounts.MigrateDirectoryDefaults(ctx, *dry)
	if err != nil {
		return fmt.Errorf("directory defaults: %w", err)
	}
	verb := "given"
	if *dry {
		verb = "would get"
	}
	fmt.Fprintf(e.Stdout, "directory defaults: %d members read; %d never chose and %s the defaults (department, years); %d had chosen and keep their choice\n",
		rep.Read, rep.Defaulted, verb, rep.Marked)
	return nil
}
