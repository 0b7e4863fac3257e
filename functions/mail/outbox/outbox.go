// Package outbox is the local mail engine: each message becomes an RFC 5322
// .eml file in a folder, for developers and for tests to read.
package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/okaeri/okaeri/functions/mail"
)

// Outbox writes messages as .eml files under Dir.
type Outbox struct {
	Dir string
	Log *slog.Logger
	Now func() time.Time
}

// New returns an outbox writing into dir (created if missing).
func New(dir string, log *slog.Logger) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("outbox: create %s: %w", dir, err)
	}
	return &Outbox{Dir: dir, Log: log, Now: time.Now}, nil
}

// Send writes m atomically (temp file, then rename) so a reader never sees half a message.
func (o *Outbox) Send(ctx context.Context, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	now := o.Now()
	raw, err := Render(m, now)
	if err != nil {
		return err
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%s-%s.eml", now.UTC().Format("20060102T150405.000000000Z"), hex.EncodeToString(rnd[:]))
	tmp := filepath.Join(o.Dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, raw, 0o640); err != nil {
		return fmt.Errorf("outbox: write: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(o.Dir, name)); err != nil {
		return fmt.Errorf("outbox: rename: %w", err)
	}
	if o.Log != nil {
		// Not the subject: some carry a person's name (an HR notice names
		// the applicant). The file holds the message for whoever reads it.
		o.Log.InfoContext(ctx, "mail", "category", m.Category, "file", name, "to_domain", m.To.Domain())
	}
	return nil
}

// Render produces the RFC 5322 bytes of m: UTF-8, encoded-word subject and
// names, quoted-printable parts, multipart/alternative when there is HTML.
func Render(m mail.Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	h := textproto.MIMEHeader{}
	h.Set("From", m.From.String())
	h.Set("To", m.To.String())
	h.Set("Subject", mime.BEncoding.Encode("utf-8", m.Subject))
	h.Set("Date", now.Format(time.RFC1123Z))
	var id [12]byte
	_, _ = rand.Read(id[:])
	h.Set("Message-ID", fmt.Sprintf("<%s@%s>", hex.EncodeToString(id[:]), m.From.Domain()))
	h.Set("MIME-Version", "1.0")
	for k, v := range m.Headers {
		h.Set(k, v)
	}
	var body bytes.Buffer
	if m.HTML == "" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		if err := writeQP(&body, m.Text); err != nil {
			return nil, err
		}
	} else {
		mw := multipart.NewWriter(&body)
		h.Set("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
		for _, part := range []struct{ ctype, text string }{
			{"text/plain; charset=utf-8", m.Text},
			{"text/html; charset=utf-8", m.HTML},
		} {
			pw, err := mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":              {part.ctype},
				"Content-Transfer-Encoding": {"quoted-printable"},
			})
			if err != nil {
				return nil, err
			}
			if err := writeQP(pw, part.text); err != nil {
				return nil, err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	return qp.Close()
}
