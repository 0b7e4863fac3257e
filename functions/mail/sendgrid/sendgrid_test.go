package sendgrid_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/mail/sendgrid/sendgridtest"
)

func newClient(t *testing.T, base string) *sendgrid.Client {
	t.Helper()
	c, err := sendgrid.New(sendgrid.Config{APIKey: "SG.test-key", BaseURL: base, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var from = mail.Address{Name: "アルムナイ事務局", Email: "alumni@example.co.jp"}

func bulk(n int) mail.Bulk {
	b := mail.Bulk{ID: "000001", From: from, Subject: "秋号 [[name]]", Text: "こんにちは [[name]] さん", HTML: "<p>こんにちは [[name]] さん</p>",
		Headers: map[string]string{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}, Category: "newsletter"}
	for i := range n {
		b.Recipients = append(b.Recipients, mail.BulkRecipient{
			To:            mail.Address{Name: fmt.Sprint("卒業生 ", i), Email: fmt.Sprintf("alum%d@example.jp", i)},
			Substitutions: map[string]string{"[[name]]": fmt.Sprint("卒業生 ", i)},
			Headers:       map[string]string{"List-Unsubscribe": fmt.Sprintf("<https://portal.example.jp/api/unsubscribe?token=t%d>", i)},
			Args:          map[string]string{"okaeri_member": fmt.Sprint("m", i)},
		})
	}
	return b
}

func TestSendBulkShape(t *testing.T) {
	fake := sendgridtest.New()
	defer fake.Close()
	receipt, err := newClient(t, fake.URL).SendBulk(context.Background(), bulk(1000))
	if err != nil {
		t.Fatal(err)
	}
	reqs := fake.Accepted()
	if len(reqs) != 1 {
		t.Fatalf("%d accepted requests, want 1", len(reqs))
	}
	r := reqs[0]
	if receipt.MessageID == "" || receipt.MessageID != r.MessageID {
		t.Fatalf("receipt %q, server message id %q", receipt.MessageID, r.MessageID)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer SG.test-key" {
		t.Fatalf("Authorization %q", got)
	}
	b := r.Body
	if len(b.Personalizations) != 1000 || b.Subject != "秋号 [[name]]" || b.From.Address != from.Email || b.From.Name != from.Name {
		t.Fatalf("body: %d personalizations, subject %q, from %+v", len(b.Personalizations), b.Subject, b.From)
	}
	if len(b.Content) != 2 || b.Content[0].Type != "text/plain" || b.Content[1].Type != "text/html" {
		t.Fatalf("content: %+v", b.Content)
	}
	p := b.Personalizations[7]
	if p.To[0].Address != "alum7@example.jp" || p.Substitutions["[[name]]"] != "卒業生 7" || p.CustomArgs["okaeri_member"] != "m7" ||
		!strings.Contains(p.Headers["List-Unsubscribe"], "token=t7") {
		t.Fatalf("personalization 7: %+v", p)
	}
	if b.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || len(b.Categories) != 1 || b.Categories[0] != "newsletter" {
		t.Fatalf("request headers %v, categories %v", b.Headers, b.Categories)
	}
}

func TestSendBulkClassifiesAnswers(t *testing.T) {
	fake := sendgridtest.New()
	defer fake.Close()
	c := newClient(t, fake.URL)
	ctx := context.Background()

	fake.Fail(sendgridtest.TooManyRequests(3 * time.Second))
	_, err := c.SendBulk(ctx, bulk(2))
	var se *mail.SendError
	if !errors.As(err, &se) || se.Status != 429 || !se.Retryable || se.Uncertain || se.RetryAfter < 2*time.Second || se.RetryAfter > 3*time.Second {
		t.Fatalf("429: %#v", err)
	}
	fake.Fail(sendgridtest.ServerError(503))
	_, err = c.SendBulk(ctx, bulk(2))
	if !errors.As(err, &se) || se.Status != 503 || !se.Retryable {
		t.Fatalf("503: %#v", err)
	}
	fake.Fail(sendgridtest.Answer{Status: 400, Body: `{"errors":[{"message":"The email address someone@example.jp is not valid","field":"personalizations.0.to"}]}`})
	_, err = c.SendBulk(ctx, bulk(2))
	if !errors.As(err, &se) || se.Status != 400 || se.Retryable || se.Uncertain {
		t.Fatalf("400: %#v", err)
	}
	if strings.Contains(err.Error(), "someone@") || !strings.Contains(se.Detail, "personalizations.0.to") {
		t.Fatalf("400 detail must name the field and no address: %q", err)
	}

	bad := newClient(t, fake.URL)
	fake.APIKey = "SG.other"
	_, err = bad.SendBulk(ctx, bulk(1))
	if !errors.As(err, &se) || se.Status != 401 || se.Retryable {
		t.Fatalf("401: %#v", err)
	}
	fake.APIKey = "SG.test-key"

	// A Bulk over the limit never leaves the process.
	before := len(fake.Requests())
	_, err = c.SendBulk(ctx, bulk(1001))
	if !errors.Is(err, mail.ErrInvalidMessage) || len(fake.Requests()) != before {
		t.Fatalf("1,001 recipients: %v (%d requests made)", err, len(fake.Requests())-before)
	}
}

// TestSendBulkLostAnswerIsUncertain: the request reached the server, which
// hung up without answering: the batch may have been accepted.
func TestSendBulkLostAnswerIsUncertain(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1<<20)
		for {
			if _, err := r.Body.Read(buf); err != nil {
				break
			}
		}
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})}
	go srv.Serve(ln)
	defer srv.Close()
	_, err = newClient(t, "http://"+ln.Addr().String()).SendBulk(context.Background(), bulk(3))
	var se *mail.SendError
	if !errors.As(err, &se) || !se.Uncertain || se.Retryable {
		t.Fatalf("lost answer: %#v, want Uncertain", err)
	}

	// Nobody listening: nothing was sent, so it is safe to retry.
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln2.Addr().String()
	ln2.Close()
	_, err = newClient(t, "http://"+addr).SendBulk(context.Background(), bulk(3))
	if !errors.As(err, &se) || se.Uncertain || !se.Retryable {
		t.Fatalf("connection refused: %#v, want Retryable", err)
	}
}

func TestSendTransactionalRetries(t *testing.T) {
	fake := sendgridtest.New()
	defer fake.Close()
	fake.Fail(sendgridtest.TooManyRequests(0), sendgridtest.ServerError(500))
	err := newClient(t, fake.URL).Send(context.Background(), mail.Message{From: from, To: mail.Address{Name: "山田 花子", Email: "hanako@example.jp"},
		Subject: "ログイン", Text: "リンク", Category: "login", Headers: map[string]string{"X-Entity-Ref-ID": "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if len(reqs) != 3 || reqs[0].Status != 429 || reqs[1].Status != 500 || reqs[2].Status != 202 {
		t.Fatalf("requests: %d", len(reqs))
	}
	p := reqs[2].Body.Personalizations
	if len(p) != 1 || p[0].To[0].Address != "hanako@example.jp" || p[0].Headers["X-Entity-Ref-ID"] != "abc" || len(reqs[2].Body.Content) != 1 {
		t.Fatalf("transactional body: %+v", reqs[2].Body)
	}

	fake.Fail(sendgridtest.Answer{Status: 403, Body: `{"errors":[{"message":"forbidden"}]}`})
	err = newClient(t, fake.URL).Send(context.Background(), mail.Message{From: from, To: mail.Address{Email: "x@example.jp"}, Subject: "s", Text: "t"})
	var se *mail.SendError
	if !errors.As(err, &se) || se.Status != 403 || len(fake.Requests()) != 4 {
		t.Fatalf("403 must not be retried: %v after %d requests", err, len(fake.Requests()))
	}
}

// TestFakeEnforcesContract: what SendGrid refuses, the fake refuses.
func TestFakeEnforcesContract(t *testing.T) {
	good := func() *sgmail.SGMailV3 { return sendgrid.BulkRequest(bulk(2)) }
	cases := []struct {
		name  string
		edit  func(*sgmail.SGMailV3)
		field string
	}{
		{"no from", func(m *sgmail.SGMailV3) { m.From = nil }, "from.email"},
		{"no personalizations", func(m *sgmail.SGMailV3) { m.Personalizations = nil }, "personalizations"},
		{"1,001 personalizations", func(m *sgmail.SGMailV3) { m.Personalizations = sendgrid.BulkRequest(bulk(1001)).Personalizations }, "personalizations"},
		{"1,001 recipients in fewer personalizations", func(m *sgmail.SGMailV3) {
			m.Personalizations = sendgrid.BulkRequest(bulk(500)).Personalizations
			for i, p := range m.Personalizations {
				p.AddCCs(sgmail.NewEmail("", fmt.Sprintf("cc%d@example.jp", i)))
			}
			m.Personalizations[0].AddBCCs(sgmail.NewEmail("", "one-more@example.jp"))
		}, "personalizations"},
		{"no subject", func(m *sgmail.SGMailV3) { m.Subject = "" }, "subject"},
		{"no content", func(m *sgmail.SGMailV3) { m.Content = nil }, "content"},
		{"html before text", func(m *sgmail.SGMailV3) { m.Content[0], m.Content[1] = m.Content[1], m.Content[0] }, "content"},
		{"same address twice in a personalization", func(m *sgmail.SGMailV3) {
			m.Personalizations[0].AddCCs(sgmail.NewEmail("", m.Personalizations[0].To[0].Address))
		}, "personalizations.0"},
		{"bad address", func(m *sgmail.SGMailV3) { m.Personalizations[1].To[0].Address = "not-an-address" }, "personalizations.1"},
		{"reserved header", func(m *sgmail.SGMailV3) { m.Personalizations[0].Headers["Subject"] = "x" }, "personalizations.0.headers"},
		{"substitutions over 10,000 bytes", func(m *sgmail.SGMailV3) {
			m.Personalizations[0].Substitutions["[[big]]"] = strings.Repeat("あ", 4000)
		}, "personalizations.0.substitutions"},
	}
	for _, c := range cases {
		m := good()
		c.edit(m)
		if field, msg := sendgridtest.Check(m); field != c.field || msg == "" {
			t.Errorf("%s: Check = %q, %q; want field %q", c.name, field, msg, c.field)
		}
	}
	if field, msg := sendgridtest.Check(good()); msg != "" {
		t.Fatalf("a good request refused: %s %s", field, msg)
	}
}

func TestWebhookVerifier(t *testing.T) {
	key, err := sendgridtest.NewWebhookKey()
	if err != nil {
		t.Fatal(err)
	}
	v, err := sendgrid.NewWebhookVerifier(key.PublicBase64)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_790_000_000, 0)
	v.Now = func() time.Time { return now }
	events := []map[string]any{{"email": "a@example.jp", "event": "open", "sg_event_id": "e1"}}
	req, err := key.WebhookRequest("http://portal/api/webhooks/sendgrid", events, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, req)
	if err := v.Verify(req.Header, body); err != nil {
		t.Fatalf("good signature refused: %v", err)
	}
	tampered := []byte(strings.Replace(string(body), "open", "bounce", 1))
	if err := v.Verify(req.Header, tampered); !errors.Is(err, sendgrid.ErrBadSignature) {
		t.Fatalf("tampered body: %v", err)
	}
	h := req.Header.Clone()
	h.Del(sendgrid.SignatureHeader)
	if err := v.Verify(h, body); !errors.Is(err, sendgrid.ErrBadSignature) {
		t.Fatalf("no signature: %v", err)
	}
	h = req.Header.Clone()
	h.Set(sendgrid.SignatureHeader, "bm90IGEgc2lnbmF0dXJl")
	if err := v.Verify(h, body); !errors.Is(err, sendgrid.ErrBadSignature) {
		t.Fatalf("garbage signature: %v", err)
	}
	other, _ := sendgridtest.NewWebhookKey()
	h = req.Header.Clone()
	sig, _ := other.Sign(h.Get(sendgrid.TimestampHeader), body)
	h.Set(sendgrid.SignatureHeader, sig)
	if err := v.Verify(h, body); !errors.Is(err, sendgrid.ErrBadSignature) {
		t.Fatalf("signed with another key: %v", err)
	}
	stale, _ := key.WebhookRequest("http://portal/x", events, now.Add(-11*time.Minute))
	if err := v.Verify(stale.Header, readAll(t, stale)); !errors.Is(err, sendgrid.ErrStale) {
		t.Fatalf("stale timestamp: %v", err)
	}
	future, _ := key.WebhookRequest("http://portal/x", events, now.Add(11*time.Minute))
	if err := v.Verify(future.Header, readAll(t, future)); !errors.Is(err, sendgrid.ErrStale) {
		t.Fatalf("future timestamp: %v", err)
	}

	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte("not der")), rsaKey(t)} {
		if _, err := sendgrid.NewWebhookVerifier(bad); err == nil {
			t.Errorf("key %.20q accepted", bad)
		}
	}
}

func rsaKey(t *testing.T) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

func readAll(t *testing.T, r *http.Request) []byte {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return []byte(b.String())
}
