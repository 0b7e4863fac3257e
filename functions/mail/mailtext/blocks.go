package mailtext

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
)

// A template writes its email as text; the few parts that are more than
// text in HTML (a button, a fact in the table of facts, the check-in QR
// code, a quoted message) come from template functions, each on a line of
// its own:
//
//	{{fact "日時" .When}}
//	{{button "参加を確定する" .Link}}      a primary button
//	{{secondary "Googleカレンダー" .Google}} a secondary button
//	{{qr .QRURL}}                         the check-in QR code
//	{{quote .Message}}                    someone's words, kept apart
//	{{note "…"}}                          small print
//	{{heading "…"}}                       a heading within the body
//
// and {{company}}, {{portal}}, {{office}} (the sender's name), {{contact}}
// and {{duration .TTL}} (24時間, 24 hours) for words. A function writes a
// marker that carries a nonce fresh for each rendering, so that no value
// in the data (a member's message, a name) can make a button or a fact:
// only the template's own calls do.

// blockKind is what a block is.
type blockKind int

const (
	blockFact blockKind = iota
	blockButton
	blockSecondary
	blockQR
	blockQuote
	blockNote
	blockHeading
)

// block is one part of an email beyond plain text.
type block struct {
	kind  blockKind
	label string // a fact's or a button's label; the QR code's alt text
	value string // a fact's value, a button's or QR code's URL, the quoted or small text
}

// blocks records the blocks one rendering made.
type blocks struct {
	nonce string
	list  []block
}

func newBlocks() *blocks {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return &blocks{nonce: hex.EncodeToString(b[:])}
}

// markerStart and markerEnd enclose a block's marker in the template's output.
const (
	markerStart = "\x00okaeri-block:"
	markerEnd   = "\x00"
)

func (b *blocks) add(k blockKind, label, value string) string {
	nul := strings.NewReplacer("\x00", "") // a copied marker is text
	b.list = append(b.list, block{kind: k, label: nul.Replace(label), value: nul.Replace(value)})
	return fmt.Sprintf("%s%s:%d%s", markerStart, b.nonce, len(b.list)-1, markerEnd)
}

// lookup returns the block a line is the marker of. A marker without this
// rendering's nonce (copied into a value) is no block: the line is text.
func (b *blocks) lookup(line string) (block, bool, error) {
	own := markerStart + b.nonce + ":"
	i := strings.Index(line, own)
	if i < 0 {
		return block{}, false, nil
	}
	num, ok := strings.CutSuffix(strings.TrimSpace(line[i+len(own):]), markerEnd)
	if !ok || strings.TrimSpace(line[:i]) != "" || strings.Contains(num, markerEnd) {
		return block{}, false, errors.New("a block must stand on a line of its own")
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n >= len(b.list) {
		return block{}, false, errors.New("an unknown block")
	}
	return b.list[n], true, nil
}

// safeURL accepts the links an email may carry: absolute http(s) and mailto.
func safeURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("link %q: %w", raw, err)
	}
	switch {
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
	case u.Scheme == "mailto" && u.Opaque != "":
	default:
		return "", fmt.Errorf("link %q is not an absolute http(s) or mailto URL", raw)
	}
	return raw, nil
}

// funcs are the template functions of one rendering in one language.
func (b *blocks) funcs(lang string, br Brand) template.FuncMap {
	c := br.Company
	return template.FuncMap{
		"company":  func() string { return brand.In(c.Name, lang) },
		"portal":   func() string { return brand.In(c.Portal, lang) },
		"office":   func() string { return brand.In(c.Sender, lang) },
		"contact":  func() string { return c.Contact },
		"duration": func(d time.Duration) string { return Duration(d, lang) },
		"fact":     func(label, value string) string { return b.add(blockFact, label, value) },
		"button": func(label, link string) (string, error) {
			link, err := safeURL(link)
			return b.add(blockButton, label, link), err
		},
		"secondary": func(label, link string) (string, error) {
			link, err := safeURL(link)
			return b.add(blockSecondary, label, link), err
		},
		"qr": func(link string) (string, error) {
			link, err := safeURL(link)
			return b.add(blockQR, words[lang].qrAlt, link), err
		},
		"quote":   func(text string) string { return b.add(blockQuote, "", text) },
		"note":    func(text string) string { return b.add(blockNote, "", text) },
		"heading": func(text string) string { return b.add(blockHeading, "", text) },
	}
}

// Duration says how long d is in words: 15分, 24時間, 3日 / 15 minutes,
// 24 hours, 3 days: the largest unit that divides it, days only from two
// days on (a day reads as 24 hours).
func Duration(d time.Duration, lang string) string {
	type unit struct {
		size         time.Duration
		ja, one, few string
	}
	units := []unit{
		{24 * time.Hour, "日", "day", "days"},
		{time.Hour, "時間", "hour", "hours"},
		{time.Minute, "分", "minute", "minutes"},
	}
	for _, u := range units {
		if d >= 2*u.size && d%u.size == 0 || d == u.size && u.size != 24*time.Hour || u.size == time.Minute {
			n := int64(d / u.size)
			if lang == "en" {
				if n == 1 {
					return "1 " + u.one
				}
				return fmt.Sprintf("%d %s", n, u.few)
			}
			return fmt.Sprintf("%d%s", n, u.ja)
		}
	}
	return d.String()
}

// words are the frame's own texts.
var words = map[string]struct {
	qrAlt, sentBy, contact, visit, bilingualNote string
}{
	"ja": {
		qrAlt:   "受付用QRコード",
		sentBy:  "このメールは%s（%s）からお送りしています。",
		contact: "お問い合わせ",
		visit:   "ポータル",
	},
	"en": {
		qrAlt:   "Check-in QR code",
		sentBy:  "This email is from the %s (%s).",
		contact: "Questions",
		visit:   "Portal",
	},
}
