package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Jobs, applications and referrals.
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
const (
	typeApplicationIndex = "member-application-index"
	typeReferralIndex    = "member-referral-index"
	pkJobs               = "JOBS"
	skApplication        = "APP"
	skReferral           = "REF"
)

func jobKey(id string) item                        { return key(pkJobs, "JOB#"+id) }
func applicationKey(id string) item                { return key("APP#"+id, skApplication) }
func referralKey(id string) item                   { return key("REF#"+id, skReferral) }
func jobApplicationsPartition(jobID string) string { return "JOBAPPS#" + jobID }
func jobReferralsPartition(jobID string) string    { return "JOBREFS#" + jobID }

func applicationIndexKey(memberID, jobID string) item {
	return key("MEMBERAPP#"+memberID, "JOB#"+jobID)
}

func referralIndexKey(r store.Referral) item {
	return key("MEMBERREF#"+r.ReferrerID, "JOB#"+r.FriendKey())
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
	putStr(it, "contact", j.Contact)
	if j.Archived {
		it["archived"] = &ddb.AttributeValueMemberBOOL{Value: true}
	}
	return it
}

func decodeJob(it item) (store.Job, error) {
	d := decoder{it: it}
	archived, _ := it["archived"].(*ddb.AttributeValueMemberBOOL)
	j := store.Job{
		ID:             d.str("id"),
		Title:          d.str("title"),
		TitleEn:        d.str("title_en"),
		EmploymentType: store.EmploymentType(d.str("employment_type")),
		Department:     d.str("department"),
		Location:       d.str("location"),
		Visibility:     d.str("visibility"),
		Closes:         d.time("closes"),
		Contact:        d.str("contact"),
		Archived:       archived != nil && archived.Value,
		SyncedAt:       d.time("synced_at"),
	}
	if d.err != nil {
		return store.Job{}, fmt.Errorf("decode job: %w", d.err)
	}
	return j, nil
}

func applicationItem(a store.Application) item {
	history := make([]ddb.AttributeValue, len(a.History))
	for i, c := range a.History {
		m := item{"at": timeAttr(c.At), "to": str(string(c.To))}
		putStr(m, "actor", c.Actor)
		putStr(m, "from", string(c.From))
		putStr(m, "note", c.Note)
		if c.Notified {
			m["notified"] = &ddb.AttributeValueMemberBOOL{Value: true}
		}
		history[i] = &ddb.AttributeValueMemberM{Value: m}
	}
	it := with(applicationKey(a.ID), item{
		"type":       str(string(store.RecordApplication)),
		"id":         str(a.ID),
		"job_id":     str(a.JobID),
		"status":     str(string(a.Status)),
		"history":    &ddb.AttributeValueMemberL{Value: history},
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
	if l, ok := it["history"].(*ddb.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			m, ok := v.(*ddb.AttributeValueMemberM)
			if !ok {
				d.fail("history", "not a map")
				break
			}
			cd := decoder{it: m.Value}
			notified, _ := m.Value["notified"].(*ddb.AttributeValueMemberBOOL)
			a.History = append(a.History, store.StatusChange{
				At: cd.time("at"), Actor: cd.str("actor"), From: store.ApplicationStatus(cd.str("from")),
				To: store.ApplicationStatus(cd.str("to")), Note: cd.str("note"), Notified: notified != nil && notified.Value,
			})
			if cd.err != nil {
				d.fail("history", cd.err.Error())
			}
		}
	}
	if d.err != nil {
		return store.Application{}, fmt.Errorf("decode application: %w", d.err)
	}
	return a, nil
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
	if r.Suppressed {
		it["suppressed"] = &ddb.AttributeValueMemberBOOL{Value: true}
	}
	putTime(it, "erased_at", r.ErasedAt)
	return it
}

func decodeReferral(it item) (store.Referral, error) {
	d := decoder{it: it}
	suppressed, _ := it["suppressed"].(*ddb.AttributeValueMemberBOOL)
	r := store.Referral{
		ID:           d.str("id"),
		JobID:        d.str("job_id"),
		ReferrerID:   d.str("referrer_id"),
		FriendName:   d.str("friend_name"),
		FriendEmail:  d.str("friend_email"),
		Relationship: d.str("relationship"),
		Note:         d.str("note"),
		Outcome:      store.ReferralOutcome(d.str("outcome")),
		OutcomeNote:  d.str("outcome_note"),
		InvitedAt:    d.time("invited_at"),
		Suppressed:   suppressed != nil && suppressed.Value,
		CreatedAt:    d.time("created_at"),
		UpdatedAt:    d.time("updated_at"),
		ErasedAt:     d.time("erased_at"),
		Version:      d.num("version"),
	}
	if d.err != nil {
		return store.Referral{}, fmt.Errorf("decode referral: %w", d.err)
	}
	return r, nil
}

func referralIndexItem(r store.Referral) item {
	return with(referralIndexKey(r), item{
		"type":        str(typeReferralIndex),
		"referral_id": str(r.ID),
	})
}

// ---- jobs

// PutJob implements store.Jobs with one unconditional PutItem: sync owns jobs.
func (s *Store) PutJob(ctx context.Context, j store.Job) error {
	j, err := store.PrepareJob(j, s.now())
	if err != nil {
		return fmt.Errorf("put job: %w", err)
	}
	if err := s.put(ctx, "put job", jobItem(j)); err != nil {
		return fmt.Errorf("put job: %w", err)
	}
	return nil
}

// GetJob implements store.Jobs.
func (s *Store) GetJob(ctx context.Context, id string) (store.Job, error) {
	j, err := s.getJob(ctx, id)
	if err != nil {
		return store.Job{}, fmt.Errorf("get job: %w", err)
	}
	return j, nil
}

func (s *Store) getJob(ctx context.Context, id string) (store.Job, error) {
	if id == "" {
		return store.Job{}, store.ErrNotFound
	}
	it, err := s.getItem(ctx, "get job", jobKey(id))
	if err != nil {
		return store.Job{}, err
	}
	return decodeJob(it)
}

// ListJobs implements store.Jobs with one consistent Query of the JOBS partition.
func (s *Store) ListJobs(ctx context.Context) ([]store.Job, error) {
	items, err := s.queryAll(ctx, "list jobs", item{":p": str(pkJobs), ":s": str("JOB#")})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out := make([]store.Job, 0, len(items))
	for _, it := range items {
		j, err := decodeJob(it)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, nil
}

// queryAll reads every item of a partition (":p") whose sort key begins
// with ":s", consistently, in sort-key order.
func (s *Store) queryAll(ctx context.Context, op string, values item) ([]item, error) {
	q := &ddb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :p AND begins_with(SK, :s)"),
		ExpressionAttributeValues: values,
		ConsistentRead:            aws.Bool(true),
	}
	var items []item
	for {
		out, err := call(ctx, s, op, func(ctx context.Context) (*ddb.QueryOutput, error) {
			return s.client.Query(ctx, q)
		})
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		q.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// ---- applications

// Apply implements store.Jobs: the application and its natural-key item go
// in one transaction, each on condition that its key is free. When the
// natural key is taken, the first application is read back through it.
func (s *Store) Apply(ctx context.Context, a store.Application, now time.Time) (store.Application, bool, error) {
	a, err := store.PrepareApplication(a, now)
	if err != nil {
		return store.Application{}, false, fmt.Errorf("apply: %w", err)
	}
	first, err := s.findApplication(ctx, a.JobID, a.MemberID)
	switch {
	case err == nil:
		return first, false, nil
	case !errors.Is(err, store.ErrNotFound):
		return store.Application{}, false, fmt.Errorf("apply: %w", err)
	}
	j, err := s.getJob(ctx, a.JobID)
	if err != nil {
		return store.Application{}, false, fmt.Errorf("apply: %w", err)
	}
	if j.Closed(now) {
		return store.Application{}, false, fmt.Errorf("apply: %w", store.ErrJobClosed)
	}
	err = s.transact(ctx, "apply", []ddb.TransactWriteItem{
		s.putIfAbsent(applicationIndexItem(a)),
		s.putIfAbsent(applicationItem(a)),
	})
	if failed, ok := canceledAt(err); ok && failed[0] {
		// Another request by the same member won the race: answer with its application.
		first, err := s.findApplication(ctx, a.JobID, a.MemberID)
		if err != nil {
			return store.Application{}, false, fmt.Errorf("apply: %w", err)
		}
		return first, false, nil
	}
	if err := conflictOf(err, []string{"", "id"}); err != nil {
		return store.Application{}, false, fmt.Errorf("apply: %w", err)
	}
	return a, true, nil
}

// GetApplication implements store.Jobs.
func (s *Store) GetApplication(ctx context.Context, id string) (store.Application, error) {
	a, _, err := s.getApplication(ctx, id)
	if err != nil {
		return store.Application{}, fmt.Errorf("get application: %w", err)
	}
	return a, nil
}

func (s *Store) getApplication(ctx context.Context, id string) (store.Application, item, error) {
	if id == "" {
		return store.Application{}, nil, store.ErrNotFound
	}
	it, err := s.getItem(ctx, "get application", applicationKey(id))
	if err != nil {
		return store.Application{}, nil, err
	}
	a, err := decodeApplication(it)
	return a, it, err
}

// FindApplication implements store.Jobs: the natural-key item names the application.
func (s *Store) FindApplication(ctx context.Context, jobID, memberID string) (store.Application, error) {
	a, err := s.findApplication(ctx, jobID, memberID)
	if err != nil {
		return store.Application{}, fmt.Errorf("find application: %w", err)
	}
	return a, nil
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

// ListApplicationsByJob implements store.Jobs with a Query on GSI1.
func (s *Store) ListApplicationsByJob(ctx context.Context, jobID string, page store.Page) ([]store.Application, string, error) {
	items, cursor, err := s.queryJobIndex(ctx, "list applications by job", jobApplicationsPartition(jobID), page)
	if err != nil {
		return nil, "", fmt.Errorf("list applications by job: %w", err)
	}
	out := make([]store.Application, 0, len(items))
	for _, it := range items {
		a, err := decodeApplication(it)
		if err != nil {
			return nil, "", fmt.Errorf("list applications by job: %w", err)
		}
		out = append(out, a)
	}
	return out, cursor, nil
}

func (s *Store) queryJobIndex(ctx context.Context, op, partition string, page store.Page) ([]item, string, error) {
	q := &ddb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :p"),
		ExpressionAttributeValues: item{":p": str(partition)},
	}
	return s.queryPage(ctx, op, q, page, AttrGSI1PK, partition, AttrPK, AttrSK, AttrGSI1PK, AttrGSI1SK)
}

// ListApplicationsByMember implements store.Jobs: a consistent Query of the
// member's MEMBERAPP# partition, then one GetItem per application.
func (s *Store) ListApplicationsByMember(ctx context.Context, memberID string) ([]store.Application, error) {
	if memberID == "" {
		return nil, nil
	}
	refs, err := s.queryAll(ctx, "list applications by member", item{":p": str("MEMBERAPP#" + memberID), ":s": str("JOB#")})
	if err != nil {
		return nil, fmt.Errorf("list applications by member: %w", err)
	}
	out := make([]store.Application, 0, len(refs))
	for _, ref := range refs {
		a, _, err := s.getApplication(ctx, (&decoder{it: ref}).str("application_id"))
		if err != nil {
			return nil, fmt.Errorf("list applications by member: %w", err)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b store.Application) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// MoveApplication implements store.Jobs as a compare-and-swap on version.
func (s *Store) MoveApplication(ctx context.Context, id string, c store.StatusChange) (store.Application, error) {
	const op = "move application"
	for attempt := 1; ; attempt++ {
		old, _, err := s.getApplication(ctx, id)
		if err != nil {
			return store.Application{}, fmt.Errorf("%s: %w", op, err)
		}
		moved, err := store.ApplyMove(old, c)
		if err != nil {
			return store.Application{}, fmt.Errorf("%s: %w", op, err)
		}
		err = s.putVersion(ctx, op, applicationItem(moved), old.Version)
		if err == nil {
			return moved, nil
		}
		if !errors.Is(err, errVersionChanged) {
			return store.Application{}, fmt.Errorf("%s: %w", op, err)
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.Application{}, fmt.Errorf("%s: %w", op, err)
		}
	}
}

// putVersion is a PutItem on condition that the stored item is at version;
// errVersionChanged if another writer came first.
func (s *Store) putVersion(ctx context.Context, op string, it item, version int64) error {
	_, err := call(ctx, s, op, func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName:                 &s.table,
			Item:                      it,
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: item{":v": num(version)},
		})
	})
	if _, failed := conditionFailed(err); failed {
		return errVersionChanged
	}
	return err
}

// importApplication writes an exported application over any with its id,
// moving its natural-key item if the member or job changed.
func (s *Store) importApplication(ctx context.Context, a store.Application) error {
	writes := []ddb.TransactWriteItem{{Put: &ddb.Put{TableName: &s.table, Item: applicationItem(a)}}}
	fields := []string{""}
	owned := aws.String("attribute_not_exists(PK) OR application_id = :id")
	ids := item{":id": str(a.ID)}
	old, _, err := s.getApplication(ctx, a.ID)
	switch {
	case err == nil:
		if old.ErasedAt.IsZero() && (!a.ErasedAt.IsZero() || old.MemberID != a.MemberID || old.JobID != a.JobID) {
			writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table,
				Key: applicationIndexKey(old.MemberID, old.JobID), ConditionExpression: owned, ExpressionAttributeValues: ids}})
			fields = append(fields, "")
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if a.ErasedAt.IsZero() {
		writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{TableName: &s.table, Item: applicationIndexItem(a),
			ConditionExpression: owned, ExpressionAttributeValues: ids}})
		fields = append(fields, "memberId")
	}
	return conflictOf(s.transact(ctx, "import application", writes), fields)
}

// ---- referrals

// Refer implements store.Jobs, as Apply does.
func (s *Store) Refer(ctx context.Context, r store.Referral, now time.Time) (store.Referral, bool, error) {
	r, err := store.PrepareReferral(r, now)
	if err != nil {
		return store.Referral{}, false, fmt.Errorf("refer: %w", err)
	}
	first, err := s.findReferral(ctx, r)
	switch {
	case err == nil:
		return first, false, nil
	case !errors.Is(err, store.ErrNotFound):
		return store.Referral{}, false, fmt.Errorf("refer: %w", err)
	}
	j, err := s.getJob(ctx, r.JobID)
	if err != nil {
		return store.Referral{}, false, fmt.Errorf("refer: %w", err)
	}
	if j.Closed(now) {
		return store.Referral{}, false, fmt.Errorf("refer: %w", store.ErrJobClosed)
	}
	err = s.transact(ctx, "refer", []ddb.TransactWriteItem{
		s.putIfAbsent(referralIndexItem(r)),
		s.putIfAbsent(referralItem(r)),
	})
	if failed, ok := canceledAt(err); ok && failed[0] {
		first, err := s.findReferral(ctx, r)
		if err != nil {
			return store.Referral{}, false, fmt.Errorf("refer: %w", err)
		}
		return first, false, nil
	}
	if err := conflictOf(err, []string{"", "id"}); err != nil {
		return store.Referral{}, false, fmt.Errorf("refer: %w", err)
	}
	return r, true, nil
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
	if err != nil {
		return store.Referral{}, fmt.Errorf("get referral: %w", err)
	}
	return r, nil
}

func (s *Store) getReferral(ctx context.Context, id string) (store.Referral, item, error) {
	if id == "" {
		return store.Referral{}, nil, store.ErrNotFound
	}
	it, err := s.getItem(ctx, "get referral", referralKey(id))
	if err != nil {
		return store.Referral{}, nil, err
	}
	r, err := decodeReferral(it)
	return r, it, err
}

// UpdateReferral implements store.Jobs as a compare-and-swap on version.
func (s *Store) UpdateReferral(ctx context.Context, id string, update func(old store.Referral) (store.Referral, error)) (store.Referral, error) {
	const op = "update referral"
	for attempt := 1; ; attempt++ {
		old, _, err := s.getReferral(ctx, id)
		if err == nil && !old.ErasedAt.IsZero() {
			err = store.ErrNotFound
		}
		if err != nil {
			return store.Referral{}, fmt.Errorf("%s: %w", op, err)
		}
		changed, err := update(old)
		if err != nil {
			return store.Referral{}, fmt.Errorf("%s: %w", op, err)
		}
		next, err := store.ApplyReferralUpdate(old, changed, s.now())
		if err != nil {
			return store.Referral{}, fmt.Errorf("%s: %w", op, err)
		}
		err = s.putVersion(ctx, op, referralItem(next), old.Version)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, errVersionChanged) {
			return store.Referral{}, fmt.Errorf("%s: %w", op, err)
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.Referral{}, fmt.Errorf("%s: %w", op, err)
		}
	}
}

// ListReferralsByJob implements store.Jobs with a Query on GSI1.
func (s *Store) ListReferralsByJob(ctx context.Context, jobID string, page store.Page) ([]store.Referral, string, error) {
	items, cursor, err := s.queryJobIndex(ctx, "list referrals by job", jobReferralsPartition(jobID), page)
	if err != nil {
		return nil, "", fmt.Errorf("list referrals by job: %w", err)
	}
	out := make([]store.Referral, 0, len(items))
	for _, it := range items {
		r, err := decodeReferral(it)
		if err != nil {
			return nil, "", fmt.Errorf("list referrals by job: %w", err)
		}
		out = append(out, r)
	}
	return out, cursor, nil
}

// ListReferralsByReferrer implements store.Jobs, as ListApplicationsByMember does.
func (s *Store) ListReferralsByReferrer(ctx context.Context, memberID string) ([]store.Referral, error) {
	if memberID == "" {
		return nil, nil
	}
	refs, err := s.queryAll(ctx, "list referrals by referrer", item{":p": str("MEMBERREF#" + memberID), ":s": str("JOB#")})
	if err != nil {
		return nil, fmt.Errorf("list referrals by referrer: %w", err)
	}
	out := make([]store.Referral, 0, len(refs))
	for _, ref := range refs {
		r, _, err := s.getReferral(ctx, (&decoder{it: ref}).str("referral_id"))
		if err != nil {
			return nil, fmt.Errorf("list referrals by referrer: %w", err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b store.Referral) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// importReferral is importApplication for referrals.
func (s *Store) importReferral(ctx context.Context, r store.Referral) error {
	writes := []ddb.TransactWriteItem{{Put: &ddb.Put{TableName: &s.table, Item: referralItem(r)}}}
	fields := []string{""}
	owned := aws.String("attribute_not_exists(PK) OR referral_id = :id")
	ids := item{":id": str(r.ID)}
	old, _, err := s.getReferral(ctx, r.ID)
	switch {
	case err == nil:
		if old.ErasedAt.IsZero() && (!r.ErasedAt.IsZero() || old.ReferrerID != r.ReferrerID || old.FriendKey() != r.FriendKey()) {
			writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table,
				Key: referralIndexKey(old), ConditionExpression: owned, ExpressionAttributeValues: ids}})
			fields = append(fields, "")
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if r.ErasedAt.IsZero() {
		writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{TableName: &s.table, Item: referralIndexItem(r),
			ConditionExpression: owned, ExpressionAttributeValues: ids}})
		fields = append(fields, "referrerId")
	}
	return conflictOf(s.transact(ctx, "import referral", writes), fields)
}

// ---- erasure

// EraseMemberJobs implements store.Jobs: for each natural-key item in the
// member's partitions, one transaction writes the anonymous record (on
// condition that nobody changed it since it was read) and deletes the item.
func (s *Store) EraseMemberJobs(ctx context.Context, memberID string, now time.Time) ([]string, error) {
	const op = "erase member's jobs data"
	if memberID == "" {
		return nil, nil
	}
	apps, err := s.queryAll(ctx, op, item{":p": str("MEMBERAPP#" + memberID), ":s": str("JOB#")})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var keys []string
	for _, ref := range apps {
		idx := key((&decoder{it: ref}).str(AttrPK), (&decoder{it: ref}).str(AttrSK))
		id := (&decoder{it: ref}).str("application_id")
		resume, err := s.eraseOne(ctx, op, idx, func() (item, int64, string, error) {
			a, _, err := s.getApplication(ctx, id)
			if err != nil || !a.ErasedAt.IsZero() {
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
	refs, err := s.queryAll(ctx, op, item{":p": str("MEMBERREF#" + memberID), ":s": str("JOB#")})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, ref := range refs {
		idx := key((&decoder{it: ref}).str(AttrPK), (&decoder{it: ref}).str(AttrSK))
		id := (&decoder{it: ref}).str("referral_id")
		_, err := s.eraseOne(ctx, op, idx, func() (item, int64, string, error) {
			r, _, err := s.getReferral(ctx, id)
			if err != nil || !r.ErasedAt.IsZero() {
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
// nil item (already erased, or gone) only deletes idx.
func (s *Store) eraseOne(ctx context.Context, op string, idx item, read func() (item, int64, string, error)) (string, error) {
	for attempt := 1; ; attempt++ {
		erased, version, resume, err := read()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		writes := []ddb.TransactWriteItem{{Delete: &ddb.Delete{TableName: &s.table, Key: idx}}}
		if erased != nil {
			writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{TableName: &s.table, Item: erased,
				ConditionExpression: aws.String("version = :v"), ExpressionAttributeValues: item{":v": num(version)}}})
		}
		err = s.transact(ctx, op, writes)
		if _, ok := canceledAt(err); !ok {
			return resume, err
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return "", err
		}
	}
}
