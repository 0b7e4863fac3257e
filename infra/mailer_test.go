package infra_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/mail/queue"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// The mailer function, started by the table's stream as Lambda does it
// (a batch of records, keys only), sends what the other functions queued,
// once; it needs no session keys.
func TestMailerSendsTheQueue(t *testing.T) {
	t.Parallel()
	env, db := baseEnv(t, "mailer")
	env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "OKAERI_SESSION_KEYS=") })
	st, err := bolt.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := mail.Message{
		From: mail.Address{Name: "アルムナイ事務局", Email: "alumni@example.co.jp"}, To: mail.Address{Name: "山田 花子", Email: "hanako@example.com"},
		Subject: "ログインのご案内", Text: "こちらからログインしてください。", Category: "login",
	}
	if err := queue.NewMailer(st, nil).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	st.Close()

	p := start(t, "mailer", env)
	records := `{"Records":[{"eventID":"1","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"ap-northeast-1",
		"dynamodb":{"ApproximateCreationDateTime":1775000000,"Keys":{"PK":{"S":"MAILQ"},"SK":{"S":"2026-04-01T09:00:00.000000000Z#X"}},
		"SequenceNumber":"100","SizeBytes":60,"StreamViewType":"KEYS_ONLY"},
		"eventSourceARN":"arn:aws:dynamodb:ap-northeast-1:123456789012:table/okaeri-test/stream/2026-04-01T00:00:00.000"}]}`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var res struct {
		Job    string       `json:"job"`
		Report queue.Report `json:"report"`
	}
	if err := p.API.InvokeJSON(ctx, json.RawMessage(records), &res); err != nil {
		t.Fatalf("stream event: %v\n%s", err, p.Output())
	}
	if res.Job != lambda.JobMailDrain || res.Report != (queue.Report{Sent: 1}) {
		t.Fatalf("stream event answered %+v, want 1 sent", res)
	}
	sent, err := outbox.List(filepath.Join(filepath.Dir(db), "okaeri", "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || !strings.Contains(sent[0].To, "hanako@example.com") {
		t.Fatalf("outbox after the drain: %+v", sent)
	}
	// The schedule's run finds nothing left.
	if err := p.API.InvokeJSON(ctx, map[string]string{"job": lambda.JobMailDrain}, &res); err != nil || res.Report != (queue.Report{}) {
		t.Fatalf("scheduled drain: %+v, %v", res, err)
	}
}
