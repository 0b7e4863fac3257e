package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// Two runs of `okaeri lifecycle run`: the first nudges the member approved
// 8 days ago with an empty profile, the second nothing.
func TestLifecycleRunNudgesOnce(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	db := filepath.Join(data, "okaeri.db")
	st, err := bolt.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-8 * 24 * time.Hour)
	m, err := st.CreateMember(ctx, store.Member{Email: "hanako@example.com", Name: "山田 花子", Language: store.LanguageJa, Status: store.StatusApproved,
		Consents: map[string]store.Consent{"newsletter": {Given: true, PolicyVersion: "1", At: at}}, CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for run, want := range []string{"1 profile nudges, 0 yearly checks sent", "0 profile nudges, 0 yearly checks sent"} {
		e, stdout, stderr := storeEnv("bolt:"+db, "")
		if err := cmdLifecycle(ctx, e, []string{"run", "--data", data}); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, stderr)
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("run %d: %q, want %q", run, stdout.String(), want)
		}
	}
	st, err = bolt.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.GetMember(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Lifecycle[store.LifecycleNudge]; !ok {
		t.Errorf("no nudge claim: %v", got.Lifecycle)
	}
	sent, err := outbox.List(filepath.Join(data, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].Subject != "プロフィールを入力しませんか" || !strings.Contains(sent[0].To, "hanako@example.com") {
		t.Errorf("the outbox after two runs holds %d mails: %+v", len(sent), sent)
	}
}
