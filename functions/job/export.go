package job

import "context"

// ExportMember implements account.Exporter: the member's applications and
// the referrals they made.
func (s *Service) ExportMember(ctx context.Context, memberID string) (string, any, error) {
	apps, err := s.Store.ListApplicationsByMember(ctx, memberID)
	if err != nil {
		return "jobs", nil, err
	}
	refs, err := s.Store.ListReferralsByReferrer(ctx, memberID)
	if err != nil {
		return "jobs", nil, err
	}
	return "jobs", map[string]any{"applications": apps, "referrals": refs}, nil
}
