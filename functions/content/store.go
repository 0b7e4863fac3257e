package content

import "github.com/okaeri/okaeri/functions/store"

// StoreJobs are the published jobs (drafts left out) with the fields the
// store keeps: what `okaeri sync` hands to job.Sync.
func StoreJobs(jobs []Job) []store.Job {
	out := make([]store.Job, 0, len(jobs))
	for _, cj := range jobs {
		if cj.Draft {
			continue
		}
		out = append(out, store.Job{
			ID: cj.ID, Title: cj.Title[Japanese], TitleEn: cj.Title[English],
			EmploymentType: store.EmploymentType(cj.EmploymentType),
			Department:     cj.Department[Japanese], DepartmentEn: cj.Department[English],
			Location: cj.Location[Japanese], LocationEn: cj.Location[English],
			Visibility: cj.Visibility, Closes: cj.Closes, Contact: cj.Contact,
		}.Normalized())
	}
	return out
}

// StoreEvents are the published events with the fields the store keeps,
// and how many drafts were left out: what `okaeri sync` hands to the
// events service's Sync.
func StoreEvents(events []Event) (published []store.Event, drafts int) {
	published = make([]store.Event, 0, len(events))
	for _, c := range events {
		if c.Draft {
			drafts++
			continue
		}
		published = append(published, store.Event{
			ID: c.ID, Title: c.Title, Location: c.Location, Start: c.Start, End: c.End, Online: c.Online,
			OnlineURL: c.OnlineURL, Capacity: c.Capacity, RSVPDeadline: c.RSVPDeadline, GuestsAllowed: c.GuestsAllowed,
			Visibility: c.Visibility,
		})
	}
	return published, drafts
}
