package table

import (
	"context"
	"errors"
	"fmt"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
)

// The leaver roster: one ROSTER#<hash of the employee number> item per entry
// and one ROSTEREMAIL#<hash of the normalized email> item reserving each
// address for its employee number. As elsewhere, keys carry only hashes.
const (
	typeRosterEmailIndex = "roster-email-index"
	skRoster             = "ROSTER"
	skRosterEmail        = "ROSTEREMAIL"
)

func rosterKey(number string) kv.Key { return key("ROSTER#"+sha256Hex(number), skRoster) }
func rosterEmailKey(email string) kv.Key {
	return key("ROSTEREMAIL#"+store.EmailHash(email), skRosterEmail)
}

func init() {
	recordOf(string(store.RecordRoster), decodeRoster, func(e *store.RosterEntry) store.Record { return store.Record{Roster: e} },
		func(s *Store, ctx context.Context, r store.Record) error {
			return s.putRoster(ctx, "import roster entry", *r.Roster)
		})
	indexTypes(typeRosterEmailIndex)
}

func rosterItem(e store.RosterEntry) item {
	it := with(rosterKey(e.EmployeeNumber), item{
		"type":            str(string(store.RecordRoster)),
		"employee_number": str(e.EmployeeNumber),
		"name":            str(e.Name),
		"department":      str(e.Department),
		"joined":          str(e.Joined),
		"left":            str(e.Left),
		"imported_at":     timeAttr(e.ImportedAt),
	})
	putStr(it, "email", e.Email)
	return it
}

func rosterEmailItem(e store.RosterEntry) item {
	return with(rosterEmailKey(e.Email), item{
		"type":            str(typeRosterEmailIndex),
		"employee_number": str(e.EmployeeNumber),
	})
}

func decodeRoster(it item) (store.RosterEntry, error) {
	d := decoder{it: it}
	e := store.RosterEntry{
		EmployeeNumber: d.str("employee_number"),
		Email:          d.str("email"),
		Name:           d.str("name"),
		Department:     d.str("department"),
		Joined:         d.str("joined"),
		Left:           d.str("left"),
		ImportedAt:     d.time("imported_at"),
	}
	return wrapResult("decode roster entry", e, d.err)
}

// PutRosterEntry implements store.Roster.
func (s *Store) PutRosterEntry(ctx context.Context, e store.RosterEntry) error {
	e, err := store.PrepareRosterEntry(e, s.now())
	if err != nil {
		return fmt.Errorf("put roster entry: %w", err)
	}
	return wrapOp("put roster entry", s.putRoster(ctx, "put roster entry", e))
}

// GetRosterEntry implements store.Roster.
func (s *Store) GetRosterEntry(ctx context.Context, employeeNumber string) (store.RosterEntry, error) {
	e, err := s.getRoster(ctx, employeeNumber)
	return wrapResult("get roster entry", e, err)
}

// FindRosterByEmail implements store.Roster: ROSTEREMAIL#<hash> names the
// employee number, then the entry is read; both reads are strongly consistent.
func (s *Store) FindRosterByEmail(ctx context.Context, email string) (store.RosterEntry, error) {
	e, err := s.findRosterByEmail(ctx, store.NormalizeEmail(email))
	return wrapResult("find roster entry by email", e, err)
}

func (s *Store) findRosterByEmail(ctx context.Context, email string) (store.RosterEntry, error) {
	if email == "" {
		return store.RosterEntry{}, store.ErrNotFound
	}
	it, err := s.getItem(ctx, "get roster email index", rosterEmailKey(email))
	if err != nil {
		return store.RosterEntry{}, err
	}
	e, err := s.getRoster(ctx, (&decoder{it: it}).str("employee_number"))
	if err != nil {
		return store.RosterEntry{}, err
	}
	// The entry may have changed its address between the two reads.
	if store.NormalizeEmail(e.Email) != email {
		return store.RosterEntry{}, store.ErrNotFound
	}
	return e, nil
}

func (s *Store) getRoster(ctx context.Context, number string) (store.RosterEntry, error) {
	if number == "" {
		return store.RosterEntry{}, store.ErrNotFound
	}
	return getDecoded(ctx, s, "get roster entry", rosterKey(number), decodeRoster)
}

// errRosterChanged means the stored entry no longer has the address read.
var errRosterChanged = errors.New("roster entry changed concurrently")

// putRoster writes e over the entry with its employee number, for
// PutRosterEntry and Import alike, retrying lost races.
func (s *Store) putRoster(ctx context.Context, op string, e store.RosterEntry) error {
	changed := func(err error) bool { return errors.Is(err, errRosterChanged) }
	return retryRaces(ctx, 0, changed, func() error {
		var oldp *store.RosterEntry
		old, err := s.getRoster(ctx, e.EmployeeNumber)
		switch {
		case err == nil:
			oldp = &old
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		return s.replaceRoster(ctx, op, oldp, e)
	})
}

// replaceRoster writes e over old (nil: no entry yet) on condition that the
// stored entry still has old's address, and moves the ROSTEREMAIL# item in
// the same transaction when the address changed. Conditioning on the address
// is enough: whatever happened in between, an entry holding old's address
// owns exactly that address's item, so releasing it is right.
func (s *Store) replaceRoster(ctx context.Context, op string, old *store.RosterEntry, e store.RosterEntry) error {
	var cond kv.Cond
	oldEmail := ""
	switch {
	case old == nil:
		cond = kv.NotExists()
	case old.Email == "":
		cond = kv.And(kv.Exists(), kv.Lacks("email"))
	default:
		oldEmail = store.NormalizeEmail(old.Email)
		cond = kv.Eq("email", old.Email)
	}
	writes := []kv.Op{kv.Put(rosterItem(e), cond)}
	fields := []string{""}
	owned := kv.Or(kv.NotExists(), kv.Eq("employee_number", e.EmployeeNumber))
	if newEmail := store.NormalizeEmail(e.Email); newEmail != oldEmail {
		if oldEmail != "" {
			writes = append(writes, kv.Delete(rosterEmailKey(oldEmail), owned))
			fields = append(fields, "")
		}
		if newEmail != "" {
			writes = append(writes, kv.Put(rosterEmailItem(e), owned))
			fields = append(fields, "email")
		}
	}
	err := s.transact(ctx, op, writes)
	if i, _, ok := failedAt(err); ok && i == 0 {
		return errRosterChanged
	}
	return conflictOf(err, fields)
}

// DeleteRosterEntry implements store.Roster: the entry (on condition that it
// still has the address read) and its ROSTEREMAIL# item go in one
// transaction; a lost race reads again.
func (s *Store) DeleteRosterEntry(ctx context.Context, employeeNumber string) error {
	const op = "delete roster entry"
	return retryRaces(ctx, 0, failedCondition, func() error {
		old, err := s.getRoster(ctx, employeeNumber)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		writes := []kv.Op{kv.Delete(rosterKey(old.EmployeeNumber), kv.And(kv.Exists(), kv.Lacks("email")))}
		if email := store.NormalizeEmail(old.Email); email != "" {
			writes[0].If = kv.Eq("email", old.Email)
			writes = append(writes, kv.Delete(rosterEmailKey(email),
				kv.Or(kv.NotExists(), kv.Eq("employee_number", old.EmployeeNumber))))
		}
		return s.transact(ctx, op, writes)
	})
}
