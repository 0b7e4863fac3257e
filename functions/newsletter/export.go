package newsletter

import "context"

// ExportMember implements account.Exporter: the member's engagement with
// newsletters (opens and clicks SendGrid reported).
func (s *Service) ExportMember(ctx context.Context, memberID string) (string, any, error) {
	events, err := s.Store.ListMemberEngagement(ctx, memberID)
	return "newsletter_engagement", events, err
}
