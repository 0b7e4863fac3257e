package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/okaeri/okaeri/functions/account/bio"
	"github.com/okaeri/okaeri/functions/awsenv/chain"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/engine"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

// cmdStore runs `okaeri store create-table | export [--out FILE] | import [--in FILE]`
// against the store named by OKAERI_STORE.
func cmdStore(ctx context.Context, e *env, args []string) error {
	usage := func() {
		fmt.Fprint(e.Stderr, `usage: okaeri store SUBCOMMAND [flags]

  create-table         create the DynamoDB table (or the bolt file); safe to run again
  export [--out FILE]  write every record as JSON Lines (default: stdout)
  import [--in FILE]   read JSON Lines written by export (default: stdin); safe to run again

The store is OKAERI_STORE (bolt:PATH or dynamo:TABLE, default bolt in the data folder).
Flags: --data DIR (data folder, default .okaeri)
`)
	}
	if len(args) == 0 {
		usage()
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("store "+sub, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = usage
	data := fs.String("data", ".okaeri", "data folder: embedded store and outbox")
	var file *string
	switch sub {
	case "create-table":
	case "export":
		file = fs.String("out", "", "file to write (default: stdout)")
	case "import":
		file = fs.String("in", "", "file to read (default: stdin)")
	case "help", "-h", "--help":
		usage()
		return flag.ErrHelp
	default:
		fmt.Fprintf(e.Stderr, "okaeri store: unknown subcommand %q\n", sub)
		usage()
		return errUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Stderr, "okaeri store %s: unexpected argument %q\n", sub, fs.Arg(0))
		return errUsage
	}
	cfg, err := config.Load(e.Getenv, *data)
	if err != nil {
		return err
	}
	ecfg := engine.Config{Spec: cfg.Store, Region: cfg.AWSRegion, Endpoint: cfg.DynamoDBEndpoint, Log: e.Log, AWS: chain.Load}

	switch sub {
	case "create-table":
		msg, err := engine.Prepare(ctx, ecfg)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, msg)
		return nil
	case "export":
		return storeExport(ctx, e, ecfg, *file)
	default:
		return storeImport(ctx, e, ecfg, *file)
	}
}

func storeExport(ctx context.Context, e *env, cfg engine.Config, out string) (err error) {
	s, err := engine.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	w := e.Stdout
	var tmp *os.File
	if out != "" && out != "-" {
		// Write beside the target and rename at the end, so an interrupted
		// export never leaves a truncated file under the real name.
		tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer func() {
			if err != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		w = tmp
	}
	stats, err := jsonl.Export(ctx, s, w, time.Now(), jsonl.Options{Progress: progressWriter(e.Stderr)})
	if err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	fmt.Fprintf(e.Stderr, "exported %d records (%s)\n", stats.Total(), describeStats(stats))
	return nil
}

func storeImport(ctx context.Context, e *env, cfg engine.Config, in string) error {
	var r io.Reader = e.Stdin
	var total int64
	if in != "" && in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			total = fi.Size()
		}
		r = f
	}
	s, err := engine.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	b := &bioImport{Backup: s}
	stats, err := jsonl.Import(ctx, b, r, jsonl.Options{Progress: progressWriter(e.Stderr), Total: total})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "imported %d records (%s)\n", stats.Total(), describeStats(stats))
	if n := b.rendered.Load(); n > 0 {
		fmt.Fprintf(e.Stderr, "rendered %d bios exported without their HTML\n", n)
	}
	if n := b.tooLong.Load(); n > 0 {
		fmt.Fprintf(e.Stderr, "%d bios are too long once rendered: the directory shows them as text until their members save them again\n", n)
	}
	return nil
}

// bioImport renders, once, the bio of a member exported before bios were
// stored rendered beside their Markdown (store.Profile.BioHTML), as saving
// the profile would have: the directory renders nothing. A bio whose HTML
// would be over the store's limit is imported without it, rather than
// failing the import; the directory shows it as text.
type bioImport struct {
	store.Backup
	rendered, tooLong atomic.Int64
}

func (b *bioImport) Import(ctx context.Context, r store.Record) error {
	if m := r.Member; m != nil && m.Profile.Bio != "" && m.Profile.BioHTML == "" {
		h := bio.Render(m.Profile.Bio)
		if utf8.RuneCountInString(h) > store.MaxBioHTML {
			b.tooLong.Add(1)
		} else {
			c := *m
			c.Profile.BioHTML = h
			r.Member = &c
			b.rendered.Add(1)
		}
	}
	return b.Backup.Import(ctx, r)
}

// progressWriter returns w if it is a terminal (where a progress bar belongs), else nil.
func progressWriter(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return w
}

// describeStats lists counts by record type, e.g. "audit 4, member 2".
func describeStats(stats jsonl.Stats) string {
	var parts []string
	for t, n := range stats {
		parts = append(parts, fmt.Sprintf("%s %d", t, n))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
