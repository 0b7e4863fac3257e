// Command render is the render function as a Lambda: it turns members'
// bios from Markdown into safe HTML with goldmark, for the directory
// function, which invokes it once per page (functions/account/biorender).
// It has no route, no table, no secret: only goldmark and the runtime.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/okaeri/okaeri/functions/account/bio"
	"github.com/okaeri/okaeri/functions/account/biorender"
)

func main() { lambda.Start(render) }

func render(ctx context.Context, in biorender.Request) (biorender.Response, error) {
	if err := in.Validate(); err != nil {
		return biorender.Response{}, err
	}
	html, err := bio.RenderAll(ctx, in.Bios)
	return biorender.Response{HTML: html}, err
}
