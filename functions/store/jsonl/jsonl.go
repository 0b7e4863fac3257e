// Package jsonl moves a whole store in and out as JSON Lines, one record per
// line with a "type" field, through the store.Backup interface only, so the
// same file moves data from bolt to DynamoDB and back.
//
// The first line is a header, {"type":"okaeri-export","version":1,...}; every
// other line is a record such as {"type":"member","id":"...",...}. Both
// directions stream: neither ever holds more than a few records in memory.
package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// FormatVersion is the version written in the header line.
const FormatVersion = 1

// headerType is the "type" of the header line.
const headerType = "okaeri-export"

// header is the first line of an export.
type header struct {
	Type       string    `json:"type"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exportedAt"`
}

// Stats counts records by type.
type Stats map[store.RecordType]int

// Total is the number of records of every type.
func (s Stats) Total() int {
	n := 0
	for _, c := range s {
		n += c
	}
	return n
}

// Options tune Export and Import; the zero value is fine.
type Options struct {
	// Progress, if set, receives a one-line progress display redrawn with \r
	// (pass a terminal only).
	Progress io.Writer
	// Total is the input size in bytes, for a percentage on Import (0: unknown).
	Total int64
	// Workers is how many records Import writes at once (default 32), so
	// engines can group writes (bolt batches, DynamoDB round trips overlap).
	Workers int
}

// Export writes every live record of s to w.
func Export(ctx context.Context, s store.Backup, w io.Writer, now time.Time, opts Options) (Stats, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	stats := Stats{}
	p := newProgress(opts.Progress, "export", 0)
	h, err := json.Marshal(header{Type: headerType, Version: FormatVersion, ExportedAt: now.UTC()})
	if err != nil {
		return stats, fmt.Errorf("export: %w", err)
	}
	if _, err := bw.Write(append(h, '\n')); err != nil {
		return stats, fmt.Errorf("export: %w", err)
	}
	err = s.Export(ctx, now, func(r store.Record) error {
		line, err := MarshalRecord(r)
		if err != nil {
			return err
		}
		if _, err := bw.Write(append(line, '\n')); err != nil {
			return err
		}
		stats[r.Type()]++
		p.update(stats.Total(), 0)
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	p.done(stats.Total())
	if err != nil {
		return stats, fmt.Errorf("export: %w", err)
	}
	return stats, nil
}

// Import reads an export from r and writes each record into s. Importing the
// same file twice leaves the store as after the first time.
func Import(ctx context.Context, s store.Backup, r io.Reader, opts Options) (Stats, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = 32
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	type job struct {
		line int
		rec  store.Record
	}
	jobs := make(chan job, workers)
	var mu sync.Mutex
	stats := Stats{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := s.Import(ctx, j.rec); err != nil {
					cancel(fmt.Errorf("line %d: %w", j.line, err))
					continue
				}
				mu.Lock()
				stats[j.rec.Type()]++
				mu.Unlock()
			}
		}()
	}

	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	p := newProgress(opts.Progress, "import", opts.Total)
	readErr := func() error {
		defer close(jobs)
		for n := 1; ; n++ {
			line, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				rec, isHeader, perr := unmarshalLine(line, n)
				if perr != nil {
					return perr
				}
				if !isHeader {
					select {
					case jobs <- job{n, rec}:
					case <-ctx.Done():
						return nil
					}
					mu.Lock()
					total := stats.Total()
					mu.Unlock()
					p.update(total, cr.n)
				}
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
		}
	}()
	wg.Wait()
	p.done(stats.Total())
	if readErr != nil {
		return stats, fmt.Errorf("import: %w", readErr)
	}
	if err := context.Cause(ctx); err != nil {
		return stats, fmt.Errorf("import: %w", err)
	}
	return stats, nil
}

// MarshalRecord encodes one record as a JSON object with its "type" first.
func MarshalRecord(r store.Record) ([]byte, error) {
	var body any
	switch r.Type() {
	case store.RecordMember:
		body = r.Member
	case store.RecordToken:
		body = r.Token
	case store.RecordSession:
		body = r.Session
	case store.RecordIdempotency:
		body = r.Idempotency
	case store.RecordAudit:
		body = r.Audit
	case store.RecordRateLimit:
		body = r.RateLimit
	case store.RecordRoster:
		body = r.Roster
	case store.RecordEvent:
		body = r.Event
	case store.RecordRSVP:
		body = r.RSVP
	case store.RecordJob:
		body = r.Job
	case store.RecordApplication:
		body = r.Application
	case store.RecordReferral:
		body = r.Referral
	case store.RecordNewsletterSend:
		body = r.NewsletterSend
	case store.RecordDeliveryBatch:
		body = r.DeliveryBatch
	case store.RecordDelivery:
		body = r.Delivery
	case store.RecordSuppression:
		body = r.Suppression
	case store.RecordEngagement:
		body = r.Engagement
	case store.RecordBlock:
		body = r.Block
	case store.RecordMailSettings:
		body = r.MailSettings
	default:
		return nil, errors.New("record holds no single item")
	}
	obj, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(obj)+24)
	out = append(out, `{"type":`...)
	out = fmt.Appendf(out, "%q", r.Type())
	if len(obj) > 2 {
		out = append(out, ',')
	}
	return append(out, obj[1:]...), nil
}

// UnmarshalRecord decodes one line written by MarshalRecord.
func UnmarshalRecord(line []byte) (store.Record, error) {
	var t struct {
		Type store.RecordType `json:"type"`
	}
	if err := json.Unmarshal(line, &t); err != nil {
		return store.Record{}, err
	}
	var r store.Record
	var target any
	switch t.Type {
	case store.RecordMember:
		r.Member = new(store.Member)
		target = r.Member
	case store.RecordToken:
		r.Token = new(store.Token)
		target = r.Token
	case store.RecordSession:
		r.Session = new(store.Session)
		target = r.Session
	case store.RecordIdempotency:
		r.Idempotency = new(store.IdempotencyRecord)
		target = r.Idempotency
	case store.RecordAudit:
		r.Audit = new(store.AuditEntry)
		target = r.Audit
	case store.RecordRateLimit:
		r.RateLimit = new(store.RateLimitCounter)
		target = r.RateLimit
	case store.RecordRoster:
		r.Roster = new(store.RosterEntry)
		target = r.Roster
	case store.RecordEvent:
		r.Event = new(store.Event)
		target = r.Event
	case store.RecordRSVP:
		r.RSVP = new(store.RSVP)
		target = r.RSVP
	case store.RecordJob:
		r.Job = new(store.Job)
		target = r.Job
	case store.RecordApplication:
		r.Application = new(store.Application)
		target = r.Application
	case store.RecordReferral:
		r.Referral = new(store.Referral)
		target = r.Referral
	case store.RecordNewsletterSend:
		r.NewsletterSend = new(store.NewsletterSend)
		target = r.NewsletterSend
	case store.RecordDeliveryBatch:
		r.DeliveryBatch = new(store.DeliveryBatch)
		target = r.DeliveryBatch
	case store.RecordDelivery:
		r.Delivery = new(store.Delivery)
		target = r.Delivery
	case store.RecordSuppression:
		r.Suppression = new(store.Suppression)
		target = r.Suppression
	case store.RecordEngagement:
		r.Engagement = new(store.Engagement)
		target = r.Engagement
	case store.RecordBlock:
		r.Block = new(store.Block)
		target = r.Block
	case store.RecordMailSettings:
		r.MailSettings = new(store.MailSettings)
		target = r.MailSettings
	default:
		return store.Record{}, fmt.Errorf("unknown record type %q", t.Type)
	}
	if err := json.Unmarshal(line, target); err != nil {
		return store.Record{}, err
	}
	return r, nil
}

// unmarshalLine decodes line n: the header (checked) or a record.
func unmarshalLine(line []byte, n int) (store.Record, bool, error) {
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return store.Record{}, false, fmt.Errorf("line %d: %w", n, err)
	}
	if h.Type == headerType {
		if h.Version != FormatVersion {
			return store.Record{}, true, fmt.Errorf("line %d: export format version %d, this okaeri reads %d", n, h.Version, FormatVersion)
		}
		return store.Record{}, true, nil
	}
	rec, err := UnmarshalRecord(line)
	if err != nil {
		return store.Record{}, false, fmt.Errorf("line %d: %w", n, err)
	}
	return rec, false, nil
}

// countingReader counts the bytes read through it, for the progress display.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress redraws one status line at most every 100ms.
type progress struct {
	w     io.Writer
	verb  string
	total int64
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, verb string, total int64) *progress {
	now := time.Now()
	return &progress{w: w, verb: verb, total: total, start: now}
}

func (p *progress) update(records int, bytesRead int64) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	if p.total > 0 {
		pct := float64(bytesRead) * 100 / float64(p.total)
		const width = 30
		filled := min(int(pct*width/100), width)
		fmt.Fprintf(p.w, "\r%s [%s%s] %5.1f%% %d records", p.verb, bytes.Repeat([]byte("#"), filled), bytes.Repeat([]byte("."), width-filled), pct, records)
		return
	}
	fmt.Fprintf(p.w, "\r%s %d records", p.verb, records)
}

func (p *progress) done(records int) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\r%s %d records in %s\033[K\n", p.verb, records, time.Since(p.start).Round(time.Millisecond))
}
