package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

func TestDemoSeedsListedMembersOnce(t *testing.T) {
	data := t.TempDir()
	db := filepath.Join(data, "okaeri.db")
	for run, want := range []string{"5 fictional members added (0 already there)", "0 fictional members added (5 already there)"} {
		e, stdout, stderr := storeEnv("bolt:"+db, "")
		if err := cmdDemo(context.Background(), e, []string{"--data", data}); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, stderr)
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("run %d: %q, want %q", run, stdout.String(), want)
		}
	}
	st, err := bolt.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := account.New(st, nil, nil, account.Config{}, nil)
	dp, err := s.Directory(context.Background(), store.Member{ID: "nobody"}, account.DirectoryQuery{OpenTo: []string{"mentoring"}})
	if err != nil {
		t.Fatal(err)
	}
	if entries := dp.Members; len(entries) != 4 {
		t.Errorf("%d members open to mentoring, want 4: %+v", len(entries), entries)
	}
	if m, err := st.GetMemberByEmail(context.Background(), "hr@example.co.jp"); err != nil || m.Status != store.StatusApproved {
		t.Errorf("HR's demo account: %v %v", m.Status, err)
	}
}
