package content

import (
	"strings"
	"testing"
)

// online_url is the meeting link sync stores for confirmed attendees: it is
// read into the catalog, checked, and never echoed in a problem (problems
// end up in CI logs).
func TestEventOnlineURL(t *testing.T) {
	withURL := func(text, line string) string {
		return strings.Replace(text, "capacity: 40\n", "capacity: 40\n"+line+"\n", 1)
	}
	const secret = "https://meet.example.com/j/secret-room-123"

	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"events/bbq.md":    withURL(bbqJA, "online_url: "+secret),
		"events/bbq.en.md": withURL(bbqEN, "online_url: "+secret),
	})
	cat, problems, err := Load(dir)
	if err != nil || len(problems) != 0 {
		t.Fatalf("valid online_url: %v %v", problems, err)
	}
	if len(cat.Events) != 1 || cat.Events[0].OnlineURL != secret {
		t.Fatalf("catalog: %+v", cat.Events)
	}

	for name, files := range map[string]map[string]string{
		"plain http": {"events/bbq.md": withURL(bbqJA, "online_url: http://meet.example.com/j/secret-room-123")},
		"not a URL":  {"events/bbq.md": withURL(bbqJA, "online_url: secret-room-123")},
		"translation disagrees": {
			"events/bbq.md":    withURL(bbqJA, "online_url: "+secret),
			"events/bbq.en.md": withURL(bbqEN, "online_url: https://meet.example.com/j/secret-room-999"),
		},
	} {
		dir := t.TempDir()
		writeTree(t, dir, files)
		_, problems, err := Load(dir)
		if err != nil || len(problems) != 1 || problems[0].Line != 8 || !strings.Contains(problems[0].Message, "online_url") {
			t.Errorf("%s: %v %v", name, problems, err)
			continue
		}
		if strings.Contains(problems[0].String(), "secret-room") {
			t.Errorf("%s: the problem shows the link: %s", name, problems[0])
		}
	}
}
