package store

import (
	"errors"
	"fmt"
)

// ValidationError says which field broke which rule. It matches ErrInvalid
// with errors.Is. Code is a stable machine word ("required", "format",
// "unknown", "too_long", "order", "expired") that the HTTP layer turns into a
// localized message; it never carries the offending value.
type ValidationError struct {
	Field string
	Code  string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Code)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// ConflictError says which unique key was taken. It matches ErrAlreadyExists
// with errors.Is. Field is "id", "email", "employeeNumber" or "hash".
type ConflictError struct {
	Field string
}

func (e *ConflictError) Error() string { return fmt.Sprintf("%s already exists", e.Field) }

// Is makes errors.Is(err, ErrAlreadyExists) true.
func (e *ConflictError) Is(target error) bool { return target == ErrAlreadyExists }

// FieldErrors lists the validation errors inside err (which may be joined
// or wrapped), in order; nil if there are none.
func FieldErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if ve, ok := err.(*ValidationError); ok {
			out = append(out, ve)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// invalid builds a *ValidationError.
func invalid(field, code string) error { return &ValidationError{Field: field, Code: code} }

// joinInvalid joins field errors, or returns nil if there are none.
func joinInvalid(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
