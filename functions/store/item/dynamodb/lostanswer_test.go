package dynamodb_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/table"
)

// A claim whose answer is lost after DynamoDB applied it: the SDK retries
// the UpdateItem, which then fails its condition on the item the first
// attempt changed. The store recognises its own claim (the nonce it wrote)
// and reports the mail claimed, once; without that the mail would be held
// by nobody until its lease lapsed.
func TestClaimWithALostAnswerIsTheCallersWin(t *testing.T) {
	t.Parallel()
	in := &injector{op: "UpdateItem", fail: 1, status: http.StatusInternalServerError, body: errorAnswer("InternalServerError"), afterSend: true}
	db := injected(t, in)
	st := table.New(db, table.Options{})
	ctx := context.Background()
	now := time.Now().UTC()
	if _, err := st.EnqueueMail(ctx, store.QueuedMail{Payload: []byte("{}"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err := st.ClaimMail(ctx, now.Add(time.Second), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.realStatus) != 1 || in.realStatus[0] != http.StatusOK {
		t.Fatalf("the first attempt's real answers %v, want [200]: the claim was not applied before its answer was lost", in.realStatus)
	}
	if _, att := in.counts(); att != 2 {
		t.Fatalf("UpdateItem attempts %d, want 2 (the SDK's retry)", att)
	}
	if len(got) != 1 || got[0].Attempts != 1 {
		t.Fatalf("claimed %+v, want the one mail with 1 attempt (claimed once)", got)
	}
	if again, err := st.ClaimMail(ctx, now.Add(2*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed again under the lease: %+v, %v", again, err)
	}
}
