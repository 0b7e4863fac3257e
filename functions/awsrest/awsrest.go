// Deprecated: only biorender uses it; removed with it.
//
// Package awsrest calls AWS APIs over HTTPS with requests signed by the
// SDK's SigV4 signer. It was written to reach S3 objects and SSM
// parameters without the SDK's service clients (the portal's
// html/templates make the Go linker keep every exported method of every
// type, so a client is linked with all of its operations); S3 and SSM are
// now reached through the SDK's own clients (functions/blob/s3,
// functions/paramstore), and the one caller left is biorender's Lambda
// Invoke.
package awsrest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// UnsignedPayload signs a request without hashing its body (S3 over
// HTTPS), so that a large body can stream.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// Client signs and sends requests to one AWS service.
type Client struct {
	Config  aws.Config // region and credentials
	Service string     // the signing name: "s3", "ssm"
	HTTP    *http.Client
}

// PayloadHash is the hex SHA-256 of a request body.
func PayloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// Do signs req for the service and sends it. payloadHash is PayloadHash of
// the body or UnsignedPayload.
func (c *Client) Do(ctx context.Context, req *http.Request, payloadHash string) (*http.Response, error) {
	if c.Config.Credentials == nil {
		return nil, fmt.Errorf("%s: no AWS credentials", c.Service)
	}
	creds, err := c.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: credentials: %w", c.Service, err)
	}
	if c.Service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		// S3 signs the path as sent; other services escape it again.
		o.DisableURIPathEscaping = c.Service == "s3"
	})
	if err := signer.SignHTTP(ctx, creds, req, payloadHash, c.Service, c.Config.Region, time.Now()); err != nil {
		return nil, fmt.Errorf("%s: sign: %w", c.Service, err)
	}
	h := c.HTTP
	if h == nil {
		h = http.DefaultClient
	}
	resp, err := h.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Service, err)
	}
	return resp, nil
}

// Error is an AWS error answer. It names the error, never a value sent.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// maxAnswer bounds the JSON answers CallJSON reads (an SSM GetParameters
// answer is a few KB; a render answer a few MB at most).
const maxAnswer = 16 << 20

// CallJSON posts in as JSON to url with header (the service's content type
// and target), signed, and decodes a 200 answer into out. Any other status
// is an *Error, named from the JSON error body AWS's JSON APIs send
// ({"__type" or "Type", "message"}) or the X-Amzn-ErrorType header. It
// returns the answer's header, which some APIs use to say more (Lambda's
// X-Amz-Function-Error).
func (c *Client) CallJSON(ctx context.Context, url string, header http.Header, in, out any) (http.Header, error) {
	body, err := json.Marshal(in)
	if err != nil {
		// Not the encoder's message, which may quote a value.
		return nil, fmt.Errorf("%s: encode request", c.Service)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Service, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(ctx, req, PayloadHash(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.Header, fmt.Errorf("%s: read answer: %w", c.Service, err)
	}
	if resp.StatusCode != http.StatusOK {
		// These bodies name the error, never a value sent.
		var e struct {
			Type    string `json:"__type"`
			Type2   string `json:"Type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		code := e.Type
		if code == "" {
			code = resp.Header.Get("X-Amzn-ErrorType")
		}
		if code == "" {
			code = e.Type2
		}
		if code == "" {
			code = http.StatusText(resp.StatusCode)
		}
		return resp.Header, &Error{Status: resp.StatusCode, Code: code, Message: e.Message}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.Header, fmt.Errorf("%s: the answer is not the JSON expected", c.Service)
	}
	return resp.Header, nil
}
