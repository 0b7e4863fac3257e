package job

import (
	"context"
	"fmt"
)

// EraseMember implements account.Eraser: the member's résumés are deleted
// from the blob store, then their applications and referrals lose every
// personal field (kept as anonymous records for HR's figures). Résumés go
// first so that a failure midway leaves records pointing at nothing rather
// than files nobody can find; running it again finishes the job.
func (s *Service) EraseMember(ctx context.Context, memberID string) error {
	apps, err := s.Store.ListApplicationsByMember(ctx, memberID)
	if err != nil {
		return fmt.Errorf("erase applications: %w", err)
	}
	for _, a := range apps {
		if a.Resume != "" {
			if err := s.Blobs.Delete(ctx, a.Resume); err != nil {
				return fmt.Errorf("erase résumé: %w", err)
			}
		}
	}
	keys, err := s.Store.EraseMemberJobs(ctx, memberID, s.Now())
	if err != nil {
		return fmt.Errorf("erase applications: %w", err)
	}
	// An application stored between the listing and the erasure is erased
	// too; its résumé is deleted here.
	for _, k := range keys {
		if err := s.Blobs.Delete(ctx, k); err != nil {
			return fmt.Errorf("erase résumé: %w", err)
		}
	}
	return nil
}
