// Command lambdas builds every function of lambda.Functions for AWS Lambda
// (linux/arm64, provided.al2023) into dist/<fn>.zip: `make lambdas`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/infra/lambdabuild"
)

func main() {
	out := flag.String("out", "dist", "folder for the zips")
	flag.Parse()
	if err := run(context.Background(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "lambdas:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string) error {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		return err
	}
	bins, err := os.MkdirTemp("", "okaeri-lambdas-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bins)
	if err := lambdabuild.Build(ctx, root, lambdabuild.Lambda, bins, lambdabuild.Flags, lambdabuild.Functions()...); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range lambda.Functions {
		bin := filepath.Join(bins, f.Name)
		dst := filepath.Join(out, f.Name+".zip")
		if err := lambdabuild.Zip(bin, dst); err != nil {
			return err
		}
		bs, _ := os.Stat(bin)
		zs, _ := os.Stat(dst)
		fmt.Printf("%-12s %6.1f MiB bootstrap  %6.1f MiB %s\n", f.Name, mb(bs.Size()), mb(zs.Size()), dst)
	}
	return nil
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
