package brand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Site is what the built site publishes for the functions
// (/_okaeri/site.json per language, site/layouts/home.site.json) and
// `okaeri sync` puts into the store: the company, and the frame of every
// page a function renders, the same head, header, menus and footer as the
// site's own pages.
type Site struct {
	Company Company `json:"company"`
	// Frames is, per language, the whole page for each Who, with the
	// markers MarkTitle, MarkOther and MarkMain to fill.
	Frames map[string]map[string]string `json:"frames"`
}

// Who a frame is drawn for.
const (
	Guest   = "guest"   // nobody signed in: login and registration in the header
	Member  = "member"  // a member signed in: logout in the header
	Members = "members" // a member on a members' page: the Members entry marked too
	HR      = "hr"      // HR on one of HR's pages: HR's entry shown and marked
)

// The markers in a frame.
const (
	MarkTitle = "@@title@@" // the page's title (text, escaped)
	MarkOther = "@@other@@" // the language switch's link: the page in the other language
	MarkMain  = "@@main@@"  // the page's content
)

// ParseSite reads the site's documents (one per language, or one already
// merged) into one Site: the company of the first, the frames of all.
// Every frame must hold each marker once.
func ParseSite(docs ...[]byte) (Site, error) {
	var s Site
	for i, d := range docs {
		var one Site
		if err := json.Unmarshal(d, &one); err != nil {
			return Site{}, fmt.Errorf("site document: %w", err)
		}
		if i == 0 {
			s.Company = one.Company
		}
		for lang, frames := range one.Frames {
			if s.Frames == nil {
				s.Frames = map[string]map[string]string{}
			}
			s.Frames[lang] = frames
		}
	}
	if In(s.Company.Portal, "ja") == "" || In(s.Company.Name, "ja") == "" {
		return Site{}, errors.New("site document: the company has no name or portal name")
	}
	if len(s.Frames) == 0 {
		return Site{}, errors.New("site document: no frames")
	}
	for lang, frames := range s.Frames {
		for _, who := range []string{Guest, Member, Members, HR} {
			f, ok := frames[who]
			if !ok && who == HR {
				continue // synced before HR had a frame: Frame uses the members'
			}
			if !ok {
				return Site{}, fmt.Errorf("site document: no %s frame in %s", who, lang)
			}
			for _, m := range []string{MarkTitle, MarkOther, MarkMain} {
				if strings.Count(f, m) != 1 {
					return Site{}, fmt.Errorf("site document: the %s frame in %s has %d markers %s, want 1", who, lang, strings.Count(f, m), m)
				}
			}
		}
	}
	return s, nil
}

// Frame is the frame for lang and who: Japanese when lang has none; the
// members' frame for HR in a document synced before it had HR's.
func (s Site) Frame(lang, who string) string {
	frames, ok := s.Frames[lang]
	if !ok {
		frames = s.Frames["ja"]
	}
	if f, ok := frames[who]; ok || who != HR {
		return f
	}
	return frames[Members]
}

// Source is the site document as the functions see it: read from where
// `okaeri sync` put it on the first page, then at most once per TTL;
// before anything is synced (or while the store fails), the built-in
// frame and the sample company (Fallback).
type Source struct {
	// Load reads the document; nil data and nil error: nothing synced yet.
	Load func(ctx context.Context) ([]byte, error)
	TTL  time.Duration // how long a read is used; default a minute
	Now  func() time.Time
	Log  *slog.Logger

	mu   sync.Mutex
	site *Site
	at   time.Time
}

// Site returns the current document.
func (s *Source) Site(ctx context.Context) Site {
	if s == nil || s.Load == nil {
		return Fallback()
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.site != nil && now().Sub(s.at) < ttl {
		return *s.site
	}
	site := Fallback()
	data, err := s.Load(ctx)
	if err == nil && data != nil {
		site, err = ParseSite(data)
	}
	if err != nil {
		if s.Log != nil {
			s.Log.WarnContext(ctx, "site document: using the last one or the built-in frame", "err", err)
		}
		if s.site != nil {
			site = *s.site
		} else {
			site = Fallback()
		}
	}
	s.site, s.at = &site, now()
	return site
}

// Company is the company of the current document.
func (s *Source) Company(ctx context.Context) Company { return s.Site(ctx).Company }

// Forget drops the document read last, so the next page reads the store
// again: okaeri serve --dev calls it after syncing a rebuilt site.
func (s *Source) Forget() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.site = nil
	s.mu.Unlock()
}
