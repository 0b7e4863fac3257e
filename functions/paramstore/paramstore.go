// Package paramstore fills configuration from AWS Systems Manager Parameter
// Store: on AWS an environment variable whose value is "ssm:NAME" stands
// for the SecureString parameter NAME (session keys, the SendGrid key, the
// CloudFront private key), so secrets never sit in the template, the
// function's configuration or the console. The values are read once, at
// start, in one GetParameters call.
//
// The call is SSM's JSON API through awsrest rather than the SDK's ssm
// client, whose 150 operations would add about 4 MiB to each Lambda.
package paramstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/awsrest"
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

// NewClient reads parameters with the Lambda environment's region and
// credentials (the function's role).
func NewClient(ctx context.Context) (Client, error) {
	cfg, err := awsenv.Load(ctx, awsenv.FromEnv, awsenv.Options{})
	if err != nil {
		return nil, fmt.Errorf("paramstore: %w", err)
	}
	return &API{Config: cfg, Endpoint: Endpoint(cfg.Region), HTTP: http.DefaultClient}, nil
}

// Endpoint is SSM's regional endpoint.
func Endpoint(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "https://ssm." + region + ".amazonaws.com.cn/"
	}
	return "https://ssm." + region + ".amazonaws.com/"
}

// API calls SSM's GetParameters over HTTPS, signed with SigV4.
type API struct {
	Config   aws.Config // region and credentials
	Endpoint string
	HTTP     *http.Client
}

type getParametersInput struct {
	Names          []string
	WithDecryption bool
}

type getParametersOutput struct {
	Parameters []struct {
		Name  string
		Value string
	}
	InvalidParameters []string
}

// GetParameters implements Client.
func (a *API) GetParameters(ctx context.Context, names []string) (map[string]string, []string, error) {
	c := awsrest.Client{Config: a.Config, Service: "ssm", HTTP: a.HTTP}
	var out getParametersOutput
	header := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AmazonSSM.GetParameters"}}
	if _, err := c.CallJSON(ctx, a.Endpoint, header, getParametersInput{Names: names, WithDecryption: true}, &out); err != nil {
		return nil, nil, fmt.Errorf("paramstore: GetParameters: %w", err)
	}
	values := make(map[string]string, len(out.Parameters))
	for _, p := range out.Parameters {
		values[p.Name] = p.Value
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
