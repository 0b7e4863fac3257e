package newsletter

import (
	"testing"

	"github.com/okaeri/okaeri/functions/httpapi"
)

// SendGrid's webhook takes its batches; every other route keeps the JSON
// and form limit.
func TestOnlyTheWebhookTakesLargeBodies(t *testing.T) {
	for p, h := range (Handler{}).Routes() {
		want := int64(httpapi.MaxBodyBytes)
		if p == "POST "+WebhookPath {
			want = maxWebhookBody
		}
		if got := httpapi.BodyLimitOf(h); got != want {
			t.Errorf("%s: body limit %d, want %d", p, got, want)
		}
	}
}
