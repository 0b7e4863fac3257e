// Package ddb is a small DynamoDB client: the operations the dynamo store
// engine uses, over DynamoDB's JSON protocol, signed with the SDK's SigV4
// signer. Its names and shapes mirror the SDK's service/dynamodb and its
// types package, for exactly that subset.
//
// It exists because linking the SDK's service/dynamodb costs every Lambda
// function that opens the table a measurable share of its cold start: the
// package's init (its schemas and endpoint rules) and the SDK's config
// package it is usually built with took a DynamoDB hello-world from 1x to
// about 1.6x a bare aws-lambda-go hello-world (docs/dynamodb.md has the
// numbers). This package imports only the standard library, waitctx, the SDK's aws
// package (credentials) and its signer.
package ddb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/okaeri/okaeri/functions/waitctx"
)

// signingName is DynamoDB's SigV4 service name; targetPrefix names the API version.
const (
	signingName  = "dynamodb"
	targetPrefix = "DynamoDB_20120810."
)

// Transport retries, as the SDK's standard retryer: 3 attempts, and before
// attempt n+1 a uniform random wait in [0, min(maxBackoff, baseDelay·2ⁿ)].
const (
	defaultMaxAttempts = 3
	baseDelay          = 50 * time.Millisecond
	maxBackoff         = 20 * time.Second
)

// HTTPClient sends HTTP requests; *http.Client is one.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Handler runs one operation: op is its name ("GetItem"), input its
// *<op>Input, and the output its *<op>Output.
type Handler func(ctx context.Context, op string, input any) (output any, err error)

// Middleware wraps the Handler of every operation, for example to count
// calls or ask for consumed capacity in tests and benchmarks.
type Middleware func(next Handler) Handler

// Options configure a Client.
type Options struct {
	// Region is the AWS region, which picks the endpoint and signs requests.
	Region string
	// BaseEndpoint replaces https://dynamodb.<region>.amazonaws.com, for
	// example with DynamoDB Local's http://127.0.0.1:8000.
	BaseEndpoint *string
	// Credentials sign every request.
	Credentials aws.CredentialsProvider
	// HTTPClient sends the requests (default: a client that keeps enough idle
	// connections for the store's concurrent writes).
	HTTPClient HTTPClient
	// RetryMaxAttempts bounds the attempts of one request, first included
	// (default 3; 1 disables transport retries).
	RetryMaxAttempts int
	// Middleware wraps every operation, the first outermost.
	Middleware []Middleware
}

// Client calls DynamoDB. It is safe for concurrent use.
type Client struct {
	options  Options
	endpoint string
	signer   *v4.Signer
}

// NewFromConfig returns a client with cfg's region, credentials, endpoint,
// HTTP client and retry bound, then optFns applied.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	o := Options{
		Region:           cfg.Region,
		BaseEndpoint:     cfg.BaseEndpoint,
		Credentials:      cfg.Credentials,
		RetryMaxAttempts: cfg.RetryMaxAttempts,
	}
	if cfg.HTTPClient != nil {
		o.HTTPClient = cfg.HTTPClient
	}
	return New(o, optFns...)
}

// New returns a client with o, then optFns applied. Credentials are cached
// (aws.NewCredentialsCache) unless they already are.
func New(o Options, optFns ...func(*Options)) *Client {
	for _, fn := range optFns {
		fn(&o)
	}
	switch o.Credentials.(type) {
	case nil, *aws.CredentialsCache:
	default:
		o.Credentials = aws.NewCredentialsCache(o.Credentials)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient()
	}
	if o.RetryMaxAttempts <= 0 {
		o.RetryMaxAttempts = defaultMaxAttempts
	}
	return &Client{options: o, endpoint: endpoint(o), signer: v4.NewSigner()}
}

// defaultHTTPClient keeps up to 32 idle connections to DynamoDB: the store
// writes up to 16 items at once, and net/http's default keeps 2. It is
// built rather than cloned from http.DefaultTransport: Clone sets up
// HTTP/2 at once, which a cold start need not wait for (a new Transport
// does it on its first request).
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}

// endpoint is BaseEndpoint, or the region's public endpoint.
func endpoint(o Options) string {
	if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
		e := *o.BaseEndpoint
		if !strings.HasSuffix(e, "/") {
			e += "/"
		}
		return e
	}
	domain := "amazonaws.com"
	if strings.HasPrefix(o.Region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://dynamodb." + o.Region + "." + domain + "/"
}

// invoke runs op through the middleware, innermost send, which decodes
// the answer into a new O.
func invoke[O any](ctx context.Context, c *Client, op string, input any) (*O, error) {
	h := Handler(func(ctx context.Context, op string, input any) (any, error) {
		out := new(O)
		if err := c.send(ctx, op, input, out); err != nil {
			return nil, err
		}
		return out, nil
	})
	for i := len(c.options.Middleware) - 1; i >= 0; i-- {
		h = c.options.Middleware[i](h)
	}
	out, err := h(ctx, op, input)
	if err != nil {
		return nil, err
	}
	o, ok := out.(*O)
	if !ok {
		return nil, &OperationError{Operation: op, Err: fmt.Errorf("middleware returned %T", out)}
	}
	return o, nil
}

// send is the innermost Handler: it encodes the input once and sends it,
// retrying transport failures (connection errors, 5xx answers, a corrupt
// answer) with backoff. Throttling and transaction conflicts are answers
// for the caller, which retries them with its own policy.
func (c *Client) send(ctx context.Context, op string, input, out any) error {
	body, err := json.Marshal(input)
	if err != nil {
		// Not the encoder's message, which may quote a value.
		return &OperationError{Operation: op, Err: errors.New("encode request: invalid input")}
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	for attempt := 1; ; attempt++ {
		requestID, err := c.attempt(ctx, op, body, payloadHash, out)
		if err == nil {
			return nil
		}
		err = &OperationError{Operation: op, RequestID: requestID, Err: err}
		if !retryable(err) || attempt >= c.options.RetryMaxAttempts || ctx.Err() != nil {
			return err
		}
		d := maxBackoff
		if attempt < 16 { // beyond, the shift only overflows
			d = min(d, baseDelay<<attempt)
		}
		if werr := waitctx.Sleep(ctx, rand.N(d+1)); werr != nil {
			return errors.Join(err, werr)
		}
	}
}

// attempt sends body once, newly signed, and decodes the answer into out.
// It returns the answer's request id when there was an answer.
func (c *Client) attempt(ctx context.Context, op string, body []byte, payloadHash string, out any) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	// The answer's CRC32 covers the bytes as sent; without this, net/http
	// would ask for gzip and hand us the bytes inflated.
	req.Header.Set("Accept-Encoding", "identity")
	if c.options.Credentials == nil {
		return "", errors.New("no AWS credentials")
	}
	creds, err := c.options.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("credentials: %w", err)
	}
	if err := c.signer.SignHTTP(ctx, creds, req, payloadHash, signingName, c.options.Region, time.Now()); err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	resp, err := c.options.HTTPClient.Do(req)
	if err != nil {
		return "", &connectionError{err}
	}
	defer resp.Body.Close()
	requestID := resp.Header.Get("X-Amzn-Requestid")
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return requestID, &connectionError{err}
	}
	if h := resp.Header.Get("X-Amz-Crc32"); h != "" {
		want, perr := strconv.ParseUint(h, 10, 32)
		if perr != nil || uint32(want) != crc32.ChecksumIEEE(data) {
			return requestID, errChecksum
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return requestID, decodeError(resp.StatusCode, resp.Header, data)
	}
	if len(data) == 0 {
		return requestID, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return requestID, fmt.Errorf("decode answer: %w", err)
	}
	return requestID, nil
}
