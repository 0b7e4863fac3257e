package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/servetest"
)

// TestCommandsRunInsideARunningServer: while okaeri serve holds the
// embedded store, HR's `okaeri sync` runs inside the server (over the
// control socket in the data folder) and the running portal has the
// change at once; a command from another folder, or one that cannot run
// beside the server, says so and changes nothing.
func TestCommandsRunInsideARunningServer(t *testing.T) {
	p := startPortal(t)
	ctx := context.Background()
	data := p.srv.DataDir
	here, err := os.Getwd() // the server's working folder
	if err != nil {
		t.Fatal(err)
	}
	const id = "career-talk-2027-01" // in the repository's content/
	if r := p.do("GET", "/api/events/"+id, nil); r.StatusCode != 404 {
		t.Fatalf("before sync: %d", r.StatusCode)
	}
	if info, err := os.Stat(filepath.Join(data, "okaeri.sock")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("control socket: %v %v", info, err)
	}
	contentDir := filepath.Join(p.root, "content")

	// From another folder: refused, nothing synced.
	out, err := servetest.Command(ctx, p.root, p.bin, "sync", "--data", data, "--dir", contentDir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "okaeri serve is running in "+here) {
		t.Fatalf("sync from another folder: %v\n%s", err, out)
	}
	if r := p.do("GET", "/api/events/"+id, nil); r.StatusCode != 404 {
		t.Fatalf("a refused sync synced: %d", r.StatusCode)
	}

	// From the server's folder: it runs inside the server.
	out, err = servetest.Command(ctx, here, p.bin, "sync", "--data", data, "--dir", contentDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "events: ") || !strings.Contains(string(out), "newsletters: ") {
		t.Fatalf("sync beside the server: %v\n%s", err, out)
	}
	if r := p.do("GET", "/api/events/"+id, nil); r.StatusCode != 200 || !strings.Contains(r.body, id) {
		t.Fatalf("after sync: %d %s", r.StatusCode, r.body)
	}
	// Its exit status comes back too: a usage mistake is 2.
	cmd := servetest.Command(ctx, here, p.bin, "events", "invite", "--data", data)
	if out, err := cmd.CombinedOutput(); cmd.ProcessState.ExitCode() != 2 {
		t.Errorf("usage mistake: exit %d (%v)\n%s", cmd.ProcessState.ExitCode(), err, out)
	}
	// store export opens the engine itself: it waits for the lock and says why.
	out, err = servetest.Command(ctx, here, p.bin, "store", "export", "--data", data, "--out", filepath.Join(t.TempDir(), "x.jsonl")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use by another process") {
		t.Fatalf("store export beside the server: %v\n%s", err, out)
	}
}
