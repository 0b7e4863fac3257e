// Command benchsite measures what the portal's Hugo theme costs: it generates
// a content folder of N pages (10,000 by default) shaped like HR's content,
// builds it once with the real theme (site/) and once with a bare one-line
// layout, in the same run and with the same pinned Hugo and flags, and prints
// milliseconds per page for each and their ratio. It exits 1 when the ratio
// is above -max-ratio, so `make bench` shows a regression.
//
//	go run ./functions/site/benchsite [-pages 10000] [-max-ratio 2.0] [-keep]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	pages := flag.Int("pages", 10000, "how many content pages to generate")
	runs := flag.Int("runs", 3, "builds of each kind; the fastest counts")
	maxRatio := flag.Float64("max-ratio", 2.0, "fail when real theme time / bare layout time is above this")
	keep := flag.Bool("keep", false, "keep the generated folder and print where it is")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *pages, *runs, *maxRatio, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench-site:", err)
		os.Exit(1)
	}
}

// errAboveTarget marks a finished measurement whose ratio missed the target.
var errAboveTarget = errors.New("ratio above target")

func run(ctx context.Context, pages, runs int, maxRatio float64, keep bool) error {
	if pages < 1 || runs < 1 {
		return errors.New("-pages and -runs must be at least 1")
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "okaeri-bench-site-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	if keep {
		fmt.Println("generated files kept in", work)
	} else {
		defer os.RemoveAll(work)
	}

	hugo, err := hugoBinary(ctx, root)
	if err != nil {
		return err
	}
	content := filepath.Join(work, "content")
	if err := generateContent(root, content, pages); err != nil {
		return fmt.Errorf("generating content: %w", err)
	}
	realSite := filepath.Join(work, "real")
	if err := copyTheme(root, realSite); err != nil {
		return err
	}
	bareSite := filepath.Join(work, "bare")
	if err := writeBareSite(bareSite); err != nil {
		return err
	}
	// Read the content once so neither build pays for a cold page cache.
	if err := warmUp(content); err != nil {
		return err
	}

	fmt.Printf("bench-site: %d generated pages (ja, with English for every fourth), Hugo %s, best of %d builds each\n",
		pages, hugoVersion(ctx, hugo), runs)
	var bare, real timing
	for i := 0; i < runs; i++ {
		b, err := build(ctx, hugo, bareSite, content)
		if err != nil {
			return fmt.Errorf("bare layout: %w", err)
		}
		r, err := build(ctx, hugo, realSite, content)
		if err != nil {
			return fmt.Errorf("real theme: %w", err)
		}
		fmt.Printf("  run %d: real %.2f s, bare %.2f s\n", i+1, r.wall.Seconds(), b.wall.Seconds())
		bare, real = bare.best(b), real.best(r)
	}
	perPage := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(pages) }
	ratio := float64(real.wall) / float64(bare.wall)
	fmt.Printf("  real theme (site/):    %7.2f s  %6.3f ms/page  (CPU %6.3f ms/page)\n", real.wall.Seconds(), perPage(real.wall), perPage(real.cpu))
	fmt.Printf("  bare one-line layout:  %7.2f s  %6.3f ms/page  (CPU %6.3f ms/page)\n", bare.wall.Seconds(), perPage(bare.wall), perPage(bare.cpu))
	fmt.Printf("  ratio real/bare:       %7.2f    (target <= %.1f; CPU time ratio %.2f)\n", ratio, maxRatio, float64(real.cpu)/float64(bare.cpu))
	if ratio > maxRatio {
		return fmt.Errorf("%w: %.2f > %.1f", errAboveTarget, ratio, maxRatio)
	}
	return nil
}

// repoRoot is the folder of the module's go.mod, found from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(mod, []byte("module github.com/okaeri/okaeri\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod of github.com/okaeri/okaeri) not found")
		}
		dir = parent
	}
}

// hugoBinary is the pinned Hugo that `go tool -modfile=tools/go.mod hugo`
// runs; timing the binary itself keeps `go tool`'s start-up out of the figures.
func hugoBinary(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "-modfile=tools/go.mod", "-n", "hugo")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating the pinned hugo: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func hugoVersion(ctx context.Context, hugo string) string {
	out, err := exec.CommandContext(ctx, hugo, "version").Output()
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(out)); len(f) > 1 {
		return f[1]
	}
	return strings.TrimSpace(string(out))
}

// timing is one build's wall-clock and CPU (user+system) time.
type timing struct {
	wall, cpu time.Duration
}

// best keeps the faster of two builds (an empty timing loses).
func (t timing) best(o timing) timing {
	if t.wall == 0 || o.wall < t.wall {
		return o
	}
	return t
}

// build runs one full build the way `make site` does (into a fresh folder)
// and returns how long it took.
func build(ctx context.Context, hugo, source, content string) (timing, error) {
	if err := os.RemoveAll(filepath.Join(source, "public")); err != nil {
		return timing{}, err
	}
	cmd := exec.CommandContext(ctx, hugo, "--source", source, "--contentDir", content,
		"--destination", filepath.Join(source, "public"), "--minify", "--noBuildLock", "--logLevel", "error")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return timing{}, fmt.Errorf("%w\n%s", err, out.String())
	}
	return timing{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}

// copyTheme copies the real Hugo project (config, layouts, i18n, assets)
// but the share cards' font: a card costs about 75 ms to draw once (Hugo
// keeps it in resources/_gen), which a real site pays for its tens of jobs
// and events (about 1.5 s for the sample's 20, once), but which would
// swamp the theme's cost per page over thousands of generated ones.
func copyTheme(root, dest string) error {
	for _, sub := range []string{"layouts", "i18n", "assets"} {
		src := os.DirFS(filepath.Join(root, "site", sub))
		if err := os.CopyFS(filepath.Join(dest, sub), src); err != nil {
			return fmt.Errorf("copying site/%s: %w", sub, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(dest, "assets", "fonts")); err != nil {
		return err
	}
	cfg, err := os.ReadFile(filepath.Join(root, "site", "hugo.toml"))
	if err != nil {
		return fmt.Errorf("reading site/hugo.toml: %w", err)
	}
	return os.WriteFile(filepath.Join(dest, "hugo.toml"), cfg, 0o644)
}

// bareConfig is the same two-language site with Hugo's defaults for everything else.
const bareConfig = `baseURL = "http://localhost:8080/"
defaultContentLanguage = "ja"
defaultContentLanguageInSubdir = false
disableKinds = ["taxonomy", "term"]
timeZone = "Asia/Tokyo"
[languages.ja]
  weight = 1
  title = "bench"
[languages.en]
  weight = 2
  title = "bench"
# Declared because the members area's _index.md asks for it; no template, no output.
[outputFormats.catalog]
  baseName = "catalog"
  mediaType = "application/json"
  isPlainText = true
`

// writeBareSite writes the baseline: one layout of one line for every page.
func writeBareSite(dest string) error {
	if err := os.MkdirAll(filepath.Join(dest, "layouts"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dest, "hugo.toml"), []byte(bareConfig), 0o644); err != nil {
		return err
	}
	layout := `<!doctype html><html lang="{{ site.Language.Name }}"><title>{{ .Title }}</title><main>{{ .Content }}</main></html>` + "\n"
	return os.WriteFile(filepath.Join(dest, "layouts", "all.html"), []byte(layout), 0o644)
}

func warmUp(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		_, err = os.ReadFile(path)
		return err
	})
}
