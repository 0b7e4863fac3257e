package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/httpapi"
)

// cmdEvents runs the scheduled events jobs and HR's invitations:
//
//	okaeri events remind          lapse expired offers, offer their seats, remind tomorrow's attendees
//	okaeri events expire-offers   lapse expired offers and offer their seats to the next in line
//	okaeri events invite ID       email approved members an RSVP link that needs no login (once each)
//
// remind and expire-offers are safe to run as often as a scheduler likes:
// each reminder goes out once, and an offer lapses once.
func cmdEvents(ctx context.Context, e *env, args []string) error {
	usage := func() {
		fmt.Fprint(e.Stderr, `usage: okaeri events remind [--data DIR]
       okaeri events expire-offers [--data DIR]
       okaeri events invite [--dry-run] [--data DIR] EVENT_ID
`)
	}
	if len(args) == 0 {
		usage()
		return errUsage
	}
	verb := args[0]
	fs := flag.NewFlagSet("events "+verb, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = usage
	data := fs.String("data", ".okaeri", "data folder")
	dry := fs.Bool("dry-run", false, "invite: count, send nothing")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	wantArgs := 0
	switch verb {
	case "remind", "expire-offers":
	case "invite":
		wantArgs = 1
	default:
		usage()
		return errUsage
	}
	if fs.NArg() != wantArgs {
		usage()
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
	switch verb {
	case "invite":
		rep, err := a.Events.Invite(ctx, fs.Arg(0), *dry)
		if err != nil {
			return fmt.Errorf("%s", httpapi.ProblemFor(err, httpapi.LangEN).Detail)
		}
		what := "invited"
		if *dry {
			what = "would be invited (dry run: nothing sent)"
		}
		fmt.Fprintf(e.Stdout, "events invite: %d members %s, %d already invited before, %d skipped (no consent to event invitations, or already RSVPed)\n",
			rep.Sent, what, rep.Already, rep.Skipped)
		return nil
	default:
		rep, err := a.Events.ExpireOffers(ctx)
		fmt.Fprintln(e.Stdout, "events expire-offers: "+rep.OffersLine())
		if err != nil {
			return err
		}
		if verb == "remind" {
			rep, err = a.Events.Remind(ctx)
			fmt.Fprintln(e.Stdout, "events remind: "+rep.RemindersLine())
		}
		return err
	}
}
