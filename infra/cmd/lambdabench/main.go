// Command lambdabench prints each Lambda function's size and init time
// against a hello-world aws-lambda-go function built the same way, in the
// same run (`make bench`).
//
// Size is the linux/arm64 bootstrap that `make lambdas` deploys. Init is
// measured here, on this machine's architecture: from just before the
// process starts to its first GET .../invocation/next on a local Runtime
// API (infra/runtimeapi), which is where Lambda's init phase ends. Each
// function runs with the configuration it has on AWS (DynamoDB, SendGrid,
// S3, the CloudFront key) except that secrets are given in the environment
// instead of read from SSM Parameter Store, because that is a network call
// this machine cannot make. Runs are interleaved so that drift in the
// machine's load falls on every function alike.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
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
	maxInitRatio = 1.5
	maxSizeMiB   = 20
)

func main() {
	runs := flag.Int("runs", 41, "starts of each binary")
	flag.Parse()
	if err := run(context.Background(), *runs, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "lambdabench:", err)
		os.Exit(1)
	}
}

// run measures every function, and the packages in extra (such as an
// experiment's ./infra/... main) beside them.
func run(ctx context.Context, runs int, extra []string) error {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "okaeri-lambdabench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	pkgs := append([]string{"./infra/hello", "./infra/hellodynamo"}, lambdabuild.Functions()...)
	pkgs = append(pkgs, extra...)
	host := lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	hostDir, armDir := filepath.Join(tmp, "host"), filepath.Join(tmp, "arm64")
	if err := lambdabuild.Build(ctx, root, host, hostDir, lambdabuild.Flags, pkgs...); err != nil {
		return err
	}
	if err := lambdabuild.Build(ctx, root, lambdabuild.Lambda, armDir, lambdabuild.Flags, pkgs...); err != nil {
		return err
	}
	env, err := awsLikeEnv(tmp)
	if err != nil {
		return err
	}
	names := []string{"hello", "hellodynamo"}
	for _, f := range lambda.Functions {
		names = append(names, f.Name)
	}
	for _, p := range extra {
		names = append(names, filepath.Base(p))
	}
	inits := map[string][]time.Duration{}
	order := slices.Clone(names)
	for i := range runs {
		// Rotate the order so no function always starts right after another.
		order = append(order[1:], order[0])
		for _, n := range order {
			d, err := initTime(ctx, filepath.Join(hostDir, n), env(n))
			if err != nil {
				return fmt.Errorf("%s (run %d): %w", n, i+1, err)
			}
			inits[n] = append(inits[n], d)
		}
	}
	fmt.Printf("Lambda functions: init = process start to first /next (%d runs each, %s/%s, median and p90);\n", runs, host.GOOS, host.GOARCH)
	fmt.Printf("size = the linux/arm64 bootstrap `make lambdas` zips. Targets: init <= %.1fx hello, size <= %d MiB.\n\n", maxInitRatio, maxSizeMiB)
	fmt.Printf("%-11s %10s %9s %10s %10s %9s  %s\n", "function", "size MiB", "zip MiB", "init p50", "init p90", "vs hello", "targets")
	base := median(inits["hello"])
	var over []string
	for _, n := range names {
		size, zipSize, err := sizes(filepath.Join(armDir, n), filepath.Join(tmp, n+".zip"))
		if err != nil {
			return err
		}
		p50, p90 := median(inits[n]), percentile(inits[n], 0.9)
		ratio := float64(p50) / float64(base)
		verdict := "ok"
		switch n {
		case "hello":
			verdict = "baseline"
		case "hellodynamo":
			verdict = "floor of a table function"
		default:
			if ratio > maxInitRatio {
				verdict = "INIT OVER"
			}
			if size > maxSizeMiB {
				verdict = "SIZE OVER"
				if ratio > maxInitRatio {
					verdict = "INIT+SIZE OVER"
				}
			}
		}
		if strings.Contains(verdict, "OVER") {
			over = append(over, n)
		}
		fmt.Printf("%-11s %10.1f %9.1f %9.2fms %9.2fms %8.2fx  %s\n", n, size, zipSize, ms(p50), ms(p90), ratio, verdict)
	}
	if len(over) > 0 {
		// Not an error: one run on a shared machine moves by about ±0.08.
		fmt.Printf("\nOVER TARGET in this run: %s (run it again on a quiet machine before drawing conclusions)\n", strings.Join(over, ", "))
	} else {
		fmt.Printf("\nEvery function is within both targets in this run.\n")
	}
	return nil
}

func initTime(ctx context.Context, bin string, env []string) (time.Duration, error) {
	p, err := runtimeapi.Start(bin, env)
	if err != nil {
		return 0, err
	}
	defer p.Stop()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return p.Ready(ctx)
}

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
	return float64(bs.Size()) / (1 << 20), float64(zs.Size()) / (1 << 20), nil
}

// awsLikeEnv is each function's environment as template.yaml gives it, with
// the secrets' values in place of their ssm: references. DynamoDB's and
// S3's endpoints are AWS's own, as on Lambda; the functions make no
// network call at init.
func awsLikeEnv(tmp string) (func(name string) []string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	secret := make([]byte, 32)
	rand.Read(secret)
	return func(name string) []string {
		env := []string{
			"TMPDIR=" + tmp,
			// The Go runtime settings template.yaml gives every function.
			"GOGC=400", "GOMEMLIMIT=200MiB",
			"AWS_REGION=ap-northeast-1",
			"AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=bench", "AWS_SESSION_TOKEN=bench",
			"AWS_LAMBDA_FUNCTION_NAME=okaeri-bench-" + name,
			"OKAERI_BASE_URL=https://alumni.example.co.jp",
			"OKAERI_STORE=dynamo:okaeri-bench",
			"OKAERI_MAIL=sendgrid", "SENDGRID_API_KEY=SG.bench",
			"OKAERI_MAIL_FROM=alumni@example.co.jp",
			"OKAERI_SESSION_KEYS=bench:" + base64.StdEncoding.EncodeToString(secret),
		}
		f, _ := lambda.Lookup(name)
		if f.Resumes != lambda.NoAccess {
			env = append(env, "OKAERI_BLOBS=s3:okaeri-bench-resumes/resumes")
		}
		if slices.Contains(f.Secrets, lambda.SecretCloudFrontKey) {
			env = append(env, "OKAERI_CLOUDFRONT_KEY_ID=KBENCH", "OKAERI_CLOUDFRONT_PRIVATE_KEY="+pemKey)
		}
		return env
	}, nil
}

func median(d []time.Duration) time.Duration { return percentile(d, 0.5) }

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1)+0.5)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
