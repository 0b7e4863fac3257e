package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okaeri/okaeri/infra/lambdabuild"
)

// why explains where the named functions' init goes (`lambdabench -why
// account`): each starts runs times beside hello with the Go runtime's
// package-init trace (GODEBUG=inittrace=1) and the debug log of boot's
// phases, and the medians are printed: total init, all package inits, the
// heaviest packages, and main's steps. It measures; it sets no target.
func why(ctx context.Context, runs int, fns []string) error {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		return err
	}
	tmp, err := makeTemp()
	if err != nil {
		return err
	}
	defer removeTemp(tmp)
	names := append([]string{"hello"}, fns...)
	var pkgs []string
	for _, n := range names {
		if n == "hello" || n == "hellodynamo" {
			pkgs = append(pkgs, "./infra/"+n)
		} else {
			pkgs = append(pkgs, "./functions/cmd/"+n)
		}
	}
	host := lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	if err := lambdabuild.Build(ctx, root, host, tmp, lambdabuild.Flags, pkgs...); err != nil {
		return err
	}
	guard, err := startNetGuard()
	if err != nil {
		return err
	}
	defer guard.Close()
	envMaker, err := newEnvMaker(filepath.Join(root, "infra", "template.yaml"), tmp)
	if err != nil {
		return err
	}
	for _, n := range names {
		env, err := envMaker.env(n)
		if err != nil {
			return err
		}
		env = append(env, guard.Env()...)
		env = append(env, "GODEBUG=inittrace=1", "OKAERI_LOG_LEVEL=debug")
		var totals, pkgSums []time.Duration
		perPkg := map[string][]time.Duration{}
		steps := map[string][]time.Duration{}
		for range runs {
			d, out, err := traceRun(ctx, filepath.Join(tmp, n), env)
			if err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
			totals = append(totals, d)
			var sum time.Duration
			for _, line := range strings.Split(out, "\n") {
				if pkg, d, ok := parseInitLine(line); ok {
					perPkg[pkg] = append(perPkg[pkg], d)
					sum += d
				}
				for step, d := range parsePhases(line) {
					steps[step] = append(steps[step], d)
				}
			}
			pkgSums = append(pkgSums, sum)
		}
		fmt.Printf("%s: init p50 %.2f ms; package inits p50 %.2f ms (%d packages)\n", n, ms(median(totals)), ms(median(pkgSums)), len(perPkg))
		byCost := slices.SortedFunc(maps.Keys(perPkg), func(a, b string) int { return int(median(perPkg[b]) - median(perPkg[a])) })
		for _, p := range byCost[:min(12, len(byCost))] {
			fmt.Printf("  %7.2f ms  %s\n", ms(median(perPkg[p])), p)
		}
		for _, s := range []string{"config", "core", "build", "handler"} {
			if d, ok := steps[s]; ok {
				fmt.Printf("  main: %-8s %7.2f ms\n", s, ms(median(d)))
			}
		}
	}
	return nil
}

func traceRun(ctx context.Context, bin string, env []string) (time.Duration, string, error) {
	p, err := startProcess(bin, env)
	if err != nil {
		return 0, "", err
	}
	defer p.Stop()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	d, err := p.Ready(ctx)
	return d, p.Output(), err
}

// parseInitLine reads "init pkg @0.5 ms, 0.012 ms clock, ...".
func parseInitLine(line string) (string, time.Duration, bool) {
	f := strings.Fields(line)
	if len(f) < 7 || f[0] != "init" || f[6] != "clock," {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(f[4], 64)
	if err != nil {
		return "", 0, false
	}
	return f[1], time.Duration(v * float64(time.Millisecond)), true
}

// parsePhases reads boot's debug line "init phases" (config_ms ...).
func parsePhases(line string) map[string]time.Duration {
	var rec map[string]any
	if !strings.Contains(line, `"init phases"`) || json.Unmarshal([]byte(line), &rec) != nil {
		return nil
	}
	out := map[string]time.Duration{}
	for k, v := range rec {
		if step, ok := strings.CutSuffix(k, "_ms"); ok {
			if f, ok := v.(float64); ok {
				out[step] = time.Duration(f * float64(time.Millisecond))
			}
		}
	}
	return out
}
