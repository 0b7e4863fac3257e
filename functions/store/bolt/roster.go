package bolt

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/okaeri/okaeri/functions/store"
)

// PutRosterEntry implements store.Roster: the entry and its email index
// change in one write transaction, so a replaced address is released exactly
// when the new one is claimed.
func (s *Store) PutRosterEntry(ctx context.Context, e store.RosterEntry) error {
	e, err := store.PrepareRosterEntry(e, s.now())
	if err != nil {
		return fmt.Errorf("put roster entry: %w", err)
	}
	if err := s.update(ctx, func(tx *bolt.Tx) error { return putRosterEntry(tx, e) }); err != nil {
		return fmt.Errorf("put roster entry: %w", err)
	}
	return nil
}

// GetRosterEntry implements store.Roster.
func (s *Store) GetRosterEntry(ctx context.Context, employeeNumber string) (store.RosterEntry, error) {
	var e store.RosterEntry
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		e, err = getRosterEntry(tx, employeeNumber)
		return err
	})
	if err != nil {
		return store.RosterEntry{}, fmt.Errorf("get roster entry: %w", err)
	}
	return e, nil
}

// FindRosterByEmail implements store.Roster.
func (s *Store) FindRosterByEmail(ctx context.Context, email string) (store.RosterEntry, error) {
	var e store.RosterEntry
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		key := store.NormalizeEmail(email)
		if key == "" {
			return store.ErrNotFound
		}
		number := bucket(tx, bucketRosterByEmail).Get([]byte(key))
		if number == nil {
			return store.ErrNotFound
		}
		e, err = getRosterEntry(tx, string(number))
		if err != nil {
			return fmt.Errorf("email index points to a missing entry: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.RosterEntry{}, fmt.Errorf("find roster entry by email: %w", err)
	}
	return e, nil
}

func getRosterEntry(tx *bolt.Tx, number string) (store.RosterEntry, error) {
	var e store.RosterEntry
	found, err := getJSON(bucket(tx, bucketRoster), []byte(number), &e)
	if err != nil {
		return e, err
	}
	if !found {
		return e, store.ErrNotFound
	}
	return e, nil
}

// putRosterEntry writes e over any entry with its employee number, moving the
// email index; ErrAlreadyExists if e's email is another number's. It serves
// both PutRosterEntry and Import, which store an entry the same way.
func putRosterEntry(tx *bolt.Tx, e store.RosterEntry) error {
	byEmail := bucket(tx, bucketRosterByEmail)
	email := store.NormalizeEmail(e.Email)
	if email != "" {
		if owner := byEmail.Get([]byte(email)); owner != nil && string(owner) != e.EmployeeNumber {
			return &store.ConflictError{Field: "email"}
		}
	}
	old, err := getRosterEntry(tx, e.EmployeeNumber)
	switch {
	case err == nil:
		if oldEmail := store.NormalizeEmail(old.Email); oldEmail != "" && oldEmail != email {
			if err := byEmail.Delete([]byte(oldEmail)); err != nil {
				return err
			}
		}
	case err != store.ErrNotFound:
		return err
	}
	if email != "" {
		if err := byEmail.Put([]byte(email), []byte(e.EmployeeNumber)); err != nil {
			return err
		}
	}
	return putJSON(bucket(tx, bucketRoster), []byte(e.EmployeeNumber), e)
}

// DeleteRosterEntry implements store.Roster: the entry and its email index
// go in one transaction.
func (s *Store) DeleteRosterEntry(ctx context.Context, employeeNumber string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		e, err := getRosterEntry(tx, employeeNumber)
		if err != nil {
			return err
		}
		if email := store.NormalizeEmail(e.Email); email != "" {
			byEmail := bucket(tx, bucketRosterByEmail)
			if owner := byEmail.Get([]byte(email)); string(owner) == e.EmployeeNumber {
				if err := byEmail.Delete([]byte(email)); err != nil {
					return err
				}
			}
		}
		return bucket(tx, bucketRoster).Delete([]byte(e.EmployeeNumber))
	})
	if err != nil {
		return fmt.Errorf("delete roster entry: %w", err)
	}
	return nil
}
