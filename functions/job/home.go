package job

import (
	"context"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// HomeView is the jobs part of a member's home (account.HomePart): each
// of their applications and referrals with where it stands, and the page
// that shows them in full. Only titles and statuses: the messages, the
// résumé and the friends' addresses stay on that page.
type HomeView struct {
	Applications []HomeItem `json:"applications"`
	Referrals    []HomeItem `json:"referrals"`
	Page         string     `json:"page"` // /members/me/applications/ in the language
}

// HomeItem is one application or referral on the home.
type HomeItem struct {
	ID          string `json:"id"`
	JobTitle    string `json:"job_title"`
	JobURL      string `json:"job_url,omitempty"`
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	Date        string `json:"date"` // applied or referred, in Japan
	Href        string `json:"href"` // the entry on the applications page
}

// MemberHome implements account.HomePart.
func (s *Service) MemberHome(ctx context.Context, m store.Member, lang string) (string, any, error) {
	v, err := s.mineIn(ctx, m, lang)
	if err != nil {
		return "jobs", nil, err
	}
	page := httpapi.PathIn(lang, "/members/me/applications/")
	h := HomeView{Applications: []HomeItem{}, Referrals: []HomeItem{}, Page: page}
	for _, a := range v.Applications {
		h.Applications = append(h.Applications, HomeItem{ID: a.ID, JobTitle: a.JobTitle, JobURL: a.JobURL, Status: a.Status,
			StatusLabel: a.StatusLabel, Date: a.AppliedLabel, Href: page + "#application-" + a.ID})
	}
	for _, r := range v.Referrals {
		h.Referrals = append(h.Referrals, HomeItem{ID: r.ID, JobTitle: r.JobTitle, JobURL: r.JobURL, Status: r.Outcome,
			StatusLabel: r.OutcomeLabel, Date: r.DateLabel, Href: page + "#referral-" + r.ID})
	}
	return "jobs", h, nil
}
