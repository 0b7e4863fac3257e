package event

import "context"

// ExportMember implements account.Exporter: the member's RSVPs.
func (s *Service) ExportMember(ctx context.Context, memberID string) (string, any, error) {
	rsvps, err := s.MemberRSVPs(ctx, memberID)
	return "rsvps", rsvps, err
}
