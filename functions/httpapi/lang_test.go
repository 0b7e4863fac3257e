package httpapi

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// nextCases are redirect targets and whether each is a page of this site.
// The same table checks SafeNext and the login page's script.
var nextCases = []struct {
	next string
	ok   bool
}{
	{"/", true},
	{"/members/", true},
	{"/en/members/events/?page=2#top", true},
	{"/members/%E3%82%A4%E3%83%99%E3%83%B3%E3%83%88/", true},
	{"/members/イベント/", true},
	{"/a%20b", true},        // an encoded space stays encoded in Location
	{"/%09/evil.com", true}, // decoded it is a path with one slash; browsers keep it encoded
	{"", false},
	{"members/", false},
	{"//evil.com", false},
	{"///evil.com", false},
	{"/\\evil.com", false},
	{"/\\/evil.com", false},
	{"\\\\evil.com", false},
	{"/x\\y", false},
	{"/\t/evil.com", false},
	{"/\n/evil.com", false},
	{"/\r\n/evil.com", false},
	{"/x\x00y", false},
	{"/x\x7fy", false},
	{"/x\u0085y", false}, // C1 control (NEL)
	{"/x\u3000y", false}, // ideographic space
	{"/x\u00a0y", false}, // no-break space
	{" /x", false},
	{"/x y", false},
	{"/x\t", false},
	{"https://evil.com/", false},
	{"https:evil.com", false},
	{"https:/evil.com", false},
	{"javascript:alert(1)", false},
	{"JAVASCRIPT:alert(1)", false},
	{"data:text/html,x", false},
	{"/%2F/evil.com", false},   // decoded: //evil.com
	{"/%2f%2fevil.com", false}, // decoded: ///evil.com
	{"/%5Cevil.com", false},    // decoded: /\evil.com
	{"/%zz", false},            // not a URL
	{"/x\xffy", false},         // not UTF-8
	{"/" + strings.Repeat("a", 2001), false},
}

func TestSafeNextKeepsRedirectsOnTheSite(t *testing.T) {
	for _, c := range nextCases {
		got := SafeNext(c.next, "/fallback")
		want := "/fallback"
		if c.ok {
			want = c.next
		}
		if got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", c.next, got, want)
		}
	}
}

// The login page's script copies ?next= into the form; it must refuse what
// SafeNext refuses, judged by the browser's own URL parser (node's WHATWG
// URL is the same standard). Skipped where node is not installed.
func TestLoginScriptAgreesWithSafeNext(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	src, err := os.ReadFile("../../site/assets/js/portal.js")
	if err != nil {
		t.Fatal(err)
	}
	fn := regexp.MustCompile(`(?s)\n  function safeNext\(next\) \{.*?\n  \}\n`).Find(src)
	if fn == nil {
		t.Fatal("portal.js has no function safeNext(next)")
	}
	var cases []string
	for _, c := range nextCases {
		if !strings.Contains(c.next, "\xff") { // JSON cannot carry invalid UTF-8; the browser never sees it
			cases = append(cases, c.next)
		}
	}
	in, _ := json.Marshal(cases)
	script := `var location = {origin: "https://alumni.example.co.jp"};` + string(fn) +
		`process.stdout.write(JSON.stringify(` + string(in) + `.map(function (n) { return safeNext(n); })));`
	out, err := exec.Command(node, "-e", script).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []bool
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("node said %s (%v)", out, err)
	}
	for i, next := range cases {
		if want := SafeNext(next, "") == next && next != ""; got[i] != want {
			t.Errorf("portal.js safeNext(%q) = %v, SafeNext says %v", next, got[i], want)
		}
	}
}

// day is a Localized parameter for the test.
type day struct{}

func (day) In(lang string) string {
	if lang == LangEN {
		return "October 31, 2026"
	}
	return "2026年10月31日"
}

// TestMessageWritesLocalizedParamsInTheReadersLanguage: a date passed to a
// message is written in the language of the message, and the params are
// left as they were for the other language.
func TestMessageWritesLocalizedParamsInTheReadersLanguage(t *testing.T) {
	params := []any{day{}}
	if got := Message(LangJA, "job_closed", params...); got != "この求人は2026年10月31日に締め切りました。ご応募ありがとうございました。" {
		t.Errorf("ja: %q", got)
	}
	if got := Message(LangEN, "job_closed", params...); got != "This job closed on October 31, 2026. Thank you for your interest." {
		t.Errorf("en: %q", got)
	}
	if _, ok := params[0].(day); !ok {
		t.Errorf("the params were changed: %v", params)
	}
}
