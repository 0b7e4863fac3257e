package newsletter_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/mail/sendgrid/sendgridtest"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/newsletter/compose"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// testKeys is a fixed keyring, so a child process signs like its parent.
var testKeys = auth.NewKeyring(auth.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})

var sender = mail.Address{Name: "アルムナイ事務局", Email: "alumni@example.co.jp"}

// fixture is a bolt store, a fake SendGrid and a newsletter Service.
type fixture struct {
	t     *testing.T
	dir   string
	store *bolt.Store
	fake  *sendgridtest.Server
	svc   *newsletter.Service
	waits *waits
}

// waits records the waits the runner asked for instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) list() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

func newFixture(t *testing.T, cfg newsletter.Config) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, fake: sendgridtest.New(), waits: &waits{}}
	t.Cleanup(f.fake.Close)
	f.open(cfg)
	t.Cleanup(func() { f.store.Close() })
	return f
}

// open (re)opens the store and builds the service on it.
func (f *fixture) open(cfg newsletter.Config) {
	st, err := bolt.Open(filepath.Join(f.dir, "okaeri.db"), &bolt.Options{NoSync: true})
	if err != nil {
		f.t.Fatal(err)
	}
	f.store = st
	f.svc = newService(st, f.fake.URL, cfg)
	f.svc.Sleep = f.waits.sleep
}

func newService(st store.Store, fakeURL string, cfg newsletter.Config) *newsletter.Service {
	client, err := sendgrid.New(sendgrid.Config{APIKey: "SG.test-key", BaseURL: fakeURL})
	if err != nil {
		panic(err)
	}
	cfg.BaseURL, cfg.From = "https://alumni.example.co.jp", sender
	return newsletter.New(st, client, testKeys, cfg, slog.New(slog.DiscardHandler))
}

// memberSpec varies the members addMembers creates.
type memberSpec struct {
	lang    store.Language
	status  store.Status
	consent bool
	dept    string
}

// addMembers creates n approved members with newsletter consent, emails
// alum<from+i>@example.jp, and returns their ids.
func (f *fixture) addMembers(from, n int, spec memberSpec) []string {
	f.t.Helper()
	if spec.lang == "" {
		spec.lang = store.LanguageJa
	}
	if spec.status == "" {
		spec.status = store.StatusApproved
	}
	ids := make([]string, 0, n)
	for i := from; i < from+n; i++ {
		m := store.Member{
			Email: fmt.Sprintf("alum%d@example.jp", i), Name: fmt.Sprintf("卒業生 %d", i), Roman: fmt.Sprintf("Alum %d", i),
			Language: spec.lang, Status: spec.status, Department: spec.dept, Left: "2020-03", Joined: "2015-04",
			Consents: map[string]store.Consent{"privacy": {Given: true, PolicyVersion: "2026-04-01", At: time.Now().Add(-time.Hour)}},
		}
		if spec.consent {
			m.Consents["newsletter"] = store.Consent{Given: true, PolicyVersion: "2026-04-01", At: time.Now().Add(-time.Hour)}
		}
		got, err := f.store.CreateMember(context.Background(), m)
		if err != nil {
			f.t.Fatalf("CreateMember: %v", err)
		}
		ids = append(ids, got.ID)
	}
	return ids
}

// prepare stores the test newsletter (testdata/content) as a ready send,
// with send_at removed so it goes at once.
func (f *fixture) prepare(slug string) {
	f.t.Helper()
	prepareIn(f.t, f.svc, slug)
}

func prepareIn(t testing.TB, svc *newsletter.Service, slug string) {
	t.Helper()
	sources, err := compose.ReadSources(testContent, "autumn-2026")
	if err != nil {
		t.Fatal(err)
	}
	for lang, src := range sources {
		sources[lang] = strings.Replace(src, "send_at: 2026-10-01T10:00:00+09:00\n", "", 1)
	}
	if _, err := svc.Prepare(context.Background(), compose.For(svc), slug, sources, "test"); err != nil {
		t.Fatal(err)
	}
}

// delivered checks that every address in want got exactly one message and
// nobody else got any.
func (f *fixture) exactlyOnce(want map[string]bool) {
	f.t.Helper()
	got := f.fake.Delivered()
	for addr, n := range got {
		if !want[addr] {
			f.t.Fatalf("%s got %d messages and should have got none", addr, n)
		}
		if n != 1 {
			f.t.Fatalf("%s got %d messages, want exactly 1", addr, n)
		}
	}
	for addr := range want {
		if got[addr] != 1 {
			f.t.Fatalf("%s got %d messages, want 1 (%d of %d addresses reached)", addr, got[addr], len(got), len(want))
		}
	}
}

// addresses is the set alum<from>..alum<from+n-1>.
func addresses(from, n int) map[string]bool {
	out := make(map[string]bool, n)
	for i := from; i < from+n; i++ {
		out[fmt.Sprintf("alum%d@example.jp", i)] = true
	}
	return out
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}
