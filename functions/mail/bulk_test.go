package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/mail"
)

type recorder struct {
	sent []mail.Message
	fail int // fail the n-th send (1-based), 0: never
}

func (r *recorder) Send(_ context.Context, m mail.Message) error {
	if r.fail == len(r.sent)+1 {
		return errors.New("disk full")
	}
	r.sent = append(r.sent, m)
	return nil
}

func bulk(n int) mail.Bulk {
	b := mail.Bulk{From: mail.Address{Email: "alumni@example.co.jp"}, Subject: "秋号", Text: "[[n]] 様 [[u]]", HTML: "<p>[[n:h]] 様</p>",
		Headers: map[string]string{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}}
	for i := range n {
		b.Recipients = append(b.Recipients, mail.BulkRecipient{
			To:            mail.Address{Email: fmt.Sprintf("a%d@example.jp", i)},
			Substitutions: map[string]string{"[[n]]": fmt.Sprint("名前", i), "[[n:h]]": "&lt;名前&gt;", "[[u]]": "https://x/u?t=[[n]]"},
			Headers:       map[string]string{"List-Unsubscribe": fmt.Sprintf("<https://x/u?t=%d>", i)},
		})
	}
	return b
}

func TestExpand(t *testing.T) {
	msgs := bulk(2).Expand()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[1]
	if m.Text != "名前1 様 https://x/u?t=[[n]]" {
		t.Fatalf("text %q: keys are replaced once, values never re-expanded", m.Text)
	}
	if m.HTML != "<p>&lt;名前&gt; 様</p>" || m.To.Email != "a1@example.jp" {
		t.Fatalf("html %q to %s", m.HTML, m.To.Email)
	}
	if m.Headers["List-Unsubscribe"] != "<https://x/u?t=1>" || m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers %v", m.Headers)
	}
}

func TestBulkValidate(t *testing.T) {
	if err := bulk(1000).Validate(); err != nil {
		t.Fatal(err)
	}
	cases := map[string]mail.Bulk{"1,001 recipients": bulk(1001), "none": bulk(0)}
	dup := bulk(3)
	dup.Recipients[2].To.Email = "A0@example.jp"
	cases["an address twice"] = dup
	nl := bulk(1)
	nl.Recipients[0].Headers["X-Evil"] = "a\r\nBcc: x@example.jp"
	cases["header injection"] = nl
	for name, b := range cases {
		if err := b.Validate(); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOneByOne(t *testing.T) {
	r := &recorder{}
	if _, err := (mail.OneByOne{Mailer: r}).SendBulk(context.Background(), bulk(3)); err != nil {
		t.Fatal(err)
	}
	if len(r.sent) != 3 || !strings.HasPrefix(r.sent[2].Text, "名前2 様") {
		t.Fatalf("sent %d", len(r.sent))
	}
	// A failure on the first message: nothing went, retry is safe.
	_, err := (mail.OneByOne{Mailer: &recorder{fail: 1}}).SendBulk(context.Background(), bulk(3))
	var se *mail.SendError
	if !errors.As(err, &se) || !se.Retryable || se.Uncertain {
		t.Fatalf("first fails: %#v", err)
	}
	// A failure part-way: some copies went, so the batch is uncertain.
	_, err = (mail.OneByOne{Mailer: &recorder{fail: 2}}).SendBulk(context.Background(), bulk(3))
	if !errors.As(err, &se) || !se.Uncertain {
		t.Fatalf("second fails: %#v", err)
	}
}
