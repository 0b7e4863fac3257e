package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/store/bolt"
)

const syncEvent = "---\ntitle: 夏のバーベキュー\ndate: 2026-06-01\nstart: 2036-07-18T17:00:00+09:00\nend: 2036-07-18T20:00:00+09:00\nlocation: 屋上\ncapacity: %s\n---\n"

// TestSyncPutsEventsInTheStore: sync stores each event's machine-facing
// fields, is safe to run again, and refuses content with problems without
// writing anything.
func TestSyncPutsEventsInTheStore(t *testing.T) {
	t.Chdir(t.TempDir())
	writeContent(t, map[string]string{"events/bbq.md": strings.Replace(syncEvent, "%s", "40", 1)})
	for range 2 {
		e, stdout, stderr := contentEnv()
		if err := cmdSync(context.Background(), e, []string{"--data", "data"}); err != nil {
			t.Fatalf("sync: %v\n%s", err, stderr)
		}
		if !strings.HasPrefix(stdout.String(), "events: 1 synced") {
			t.Fatalf("sync printed %q", stdout)
		}
	}

	writeContent(t, map[string]string{"events/bbq.md": strings.Replace(syncEvent, "%s", "0", 1)})
	e, stdout, _ := contentEnv()
	err := cmdSync(context.Background(), e, []string{"--data", "data"})
	if err == nil || !strings.Contains(err.Error(), "nothing was synced") || !strings.Contains(stdout.String(), "content/events/bbq.md:7: capacity must be 1 or more") {
		t.Fatalf("sync of bad content: %v\n%s", err, stdout)
	}
	st, err := bolt.Open(filepath.Join("data", "okaeri.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev, err := st.GetEvent(context.Background(), "bbq")
	if err != nil || ev.Capacity != 40 {
		t.Fatalf("stored event: %+v %v", ev, err)
	}
}
