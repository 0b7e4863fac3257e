package outbox

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Entry is a message read back from the outbox.
type Entry struct {
	File    string
	Date    time.Time
	From    string
	To      string
	Subject string
	Header  mail.Header
	Text    string
	HTML    string
}

// List reads every message in dir, newest first.
func List(dir string) ([]Entry, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(names))
	for _, n := range names {
		e, err := Read(n)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	// File names start with a UTC timestamp, so they sort in sending order.
	sort.Slice(out, func(i, j int) bool { return out[i].File > out[j].File })
	return out, nil
}

// Read parses one .eml file.
func Read(path string) (Entry, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Entry{}, err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Entry{}, fmt.Errorf("outbox: parse %s: %w", filepath.Base(path), err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subj = msg.Header.Get("Subject")
	}
	e := Entry{File: filepath.Base(path), From: msg.Header.Get("From"), To: msg.Header.Get("To"), Subject: subj, Header: msg.Header}
	if d, err := msg.Header.Date(); err == nil {
		e.Date = d
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return Entry{}, fmt.Errorf("outbox: content type of %s: %w", e.File, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return Entry{}, err
			}
			// NextPart already undoes quoted-printable.
			body, err := io.ReadAll(p)
			if err != nil {
				return Entry{}, err
			}
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			switch pt {
			case "text/plain":
				e.Text = crlfToLF(body)
			case "text/html":
				e.HTML = crlfToLF(body)
			}
		}
		return e, nil
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		return Entry{}, err
	}
	e.Text = crlfToLF(body)
	return e, nil
}

func crlfToLF(b []byte) string { return strings.ReplaceAll(string(b), "\r\n", "\n") }
