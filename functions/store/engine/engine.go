// Package engine opens the store named by configuration: OKAERI_STORE is
// bolt:PATH (the embedded default) or dynamo:TABLE (with AWS_REGION and an
// optional OKAERI_DYNAMODB_ENDPOINT). It is the one place that knows every
// engine, so handlers and commands depend only on store.Store.
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
	"github.com/okaeri/okaeri/functions/store/dynamo"
)

// Config selects and reaches a store.
type Config struct {
	// Spec is "bolt:PATH" or "dynamo:TABLE".
	Spec string
	// Region and Endpoint reach DynamoDB (ignored for bolt).
	Region   string
	Endpoint string
	// Log receives the engine's notices (default slog.Default()).
	Log *slog.Logger
	// AWS finds DynamoDB's region and credentials; nil is the Lambda
	// environment (awsenv.FromEnv).
	AWS awsenv.Loader
}

// Kind is an engine name.
type Kind string

// Engines.
const (
	Bolt   Kind = "bolt"
	Dynamo Kind = "dynamo"
)

// Parse splits a spec into its engine and its argument (a path or a table).
func Parse(spec string) (Kind, string, error) {
	kind, arg, ok := strings.Cut(strings.TrimSpace(spec), ":")
	switch {
	case !ok || arg == "":
		return "", "", fmt.Errorf("store %q: want bolt:PATH or dynamo:TABLE", spec)
	case Kind(kind) == Bolt || Kind(kind) == Dynamo:
		return Kind(kind), arg, nil
	}
	return "", "", fmt.Errorf("store %q: unknown engine %q, want bolt or dynamo", spec, kind)
}

// Open opens the configured store. For dynamo the table must exist
// (CreateTable); Open makes no network call.
func Open(ctx context.Context, cfg Config) (store.Store, error) {
	kind, arg, err := Parse(cfg.Spec)
	if err != nil {
		return nil, err
	}
	switch kind {
	case Bolt:
		return bolt.Open(arg, nil)
	default:
		return dynamo.New(ctx, dynamo.Config{Table: arg, Region: cfg.Region, Endpoint: cfg.Endpoint, Logger: cfg.Log, AWS: cfg.AWS})
	}
}

// Prepare makes the configured store ready for use and says what it did:
// for dynamo it creates the table (idempotent: an existing table with the
// right keys is fine), for bolt it creates the file and its buckets.
func Prepare(ctx context.Context, cfg Config) (string, error) {
	kind, arg, err := Parse(cfg.Spec)
	if err != nil {
		return "", err
	}
	if kind == Bolt {
		s, err := Open(ctx, cfg)
		if err != nil {
			return "", err
		}
		s.Close()
		return "bolt store ready: " + arg, nil
	}
	client, err := dynamo.NewClient(ctx, dynamo.Config{Table: arg, Region: cfg.Region, Endpoint: cfg.Endpoint, AWS: cfg.AWS})
	if err != nil {
		return "", err
	}
	desc, err := dynamo.CreateTable(ctx, client, arg)
	if err != nil {
		return "", err
	}
	status := ""
	if desc != nil {
		status = string(desc.TableStatus)
	}
	return fmt.Sprintf("dynamo table ready: %s (%s)", arg, status), nil
}
