// Package lambdabuild builds the Lambda functions of lambda.Functions the
// way AWS runs them (`make lambdas`, the infra tests, the Lambda benchmark):
// one static binary named bootstrap per function, zipped for the
// provided.al2023 runtime.
package lambdabuild

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/lambda"
)

// Flags are the go build flags of every Lambda binary: no RPC mode (the
// Runtime API only), no local paths, no symbol table or DWARF.
var Flags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}

// Target is an operating system and architecture; Lambda runs linux/arm64.
type Target struct{ GOOS, GOARCH string }

// Lambda is the target of the deployed functions (Graviton).
var Lambda = Target{"linux", "arm64"}

// Package is the import path of function name's main.
func Package(name string) string { return "./functions/cmd/" + name }

// ModuleRoot finds the folder of go.mod from the working directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("lambdabuild: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Build compiles the packages (import paths relative to root) for t into
// outDir, one binary per package named after its folder, in one go build
// so that they share the work. flags are the extra build flags.
func Build(ctx context.Context, root string, t Target, outDir string, flags []string, pkgs ...string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	args := append([]string{"build", "-o", abs + string(filepath.Separator)}, flags...)
	cmd := exec.CommandContext(ctx, "go", append(args, pkgs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+t.GOOS, "GOARCH="+t.GOARCH, "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build for %s/%s: %w\n%s", t.GOOS, t.GOARCH, err, out)
	}
	return nil
}

// Functions lists the packages of every function in lambda.Functions.
func Functions() []string {
	var pkgs []string
	for _, f := range lambda.Functions {
		pkgs = append(pkgs, Package(f.Name))
	}
	return pkgs
}

// Zip writes the binary at bin into a new zip at dst as "bootstrap",
// executable, with a fixed time so that the same binary gives the same zip.
func Zip(bin, dst string) error {
	in, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".zip-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	zw := zip.NewWriter(tmp)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = io.Copy(w, in)
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = tmp.Close()
	}
	if err != nil {
		tmp.Close()
		return fmt.Errorf("zip %s: %w", dst, err)
	}
	return os.Rename(tmp.Name(), dst)
}

// Name is a function's name from its package path.
func Name(pkg string) string { return filepath.Base(strings.TrimSuffix(pkg, "/")) }
