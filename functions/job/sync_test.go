package job

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/content"
	"github.com/okaeri/okaeri/functions/store"
)

// TestSyncRepositoryContent syncs the repository's own content/: every
// published job lands in the store, public and members-only alike, and a
// second run changes nothing.
func TestSyncRepositoryContent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cat, problems, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil || len(problems) > 0 {
		t.Fatalf("content: %v %v", err, problems)
	}
	if len(cat.Jobs) == 0 {
		t.Fatal("the repository has no jobs")
	}
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	rep, err := Sync(ctx, f.st, content.StoreJobs(cat.Jobs), now)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	published, members := 0, 0
	for _, cj := range cat.Jobs {
		if cj.Draft {
			continue
		}
		published++
		j, err := f.st.GetJob(ctx, cj.ID)
		if err != nil {
			t.Fatalf("job %s: %v", cj.ID, err)
		}
		if j.Title != cj.Title[content.Japanese] || j.TitleEn != cj.Title[content.English] || string(j.EmploymentType) != cj.EmploymentType ||
			j.Department != cj.Department[content.Japanese] || j.DepartmentEn != cj.Department[content.English] ||
			j.Location != cj.Location[content.Japanese] || j.LocationEn != cj.Location[content.English] ||
			j.Visibility != cj.Visibility || !j.Closes.Equal(cj.Closes) || j.Contact != cj.Contact || j.Archived {
			t.Errorf("job %s stored as %+v", cj.ID, j)
		}
		if j.Visibility == store.VisibilityMembers {
			members++
		}
	}
	if members == 0 {
		t.Error("no members-only job synced")
	}
	// Of the fixture's jobs, those not in content/ are archived.
	notInContent := 0
	for _, id := range []string{"backend-engineer-rehire", "security-review-project", "qa-contract-2026"} {
		found := false
		for _, cj := range cat.Jobs {
			found = found || cj.ID == id && !cj.Draft
		}
		if !found {
			notInContent++
			if j, _ := f.st.GetJob(ctx, id); !j.Archived {
				t.Errorf("job %s is not in content/ but stays open", id)
			}
		}
	}
	if rep.Put != published || rep.Archived != notInContent {
		t.Fatalf("first sync: %+v, want %d put and %d archived", rep, published, notInContent)
	}
	again, err := Sync(ctx, f.st, content.StoreJobs(cat.Jobs), now.Add(time.Hour))
	if err != nil || again != (SyncReport{Unchanged: published}) {
		t.Fatalf("second sync: %+v %v", again, err)
	}
}

func TestSyncChangesAndArchives(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	job := content.Job{ID: "sre-contract", Title: map[string]string{"ja": "SRE（業務委託）", "en": "SRE (contract)"},
		Department: map[string]string{"ja": "基盤部"}, Location: map[string]string{"ja": "フルリモート"}, EmploymentType: "contract",
		Closes: time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC), Visibility: content.Public}
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	if _, err := Sync(ctx, f.st, content.StoreJobs([]content.Job{job}), now); err != nil {
		t.Fatal(err)
	}
	// HR extends the deadline: the change is written.
	job.Closes = time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	rep, err := Sync(ctx, f.st, content.StoreJobs([]content.Job{job}), now.Add(time.Hour))
	if err != nil || rep.Put != 1 {
		t.Fatalf("changed deadline: %+v %v", rep, err)
	}
	if j, _ := f.st.GetJob(ctx, "sre-contract"); !j.Closes.Equal(job.Closes) || !j.SyncedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("after the change: %+v", j)
	}
	// HR makes it a draft: archived, applications kept, new ones refused.
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	a := f.apply(m, "sre-contract")
	job.Draft = true
	rep, err = Sync(ctx, f.st, content.StoreJobs([]content.Job{job}), now.Add(2*time.Hour))
	if err != nil || rep.Archived != 1 {
		t.Fatalf("draft: %+v %v", rep, err)
	}
	if j, _ := f.st.GetJob(ctx, "sre-contract"); !j.Archived {
		t.Fatal("a draft job stays open")
	}
	if _, err := f.st.GetApplication(ctx, a.ID); err != nil {
		t.Fatalf("its application: %v", err)
	}
	other := f.member("taro@example.net", "佐藤 太郎", store.LanguageJa)
	if _, _, err := f.s.Apply(ctx, other.Member, "sre-contract", ApplyInput{Message: "x"}); err == nil {
		t.Fatal("applied to an archived job")
	}
	// Published again: open again.
	job.Draft = false
	if rep, err := Sync(ctx, f.st, content.StoreJobs([]content.Job{job}), now.Add(3*time.Hour)); err != nil || rep.Put != 1 {
		t.Fatalf("republished: %+v %v", rep, err)
	}
	if j, _ := f.st.GetJob(ctx, "sre-contract"); j.Archived {
		t.Fatal("a republished job stays archived")
	}
}
