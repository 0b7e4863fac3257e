// Package paramstore fills configuration from AWS Systems Manager Parameter
// Store: on AWS an environment variable whose value is "ssm:NAME" stands
// for the SecureString parameter NAME (session keys, the SendGrid key, the
// CloudFront private key), so secrets never sit in the template, the
// function's configuration or the console. The values are read once, at
// start, in one GetParameters call (WithDecryption) per ten names, through
// the SDK's own client, github.com/aws/aws-sdk-go-v2/service/ssm, with the
// configuration of awsenv.Load.
package paramstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/okaeri/okaeri/functions/awsenv"
)

// Prefix marks a value that names a parameter.
const Prefix = "ssm:"

// maxNames is GetParameters' limit per call.
const maxNames = 10

// Client reads decrypted parameters.
type Client interface {
	// GetParameters returns the values of the parameters found and the
	// names of those that do not exist.
	GetParameters(ctx context.Context, names []string) (values map[string]string, invalid []string, err error)
}

// NewClient reads parameters with the SDK's default configuration: on
// Lambda the function role's credentials and its region.
func NewClient(ctx context.Context) (Client, error) {
	cfg, err := awsenv.Load(ctx, nil, awsenv.Options{})
	if err != nil {
		return nil, fmt.Errorf("paramstore: %w", err)
	}
	return New(cfg), nil
}

// API is a Client on SSM's API.
//
// It holds the one SDK method it calls as a method value, not the
// *ssm.Client: html/template calls methods by name, so the linker keeps
// every exported method of any type that an interface value can reach,
// and a struct field reaches its type. Holding the client would link all
// 153 SSM operations (3 MB of every function); a func keeps only its own.
type API struct {
	getParameters func(context.Context, *ssm.GetParametersInput, ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
}

// New returns an API with cfg; optFns adjust the SDK's client (a test
// sets its BaseEndpoint).
func New(cfg aws.Config, optFns ...func(*ssm.Options)) *API {
	return &API{getParameters: ssm.NewFromConfig(cfg, optFns...).GetParameters}
}

// GetParameters implements Client.
func (a *API) GetParameters(ctx context.Context, names []string) (map[string]string, []string, error) {
	out, err := a.getParameters(ctx, &ssm.GetParametersInput{Names: names, WithDecryption: aws.Bool(true)})
	if err != nil {
		return nil, nil, fmt.Errorf("paramstore: %w", err)
	}
	values := make(map[string]string, len(out.Parameters))
	for _, p := range out.Parameters {
		values[aws.ToString(p.Name)] = aws.ToString(p.Value)
	}
	return values, out.InvalidParameters, nil
}

// Getenv returns a getenv over environ ("NAME=value" pairs, as os.Environ)
// in which every "ssm:PARAM" value is replaced by PARAM's decrypted value.
// newClient is called only when some value names a parameter, so a
// function without secrets never loads the AWS configuration.
func Getenv(ctx context.Context, environ []string, newClient func(context.Context) (Client, error)) (func(string) string, error) {
	env := map[string]string{}
	var names []string
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		env[k] = v
		if p, ok := strings.CutPrefix(v, Prefix); ok && !slices.Contains(names, p) {
			names = append(names, p)
		}
	}
	getenv := func(k string) string { return env[k] }
	if len(names) == 0 {
		return getenv, nil
	}
	client, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	for chunk := range slices.Chunk(names, maxNames) {
		got, invalid, err := client.GetParameters(ctx, chunk)
		if err != nil {
			return nil, err
		}
		if len(invalid) > 0 {
			// Names of parameters are not secret; their values are.
			return nil, errors.New("paramstore: no such parameter: " + strings.Join(invalid, ", "))
		}
		for k, v := range got {
			values[k] = v
		}
	}
	for k, v := range env {
		if p, ok := strings.CutPrefix(v, Prefix); ok {
			val, found := values[p]
			if !found {
				return nil, errors.New("paramstore: SSM did not return parameter " + p)
			}
			env[k] = val
		}
	}
	return getenv, nil
}
