// Package mail defines how Okaeri sends email: one Message type and one
// Mailer interface, with engines in outbox/ (local .eml files) and sendgrid/.
package mail

import (
	"context"
	"errors"
	"net/mail"
	"strings"
)

// Message is one email to one recipient, with a plain-text part and an
// optional HTML part. Headers carries extra headers such as List-Unsubscribe.
type Message struct {
	From     Address
	To       Address
	Subject  string
	Text     string
	HTML     string
	Headers  map[string]string
	Category string // e.g. "login", "verify", "newsletter": for logs and stats
}

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string
	Email string
}

// String renders the address per RFC 5322, encoding a non-ASCII name.
func (a Address) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// Domain is the part after @: the only piece of an address that logs carry.
func (a Address) Domain() string {
	_, d, ok := strings.Cut(a.Email, "@")
	if !ok {
		return "?"
	}
	return strings.ToLower(d)
}

// Mailer sends messages.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalidMessage is returned for a message that cannot be sent as given.
var ErrInvalidMessage = errors.New("mail: invalid message")

// Validate checks what every engine needs.
func (m Message) Validate() error {
	if _, err := mail.ParseAddress(m.To.Email); err != nil {
		return errors.Join(ErrInvalidMessage, errors.New("bad recipient"))
	}
	if _, err := mail.ParseAddress(m.From.Email); err != nil {
		return errors.Join(ErrInvalidMessage, errors.New("bad sender"))
	}
	if strings.TrimSpace(m.Subject) == "" || strings.TrimSpace(m.Text) == "" {
		return errors.Join(ErrInvalidMessage, errors.New("subject and text are required"))
	}
	for k, v := range m.Headers {
		if strings.ContainsAny(k+v, "\r\n") {
			return errors.Join(ErrInvalidMessage, errors.New("header with a line break"))
		}
	}
	return nil
}
