package brand

import (
	"strings"
	"testing"
)

// TestHRFrameMarksHRsHome: HR's pages have a frame of their own, whose
// header marks HR's home; a site document synced before there was one
// still frames HR's pages, with the members' frame.
func TestHRFrameMarksHRsHome(t *testing.T) {
	s := Fallback()
	for _, lang := range []string{"ja", "en"} {
		hr, members := s.Frame(lang, HR), s.Frame(lang, Members)
		if !strings.Contains(hr, `<a href="/hr/" class="is-active">`) || strings.Contains(hr, `members/" class="is-active"`) {
			t.Errorf("%s: HR's frame does not mark HR's home alone:\n%s", lang, hr)
		}
		if strings.Contains(members, `href="/hr/"`) {
			t.Errorf("%s: the members' frame links HR's home", lang)
		}
	}
	old := Site{Company: s.Company, Frames: map[string]map[string]string{"ja": {Guest: "g", Member: "m", Members: "ms"}}}
	if got := old.Frame("ja", HR); got != "ms" {
		t.Errorf("an older document frames HR's pages with %q, want the members' frame", got)
	}
	if got := old.Frame("ja", Member); got != "m" {
		t.Errorf("member frame %q", got)
	}
}
