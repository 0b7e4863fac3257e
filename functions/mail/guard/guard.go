package guard

import (
	"context"
	"errors"
	"log/slog"

	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// BounceGuard is the Mailer for transactional mail (verification, login,
// RSVP, applications): it is not subject to newsletter consent or to
// unsubscribes, but a hard-bounced address is not mailed again, which
// protects the sender's reputation. Such a message is dropped with a log
// line (the address's domain only) and Send returns nil, so a flow such as
// login answers as it always does.
type BounceGuard struct {
	Next         mail.Mailer
	Suppressions store.Suppressions
	Log          *slog.Logger
}

var _ mail.Mailer = BounceGuard{}

// Send implements mail.Mailer.
func (g BounceGuard) Send(ctx context.Context, m mail.Message) error {
	sup, err := g.Suppressions.GetSuppression(ctx, m.To.Email)
	switch {
	case err == nil && sup.Has(store.SuppressBounce):
		if g.Log != nil {
			g.Log.InfoContext(ctx, "mail not sent: the address hard-bounced", "category", m.Category, "to_domain", m.To.Domain())
		}
		return nil
	case err != nil && !errors.Is(err, store.ErrNotFound) && g.Log != nil:
		// A login link matters more than the check: send anyway.
		g.Log.WarnContext(ctx, "suppression check failed; sending", "category", m.Category, "err", err)
	}
	return g.Next.Send(ctx, m)
}
