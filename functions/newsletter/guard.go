package newsletter

import "github.com/okaeri/okaeri/functions/mail/guard"

// BounceGuard is guard.BounceGuard: transactional mail skips addresses
// that hard-bounced, which this package's webhook records.
type BounceGuard = guard.BounceGuard
