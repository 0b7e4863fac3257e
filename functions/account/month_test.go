package account

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
)

// Registration reads months with the roster import's own reader: what HR's
// roster holds, a member may type, and it is stored as YYYY-MM.
func TestRegistrationAcceptsTheRostersMonthForms(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	for i, c := range []struct{ joined, left string }{
		{"2015年4月", "2020年3月"}, {"2015/4", "2020/3"}, {"2015-04", "2020-03"}, {"201504", "２０２０年３月"},
	} {
		in := input("month" + string(rune('a'+i)) + "@example.com")
		in.Joined, in.Left = c.joined, c.left
		if err := f.s.Register(ctx, in, "client"+string(rune('a'+i))); err != nil {
			t.Fatalf("%q–%q refused: %v", c.joined, c.left, err)
		}
		m, err := f.s.Store.GetMemberByEmail(ctx, in.Email)
		if err != nil {
			t.Fatal(err)
		}
		if m.Joined != "2015-04" || m.Left != "2020-03" {
			t.Errorf("%q–%q stored as %q–%q", c.joined, c.left, m.Joined, m.Left)
		}
	}
}

func TestRegistrationMonthErrorsGiveAnExample(t *testing.T) {
	for _, c := range []struct {
		joined, left, field, code string
	}{
		{"2015年", "2020-03", "joined", "month"},
		{"April 2015", "2020-03", "joined", "month"},
		{"2020年4月", "2015年3月", "left", "before_joined"},
		{"2015-04", "2099年1月", "left", "future"},
	} {
		in := input("x@example.com")
		in.Joined, in.Left = c.joined, c.left
		err := in.Validate("2026-04-01", time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
		e := httpapi.AsError(err)
		if e.Code != httpapi.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != c.field || e.Fields[0].Code != c.code {
			t.Errorf("%q–%q: %+v", c.joined, c.left, e)
			continue
		}
		if c.code != "month" {
			continue
		}
		for lang, want := range map[string]string{"ja": "2015年4月", "en": "2015-04"} {
			p := httpapi.ProblemFor(err, lang)
			if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, want) {
				t.Errorf("%s message %+v gives no example %q", lang, p.Errors, want)
			}
		}
	}
}
