package table

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Jobs, applications and referrals (docs/dynamodb.md, docs/jobs.md).
//
//   - Every job sits in one partition, PK = JOBS, SK = JOB#<id>: a company
//     has tens of postings, so one consistent Query lists them all.
//   - An application is APP#<id>/APP, listed per job through GSI1
//     (JOBAPPS#<job id>, <createdAt>#<id>).
//   - The natural key "one application per member per job" is an item in
//     the member's own partition, MEMBERAPP#<member id>/JOB#<job id>, put in
//     the same transaction as the application on condition that it is
//     absent. A consistent Query of that partition lists a member's
//     applications.
//   - Referrals mirror applications: REF#<id>/REF, GSI1 JOBREFS#<job id>,
//     and MEMBERREF#<referrer id>/JOB#<job id>#<sha256 of the friend's
//     address> as the natural key. As elsewhere, no address appears in a key.
//   - The job is checked in the same transaction as the record and its
//     natural key (a ConditionCheck that it is still as read: not archived,
//     same closing date), so nothing is stored for a job archived after it
//     was read.
const (
	typeApplicationIndex = "member-application-index"
	typeReferralIndex    = "member-referral-index"
	pkJobs               = "JOBS"
	skApplication        = "APP"
	skReferral           = "REF"
)

func init() {
	recordOf(string(store.RecordJob), decodeJob, func(j *store.Job) store.Record { return store.Record{Job: j} },
		func(s *Store, ctx context.Context, r store.Record) error { return s.put(ctx, jobItem(*r.Job)) })
	recordOf(string(store.RecordApplication), decodeApplication, func(a *store.Application) store.Record { return store.Record{Application: a} },
		func(s *Store, ctx context.Context, r store.Record) error {
			return s.importApplication(ctx, *r.Application)
		})
	recordOf(string(store.RecordReferral), decodeReferral, func(ref *store.Referral) store.Record { return store.Record{Referral: ref} },
		func(s *Store, ctx context.Context, r store.Record) error { return s.importReferral(ctx, *r.Referral) })
	indexTypes(typeApplicationIndex, typeReferralIndex)
}

func jobKey(id string) kv.Key                      { return key(pkJobs, "JOB#"+id) }
func applicationKey(id string) kv.Key              { return key("APP#"+id, skApplication) }
func referralKey(id string) kv.Key                 { return key("REF#"+id, skReferral) }
func jobApplicationsPartition(jobID string) string { return "JOBAPPS#" + jobID }
func jobReferralsPartition(jobID string) string    { return "JOBREFS#" + jobID }
func memberApplicationsPartition(id string) string { return "MEMBERAPP#" + id }
func referrerPartition(id string) string           { return "MEMBERREF#" + id }

func applicationIndexKey(memberID, jobID string) kv.Key {
	return key(memberApplicationsPartition(memberID), "JOB#"+jobID)
}

func referralIndexKey(r store.Referral) kv.Key {
	return key(referrerPartition(r.ReferrerID), "JOB#"+r.FriendKey())
}

// ---- items

func jobItem(j store.Job) item {
	it := with(jobKey(j.ID), item{
		"type":            str(string(store.RecordJob)),
		"id":              str(j.ID),
		"title":           str(j.Title),
		"employment_type": str(string(j.EmploymentType)),
		"department":      str(j.Department),
		"location":        str(j.Location),
		"visibility":      str(j.Visibility),
		"closes":          timeAttr(j.Closes),
		"synced_at":       timeAttr(j.SyncedAt),
	})
	putStr(it, "title_en", j.TitleEn)
	putStr(it, "department_en", j.DepartmentEn)
	putStr(it, "location_en", j.LocationEn)
	putStr(it, "contact", j.Contact)
	if j.Archived {
		it["archived"] = true
	}
	return it
}

func decodeJob(it item) (store.Job, error) {
	d := decoder{it: it}
	j := store.Job{
		ID:             d.str("id"),
		Title:          d.str("title"),
		TitleEn:        d.str("title_en"),
		EmploymentType: store.EmploymentType(d.str("employment_type")),
		Department:     d.str("department"),
		DepartmentEn:   d.str("department_en"),
		Location:       d.str("location"),
		LocationEn:     d.str("location_en"),
		Visibility:     d.str("visibility"),
		Closes:         d.time("closes"),
		Contact:        d.str("contact"),
		Archived:       d.flag("archived"),
		SyncedAt:       d.time("synced_at"),
	}
	return wrapResult("decode job", j, d.err)
}

func applicationItem(a store.Application) item {
	history := make([]any, len(a.History))
	for i, c := range a.History {
		m := item{"at": timeAttr(c.At), "to": str(string(c.To))}
		putStr(m, "actor", c.Actor)
		putStr(m, "from", string(c.From))
		putStr(m, "note", c.Note)
		if c.Notified {
			m["notified"] = true
		}
		history[i] = map[string]any(m)
	}
	it := with(applicationKey(a.ID), item{
		"type":       str(string(store.RecordApplication)),
		"id":         str(a.ID),
		"job_id":     str(a.JobID),
		"status":     str(string(a.Status)),
		"history":    history,
		"created_at": timeAttr(a.CreatedAt),
		"updated_at": timeAttr(a.UpdatedAt),
		"version":    num(a.Version),
		AttrGSI1PK:   str(jobApplicationsPartition(a.JobID)),
		AttrGSI1SK:   str(sortTime(a.CreatedAt) + "#" + a.ID),
	})
	putStr(it, "member_id", a.MemberID)
	putStr(it, "message", a.Message)
	putStr(it, "resume", a.Resume)
	putStr(it, "resume_name", a.ResumeName)
	if a.ResumeSize > 0 {
		it["resume_size"] = num(a.ResumeSize)
	}
	putStr(it, "link", a.Link)
	putStr(it, "contact", string(a.Contact))
	putStr(it, "phone", a.Phone)
	putTime(it, "erased_at", a.ErasedAt)
	return it
}

func decodeApplication(it item) (store.Application, error) {
	d := decoder{it: it}
	a := store.Application{
		ID:         d.str("id"),
		JobID:      d.str("job_id"),
		MemberID:   d.str("member_id"),
		Status:     store.ApplicationStatus(d.str("status")),
		Message:    d.str("message"),
		Resume:     d.str("resume"),
		ResumeName: d.str("resume_name"),
		ResumeSize: d.num("resume_size"),
		Link:       d.str("link"),
		Contact:    store.ContactPreference(d.str("contact")),
		Phone:      d.str("phone"),
		CreatedAt:  d.time("created_at"),
		UpdatedAt:  d.time("updated_at"),
		ErasedAt:   d.time("erased_at"),
		Version:    d.num("version"),
	}
	switch l := it["history"].(type) {
	case nil:
	case []string: // an empty list reads back as a list of strings
		if len(l) > 0 {
			d.fail("history", "not a list of maps")
		}
	case []any:
		for _, v := range l {
			m, ok := v.(map[string]any)
			if !ok {
				d.fail("history", "not a map")
				break
			}
			cd := decoder{it: m}
			a.History = append(a.History, store.StatusChange{
				At: cd.time("at"), Actor: cd.str("actor"), From: store.ApplicationStatus(cd.str("from")),
				To: store.ApplicationStatus(cd.str("to")), Note: cd.str("note"), Notified: cd.flag("notified"),
			})
			if cd.err != nil {
				d.fail("history", cd.err.Error())
			}
		}
	default:
		d.fail("history", "not a list")
	}
	return wrapResult("decode application", a, d.err)
}

func applicationIndexItem(a store.Application) item {
	return with(applicationIndexKey(a.MemberID, a.JobID), item{
		"type":           str(typeApplicationIndex),
		"application_id": str(a.ID),
	})
}

func referralItem(r store.Referral) item {
	it := with(referralKey(r.ID), item{
		"type":       str(string(store.RecordReferral)),
		"id":         str(r.ID),
		"job_id":     str(r.JobID),
		"outcome":    str(string(r.Outcome)),
		"created_at": timeAttr(r.CreatedAt),
		"updated_at": timeAttr(r.UpdatedAt),
		"version":    num(r.Version),
		AttrGSI1PK:   str(jobReferralsPartition(r.JobID)),
		AttrGSI1SK:   str(sortTime(r.CreatedAt) + "#" + r.ID),
	})
	putStr(it, "referrer_id", r.ReferrerID)
	putStr(it, "friend_name", r.FriendName)
	putStr(it, "friend_email", r.FriendEmail)
	putStr(it, "relationship", r.Relationship)
	putStr(it, "note", r.Note)
	putStr(it, "outcome_note", r.OutcomeNote)
	putTime(it, "invited_at", r.InvitedAt)
	putStr(it, "answer", string(r.Answer))
	putStr(it, "answer_message", r.AnswerMessage)
	putStr(it, "answer_phone", r.AnswerPhone)
	putTime(it, "answered_at", r.AnsweredAt)
	if r.Suppressed {
		it["suppressed"] = true
	}
	putTime(it, "erased_at", r.ErasedAt)
	return it
}

func decodeReferral(it item) (store.Referral, error) {
	d := decoder{it: it}
	r := store.Referral{
		ID:            d.str("id"),
		JobID:         d.str("job_id"),
		ReferrerID:    d.str("referrer_id"),
		FriendName:    d.str("friend_name"),
		FriendEmail:   d.str("friend_email"),
		Relationship:  d.str("relationship"),
		Note:          d.str("note"),
		Outcome:       store.ReferralOutcome(d.str("outcome")),
		OutcomeNote:   d.str("outcome_note"),
		InvitedAt:     d.time("invited_at"),
		Suppressed:    d.flag("suppressed"),
		Answer:        store.ReferralAnswer(d.str("answer")),
		AnswerMessage: d.str("answer_message"),
		AnswerPhone:   d.str("answer_phone"),
		AnsweredAt:    d.time("answered_at"),
		CreatedAt:     d.time("created_at"),
		UpdatedAt:     d.time("updated_at"),
		ErasedAt:      d.time("erased_at"),
		Version:       d.num("version"),
	}
	return wrapResult("decode referral", r, d.err)
}

func referralIndexItem(r store.Referral) item {
	return with(referralIndexKey(r), item{
		"type":        str(typeReferralIndex),
		"referral_id": str(r.ID),
	})
}

// ---- jobs

// PutJob implements store.Jobs with one unconditional Put: sync owns jobs.
func (s *Store) PutJob(ctx context.Context, j store.Job) error {
	j, err := store.PrepareJob(j, s.now())
	if err != nil {
		return fmt.Errorf("put job: %w", err)
	}
	return wrapOp("put job", s.put(ctx, jobItem(j)))
}

// GetJob implements store.Jobs.
func (s *Store) GetJob(ctx context.Context, id string) (store.Job, error) {
	j, _, err := s.getJob(ctx, id)
	return wrapResult("get job", j, err)
}

// getJob reads a job, returning the job and its item.
func (s *Store) getJob(ctx context.Context, id string) (store.Job, item, error) {
	if id == "" {
		return store.Job{}, nil, store.ErrNotFound
	}
	return getRecord(ctx, s, "get job", jobKey(id), decodeJob)
}

// ListJobs implements store.Jobs with one consistent Query of the JOBS partition.
func (s *Store) ListJobs(ctx context.Context) ([]store.Job, error) {
	out, err := queryAllOf(ctx, s, kv.Query{PK: pkJobs, Prefix: "JOB#"}, decodeJob)
	return wrapResult("list jobs", out, err)
}

// openJob reads the job an application or referral is for at now:
// ErrNotFound if there is none, ErrJobClosed if it is closed. Otherwise it
// returns the check that goes into the transaction storing the record: the
// job is still as read, neither archived nor given another closing date
// (whether a job is open at now depends on nothing else), so a job archived
// between the read and the write refuses the record.
func (s *Store) openJob(ctx context.Context, id string, now time.Time) (kv.Op, error) {
	j, it, err := s.getJob(ctx, id)
	if err != nil {
		return kv.Op{}, err
	}
	if j.Closed(now) {
		return kv.Op{}, store.ErrJobClosed
	}
	return kv.Check(jobKey(id), kv.And(kv.Exists(), kv.Ne("archived", true), kv.Eq("closes", it["closes"]))), nil
}

// jobCheckFailed turns the job as it was when openJob's check failed into
// the answer: ErrNotFound, ErrJobClosed, or nil when the job is still open
// at now (its closing date moved) and the caller should read it again.
func jobCheckFailed(cur item, now time.Time) error {
	if cur == nil {
		return store.ErrNotFound
	}
	j, err := decodeJob(cur)
	if err != nil {
		return err
	}
	if j.Closed(now) {
		return store.ErrJobClosed
	}
	return nil
}

// ---- applications

// Apply implements store.Jobs: the application, its natural-key item (each
// on condition that its key is free) and a check that the job is still
// open go in one transaction. When the natural key is taken, the first
// application is read back through it.
func (s *Store) Apply(ctx context.Context, a store.Application, now time.Time) (store.Application, bool, error) {
	a, err := store.PrepareApplication(a, now)
	if err != nil {
		return store.Application{}, false, fmt.Errorf("apply: %w", err)
	}
	return createForJob(ctx, s, "apply", a, a.JobID, now, applicationIndexItem(a), applicationItem(a),
		store.ApplicationCounts(nil, &a, now), func() (store.Application, error) {
			return s.findApplication(ctx, a.JobID, a.MemberID)
		})
}

// createForJob is Apply and Refer: it stores rec, a new record for the job
// jobID, as the items record and idx (its natural key) with the counters'
// deltas. find reads the record holding the natural key.
func createForJob[T any](ctx context.Context, s *Store, op string, rec T, jobID string, now time.Time, idx, record item, deltas map[string]int64, find func() (T, error)) (T, bool, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		first, err := find()
		switch {
		case err == nil:
			return first, false, nil
		case !errors.Is(err, store.ErrNotFound):
			return zero, false, fmt.Errorf("%s: %w", op, err)
		}
		open, err := s.openJob(ctx, jobID, now)
		if err != nil {
			return zero, false, fmt.Errorf("%s: %w", op, err)
		}
		err = s.transact(ctx, op, append([]kv.Op{putIfAbsent(idx), putIfAbsent(record), open}, counterOps(deltas)...))
		i, cur, failed := failedAt(err)
		switch {
		case !failed && err != nil:
			return zero, false, fmt.Errorf("%s: %w", op, err)
		case !failed:
			return rec, true, nil
		case i == 0:
			// Another request by the same member won the race: the next
			// round answers with its record.
			continue
		case i == 1:
			return zero, false, fmt.Errorf("%s: %w", op, &store.ConflictError{Field: "id"})
		}
		if err := jobCheckFailed(cur, now); err != nil {
			return zero, false, fmt.Errorf("%s: %w", op, err)
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return zero, false, fmt.Errorf("%s: %w", op, err)
		}
	}
}

// GetApplication implements store.Jobs.
func (s *Store) GetApplication(ctx context.Context, id string) (store.Application, error) {
	a, _, err := s.getApplication(ctx, id)
	return wrapResult("get application", a, err)
}

func (s *Store) getApplication(ctx context.Context, id string) (store.Application, item, error) {
	if id == "" {
		return store.Application{}, nil, store.ErrNotFound
	}
	return getRecord(ctx, s, "get application", applicationKey(id), decodeApplication)
}

// FindApplication implements store.Jobs: the natural-key item names the application.
func (s *Store) FindApplication(ctx context.Context, jobID, memberID string) (store.Application, error) {
	a, err := s.findApplication(ctx, jobID, memberID)
	return wrapResult("find application", a, err)
}

func (s *Store) findApplication(ctx context.Context, jobID, memberID string) (store.Application, error) {
	if jobID == "" || memberID == "" {
		return store.Application{}, store.ErrNotFound
	}
	it, err := s.getItem(ctx, "find application", applicationIndexKey(memberID, jobID))
	if err != nil {
		return store.Application{}, err
	}
	a, _, err := s.getApplication(ctx, (&decoder{it: it}).str("application_id"))
	if errors.Is(err, store.ErrNotFound) {
		return store.Application{}, fmt.Errorf("member index points to a missing application: %w", err)
	}
	return a, err
}

// ListApplicationsByJob implements store.Jobs with a Query on GSI1
// (eventually consistent, as documented).
func (s *Store) ListApplicationsByJob(ctx context.Context, jobID string, page store.Page) ([]store.Application, string, error) {
	out, cursor, err := queryPageOf(ctx, s, kv.Query{Index: IndexGSI1, PK: jobApplicationsPartition(jobID)}, page, decodeApplication)
	if err != nil {
		return nil, "", fmt.Errorf("list applications by job: %w", err)
	}
	return out, cursor, nil
}

// ListApplicationsByMember implements store.Jobs: a consistent Query of the
// member's MEMBERAPP# partition, then one BatchGet of the applications. One
// erased between the two reads is no longer the member's and is left out.
func (s *Store) ListApplicationsByMember(ctx context.Context, memberID string) ([]store.Application, error) {
	const op = "list applications by member"
	if memberID == "" {
		return nil, nil
	}
	items, err := s.referencedItems(ctx, kv.Query{PK: memberApplicationsPartition(memberID), Prefix: "JOB#"},
		func(d *decoder) kv.Key { return applicationKey(d.str("application_id")) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make([]store.Application, 0, len(items))
	for _, it := range items {
		if it == nil {
			return nil, fmt.Errorf("%s: member index points to a missing application: %w", op, store.ErrNotFound)
		}
		a, err := decodeApplication(it)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if a.MemberID == memberID {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b store.Application) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// MoveApplication implements store.Jobs as a compare-and-swap on version.
func (s *Store) MoveApplication(ctx context.Context, id string, c store.StatusChange) (store.Application, error) {
	const op = "move application"
	var moved store.Application
	err := retryRaces(ctx, 0, versionChanged, func() error {
		old, _, err := s.getApplication(ctx, id)
		if err != nil {
			return err
		}
		if moved, err = store.ApplyMove(old, c); err != nil {
			return err
		}
		return s.putVersion(ctx, applicationItem(moved), old.Version, store.ApplicationCounts(&old, &moved, s.now()))
	})
	return wrapResult(op, moved, err)
}

// putVersion is a Put on condition that the stored item is at version,
// with the counters' deltas in the same transaction; errVersionChanged if
// another writer came first.
func (s *Store) putVersion(ctx context.Context, it item, version int64, deltas map[string]int64) error {
	err := s.transact(ctx, "put version", append([]kv.Op{kv.Put(it, kv.Eq("version", version))}, counterOps(deltas)...))
	if i, _, failed := failedAt(err); failed && i == 0 {
		return errVersionChanged
	}
	return err
}

// importApplication writes an exported application over any with its id,
// moving its natural-key item if the member or job changed.
func (s *Store) importApplication(ctx context.Context, a store.Application) error {
	writes := []kv.Op{kv.Put(applicationItem(a), nil)}
	fields := []string{""}
	owned := kv.Or(kv.NotExists(), kv.Eq("application_id", a.ID))
	old, _, err := s.getApplication(ctx, a.ID)
	var oldp *store.Application
	if err == nil {
		oldp = &old
	}
	switch {
	case err == nil:
		if old.ErasedAt.IsZero() && (!a.ErasedAt.IsZero() || old.MemberID != a.MemberID || old.JobID != a.JobID) {
			writes = append(writes, kv.Delete(applicationIndexKey(old.MemberID, old.JobID), owned))
			fields = append(fields, "")
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if a.ErasedAt.IsZero() {
		writes = append(writes, kv.Put(applicationIndexItem(a), owned))
		fields = append(fields, "memberId")
	}
	writes = append(writes, counterOps(store.ApplicationCounts(oldp, &a, a.UpdatedAt))...)
	return conflictOf(s.transact(ctx, "import application", writes), fields)
}

// ---- referrals

// Refer implements store.Jobs, as Apply does.
func (s *Store) Refer(ctx context.Context, r store.Referral, now time.Time) (store.Referral, bool, error) {
	r, err := store.PrepareReferral(r, now)
	if err != nil {
		return store.Referral{}, false, fmt.Errorf("refer: %w", err)
	}
	return createForJob(ctx, s, "refer", r, r.JobID, now, referralIndexItem(r), referralItem(r),
		store.ReferralCounts(nil, &r, now), func() (store.Referral, error) { return s.findReferral(ctx, r) })
}

// findReferral reads the referral holding r's natural key.
func (s *Store) findReferral(ctx context.Context, r store.Referral) (store.Referral, error) {
	it, err := s.getItem(ctx, "find referral", referralIndexKey(r))
	if err != nil {
		return store.Referral{}, err
	}
	first, _, err := s.getReferral(ctx, (&decoder{it: it}).str("referral_id"))
	if errors.Is(err, store.ErrNotFound) {
		return store.Referral{}, fmt.Errorf("referrer index points to a missing referral: %w", err)
	}
	return first, err
}

// GetReferral implements store.Jobs.
func (s *Store) GetReferral(ctx context.Context, id string) (store.Referral, error) {
	r, _, err := s.getReferral(ctx, id)
	return wrapResult("get referral", r, err)
}

func (s *Store) getReferral(ctx context.Context, id string) (store.Referral, item, error) {
	if id == "" {
		return store.Referral{}, nil, store.ErrNotFound
	}
	return getRecord(ctx, s, "get referral", referralKey(id), decodeReferral)
}

// UpdateReferral implements store.Jobs as a compare-and-swap on version.
func (s *Store) UpdateReferral(ctx context.Context, id string, update func(old store.Referral) (store.Referral, error)) (store.Referral, error) {
	const op = "update referral"
	var next store.Referral
	err := retryRaces(ctx, 0, versionChanged, func() error {
		old, _, err := s.getReferral(ctx, id)
		if err == nil && !old.ErasedAt.IsZero() {
			err = store.ErrNotFound
		}
		if err != nil {
			return err
		}
		changed, err := update(old)
		if err != nil {
			return err
		}
		if next, err = store.ApplyReferralUpdate(old, changed, s.now()); err != nil {
			return err
		}
		return s.putVersion(ctx, referralItem(next), old.Version, store.ReferralCounts(&old, &next, s.now()))
	})
	return wrapResult(op, next, err)
}

// ListReferralsByJob implements store.Jobs with a Query on GSI1
// (eventually consistent, as documented).
func (s *Store) ListReferralsByJob(ctx context.Context, jobID string, page store.Page) ([]store.Referral, string, error) {
	out, cursor, err := queryPageOf(ctx, s, kv.Query{Index: IndexGSI1, PK: jobReferralsPartition(jobID)}, page, decodeReferral)
	if err != nil {
		return nil, "", fmt.Errorf("list referrals by job: %w", err)
	}
	return out, cursor, nil
}

// ListReferralsByReferrer implements store.Jobs, as ListApplicationsByMember does.
func (s *Store) ListReferralsByReferrer(ctx context.Context, memberID string) ([]store.Referral, error) {
	const op = "list referrals by referrer"
	if memberID == "" {
		return nil, nil
	}
	items, err := s.referencedItems(ctx, kv.Query{PK: referrerPartition(memberID), Prefix: "JOB#"},
		func(d *decoder) kv.Key { return referralKey(d.str("referral_id")) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make([]store.Referral, 0, len(items))
	for _, it := range items {
		if it == nil {
			return nil, fmt.Errorf("%s: referrer index points to a missing referral: %w", op, store.ErrNotFound)
		}
		r, err := decodeReferral(it)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if r.ReferrerID == memberID {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b store.Referral) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// importReferral is importApplication for referrals.
func (s *Store) importReferral(ctx context.Context, r store.Referral) error {
	writes := []kv.Op{kv.Put(referralItem(r), nil)}
	fields := []string{""}
	owned := kv.Or(kv.NotExists(), kv.Eq("referral_id", r.ID))
	old, _, err := s.getReferral(ctx, r.ID)
	var oldp *store.Referral
	if err == nil {
		oldp = &old
	}
	switch {
	case err == nil:
		if old.ErasedAt.IsZero() && (!r.ErasedAt.IsZero() || old.ReferrerID != r.ReferrerID || old.FriendKey() != r.FriendKey()) {
			writes = append(writes, kv.Delete(referralIndexKey(old), owned))
			fields = append(fields, "")
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if r.ErasedAt.IsZero() {
		writes = append(writes, kv.Put(referralIndexItem(r), owned))
		fields = append(fields, "referrerId")
	}
	writes = append(writes, counterOps(store.ReferralCounts(oldp, &r, r.UpdatedAt))...)
	return conflictOf(s.transact(ctx, "import referral", writes), fields)
}

// ---- erasure

// EraseMemberJobs implements store.Jobs: for each natural-key item in the
// member's partitions, one transaction writes the anonymous record (on
// condition that nobody changed it since it was read) and deletes the item
// (on condition that it still names that record).
func (s *Store) EraseMemberJobs(ctx context.Context, memberID string, now time.Time) ([]string, error) {
	const op = "erase member's jobs data"
	if memberID == "" {
		return nil, nil
	}
	apps, err := s.queryAll(ctx, kv.Query{PK: memberApplicationsPartition(memberID), Prefix: "JOB#"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var keys []string
	for _, ref := range apps {
		id := (&decoder{it: ref}).str("application_id")
		resume, err := s.eraseOne(ctx, op, ref.Key(), "application_id", id, func() (item, int64, string, error) {
			a, _, err := s.getApplication(ctx, id)
			if err != nil || !a.ErasedAt.IsZero() || a.MemberID != memberID {
				return nil, 0, "", err
			}
			return applicationItem(store.EraseApplication(a, now)), a.Version, a.Resume, nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if resume != "" {
			keys = append(keys, resume)
		}
	}
	refs, err := s.queryAll(ctx, kv.Query{PK: referrerPartition(memberID), Prefix: "JOB#"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, ref := range refs {
		id := (&decoder{it: ref}).str("referral_id")
		_, err := s.eraseOne(ctx, op, ref.Key(), "referral_id", id, func() (item, int64, string, error) {
			r, _, err := s.getReferral(ctx, id)
			if err != nil || !r.ErasedAt.IsZero() || r.ReferrerID != memberID {
				return nil, 0, "", err
			}
			return referralItem(store.EraseReferral(r, now)), r.Version, "", nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	return keys, nil
}

// eraseOne replaces one record by its anonymous form and deletes its
// natural-key item idx in one transaction, re-reading after a lost race.
// read returns the anonymous item, the version read and the résumé key; a
// nil item (already erased, or gone) only deletes idx. idx is deleted only
// while it names the record (idAttr = id): once erased elsewhere, the same
// key may already hold the member's next application, which is not this
// erasure's to drop.
func (s *Store) eraseOne(ctx context.Context, op string, idx kv.Key, idAttr, id string, read func() (item, int64, string, error)) (string, error) {
	dropIndex := true
	for attempt := 1; ; attempt++ {
		erased, version, resume, err := read()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		var writes []kv.Op
		if erased != nil {
			writes = append(writes, kv.Put(erased, kv.Eq("version", version)))
		}
		if dropIndex {
			writes = append(writes, kv.Delete(idx, kv.Or(kv.NotExists(), kv.Eq(idAttr, id))))
		}
		if len(writes) == 0 {
			return "", nil
		}
		err = s.transact(ctx, op, writes)
		i, _, failed := failedAt(err)
		if !failed {
			if err != nil {
				return "", err
			}
			return resume, nil
		}
		if writes[i].Kind == kv.OpDelete {
			dropIndex = false // it names another record now: keep it
			continue
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return "", err
		}
	}
}
