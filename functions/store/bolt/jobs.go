package bolt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/okaeri/okaeri/functions/store"
)

// Buckets of the jobs feature. The natural keys (one application per member
// per job, one referral per referrer, job and friend) are the by-member and
// by-referrer buckets themselves: a key there is taken or it is not, inside
// one write transaction.
const (
	bucketJobs                 = "jobs"                   // id -> job
	bucketApplications         = "applications"           // id -> application
	bucketApplicationsByMember = "applications_by_member" // member id 0 job id -> application id
	bucketApplicationsByJob    = "applications_by_job"    // job id 0 createdAt id -> nil
	bucketReferrals            = "referrals"              // id -> referral
	bucketReferralsByReferrer  = "referrals_by_referrer"  // referrer id 0 job id # email hash -> referral id
	bucketReferralsByJob       = "referrals_by_job"       // job id 0 createdAt id -> nil
)

// jobBuckets lists the buckets above, for Open to create.
func jobBuckets() []string {
	return []string{bucketJobs, bucketApplications, bucketApplicationsByMember, bucketApplicationsByJob,
		bucketReferrals, bucketReferralsByReferrer, bucketReferralsByJob}
}

// ---- jobs

// PutJob implements store.Jobs.
func (s *Store) PutJob(ctx context.Context, j store.Job) error {
	j, err := store.PrepareJob(j, s.now())
	if err != nil {
		return fmt.Errorf("put job: %w", err)
	}
	if err := s.update(ctx, func(tx *bolt.Tx) error { return putJSON(bucket(tx, bucketJobs), []byte(j.ID), j) }); err != nil {
		return fmt.Errorf("put job: %w", err)
	}
	return nil
}

// GetJob implements store.Jobs.
func (s *Store) GetJob(ctx context.Context, id string) (store.Job, error) {
	var j store.Job
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		j, err = getJob(tx, id)
		return err
	})
	if err != nil {
		return store.Job{}, fmt.Errorf("get job: %w", err)
	}
	return j, nil
}

// ListJobs implements store.Jobs; bolt keeps keys sorted, so the bucket's
// order is the id order.
func (s *Store) ListJobs(ctx context.Context) ([]store.Job, error) {
	var out []store.Job
	err := s.view(ctx, func(tx *bolt.Tx) error {
		items, err := decodeAll[store.Job](bucket(tx, bucketJobs))
		out = items
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil
}

func getJob(tx *bolt.Tx, id string) (store.Job, error) {
	var j store.Job
	found, err := getJSON(bucket(tx, bucketJobs), []byte(id), &j)
	if err != nil {
		return j, err
	}
	if !found {
		return j, store.ErrNotFound
	}
	return j, nil
}

// ---- applications

// Apply implements store.Jobs: the natural key is checked, the job read and
// the application written in one write transaction.
func (s *Store) Apply(ctx context.Context, a store.Application, now time.Time) (store.Application, bool, error) {
	a, err := store.PrepareApplication(a, now)
	if err != nil {
		return store.Application{}, false, fmt.Errorf("apply: %w", err)
	}
	created := false
	err = s.update(ctx, func(tx *bolt.Tx) error {
		if id := bucket(tx, bucketApplicationsByMember).Get(applicationNaturalKey(a)); id != nil {
			first, err := getApplication(tx, string(id))
			if err != nil {
				return fmt.Errorf("member index points to a missing application: %w", err)
			}
			a = first
			return nil
		}
		j, err := getJob(tx, a.JobID)
		if err != nil {
			return err
		}
		if j.Closed(now) {
			return store.ErrJobClosed
		}
		if bucket(tx, bucketApplications).Get([]byte(a.ID)) != nil {
			return &store.ConflictError{Field: "id"}
		}
		created = true
		return putApplication(tx, nil, a)
	})
	if err != nil {
		return store.Application{}, false, fmt.Errorf("apply: %w", err)
	}
	return a, created, nil
}

// GetApplication implements store.Jobs.
func (s *Store) GetApplication(ctx context.Context, id string) (store.Application, error) {
	var a store.Application
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		a, err = getApplication(tx, id)
		return err
	})
	if err != nil {
		return store.Application{}, fmt.Errorf("get application: %w", err)
	}
	return a, nil
}

// FindApplication implements store.Jobs.
func (s *Store) FindApplication(ctx context.Context, jobID, memberID string) (store.Application, error) {
	var a store.Application
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		if jobID == "" || memberID == "" {
			return store.ErrNotFound
		}
		id := bucket(tx, bucketApplicationsByMember).Get(applicationNaturalKey(store.Application{JobID: jobID, MemberID: memberID}))
		if id == nil {
			return store.ErrNotFound
		}
		a, err = getApplication(tx, string(id))
		return err
	})
	if err != nil {
		return store.Application{}, fmt.Errorf("find application: %w", err)
	}
	return a, nil
}

// ListApplicationsByJob implements store.Jobs.
func (s *Store) ListApplicationsByJob(ctx context.Context, jobID string, page store.Page) ([]store.Application, string, error) {
	var out []store.Application
	var next string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := append([]byte(jobID), 0)
		keys, cursor, err := scanIndex(bucket(tx, bucketApplicationsByJob), prefix, nil, page)
		if err != nil {
			return err
		}
		for _, k := range keys {
			a, err := getApplication(tx, string(k[len(prefix)+8:]))
			if err != nil {
				return fmt.Errorf("job index points to a missing application: %w", err)
			}
			out = append(out, a)
		}
		next = cursor
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list applications by job: %w", err)
	}
	return out, next, nil
}

// ListApplicationsByMember implements store.Jobs.
func (s *Store) ListApplicationsByMember(ctx context.Context, memberID string) ([]store.Application, error) {
	var out []store.Application
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids := prefixValues(bucket(tx, bucketApplicationsByMember), memberID)
		for _, id := range ids {
			a, err := getApplication(tx, string(id))
			if err != nil {
				return fmt.Errorf("member index points to a missing application: %w", err)
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list applications by member: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Application) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// MoveApplication implements store.Jobs inside one write transaction.
func (s *Store) MoveApplication(ctx context.Context, id string, c store.StatusChange) (store.Application, error) {
	var moved store.Application
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getApplication(tx, id)
		if err != nil {
			return err
		}
		moved, err = store.ApplyMove(old, c)
		if err != nil {
			return err
		}
		return putJSON(bucket(tx, bucketApplications), []byte(id), moved)
	})
	if err != nil {
		return store.Application{}, fmt.Errorf("move application: %w", err)
	}
	return moved, nil
}

func getApplication(tx *bolt.Tx, id string) (store.Application, error) {
	var a store.Application
	found, err := getJSON(bucket(tx, bucketApplications), []byte(id), &a)
	if err != nil {
		return a, err
	}
	if !found {
		return a, store.ErrNotFound
	}
	return a, nil
}

func applicationNaturalKey(a store.Application) []byte {
	return append(append([]byte(a.MemberID), 0), a.JobID...)
}

func applicationJobKey(a store.Application) []byte {
	k := append([]byte(a.JobID), 0)
	k = appendTime(k, a.CreatedAt)
	return append(k, a.ID...)
}

// putApplication writes a and its index entries, removing old's (nil: a
// new application). An erased application has no natural-key entry. The
// natural key must be free or a's own: ErrAlreadyExists on "memberId" otherwise.
func putApplication(tx *bolt.Tx, old *store.Application, a store.Application) error {
	byMember, byJob := bucket(tx, bucketApplicationsByMember), bucket(tx, bucketApplicationsByJob)
	if a.ErasedAt.IsZero() {
		if id := byMember.Get(applicationNaturalKey(a)); id != nil && string(id) != a.ID {
			return &store.ConflictError{Field: "memberId"}
		}
	}
	if old != nil {
		if old.ErasedAt.IsZero() {
			if err := byMember.Delete(applicationNaturalKey(*old)); err != nil {
				return err
			}
		}
		if err := byJob.Delete(applicationJobKey(*old)); err != nil {
			return err
		}
	}
	if a.ErasedAt.IsZero() {
		if err := byMember.Put(applicationNaturalKey(a), []byte(a.ID)); err != nil {
			return err
		}
	}
	if err := byJob.Put(applicationJobKey(a), nil); err != nil {
		return err
	}
	return putJSON(bucket(tx, bucketApplications), []byte(a.ID), a)
}

// importApplication writes an exported application over any with its id.
func importApplication(tx *bolt.Tx, a store.Application) error {
	old, err := getApplication(tx, a.ID)
	switch {
	case err == nil:
		return putApplication(tx, &old, a)
	case errors.Is(err, store.ErrNotFound):
		return putApplication(tx, nil, a)
	}
	return err
}

// ---- referrals

// Refer implements store.Jobs, as Apply does.
func (s *Store) Refer(ctx context.Context, r store.Referral, now time.Time) (store.Referral, bool, error) {
	r, err := store.PrepareReferral(r, now)
	if err != nil {
		return store.Referral{}, false, fmt.Errorf("refer: %w", err)
	}
	created := false
	err = s.update(ctx, func(tx *bolt.Tx) error {
		if id := bucket(tx, bucketReferralsByReferrer).Get(referralNaturalKey(r)); id != nil {
			first, err := getReferral(tx, string(id))
			if err != nil {
				return fmt.Errorf("referrer index points to a missing referral: %w", err)
			}
			r = first
			return nil
		}
		j, err := getJob(tx, r.JobID)
		if err != nil {
			return err
		}
		if j.Closed(now) {
			return store.ErrJobClosed
		}
		if bucket(tx, bucketReferrals).Get([]byte(r.ID)) != nil {
			return &store.ConflictError{Field: "id"}
		}
		created = true
		return putReferral(tx, nil, r)
	})
	if err != nil {
		return store.Referral{}, false, fmt.Errorf("refer: %w", err)
	}
	return r, created, nil
}

// GetReferral implements store.Jobs.
func (s *Store) GetReferral(ctx context.Context, id string) (store.Referral, error) {
	var r store.Referral
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		r, err = getReferral(tx, id)
		return err
	})
	if err != nil {
		return store.Referral{}, fmt.Errorf("get referral: %w", err)
	}
	return r, nil
}

// UpdateReferral implements store.Jobs: read, callback and write share one
// write transaction, so there is never a conflict to retry.
func (s *Store) UpdateReferral(ctx context.Context, id string, update func(old store.Referral) (store.Referral, error)) (store.Referral, error) {
	var next store.Referral
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getReferral(tx, id)
		if err != nil {
			return err
		}
		if !old.ErasedAt.IsZero() {
			return store.ErrNotFound
		}
		changed, err := update(old)
		if err != nil {
			return err
		}
		next, err = store.ApplyReferralUpdate(old, changed, s.now())
		if err != nil {
			return err
		}
		return putJSON(bucket(tx, bucketReferrals), []byte(id), next)
	})
	if err != nil {
		return store.Referral{}, fmt.Errorf("update referral: %w", err)
	}
	return next, nil
}

// ListReferralsByJob implements store.Jobs.
func (s *Store) ListReferralsByJob(ctx context.Context, jobID string, page store.Page) ([]store.Referral, string, error) {
	var out []store.Referral
	var next string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := append([]byte(jobID), 0)
		keys, cursor, err := scanIndex(bucket(tx, bucketReferralsByJob), prefix, nil, page)
		if err != nil {
			return err
		}
		for _, k := range keys {
			r, err := getReferral(tx, string(k[len(prefix)+8:]))
			if err != nil {
				return fmt.Errorf("job index points to a missing referral: %w", err)
			}
			out = append(out, r)
		}
		next = cursor
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list referrals by job: %w", err)
	}
	return out, next, nil
}

// ListReferralsByReferrer implements store.Jobs.
func (s *Store) ListReferralsByReferrer(ctx context.Context, memberID string) ([]store.Referral, error) {
	var out []store.Referral
	err := s.view(ctx, func(tx *bolt.Tx) error {
		for _, id := range prefixValues(bucket(tx, bucketReferralsByReferrer), memberID) {
			r, err := getReferral(tx, string(id))
			if err != nil {
				return fmt.Errorf("referrer index points to a missing referral: %w", err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list referrals by referrer: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Referral) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

func getReferral(tx *bolt.Tx, id string) (store.Referral, error) {
	var r store.Referral
	found, err := getJSON(bucket(tx, bucketReferrals), []byte(id), &r)
	if err != nil {
		return r, err
	}
	if !found {
		return r, store.ErrNotFound
	}
	return r, nil
}

func referralNaturalKey(r store.Referral) []byte {
	return append(append([]byte(r.ReferrerID), 0), r.FriendKey()...)
}

func referralJobKey(r store.Referral) []byte {
	k := append([]byte(r.JobID), 0)
	k = appendTime(k, r.CreatedAt)
	return append(k, r.ID...)
}

// putReferral is putApplication for referrals ("referrerId" names a taken natural key).
func putReferral(tx *bolt.Tx, old *store.Referral, r store.Referral) error {
	byReferrer, byJob := bucket(tx, bucketReferralsByReferrer), bucket(tx, bucketReferralsByJob)
	if r.ErasedAt.IsZero() {
		if id := byReferrer.Get(referralNaturalKey(r)); id != nil && string(id) != r.ID {
			return &store.ConflictError{Field: "referrerId"}
		}
	}
	if old != nil {
		if old.ErasedAt.IsZero() {
			if err := byReferrer.Delete(referralNaturalKey(*old)); err != nil {
				return err
			}
		}
		if err := byJob.Delete(referralJobKey(*old)); err != nil {
			return err
		}
	}
	if r.ErasedAt.IsZero() {
		if err := byReferrer.Put(referralNaturalKey(r), []byte(r.ID)); err != nil {
			return err
		}
	}
	if err := byJob.Put(referralJobKey(r), nil); err != nil {
		return err
	}
	return putJSON(bucket(tx, bucketReferrals), []byte(r.ID), r)
}

// importReferral writes an exported referral over any with its id.
func importReferral(tx *bolt.Tx, r store.Referral) error {
	old, err := getReferral(tx, r.ID)
	switch {
	case err == nil:
		return putReferral(tx, &old, r)
	case errors.Is(err, store.ErrNotFound):
		return putReferral(tx, nil, r)
	}
	return err
}

// ---- erasure

// EraseMemberJobs implements store.Jobs in one write transaction: a member
// has a handful of applications and referrals.
func (s *Store) EraseMemberJobs(ctx context.Context, memberID string, now time.Time) ([]string, error) {
	if memberID == "" {
		return nil, nil
	}
	var keys []string
	err := s.update(ctx, func(tx *bolt.Tx) error {
		keys = nil
		for _, id := range prefixValues(bucket(tx, bucketApplicationsByMember), memberID) {
			a, err := getApplication(tx, string(id))
			if err != nil {
				return fmt.Errorf("member index points to a missing application: %w", err)
			}
			if a.Resume != "" {
				keys = append(keys, a.Resume)
			}
			if err := putApplication(tx, &a, store.EraseApplication(a, now)); err != nil {
				return err
			}
		}
		for _, id := range prefixValues(bucket(tx, bucketReferralsByReferrer), memberID) {
			r, err := getReferral(tx, string(id))
			if err != nil {
				return fmt.Errorf("referrer index points to a missing referral: %w", err)
			}
			if err := putReferral(tx, &r, store.EraseReferral(r, now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("erase member's jobs data: %w", err)
	}
	return keys, nil
}

// prefixValues returns the values of b's keys that start with id and a 0 byte.
func prefixValues(b *bolt.Bucket, id string) [][]byte {
	if id == "" {
		return nil
	}
	prefix := append([]byte(id), 0)
	var out [][]byte
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		out = append(out, append([]byte(nil), v...))
	}
	return out
}
