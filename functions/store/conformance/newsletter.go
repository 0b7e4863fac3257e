package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// newsletterTests are the newsletter rules: sends, batches and deliveries
// (a member in one batch only; a batch sent at most once), the suppression
// list, engagement events once per sg_event_id, erasure.
func newsletterTests(newStore Factory) []subtest {
	return []subtest{
		{"NewsletterSend", testNewsletterSend},
		{"NewsletterSendInvalidRejected", testNewsletterSendInvalid},
		{"DeliveryBatchClaim", testDeliveryBatchClaim},
		{"DeliveryBatchTransitions", testDeliveryBatchTransitions},
		{"Suppressions", testSuppressions},
		{"Engagement", testEngagement},
		{"EraseNewsletterMember", testEraseNewsletterMember},
		{"NewsletterExportImport", withSecond(newStore, testNewsletterBackup)},
	}
}

// newsletterConcurrencyTests are the newsletter rules that must hold under concurrency.
func newsletterConcurrencyTests() []subtest {
	return []subtest{
		{"ConcurrentClaimDeliveryBatches", testConcurrentClaims},
		{"ConcurrentSameBatchClaim", testConcurrentSameBatchClaim},
		{"ConcurrentBatchSendingOnce", testConcurrentBatchSending},
		{"ConcurrentSuppress", testConcurrentSuppress},
		{"ConcurrentEngagement", testConcurrentEngagement},
		{"ConcurrentUpdateNewsletterSend", testConcurrentSendUpdate},
	}
}

func newSend(slug string) store.NewsletterSend {
	return store.NewsletterSend{
		Slug:   slug,
		Status: store.SendSending,
		Source: map[string]string{"ja": "---\ntitle: 秋号\nsubject: 件名\n---\n本文です。\n", "en": "---\ntitle: Autumn\nsubject: Subject\n---\nBody.\n"},
		Rendered: &store.RenderedNewsletter{
			BaseURL: "https://alumni.example.co.jp",
			Segment: store.NewsletterSegment{Language: "all", Departments: []string{"営業本部"}, LeftFrom: "2015", LeftTo: "2024-03", OpenTo: []string{"rehire"}},
			Editions: map[store.Language]store.RenderedEdition{
				store.LanguageJa: {Title: "秋号", Subject: "件名", Preheader: "お知らせ", HTML: `<p style="margin:0;" class="ok-text">本文です。<a href="https://alumni.example.co.jp/events/?a=1&amp;b=2">"イベント"</a></p>` + "\n", Text: "本文です。"},
				store.LanguageEn: {Title: "Autumn", Subject: "Subject", HTML: "<p>Body.</p>\n", Text: "Body."},
			},
		},
		Actor:     "cli",
		Report:    store.SendReport{Recipients: 3},
		CreatedAt: t0,
	}
}

func mustCreateSend(t *testing.T, s store.Store, slug string) store.NewsletterSend {
	t.Helper()
	got, err := s.CreateNewsletterSend(context.Background(), newSend(slug))
	if err != nil {
		t.Fatalf("CreateNewsletterSend(%s): %v", slug, err)
	}
	return got
}

// recipients builds batch recipients m<from>..m<to-1>.
func recipients(from, to int) []store.BatchRecipient {
	var out []store.BatchRecipient
	for i := from; i < to; i++ {
		out = append(out, store.BatchRecipient{MemberID: fmt.Sprintf("m%05d", i), Email: fmt.Sprintf("alum%d@example.jp", i), Name: "卒業生 " + fmt.Sprint(i)})
	}
	return out
}

func memberIDs(rs []store.BatchRecipient) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.MemberID
	}
	return out
}

func testNewsletterSend(t *testing.T, s store.Store) {
	ctx := context.Background()
	created := mustCreateSend(t, s, "autumn-2026")
	if created.Version != 1 || !created.CreatedAt.Equal(t0) || !created.UpdatedAt.Equal(t0) {
		t.Fatalf("created send: version %d, createdAt %v, updatedAt %v", created.Version, created.CreatedAt, created.UpdatedAt)
	}
	got, err := s.GetNewsletterSend(ctx, "autumn-2026")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "stored send", got, created)

	_, err = s.CreateNewsletterSend(ctx, newSend("autumn-2026"))
	wantConflict(t, "a second send of one newsletter", err, "slug")
	_, err = s.GetNewsletterSend(ctx, "winter-2026")
	wantErr(t, "GetNewsletterSend(unknown)", err, store.ErrNotFound)

	later := t0.Add(time.Hour)
	updated, err := s.UpdateNewsletterSend(ctx, "autumn-2026", func(old store.NewsletterSend) (store.NewsletterSend, error) {
		old.Status = store.SendDone
		old.Report = store.SendReport{Recipients: 3, Sent: 2, Suppressed: 1, Batches: 1, Requests: 2}
		old.FinishedAt = later
		old.Slug = "renamed" // kept from old
		return old, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Slug != "autumn-2026" || updated.Version != 2 || updated.Status != store.SendDone || updated.Report.Sent != 2 || !updated.FinishedAt.Equal(later) {
		t.Fatalf("updated send: %+v", updated)
	}
	got, _ = s.GetNewsletterSend(ctx, "autumn-2026")
	sameJSON(t, "send after update", got, updated)

	boom := errors.New("boom")
	_, err = s.UpdateNewsletterSend(ctx, "autumn-2026", func(old store.NewsletterSend) (store.NewsletterSend, error) { return old, boom })
	wantErr(t, "update returning an error", err, boom)
	_, err = s.UpdateNewsletterSend(ctx, "nothing", func(old store.NewsletterSend) (store.NewsletterSend, error) { return old, nil })
	wantErr(t, "update of an unknown send", err, store.ErrNotFound)
	_, err = s.UpdateNewsletterSend(ctx, "autumn-2026", func(old store.NewsletterSend) (store.NewsletterSend, error) {
		old.Status = "sent-ish"
		return old, nil
	})
	wantField(t, "update to an unknown status", err, "status")
	got, _ = s.GetNewsletterSend(ctx, "autumn-2026")
	sameJSON(t, "send after refused updates", got, updated)

	second := newSend("spring-2027")
	second.CreatedAt = t0.Add(-time.Hour)
	if _, err := s.CreateNewsletterSend(ctx, second); err != nil {
		t.Fatal(err)
	}
	// The sends are listed on GSI1, which may not have the second yet.
	eventually(t, "ListNewsletterSends, oldest first", func() error {
		list, err := s.ListNewsletterSends(ctx)
		if err != nil {
			return err
		}
		return indexedIDs(listedSends(list), []string{"spring-2027", "autumn-2026"})
	})
}

func testNewsletterSendInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	cases := []struct {
		field string
		edit  func(*store.NewsletterSend)
	}{
		{"slug", func(n *store.NewsletterSend) { n.Slug = "Autumn 2026" }},
		{"slug", func(n *store.NewsletterSend) { n.Slug = "" }},
		{"status", func(n *store.NewsletterSend) { n.Status = "" }},
		{"source", func(n *store.NewsletterSend) { delete(n.Source, "ja") }},
		{"source", func(n *store.NewsletterSend) { n.Source["fr"] = "bonjour" }},
		{"actor", func(n *store.NewsletterSend) { n.Actor = "" }},
		{"report", func(n *store.NewsletterSend) { n.Report.Sent = -1 }},
		{"rendered", func(n *store.NewsletterSend) { delete(n.Rendered.Editions, store.LanguageJa) }},
		{"rendered", func(n *store.NewsletterSend) { n.Rendered.Editions["fr"] = n.Rendered.Editions[store.LanguageEn] }},
		{"rendered", func(n *store.NewsletterSend) {
			n.Rendered.Editions[store.LanguageEn] = store.RenderedEdition{Subject: "Subject"}
		}},
		// Within the source's limit, but too large with its rendering for one item.
		{"rendered", func(n *store.NewsletterSend) {
			n.Source["ja"] += strings.Repeat("あ", 60_000)
			n.Rendered.Editions[store.LanguageJa] = store.RenderedEdition{Subject: "件名", HTML: strings.Repeat("<p>あ</p>", 20_000)}
		}},
	}
	for _, c := range cases {
		n := newSend("bad")
		n.Source = map[string]string{"ja": n.Source["ja"], "en": n.Source["en"]}
		editions := map[store.Language]store.RenderedEdition{}
		for lang, e := range n.Rendered.Editions {
			editions[lang] = e
		}
		n.Rendered = &store.RenderedNewsletter{BaseURL: n.Rendered.BaseURL, Segment: n.Rendered.Segment, Editions: editions}
		c.edit(&n)
		_, err := s.CreateNewsletterSend(ctx, n)
		wantField(t, "send with bad "+c.field, err, c.field)
	}
	wantEmpty(t, s)
}

func testDeliveryBatchClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: recipients(0, 3)})
	wantErr(t, "claim before the send exists", err, store.ErrNotFound)
	mustCreateSend(t, s, "autumn")
	mustCreateSend(t, s, "winter")

	first, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: recipients(0, 3), CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != store.BatchClaimed || first.Version != 1 || !slices.Equal(memberIDs(first.Recipients), []string{"m00000", "m00001", "m00002"}) {
		t.Fatalf("first batch: %+v", first)
	}
	sameJSON(t, "first batch recipients keep address and name", first.Recipients, recipients(0, 3))

	// m00001 and m00002 are the first batch's: the second gets m00003 only.
	second, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000002", Language: store.LanguageEn, Recipients: recipients(1, 4), CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(memberIDs(second.Recipients), []string{"m00003"}) {
		t.Fatalf("second batch holds %v, want [m00003]", memberIDs(second.Recipients))
	}
	for id, want := range map[string]string{"m00000": "000001", "m00001": "000001", "m00002": "000001", "m00003": "000002"} {
		d, err := s.GetDelivery(ctx, "autumn", id)
		if err != nil {
			t.Fatalf("GetDelivery(%s): %v", id, err)
		}
		if d.BatchID != want || d.Slug != "autumn" || d.MemberID != id || !d.ClaimedAt.Equal(t0) {
			t.Fatalf("delivery of %s: %+v, want batch %s", id, d, want)
		}
	}
	_, err = s.GetDelivery(ctx, "autumn", "m00004")
	wantErr(t, "delivery of an unclaimed member", err, store.ErrNotFound)
	_, err = s.GetDelivery(ctx, "winter", "m00000")
	wantErr(t, "deliveries are per newsletter", err, store.ErrNotFound)

	// Another newsletter claims the same members independently.
	w, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "winter", ID: "000001", Language: store.LanguageJa, Recipients: recipients(0, 4)})
	if err != nil || len(w.Recipients) != 4 {
		t.Fatalf("claim in another newsletter: %d recipients, %v", len(w.Recipients), err)
	}

	// Claiming an existing batch id again returns it unchanged.
	again, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: recipients(5, 9)})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "claiming a batch again", again, first)
	_, err = s.GetDelivery(ctx, "autumn", "m00005")
	wantErr(t, "a re-claim adds nobody", err, store.ErrNotFound)

	list, err := s.ListDeliveryBatches(ctx, "autumn")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "000001" || list[1].ID != "000002" {
		t.Fatalf("ListDeliveryBatches = %+v", list)
	}
	sameJSON(t, "listed batch", list[0], first)
	got, err := s.GetDeliveryBatch(ctx, "autumn", "000002")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "GetDeliveryBatch", got, second)
	_, err = s.GetDeliveryBatch(ctx, "autumn", "000003")
	wantErr(t, "GetDeliveryBatch(unknown)", err, store.ErrNotFound)

	// Bad batches write nothing.
	tooMany := store.DeliveryBatch{Slug: "autumn", ID: "000009", Language: store.LanguageJa, Recipients: recipients(100, 100+store.MaxBatchRecipients+1)}
	_, err = s.ClaimDeliveryBatch(ctx, tooMany)
	wantField(t, "a batch over the SendGrid maximum", err, "recipients")
	dup := store.DeliveryBatch{Slug: "autumn", ID: "000009", Language: store.LanguageJa, Recipients: append(recipients(50, 52), recipients(50, 51)...)}
	_, err = s.ClaimDeliveryBatch(ctx, dup)
	wantField(t, "a batch naming a member twice", err, "recipients")
	_, err = s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000009", Language: "fr", Recipients: recipients(60, 61)})
	wantField(t, "a batch in an unknown language", err, "language")
	_, err = s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "bad id", Language: store.LanguageJa, Recipients: recipients(60, 61)})
	wantField(t, "a batch with a bad id", err, "id")
	for _, id := range []string{"m00050", "m00060", "m00100"} {
		_, err = s.GetDelivery(ctx, "autumn", id)
		wantErr(t, "delivery after a refused claim", err, store.ErrNotFound)
	}
	if list, _ := s.ListDeliveryBatches(ctx, "autumn"); len(list) != 2 {
		t.Fatalf("refused claims left %d batches, want 2", len(list))
	}

	// A full batch of exactly the maximum is fine.
	full, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000003", Language: store.LanguageJa, Recipients: recipients(1000, 1000+store.MaxBatchRecipients)})
	if err != nil || len(full.Recipients) != store.MaxBatchRecipients {
		t.Fatalf("full batch: %d recipients, %v", len(full.Recipients), err)
	}
}

func testDeliveryBatchTransitions(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateSend(t, s, "autumn")
	b, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: recipients(0, 3)})
	if err != nil {
		t.Fatal(err)
	}
	move := func(to store.BatchStatus, edit func(*store.DeliveryBatch)) (store.DeliveryBatch, error) {
		return s.UpdateDeliveryBatch(ctx, "autumn", "000001", func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
			old.Status = to
			if edit != nil {
				edit(&old)
			}
			return old, nil
		})
	}
	sending, err := move(store.BatchSending, func(b *store.DeliveryBatch) { b.Attempts++ })
	if err != nil {
		t.Fatal(err)
	}
	if sending.Status != store.BatchSending || sending.Attempts != 1 || sending.Version != b.Version+1 {
		t.Fatalf("after claimed -> sending: %+v", sending)
	}
	// A refused attempt goes back to claimed with a wait.
	notBefore := t0.Add(time.Minute)
	back, err := move(store.BatchClaimed, func(b *store.DeliveryBatch) { b.NotBefore, b.Error = notBefore, "429 rate limited" })
	if err != nil || !back.NotBefore.Equal(notBefore) || back.Error != "429 rate limited" {
		t.Fatalf("sending -> claimed: %+v, %v", back, err)
	}
	if _, err := move(store.BatchSending, nil); err != nil {
		t.Fatal(err)
	}
	sent, err := move(store.BatchSent, func(b *store.DeliveryBatch) {
		b.MessageID = "abc123"
		for i := range b.Recipients {
			b.Recipients[i].Email, b.Recipients[i].Name = "", ""
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MessageID != "abc123" || sent.Recipients[0].Email != "" || sent.Recipients[0].MemberID != "m00000" {
		t.Fatalf("sent batch: %+v", sent)
	}
	// A sent batch never goes back on the wire.
	for _, to := range []store.BatchStatus{store.BatchSending, store.BatchClaimed, store.BatchFailed, store.BatchUncertain} {
		_, err := move(to, nil)
		wantErr(t, "sent -> "+string(to), err, store.ErrPrecondition)
	}
	// Recipients can be blanked but not replaced or added.
	_, err = move(store.BatchSent, func(b *store.DeliveryBatch) { b.Recipients[0].MemberID = "someone-else" })
	wantField(t, "replacing a recipient", err, "recipients")
	_, err = move(store.BatchSent, func(b *store.DeliveryBatch) { b.Recipients = append(b.Recipients, store.BatchRecipient{MemberID: "x"}) })
	wantField(t, "adding a recipient", err, "recipients")
	got, _ := s.GetDeliveryBatch(ctx, "autumn", "000001")
	sameJSON(t, "batch after refused moves", got, sent)
	_, err = s.UpdateDeliveryBatch(ctx, "autumn", "000404", func(old store.DeliveryBatch) (store.DeliveryBatch, error) { return old, nil })
	wantErr(t, "update of an unknown batch", err, store.ErrNotFound)

	// uncertain may become sent (evidence) or claimed (HR resends), never sending directly.
	if _, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000002", Language: store.LanguageJa, Recipients: recipients(3, 4)}); err != nil {
		t.Fatal(err)
	}
	step := func(to store.BatchStatus) error {
		_, err := s.UpdateDeliveryBatch(ctx, "autumn", "000002", func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
			old.Status = to
			return old, nil
		})
		return err
	}
	for _, to := range []store.BatchStatus{store.BatchSending, store.BatchUncertain} {
		if err := step(to); err != nil {
			t.Fatalf("-> %s: %v", to, err)
		}
	}
	wantErr(t, "uncertain -> sending", step(store.BatchSending), store.ErrPrecondition)
	if err := step(store.BatchSent); err != nil {
		t.Fatalf("uncertain -> sent: %v", err)
	}
}

func testSuppressions(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := store.SuppressionMark{At: t0, EventID: "ev-1", Slug: "autumn"}
	added, err := s.Suppress(ctx, "Bounced.Person@Example.jp", store.SuppressBounce, first)
	if err != nil || !added {
		t.Fatalf("first Suppress = %v, %v", added, err)
	}
	added, err = s.Suppress(ctx, "bounced.person@example.jp", store.SuppressBounce, store.SuppressionMark{At: t0.Add(time.Hour), EventID: "ev-2"})
	if err != nil || added {
		t.Fatalf("repeated Suppress = %v, %v; want not added", added, err)
	}
	added, err = s.Suppress(ctx, " BOUNCED.person@example.jp ", store.SuppressSpamReport, store.SuppressionMark{At: t0.Add(2 * time.Hour)})
	if err != nil || !added {
		t.Fatalf("second reason = %v, %v", added, err)
	}
	sup, err := s.GetSuppression(ctx, "bounced.person@EXAMPLE.jp")
	if err != nil {
		t.Fatal(err)
	}
	if sup.EmailHash != store.EmailHash("bounced.person@example.jp") || len(sup.Reasons) != 2 {
		t.Fatalf("suppression: %+v", sup)
	}
	sameJSON(t, "the first mark of a reason is kept", sup.Reasons[store.SuppressBounce], first)
	for _, email := range []string{"bounced.person@example.jp", "Bounced.Person@Example.jp"} {
		if ok, err := store.IsSuppressed(ctx, s, email); err != nil || !ok {
			t.Fatalf("IsSuppressed(%s) = %v, %v", email, ok, err)
		}
	}
	if ok, err := store.IsSuppressed(ctx, s, "fine@example.jp"); err != nil || ok {
		t.Fatalf("IsSuppressed(fine) = %v, %v", ok, err)
	}
	if ok, err := store.IsSuppressed(ctx, s, ""); err != nil || ok {
		t.Fatalf("IsSuppressed(empty) = %v, %v", ok, err)
	}
	_, err = s.GetSuppression(ctx, "fine@example.jp")
	wantErr(t, "GetSuppression(not suppressed)", err, store.ErrNotFound)

	// No address is stored, only its hash.
	for _, line := range exportLines(t, s, t0) {
		if containsFold(line, "bounced.person") {
			t.Fatalf("export carries the address: %s", line)
		}
	}

	if _, err := s.Suppress(ctx, "unsub@example.jp", store.SuppressUnsubscribe, store.SuppressionMark{At: t0}); err != nil {
		t.Fatal(err)
	}
	hashes := []string{store.EmailHash("bounced.person@example.jp"), store.EmailHash("fine@example.jp"), store.EmailHash("UNSUB@example.jp")}
	found, err := s.FindSuppressions(ctx, hashes)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || !found[hashes[0]].Has(store.SuppressSpamReport) || !found[hashes[2]].Has(store.SuppressUnsubscribe) {
		t.Fatalf("FindSuppressions = %+v", found)
	}
	var many []string
	for i := range store.MaxBatchRecipients {
		many = append(many, store.EmailHash(fmt.Sprintf("p%d@example.jp", i)))
	}
	many[777] = hashes[2]
	found, err = s.FindSuppressions(ctx, many)
	if err != nil || len(found) != 1 {
		t.Fatalf("FindSuppressions(1000) = %d, %v", len(found), err)
	}
	_, err = s.FindSuppressions(ctx, append(many, "x"))
	wantField(t, "FindSuppressions beyond the maximum", err, "emailHashes")

	if err := s.Unsuppress(ctx, "bounced.person@example.jp", store.SuppressBounce); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "Unsuppress twice", s.Unsuppress(ctx, "bounced.person@example.jp", store.SuppressBounce), store.ErrNotFound)
	sup, _ = s.GetSuppression(ctx, "bounced.person@example.jp")
	if sup.Has(store.SuppressBounce) || !sup.Has(store.SuppressSpamReport) {
		t.Fatalf("after Unsuppress(bounce): %+v", sup)
	}
	if err := s.Unsuppress(ctx, "bounced.person@example.jp", store.SuppressSpamReport); err != nil {
		t.Fatal(err)
	}
	if ok, _ := store.IsSuppressed(ctx, s, "bounced.person@example.jp"); ok {
		t.Fatal("still suppressed after every reason was removed")
	}
	wantErr(t, "Unsuppress(never suppressed)", s.Unsuppress(ctx, "fine@example.jp", store.SuppressBounce), store.ErrNotFound)

	_, err = s.Suppress(ctx, "x@example.jp", "complained", store.SuppressionMark{At: t0})
	wantField(t, "unknown reason", err, "reason")
	_, err = s.Suppress(ctx, " ", store.SuppressBounce, store.SuppressionMark{At: t0})
	wantField(t, "empty address", err, "email")
	_, err = s.Suppress(ctx, "x@example.jp", store.SuppressBounce, store.SuppressionMark{})
	wantField(t, "no time", err, "at")
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func testEngagement(t *testing.T, s store.Store) {
	ctx := context.Background()
	open := store.Engagement{EventID: "sg-open-1", Type: store.EngagementOpen, Slug: "autumn", MemberID: "m1", At: t0.Add(time.Minute)}
	click := store.Engagement{EventID: "sg-click-1", Type: store.EngagementClick, Slug: "autumn", MemberID: "m1", At: t0,
		URL: "https://portal.example.jp/events/bbq/?utm_source=newsletter&token=secret#top"}
	for _, e := range []store.Engagement{open, click} {
		created, err := s.RecordEngagement(ctx, e)
		if err != nil || !created {
			t.Fatalf("RecordEngagement(%s) = %v, %v", e.EventID, created, err)
		}
	}
	// The same event again, even with other fields, changes nothing.
	dup := open
	dup.At = t0.Add(time.Hour)
	created, err := s.RecordEngagement(ctx, dup)
	if err != nil || created {
		t.Fatalf("repeated event = %v, %v; want not created", created, err)
	}
	if _, err := s.RecordEngagement(ctx, store.Engagement{EventID: "sg-open-2", Type: store.EngagementOpen, Slug: "autumn", MemberID: "m2", At: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListMemberEngagement(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	wantClick := click
	wantClick.URL = "https://portal.example.jp/events/bbq/"
	sameJSON(t, "member engagement, by time, URL without query", got, []store.Engagement{wantClick, open})
	if got, _ := s.ListMemberEngagement(ctx, "nobody"); len(got) != 0 {
		t.Fatalf("engagement of nobody: %v", got)
	}
	_, err = s.RecordEngagement(ctx, store.Engagement{EventID: "x", Type: "bounce", Slug: "autumn", MemberID: "m1", At: t0})
	wantField(t, "engagement of another type", err, "type")
	_, err = s.RecordEngagement(ctx, store.Engagement{Type: store.EngagementOpen, Slug: "autumn", MemberID: "m1", At: t0})
	wantField(t, "engagement without event id", err, "eventId")
}

func testEraseNewsletterMember(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateSend(t, s, "autumn")
	mustCreateSend(t, s, "winter")
	for _, slug := range []string{"autumn", "winter"} {
		if _, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: slug, ID: "000001", Language: store.LanguageJa, Recipients: recipients(0, 3)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []store.Engagement{
		{EventID: "e1", Type: store.EngagementOpen, Slug: "autumn", MemberID: "m00001", At: t0},
		{EventID: "e2", Type: store.EngagementClick, Slug: "winter", MemberID: "m00001", At: t0, URL: "https://example.jp/"},
		{EventID: "e3", Type: store.EngagementOpen, Slug: "autumn", MemberID: "m00002", At: t0},
	} {
		if _, err := s.RecordEngagement(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// Erased at once: the member's deliveries are found through their own
	// partition (a consistent read), not only under the sends GSI1 lists,
	// which may not list a send created a moment ago (run with the bolt
	// engine's IndexLag, this fails if erasure relies on the index).
	if err := s.EraseNewsletterMember(ctx, "m00001"); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"autumn", "winter"} {
		_, err := s.GetDelivery(ctx, slug, "m00001")
		wantErr(t, "erased member's delivery", err, store.ErrNotFound)
		if _, err := s.GetDelivery(ctx, slug, "m00002"); err != nil {
			t.Fatalf("another member's delivery: %v", err)
		}
		b, err := s.GetDeliveryBatch(ctx, slug, "000001")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range b.Recipients {
			switch {
			case r.MemberID == "m00001" && (r.Email != "" || r.Name != ""):
				t.Fatalf("%s: erased member still in batch with address or name: %+v", slug, r)
			case r.MemberID != "m00001" && r.Email == "":
				t.Fatalf("%s: another member lost their address: %+v", slug, r)
			}
		}
	}
	if got, _ := s.ListMemberEngagement(ctx, "m00001"); len(got) != 0 {
		t.Fatalf("erased member's engagement: %v", got)
	}
	if got, _ := s.ListMemberEngagement(ctx, "m00002"); len(got) != 1 {
		t.Fatalf("another member's engagement: %v", got)
	}
	for _, line := range exportLines(t, s, t0) {
		if containsFold(line, "alum1@") {
			t.Fatalf("export still holds the erased address: %s", line)
		}
	}
	if err := s.EraseNewsletterMember(ctx, "m00001"); err != nil {
		t.Fatalf("erasing again: %v", err)
	}
}

// testConcurrentClaims: many runners claim overlapping batches at once;
// every member ends up in exactly one batch, and every batch's recipients
// have a delivery naming that batch.
func testConcurrentClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateSend(t, s, "autumn")
	const members, runners, size = 120, 12, 40
	all := recipients(0, members)
	var wg sync.WaitGroup
	errs := make(chan error, runners)
	for r := range runners {
		wg.Go(func() {
			rs := slices.Clone(all)
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
			for b := 0; b*size < members; b++ {
				_, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: fmt.Sprintf("r%02d-b%d", r, b), Language: store.LanguageJa, Recipients: rs[b*size : (b+1)*size]})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	batches, err := s.ListDeliveryBatches(ctx, "autumn")
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for _, b := range batches {
		if b.Status != store.BatchClaimed {
			t.Fatalf("batch %s left in %s", b.ID, b.Status)
		}
		for _, r := range b.Recipients {
			if prev, dup := owner[r.MemberID]; dup {
				t.Fatalf("member %s is in batches %s and %s", r.MemberID, prev, b.ID)
			}
			owner[r.MemberID] = b.ID
		}
	}
	if len(owner) != members {
		t.Fatalf("%d members claimed, want %d", len(owner), members)
	}
	for id, batch := range owner {
		d, err := s.GetDelivery(ctx, "autumn", id)
		if err != nil || d.BatchID != batch {
			t.Fatalf("delivery of %s = %+v, %v; want batch %s", id, d, err, batch)
		}
	}
}

// testConcurrentSameBatchClaim: the same claim retried at once (a runner
// and its retry) ends with one batch holding every recipient.
func testConcurrentSameBatchClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateSend(t, s, "autumn")
	want := recipients(0, 60)
	var wg sync.WaitGroup
	results := make([]store.DeliveryBatch, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() {
			results[i], errs[i] = s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: want, CreatedAt: t0})
		})
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if results[i].Status != store.BatchClaimed || !slices.Equal(memberIDs(results[i].Recipients), memberIDs(want)) {
			t.Fatalf("claim %d returned %s with %d recipients", i, results[i].Status, len(results[i].Recipients))
		}
	}
}

// testConcurrentBatchSending: many runners race to put one batch on the
// wire; exactly one wins the claimed -> sending move.
func testConcurrentBatchSending(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateSend(t, s, "autumn")
	if _, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: recipients(0, 10)}); err != nil {
		t.Fatal(err)
	}
	taken := errors.New("taken")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 16 {
		wg.Go(func() {
			_, err := s.UpdateDeliveryBatch(ctx, "autumn", "000001", func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
				if old.Status != store.BatchClaimed {
					return old, taken
				}
				old.Status = store.BatchSending
				old.Attempts++
				return old, nil
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, taken):
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d runners moved the batch to sending, want exactly 1", wins)
	}
	b, _ := s.GetDeliveryBatch(ctx, "autumn", "000001")
	if b.Attempts != 1 || b.Status != store.BatchSending {
		t.Fatalf("batch after the race: %s, %d attempts", b.Status, b.Attempts)
	}
}

func testConcurrentSuppress(t *testing.T, s store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	added := 0
	for i := range 16 {
		wg.Go(func() {
			ok, err := s.Suppress(ctx, "Same@Example.jp", store.SuppressBounce, store.SuppressionMark{At: t0.Add(time.Duration(i) * time.Second), EventID: fmt.Sprint("ev", i)})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				added++
			}
		})
	}
	wg.Wait()
	if added != 1 {
		t.Fatalf("%d Suppress calls added the reason, want 1", added)
	}
	sup, err := s.GetSuppression(ctx, "same@example.jp")
	if err != nil || len(sup.Reasons) != 1 {
		t.Fatalf("suppression: %+v, %v", sup, err)
	}
}

func testConcurrentEngagement(t *testing.T, s store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 16 {
		wg.Go(func() {
			ok, err := s.RecordEngagement(ctx, store.Engagement{EventID: "sg-1", Type: store.EngagementOpen, Slug: "autumn", MemberID: "m1", At: t0})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				created++
			}
		})
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("the same event was recorded %d times, want 1", created)
	}
	if got, _ := s.ListMemberEngagement(ctx, "m1"); len(got) != 1 {
		t.Fatalf("%d events stored, want 1", len(got))
	}
}

// testConcurrentSendUpdate: concurrent report updates all land (compare-and-swap, no lost update).
func testConcurrentSendUpdate(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateSend(t, s, "autumn")
	const n = 12
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := s.UpdateNewsletterSend(ctx, "autumn", func(old store.NewsletterSend) (store.NewsletterSend, error) {
				old.Report.Requests++
				return old, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, _ := s.GetNewsletterSend(ctx, "autumn")
	if got.Report.Requests != n || got.Version != n+1 {
		t.Fatalf("after %d concurrent updates: requests %d, version %d", n, got.Report.Requests, got.Version)
	}
}

// testNewsletterBackup: every newsletter record survives export and
// import, twice, and the copy answers the same questions.
func testNewsletterBackup(t *testing.T, src, dst store.Store) {
	ctx := context.Background()
	mustCreateSend(t, src, "autumn")
	if _, err := src.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: recipients(0, 3), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Suppress(ctx, "gone@example.jp", store.SuppressBounce, store.SuppressionMark{At: t0, EventID: "ev1", Slug: "autumn"}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Suppress(ctx, "gone@example.jp", store.SuppressUnsubscribe, store.SuppressionMark{At: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.RecordEngagement(ctx, store.Engagement{EventID: "e1", Type: store.EngagementClick, Slug: "autumn", MemberID: "m00001", At: t0, URL: "https://example.jp/a"}); err != nil {
		t.Fatal(err)
	}
	want := exportLines(t, src, t0)
	counts := map[string]int{}
	for _, l := range want {
		for _, typ := range []store.RecordType{store.RecordNewsletterSend, store.RecordDeliveryBatch, store.RecordDelivery, store.RecordSuppression, store.RecordEngagement} {
			if strings.HasPrefix(l, `{"type":"`+string(typ)+`"`) {
				counts[string(typ)]++
			}
		}
	}
	if counts["newsletter-send"] != 1 || counts["delivery-batch"] != 1 || counts["delivery"] != 3 || counts["suppression"] != 1 || counts["engagement"] != 1 {
		t.Fatalf("export counts %v", counts)
	}
	for range 2 {
		err := src.Export(ctx, t0, func(r store.Record) error { return dst.Import(ctx, r) })
		if err != nil {
			t.Fatal(err)
		}
		sameLines(t, "copy", exportLines(t, dst, t0), want)
	}
	if d, err := dst.GetDelivery(ctx, "autumn", "m00002"); err != nil || d.BatchID != "000001" {
		t.Fatalf("copied delivery: %+v, %v", d, err)
	}
	if ok, _ := store.IsSuppressed(ctx, dst, "GONE@example.jp"); !ok {
		t.Fatal("copied suppression not found")
	}
	if got, _ := dst.ListMemberEngagement(ctx, "m00001"); len(got) != 1 {
		t.Fatalf("copied engagement: %v", got)
	}
	// The copy still keeps a member to one batch.
	b, err := dst.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000002", Language: store.LanguageJa, Recipients: recipients(2, 5)})
	if err != nil || !slices.Equal(memberIDs(b.Recipients), []string{"m00003", "m00004"}) {
		t.Fatalf("claim in the copy: %v, %v", memberIDs(b.Recipients), err)
	}
}
