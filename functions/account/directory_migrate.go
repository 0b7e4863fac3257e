package account

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// Members registered before the directory's defaults (DefaultVisible) have
// an empty Profile.Visible: either they never saved a choice (they agreed
// to what the registration promised: name, department and years) or they
// saved the profile form with nothing ticked (a choice to keep). The
// record alone cannot tell them apart; the audit log can: every save of
// the choice, from the form or PATCH /api/me, wrote a member.update entry
// naming profile.visible. So MigrateDirectoryDefaults gives the defaults
// only to members with an empty choice and no such entry, and marks
// everyone who did save a choice as having chosen (VisibleChosenAt, the
// entry's time), so nobody's visibility widens silently and those who
// chose are not asked again. Running it again changes nothing.

// DirectoryMigration reports what MigrateDirectoryDefaults did (or, dry,
// would do).
type DirectoryMigration struct {
	Read      int // members looked at
	Defaulted int // never chose: given DefaultVisible
	Marked    int // had chosen: VisibleChosenAt set from the audit log
}

var errMigrated = errors.New("changed meanwhile")

// MigrateDirectoryDefaults applies the directory's defaults to the members
// of an older version who never chose what to show (see above).
func (s *Service) MigrateDirectoryDefaults(ctx context.Context, dryRun bool) (DirectoryMigration, error) {
	var rep DirectoryMigration
	for _, st := range searchStatuses {
		page := store.Page{Limit: store.MaxPageLimit}
		for {
			ms, next, err := s.Store.ListMembersByStatus(ctx, st, page)
			if err != nil {
				return rep, err
			}
			for _, m := range ms {
				rep.Read++
				if !m.Profile.VisibleChosenAt.IsZero() {
					continue
				}
				chosen, err := s.lastVisibleChoice(ctx, m.ID)
				if err != nil {
					return rep, err
				}
				if chosen.IsZero() && len(m.Profile.Visible) > 0 {
					continue // set by an operator or an import: theirs, and not from the form
				}
				if chosen.IsZero() {
					rep.Defaulted++
				} else {
					rep.Marked++
				}
				if dryRun {
					continue
				}
				_, err = s.Store.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
					if !old.Profile.VisibleChosenAt.IsZero() || chosen.IsZero() && len(old.Profile.Visible) > 0 {
						return old, errMigrated // the member chose meanwhile
					}
					if chosen.IsZero() {
						old.Profile.Visible = slices.Clone(DefaultVisible)
					} else {
						old.Profile.VisibleChosenAt = chosen
					}
					return old, nil
				})
				if err != nil && !errors.Is(err, errMigrated) && !errors.Is(err, store.ErrNotFound) {
					return rep, err
				}
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}
	if !dryRun && rep.Defaulted+rep.Marked > 0 {
		s.audit(ctx, whoCLI, "directory.defaults", "directory")
	}
	return rep, nil
}

// lastVisibleChoice is when the member last saved their directory fields,
// by the audit log; zero if never.
func (s *Service) lastVisibleChoice(ctx context.Context, id string) (time.Time, error) {
	var at time.Time
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		es, next, err := s.Store.ListAudit(ctx, store.AuditQuery{Subject: id}, page)
		if err != nil {
			return time.Time{}, err
		}
		for _, e := range es {
			if e.Action == "member.update" && e.Actor == id && slices.Contains(e.Fields, "profile.visible") {
				at = e.At
			}
		}
		if next == "" {
			return at, nil
		}
		page.Cursor = next
	}
}
