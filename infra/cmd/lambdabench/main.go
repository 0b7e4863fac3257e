// Command lambdabench measures what each Lambda function of
// lambda.Functions adds to the cold start of a hello-world aws-lambda-go
// function built the same way, in the same run (`make bench`), and exits
// with status 1 when a function is over a target: at most 10 ms more init
// than hello's (median against median) and at most 20 MB (10^6 bytes)
// unzipped.
//
// Size is the linux/arm64 bootstrap that `make lambdas` zips, so it is
// Lambda's own figure. Init is this machine's: the binaries built for its
// GOOS/GOARCH (printed in the header; the build machine is linux/amd64,
// not Lambda's Graviton) start under a local Runtime API
// (infra/runtimeapi), and init is from just before the process starts to
// its first GET .../invocation/next, which is where Lambda's init phase
// ends. A 256 MB Lambda gets a share of one Graviton vCPU, not this
// machine's cores, and hello's init on Lambda arm64 is about 41 ms, most
// of it Lambda's own; so the milliseconds added here show a change's
// direction and rough size, not Lambda's figure (the ratio to hello is
// printed beside them: 10 ms over 41 ms is 1.25×), and a deployed
// function's CloudWatch Init Duration is the real one. Load on the
// machine multiplies the milliseconds added; the header prints the load
// average.
//
// Each function runs with the environment template.yaml gives it
// (Globals and its own variables, parameters at their defaults or at
// benchParams) plus what the Lambda runtime sets: the region, static role
// credentials, the function's name and memory. Secrets are the one
// difference: their ssm: references are replaced by values made here,
// because reading them from SSM Parameter Store is a network call (on
// Lambda it is part of init, and not measured here). Every function's
// HTTP(S) proxy points at a local listener that refuses and reports any
// request, so a function that would reach the network at init (the EC2
// metadata service, STS, SSM) fails the bench instead of being timed on
// a call that Lambda would answer differently. Runs are interleaved so
// that drift in the machine's load falls on every function alike.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/infra/lambdabuild"
	"github.com/okaeri/okaeri/infra/runtimeapi"
)

// Targets from the issue.
const (
	maxAddedInit = 10 * time.Millisecond
	maxSizeMB    = 20
)

func main() {
	runs := flag.Int("runs", 41, "starts of each binary")
	explain := flag.String("why", "", "comma-separated functions whose init to explain (package inits, main's steps) instead of the bench")
	flag.Parse()
	if *explain != "" {
		if err := why(context.Background(), *runs, strings.Split(*explain, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "lambdabench:", err)
			os.Exit(1)
		}
		return
	}
	over, err := run(context.Background(), *runs, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "lambdabench:", err)
		os.Exit(1)
	}
	if over {
		os.Exit(1)
	}
}

// run measures every function, and the packages in extra (such as an
// experiment's ./infra/... main) beside them. over reports whether one
// is over a target.
func run(ctx context.Context, runs int, extra []string) (over bool, err error) {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		return false, err
	}
	tmp, err := os.MkdirTemp("", "okaeri-lambdabench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	pkgs := append([]string{"./infra/hello", "./infra/hellodynamo"}, lambdabuild.Functions()...)
	pkgs = append(pkgs, extra...)
	host := lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	hostDir, armDir := filepath.Join(tmp, "host"), filepath.Join(tmp, "arm64")
	if err := lambdabuild.Build(ctx, root, host, hostDir, lambdabuild.Flags, pkgs...); err != nil {
		return false, err
	}
	if err := lambdabuild.Build(ctx, root, lambdabuild.Lambda, armDir, lambdabuild.Flags, pkgs...); err != nil {
		return false, err
	}
	guard, err := startNetGuard()
	if err != nil {
		return false, err
	}
	defer guard.Close()
	names := []string{"hello", "hellodynamo"}
	for _, f := range lambda.Functions {
		names = append(names, f.Name)
	}
	for _, p := range extra {
		names = append(names, lambdabuild.Name(p))
	}
	envMaker, err := newEnvMaker(filepath.Join(root, "infra", "template.yaml"), tmp)
	if err != nil {
		return false, err
	}
	envs := map[string][]string{}
	for _, n := range names {
		env, err := envMaker.env(n)
		if err != nil {
			return false, err
		}
		envs[n] = append(env, guard.Env()...)
	}
	inits := map[string][]time.Duration{}
	order := slices.Clone(names)
	for i := range runs {
		// Rotate the order so no function always starts right after another.
		order = append(order[1:], order[0])
		for _, n := range order {
			d, err := initTime(ctx, filepath.Join(hostDir, n), envs[n])
			if calls := guard.Take(); len(calls) > 0 {
				return false, fmt.Errorf("%s reached the network at init (%s): on Lambda that call would be part of its init and this machine cannot time it; give it what Lambda gives it in envMaker.env, or move the call out of init", n, strings.Join(calls, ", "))
			}
			if err != nil {
				return false, fmt.Errorf("%s (run %d): %w", n, i+1, err)
			}
			inits[n] = append(inits[n], d)
		}
	}

	fmt.Printf("Lambda cold start: init = process start to first /next, %d interleaved starts each, on this machine (%s/%s, %d CPUs; Lambda runs linux/arm64).\n",
		runs, host.GOOS, host.GOARCH, runtime.NumCPU())
	if load := loadAverage(); load != "" {
		// Other work on the machine slows hello and the functions alike, so
		// it inflates the milliseconds added (not so much the ratio).
		fmt.Printf("Load average (1, 5, 15 min) after the runs: %s: figures from a loaded machine overstate what is added.\n", load)
	}
	fmt.Printf("added = init minus hello's median init, in ms; size = the linux/arm64 bootstrap `make lambdas` zips, in MB (10^6 bytes).\n")
	fmt.Printf("Targets: added p50 <= %d ms, size <= %d MB.\n\n", maxAddedInit.Milliseconds(), maxSizeMB)
	fmt.Printf("%-11s %8s %7s %9s %9s %10s %10s %8s  %s\n", "function", "size MB", "zip MB", "init p50", "init p90", "added p50", "added p90", "× hello", "targets")
	base := median(inits["hello"])
	var failed []string
	for _, n := range names {
		size, zipSize, err := sizes(filepath.Join(armDir, n), filepath.Join(tmp, n+".zip"))
		if err != nil {
			return false, err
		}
		p50, p90 := median(inits[n]), percentile(inits[n], 0.9)
		added50, added90 := p50-base, p90-base
		verdict := "ok"
		switch n {
		case "hello":
			verdict = "baseline"
		case "hellodynamo":
			verdict = "floor of a table function"
		default:
			var why []string
			if added50 > maxAddedInit {
				why = append(why, fmt.Sprintf("INIT OVER: +%.2f ms > %d ms", ms(added50), maxAddedInit.Milliseconds()))
			}
			if size > maxSizeMB {
				why = append(why, fmt.Sprintf("SIZE OVER: %.1f MB > %d MB", size, maxSizeMB))
			}
			if len(why) > 0 {
				verdict = strings.Join(why, "; ")
				failed = append(failed, n)
			}
		}
		fmt.Printf("%-11s %8.1f %7.1f %7.2fms %7.2fms %+8.2fms %+8.2fms %7.2fx  %s\n",
			n, size, zipSize, ms(p50), ms(p90), ms(added50), ms(added90), float64(p50)/float64(base), verdict)
	}
	if len(failed) > 0 {
		fmt.Printf("\nOVER TARGET: %s\n", strings.Join(failed, ", "))
		return true, nil
	}
	fmt.Printf("\nEvery function is within both targets.\n")
	return false, nil
}

func makeTemp() (string, error) { return os.MkdirTemp("", "okaeri-lambdabench-") }
func removeTemp(dir string)     { os.RemoveAll(dir) }
func startProcess(bin string, env []string) (*runtimeapi.Process, error) {
	return runtimeapi.Start(bin, env)
}

func initTime(ctx context.Context, bin string, env []string) (time.Duration, error) {
	p, err := startProcess(bin, env)
	if err != nil {
		return 0, err
	}
	defer p.Stop()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return p.Ready(ctx)
}

// sizes are the binary's and its zip's sizes in MB.
func sizes(bin, zipPath string) (size, zipSize float64, err error) {
	if err := lambdabuild.Zip(bin, zipPath); err != nil {
		return 0, 0, err
	}
	bs, err := os.Stat(bin)
	if err != nil {
		return 0, 0, err
	}
	zs, err := os.Stat(zipPath)
	if err != nil {
		return 0, 0, err
	}
	return float64(bs.Size()) / 1e6, float64(zs.Size()) / 1e6, nil
}

// loadAverage is /proc/loadavg's first three fields, or "" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func median(d []time.Duration) time.Duration { return percentile(d, 0.5) }

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1)+0.5)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
