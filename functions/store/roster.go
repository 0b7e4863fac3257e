package store

import (
	"context"
	"strings"
	"time"
)

// RosterEntry is one leaver in HR's roster: the company's own record,
// against which registrations are matched. It is personal data and lives
// only in the store, never in git.
type RosterEntry struct {
	EmployeeNumber string    `json:"employeeNumber"` // the key
	Email          string    `json:"email,omitempty"`
	Name           string    `json:"name"`
	Department     string    `json:"department"`
	Joined         string    `json:"joined"` // YYYY-MM
	Left           string    `json:"left"`   // YYYY-MM
	ImportedAt     time.Time `json:"importedAt"`
}

// Roster keeps the leaver roster.
type Roster interface {
	// PutRosterEntry inserts or replaces the entry with this employee number,
	// keeping the email index in the same transaction. The entry is stored
	// normalized (see RosterEntry.Normalized), with a zero ImportedAt set to
	// the current time. ErrInvalid for a bad entry; ErrAlreadyExists (a
	// *ConflictError on "email") if its email belongs to another employee
	// number. Either way nothing is written.
	PutRosterEntry(ctx context.Context, e RosterEntry) error
	// GetRosterEntry finds an entry by employee number, or ErrNotFound.
	GetRosterEntry(ctx context.Context, employeeNumber string) (RosterEntry, error)
	// FindRosterByEmail finds an entry by email, case-insensitively, or ErrNotFound.
	FindRosterByEmail(ctx context.Context, email string) (RosterEntry, error)
	// DeleteRosterEntry removes an entry and its email index entry (when a
	// leaver asks to be erased), or ErrNotFound.
	DeleteRosterEntry(ctx context.Context, employeeNumber string) error
}

// Normalized trims text fields and puts ImportedAt in UTC. The email keeps
// its case as written; its index uses NormalizeEmail.
func (e RosterEntry) Normalized() RosterEntry {
	e.EmployeeNumber = strings.TrimSpace(e.EmployeeNumber)
	e.Email = strings.TrimSpace(e.Email)
	e.Name = strings.TrimSpace(e.Name)
	e.Department = strings.TrimSpace(e.Department)
	e.Joined = strings.TrimSpace(e.Joined)
	e.Left = strings.TrimSpace(e.Left)
	e.ImportedAt = utc(e.ImportedAt)
	return e
}

// Validate checks a roster entry as it would be stored; it returns nil or
// ErrInvalid errors (one *ValidationError per broken field, joined).
func (e RosterEntry) Validate() error {
	var errs []error
	switch {
	case e.EmployeeNumber == "":
		errs = append(errs, invalid("employeeNumber", "required"))
	case !employeeNumberPattern.MatchString(e.EmployeeNumber):
		errs = append(errs, invalid("employeeNumber", "format"))
	}
	if e.Email != "" {
		errs = append(errs, validateEmail(e.Email)...)
	}
	errs = append(errs, validateText("name", e.Name, maxName, true)...)
	errs = append(errs, validateText("department", e.Department, maxText, true)...)
	for _, f := range []struct{ field, month string }{{"joined", e.Joined}, {"left", e.Left}} {
		if !monthPattern.MatchString(f.month) {
			errs = append(errs, invalid(f.field, codeFor(f.month)))
		}
	}
	if monthPattern.MatchString(e.Joined) && monthPattern.MatchString(e.Left) && e.Left < e.Joined {
		errs = append(errs, invalid("left", "order"))
	}
	if e.ImportedAt.IsZero() {
		errs = append(errs, invalid("importedAt", "required"))
	}
	return joinInvalid(errs)
}

// PrepareRosterEntry turns what a caller passes to PutRosterEntry into what
// is stored: normalized, ImportedAt set to now if zero, validated.
func PrepareRosterEntry(e RosterEntry, now time.Time) (RosterEntry, error) {
	e = e.Normalized()
	if e.ImportedAt.IsZero() {
		e.ImportedAt = utc(now)
	}
	if err := e.Validate(); err != nil {
		return RosterEntry{}, err
	}
	return e, nil
}
