// Command okaeri is the portal's command line: it serves the portal locally
// and runs HR's and operators' jobs (content check, sync, store, roster ...).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/okaeri/okaeri/functions/account/bio"
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/awsenv/chain"
	"github.com/okaeri/okaeri/functions/config"
)

// env is what every subcommand gets from the process: streams and configuration.
type env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Log    *slog.Logger
	// shared is the app of the okaeri serve this command runs inside
	// (control.go); nil when the command opens the store itself.
	shared *app.App
}

// command is one subcommand of the CLI.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// errUsage marks a usage mistake: the subcommand already printed why.
var errUsage = errors.New("usage")

// exitError carries a specific exit status (for example "content check found problems").
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func commands() map[string]command {
	return map[string]command{
		"serve":     {"serve the built site and /api/* on one port", cmdServe},
		"content":   {"check HR's content: okaeri content check [--dir content]", cmdContent},
		"store":     {"create-table | export | import: manage the store", cmdStore},
		"roster":    {"import HR's leaver roster: okaeri roster import [--dry-run] FILE.csv", cmdRoster},
		"member":    {"add ... (a person by hand) | directory-defaults [--dry-run] (once after upgrading)", cmdMember},
		"admin":     {"grant | revoke EMAIL|ID | list: HR administrators (the role is a record, audited)", cmdAdmin},
		"demo":      {"add fictional members for local development (idempotent)", cmdDemo},
		"sync":      {"put content's events (capacity, deadlines) into the store: okaeri sync [--dir content]", cmdSync},
		"events":    {"remind | expire-offers | invite EVENT: scheduled events jobs and invitations", cmdEvents},
		"lifecycle": {"run: the lifecycle mails due (profile nudge, yearly check), once each", cmdLifecycle},

		"newsletter": {"send SLUG [--dry-run] [--limit N] | sync | check | status | run-due | preview: newsletters", cmdNewsletter},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Log: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, e *env) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.Stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.Stderr, "okaeri: unknown command %q\n", args[0])
		usage(e.Stderr, cmds)
		return 2
	}
	if e.shared == nil && forwardable(args[0]) && !isHelp(args[1:]) {
		// A running okaeri serve holds the embedded store: run it there.
		code, err := forward(ctx, e, dataFlag(args[1:]), args)
		switch {
		case err == nil:
			return code
		case !errors.Is(err, errNoServer):
			fmt.Fprintf(e.Stderr, "okaeri %s: %v\n", args[0], err)
			return 1
		}
	}
	err := c.run(ctx, e, args[1:])
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(e.Stderr, "okaeri %s: %v\n", args[0], err)
		return 1
	}
}

func isHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: okaeri COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, cmds[n].summary)
	}
}

// newApp is app.New for the okaeri command: its AWS clients use the SDK's
// whole default chain (profiles, SSO, instance roles), which the Lambdas
// leave out to start faster (functions/awsenv).
func (e *env) newApp(ctx context.Context, cfg config.Config, opt app.Options) (*app.App, error) {
	if e.shared != nil {
		return e.shared.Borrow(), nil
	}
	return newApp(ctx, cfg, opt, e.Log)
}

func newApp(ctx context.Context, cfg config.Config, opt app.Options, log *slog.Logger) (*app.App, error) {
	opt.AWS = chain.Load
	a, err := app.New(ctx, cfg, opt, log)
	if err != nil {
		return nil, err
	}
	// Members save their profiles through `okaeri serve`, so bios are
	// rendered here, once, when saved (on AWS, in the directory function).
	a.Accounts.Config.RenderBio = bio.Render
	return a, nil
}
