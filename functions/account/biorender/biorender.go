// Package biorender asks the render function to turn bios' Markdown into
// HTML. On AWS the directory function shows bios but does not render them
// itself: goldmark's package initialisation (its regular expressions and
// Unicode tables, about 0.8 ms) would be part of every cold start of the
// function that serves the directory. The render function (functions/cmd/
// render) links goldmark and nothing else: no table, no secrets, no
// network, so members' Markdown is parsed where it can reach nothing. The
// directory invokes it once per page, with every bio on the page, through
// Lambda's Invoke API signed by the SDK's SigV4 signer (functions/awsrest).
package biorender

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/awsrest"
)

// MaxBios is how many bios one invocation renders: a directory page holds
// at most 100 members (account.DirectoryQuery).
const MaxBios = 200

// MaxBytes bounds one request's Markdown (Lambda's synchronous payload
// limit is 6 MB; bios are at most a few KB each).
const MaxBytes = 4 << 20

// Request is the render function's event.
type Request struct {
	Bios []string `json:"bios"`
}

// Response is what it returns: HTML in the order of Request.Bios.
type Response struct {
	HTML []string `json:"html"`
}

// Validate checks a request against the limits.
func (r Request) Validate() error {
	if len(r.Bios) > MaxBios {
		return fmt.Errorf("biorender: %d bios, at most %d", len(r.Bios), MaxBios)
	}
	n := 0
	for _, b := range r.Bios {
		n += len(b)
	}
	if n > MaxBytes {
		return fmt.Errorf("biorender: %d bytes of Markdown, at most %d", n, MaxBytes)
	}
	return nil
}

// Remote renders by invoking the render function.
type Remote struct {
	Client   awsrest.Client // region, credentials and the "lambda" signing name
	Endpoint string         // Lambda's endpoint (Endpoint(region), or a test server)
	Function string         // the render function's name or ARN
}

// Endpoint is Lambda's regional endpoint.
func Endpoint(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "https://lambda." + region + ".amazonaws.com.cn"
	}
	return "https://lambda." + region + ".amazonaws.com"
}

// New is a Remote for function in cfg's region.
func New(cfg aws.Config, function string) *Remote {
	return &Remote{Client: awsrest.Client{Config: cfg, Service: "lambda", HTTP: http.DefaultClient},
		Endpoint: Endpoint(cfg.Region), Function: function}
}

// Render renders bios: account.Config.RenderBios. Errors name no bio.
func (r *Remote) Render(ctx context.Context, bios []string) ([]string, error) {
	in := Request{Bios: bios}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	u := strings.TrimRight(r.Endpoint, "/") + "/2015-03-31/functions/" + url.PathEscape(r.Function) + "/invocations"
	header := http.Header{"Content-Type": {"application/json"}, "X-Amz-Invocation-Type": {"RequestResponse"}}
	var out Response
	h, err := r.Client.CallJSON(ctx, u, header, in, &out)
	// The function failed: Lambda answers 200 with the error as the payload.
	if fe := h.Get("X-Amz-Function-Error"); err == nil && fe != "" {
		err = fmt.Errorf("the render function failed (%s)", fe)
	}
	if err != nil {
		return nil, fmt.Errorf("biorender: %w", err)
	}
	if len(out.HTML) != len(bios) {
		return nil, fmt.Errorf("biorender: %d bios rendered for %d", len(out.HTML), len(bios))
	}
	return out.HTML, nil
}
