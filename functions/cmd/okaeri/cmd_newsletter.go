package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/newsletter/compose"
	"github.com/okaeri/okaeri/functions/store"
)

const newsletterUsage = `usage: okaeri newsletter COMMAND [flags]

  send SLUG [--dry-run] [--limit N] [--now] [--resend-uncertain] [--take-over]
        send content/newsletters/SLUG.md to every subscribed member, exactly once;
        a re-run continues where a stopped or crashed run left off
  sync      put every newsletter under content/newsletters/ in the store, rendered
            for email (HR can then check and start it at /hr/newsletters/SLUG)
  check     validate every newsletter (front matter, segment, rendering)
  status [SLUG]   sends and their reports
  run-due   run sends whose send_at has come and resume interrupted ones
  preview SLUG [--lang ja|en] [--out FILE.html]   write the rendered email

common flags: --content DIR (default content), --data DIR (default .okaeri)
`

// cmdNewsletter runs `okaeri newsletter ...`.
func cmdNewsletter(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.Stderr, newsletterUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("newsletter "+sub, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() { fmt.Fprint(e.Stderr, newsletterUsage) }
	contentDir := fs.String("content", "content", "content `folder`")
	data := fs.String("data", ".okaeri", "data folder")
	dry := fs.Bool("dry-run", false, "count and render; send and store nothing")
	limit := fs.Int("limit", 0, "send to at most N new recipients in this run, then pause")
	now := fs.Bool("now", false, "send now even if send_at is later")
	resend := fs.Bool("resend-uncertain", false, "send again the batches whose request may or may not have reached SendGrid (check SendGrid's Activity first)")
	takeOver := fs.Bool("take-over", false, "take the send over from a run that crashed without waiting for its lease to run out")
	lang := fs.String("lang", "ja", "preview language: ja or en")
	out := fs.String("out", "", "preview: write the HTML to this file (default: stdout)")
	// Flags may come after the slug: okaeri newsletter send autumn --dry-run.
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		args = fs.Args()
		if len(args) > 0 {
			positional = append(positional, args[0])
			args = args[1:]
		}
	}
	slug := ""
	if len(positional) > 0 {
		slug = positional[0]
	}
	needSlug := func() error {
		if slug == "" || len(positional) > 1 {
			fmt.Fprint(e.Stderr, newsletterUsage)
			return errUsage
		}
		return nil
	}

	switch sub {
	case "check":
		return newsletterCheck(e, *contentDir)
	case "preview":
		if err := needSlug(); err != nil {
			return err
		}
		return newsletterPreview(e, *contentDir, slug, store.Language(*lang), *out)
	case "send", "sync", "status", "run-due":
	default:
		fmt.Fprintf(e.Stderr, "okaeri newsletter: unknown command %q\n", sub)
		fmt.Fprint(e.Stderr, newsletterUsage)
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
	svc := a.Newsletters

	switch sub {
	case "sync":
		written, err := compose.Sync(ctx, svc, *contentDir)
		fmt.Fprintf(e.Stdout, "newsletters: %d stored or updated (%s)\n", len(written), strings.Join(written, ", "))
		return err
	case "status":
		return newsletterStatus(ctx, e, a.Store, slug)
	case "run-due":
		sends, err := svc.RunDue(ctx)
		for _, v := range sends {
			printReport(e.Stdout, store.NewsletterSend{Slug: v.Slug, Status: v.Status, SendAt: v.SendAt, Report: v.Report, Error: v.Error})
		}
		if len(sends) == 0 && err == nil {
			fmt.Fprintln(e.Stdout, "no newsletter is due")
		}
		return err
	}
	// send
	if err := needSlug(); err != nil {
		return err
	}
	// The newsletter as it is in content/ now: stored (rendered) if the
	// send has not started; a started send keeps its words.
	sources, err := compose.ReadSources(*contentDir, slug)
	if err != nil {
		return err
	}
	if _, err := svc.Prepare(ctx, compose.For(svc), slug, sources, "cli"); err != nil {
		return err
	}
	opt := newsletter.RunOptions{DryRun: *dry, Limit: *limit, IgnoreSendAt: *now, ResendUncertain: *resend, TakeOver: *takeOver, Actor: "cli"}
	if !*dry && isTerminal(e.Stdout) {
		if plan, err := svc.Send(ctx, slug, newsletter.RunOptions{DryRun: true, Limit: *limit}); err == nil {
			bar := &progressBar{w: e.Stdout, total: plan.Report.Sent + plan.Report.Pending + plan.Report.Uncertain, start: time.Now()}
			opt.Progress = bar.update
			defer bar.finish()
		}
	}
	send, err := svc.Send(ctx, slug, opt)
	if *dry {
		r := send.Report
		fmt.Fprintf(e.Stdout, "%s (dry run): %d recipients, %d already sent, %d suppressed, %d to send in at least %d requests\n",
			slug, r.Recipients, r.Sent, r.Suppressed, r.Pending, r.Requests)
		return err
	}
	if send.Slug != "" {
		printReport(e.Stdout, send)
	}
	if errors.Is(err, newsletter.ErrRunning) {
		return fmt.Errorf("%w (a crashed run holds it until its lease runs out, at most 2 minutes; or use --take-over if you are sure no other process is sending it)", err)
	}
	if err == nil && send.Status == store.SendFailed {
		return exitError{code: 1}
	}
	return err
}

// printReport prints the final report stored with a send.
func printReport(w io.Writer, s store.NewsletterSend) {
	r := s.Report
	switch s.Status {
	case store.SendScheduled:
		fmt.Fprintf(w, "%s: scheduled for %s (okaeri newsletter run-due, or the scheduler on AWS, sends it then; --now sends it at once)\n",
			s.Slug, s.SendAt.In(tokyo()).Format("2006-01-02 15:04 MST"))
		return
	}
	fmt.Fprintf(w, "%s: %s — sent %d, suppressed %d, failed %d, uncertain %d (recipients %d, %d batches, %d requests)\n",
		s.Slug, s.Status, r.Sent, r.Suppressed, r.Failed, r.Uncertain, r.Recipients, r.Batches, r.Requests)
	if s.Error != "" {
		fmt.Fprintf(w, "  %s\n", s.Error)
	}
	if r.Uncertain > 0 {
		fmt.Fprintf(w, "  %d recipients are in batches whose request may or may not have reached SendGrid; they are never resent by themselves.\n"+
			"  SendGrid's events mark them sent when they arrive; otherwise check SendGrid's Activity feed and run\n"+
			"  okaeri newsletter send %s --resend-uncertain\n", r.Uncertain, s.Slug)
	}
}

func tokyo() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*3600)
}

func newsletterStatus(ctx context.Context, e *env, st store.Store, slug string) error {
	var sends []store.NewsletterSend
	if slug != "" {
		s, err := st.GetNewsletterSend(ctx, slug)
		if err != nil {
			return err
		}
		sends = []store.NewsletterSend{s}
	} else {
		var err error
		if sends, err = st.ListNewsletterSends(ctx); err != nil {
			return err
		}
	}
	if len(sends) == 0 {
		fmt.Fprintln(e.Stdout, "no newsletters in the store (okaeri newsletter sync)")
	}
	for _, s := range sends {
		printReport(e.Stdout, s)
	}
	return nil
}

func newsletterCheck(e *env, dir string) error {
	slugs, err := compose.List(dir)
	if err != nil {
		return err
	}
	bad := 0
	for _, slug := range slugs {
		n, _, err := compose.Load(dir, slug)
		if err == nil {
			_, err = compose.Render(n, "https://example.invalid")
		}
		if err != nil {
			bad++
			for _, line := range strings.Split(err.Error(), "\n") {
				fmt.Fprintf(e.Stdout, "%s/%s/%s\n", dir, compose.Dir, line)
			}
		}
	}
	fmt.Fprintf(e.Stdout, "newsletters: %d checked, %d with problems\n", len(slugs), bad)
	if bad > 0 {
		return exitError{code: 1}
	}
	return nil
}

func newsletterPreview(e *env, dir, slug string, lang store.Language, out string) error {
	n, _, err := compose.Load(dir, slug)
	if err != nil {
		return err
	}
	cfg, err := config.Load(e.Getenv, ".okaeri")
	if err != nil {
		return err
	}
	rendered, err := compose.Render(n, cfg.BaseURL)
	if err != nil {
		return err
	}
	em, err := newsletter.Render(rendered, lang, newsletter.RenderConfig{BaseURL: cfg.BaseURL, Sender: cfg.MailFromName, Company: brand.Sample()})
	if err != nil {
		return err
	}
	html := em.Sample(cfg.BaseURL).HTML
	if out == "" {
		_, err = io.WriteString(e.Stdout, html)
		return err
	}
	if err := os.WriteFile(out, []byte(html), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: %s\n", out, em.Subject)
	return nil
}

// isTerminal reports whether w is a terminal: the progress bar is drawn
// only there, never into a log file or a pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one line with \r as batches finish.
type progressBar struct {
	w     io.Writer
	total int
	start time.Time
	mu    sync.Mutex
	last  newsletter.Progress
}

func (p *progressBar) update(pr newsletter.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = pr
	done := pr.Sent + pr.Failed + pr.Uncertain
	const width = 30
	filled := width
	if p.total > 0 {
		filled = min(done*width/p.total, width)
	}
	fmt.Fprintf(p.w, "\rsending [%s%s] %d/%d sent, %d failed, %d uncertain, %s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), pr.Sent, p.total, pr.Failed, pr.Uncertain,
		time.Since(p.start).Round(time.Second))
}

func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\033[K\r")
}
