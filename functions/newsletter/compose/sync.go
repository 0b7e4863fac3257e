package compose

import (
	"context"
	"errors"

	"github.com/okaeri/okaeri/functions/newsletter"
)

// Composer reads and renders newsletters for the store: the okaeri CLI
// hands it to newsletter.Service.Prepare.
type Composer struct {
	BaseURL string // the portal's public origin: the body's links to the portal become absolute
}

// For is the Composer for a newsletter service: its portal's base URL.
func For(svc *newsletter.Service) Composer { return Composer{BaseURL: svc.Config.BaseURL} }

// Compose implements newsletter.Composer.
func (c Composer) Compose(slug string, sources map[string]string) (newsletter.Draft, error) {
	n, err := Parse(slug, sources)
	if err != nil {
		return newsletter.Draft{}, err
	}
	r, err := Render(n, c.BaseURL)
	if err != nil {
		return newsletter.Draft{}, err
	}
	return newsletter.Draft{SendAt: n.SendAt, Rendered: r}, nil
}

// Sync puts every newsletter under contentDir in the store, rendered, as a
// ready send, or refreshes one that has not started (a started send keeps
// the words it started with). It returns the slugs it wrote.
func Sync(ctx context.Context, svc *newsletter.Service, contentDir string) ([]string, error) {
	slugs, err := List(contentDir)
	if err != nil {
		return nil, err
	}
	c := For(svc)
	var written []string
	var errs []error
	for _, slug := range slugs {
		sources, err := ReadSources(contentDir, slug)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		changed, err := svc.Prepare(ctx, c, slug, sources, "sync")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if changed {
			written = append(written, slug)
		}
	}
	return written, errors.Join(errs...)
}
