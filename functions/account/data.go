package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	omail "github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// memberHandler is a handler that needs a logged-in member.
type memberHandler func(w http.ResponseWriter, r *http.Request, m store.Member)

// member requires a session: 401 problem+json for API calls, 303 to the
// login page for a person's browser.
func (h Handler) member(next memberHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, _, ok := h.S.Authenticate(r)
		if !ok {
			if httpapi.AcceptsHTML(r) && r.Method == http.MethodGet {
				http.Redirect(w, r, httpapi.PathIn(httpapi.Lang(r), "/login/")+"?next="+urlEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, httpapi.Errorf(httpapi.EUNAUTHORIZED, "login_required"), httpapi.PathIn(httpapi.Lang(r), "/login/"))
			return
		}
		next(w, r, m)
	})
}

// admin requires a session of one of HR's administrators.
func (h Handler) admin(next memberHandler) http.Handler {
	return h.member(func(w http.ResponseWriter, r *http.Request, m store.Member) {
		if !h.S.IsAdmin(m) {
			h.failIn(w, r, httpapi.Errorf(httpapi.EFORBIDDEN, "admin_only"), httpapi.PathIn(string(m.Language), "/members/"), string(m.Language))
			return
		}
		m.Language = store.Language(httpapi.HRLang(w, r, string(m.Language))) // this request's copy only
		next(w, r, m)
	})
}

// Export is everything held about a member, for GET /api/me/export.
type Export struct {
	ExportedAt time.Time          `json:"exported_at"`
	Member     store.Member       `json:"member"`
	Audit      []store.AuditEntry `json:"audit"`
	// Blocks are the members this member blocks (never who blocks them).
	Blocks []store.Block `json:"blocks"`
	// Features holds what other features keep about the member (RSVPs,
	// applications ...), by feature name.
	Features map[string]any `json:"features,omitempty"`
}

// Exporter is another feature's part of a member's data export.
type Exporter interface {
	ExportMember(ctx context.Context, memberID string) (feature string, data any, err error)
}

// ExportMember gathers a member's data.
func (s *Service) ExportMember(ctx context.Context, id string) (Export, error) {
	m, err := s.Store.GetMember(ctx, id)
	if err != nil {
		return Export{}, storeError(err)
	}
	out := Export{ExportedAt: s.Now().UTC(), Member: m}
	if out.Blocks, err = s.Store.ListBlocks(ctx, id); err != nil {
		return Export{}, httpapi.Internal(err)
	}
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		entries, next, err := s.Store.ListAudit(ctx, store.AuditQuery{Subject: id}, page)
		if err != nil {
			return Export{}, httpapi.Internal(err)
		}
		out.Audit = append(out.Audit, entries...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	for _, e := range s.Exporters {
		name, data, err := e.ExportMember(ctx, id)
		if err != nil {
			return Export{}, httpapi.Internal(fmt.Errorf("export %s: %w", name, err))
		}
		if out.Features == nil {
			out.Features = map[string]any{}
		}
		out.Features[name] = data
	}
	return out, nil
}

func (h Handler) export(w http.ResponseWriter, r *http.Request, m store.Member) {
	exp, err := h.S.ExportMember(r.Context(), m.ID)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	h.S.audit(r.Context(), m.ID, "member.export", m.ID)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="okaeri-my-data.json"`)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(exp)
}

// Erase removes a member's personal data from every item: the member (and
// with it the email and employee-number index entries), their sessions and
// the leaver-roster entry they were matched to.
// What remains is the audit log, which holds ids and field names only, and
// an audit record of the erasure. actor is the member or "hr:<id>".
func (s *Service) Erase(ctx context.Context, id, actor string) error {
	m, err := s.Store.GetMember(ctx, id)
	if err != nil {
		return storeError(err)
	}
	// Sessions first: once they are gone nobody can act as the member while
	// the rest is removed; a crash between steps is finished by a retry.
	if _, err := s.Store.DeleteMemberSessions(ctx, id); err != nil {
		return httpapi.Internal(fmt.Errorf("erase sessions: %w", err))
	}
	// Blocks by or of the member. A block made while this runs fails once
	// the member is gone (Block checks both members), and the second sweep
	// below takes one made just before.
	if _, err := s.Store.DeleteMemberBlocks(ctx, id); err != nil {
		return httpapi.Internal(fmt.Errorf("erase blocks: %w", err))
	}
	for _, e := range s.Erasers {
		if err := e.EraseMember(ctx, id); err != nil {
			return httpapi.Internal(fmt.Errorf("erase: %w", err))
		}
	}
	// The leaver roster was imported for this network's eligibility checks,
	// so the person's entry goes too: the one entry they were matched to at
	// approval, never an entry found by what they typed (a stranger who
	// typed someone's employee number must not erase that person's record).
	if m.RosterNumber != "" {
		if err := s.Store.DeleteRosterEntry(ctx, m.RosterNumber); err != nil && !errors.Is(err, store.ErrNotFound) {
			return httpapi.Internal(fmt.Errorf("erase roster entry: %w", err))
		}
	}
	if err := s.Store.DeleteMember(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return httpapi.Internal(fmt.Errorf("erase member: %w", err))
	}
	if _, err := s.Store.DeleteMemberBlocks(ctx, id); err != nil {
		return httpapi.Internal(fmt.Errorf("erase blocks: %w", err))
	}
	s.audit(ctx, actor, "member.erase", id)
	_ = s.send(ctx, omail.Address{Email: m.Email}, emailErased, string(m.Language), emailData{})
	return nil
}

// Eraser is another feature's part of erasure (RSVPs, applications ...).
type Eraser interface {
	EraseMember(ctx context.Context, memberID string) error
}

type eraseInput struct {
	Confirm string `json:"confirm"`
}

func (h Handler) erase(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := string(m.Language)
	if httpapi.IsForm(r) {
		var in eraseInput
		if err := httpapi.Decode(w, r, &in); err != nil || in.Confirm != "yes" {
			h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "confirm", Code: "must_true"}), httpapi.PathIn(lang, "/members/profile/"))
			return
		}
	}
	if err := h.S.Erase(r.Context(), m.ID, m.ID); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/members/profile/"))
		return
	}
	h.S.ClearSessionCookie(w)
	if httpapi.IsForm(r) {
		httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "erased_title"),
			Message: httpapi.Message(lang, "erased"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/"), Text: httpapi.Message(lang, "to_home")}}})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h Handler) hrErase(w http.ResponseWriter, r *http.Request, admin store.Member) {
	if err := h.S.Erase(r.Context(), r.PathValue("id"), "hr:"+admin.ID); err != nil {
		h.fail(w, r, err, "/hr/registrations")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type contactInput struct {
	Message string `json:"message"`
}

// Contact relays a message to a listed member. The recipient sees the
// sender's name and can reply to the sender's address; the recipient's own
// address is revealed only if they choose to reply.
func (s *Service) Contact(ctx context.Context, from store.Member, toID, text string) error {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if fe := checkText("message", strings.ReplaceAll(text, "\n", " "), 2000, true); fe != nil {
		return httpapi.Invalid(*fe)
	}
	if err := s.limit(ctx, "contact:"+from.ID, Limit{Count: 10, Window: 24 * time.Hour}); err != nil {
		return err
	}
	// A member who blocks the sender is as unknown to them as one who
	// does not exist: the same 404, and nothing is sent or recorded.
	to, err := s.directoryMember(ctx, from, toID)
	if err != nil {
		return err
	}
	if to.ID == from.ID {
		return httpapi.Errorf(httpapi.ENOTFOUND, "not_found")
	}
	if mine, err := s.blocking(ctx, from.ID, to.ID); err != nil {
		return err
	} else if mine {
		return httpapi.Errorf(httpapi.ECONFLICT, "unblock_first")
	}
	// The recipient can block the sender from the mail itself: the sender
	// may not be listed, and then appears nowhere else the recipient looks.
	msg, err := s.email(ctx, omail.Address{Name: to.Name, Email: to.Email}, emailContact, string(to.Language), emailData{
		FromName: from.Name, Message: text,
		Link: s.link("/api/directory/block-sender", s.Keys.Sign(blockSenderToken(to.ID, from.ID)), "lang", string(to.Language))})
	if err != nil {
		return httpapi.Internal(err)
	}
	msg.Headers = map[string]string{"Reply-To": (omail.Address{Name: from.Name, Email: from.Email}).String()}
	if err := s.Mailer.Send(ctx, msg); err != nil {
		return httpapi.Internal(err)
	}
	s.audit(ctx, from.ID, "directory.contact", to.ID)
	return nil
}

func (h Handler) contact(w http.ResponseWriter, r *http.Request, m store.Member) {
	var in contactInput
	lang := string(m.Language)
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/members/directory/"))
		return
	}
	if err := h.S.Contact(r.Context(), m, r.PathValue("id"), in.Message); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/members/directory/"))
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, httpapi.PathIn(lang, "/members/directory/")+"?sent=1", http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "sent"})
}

// blockSenderPrefix marks a relayed message's block link: bound to its
// recipient (who alone may use it) and its sender (whom it blocks).
const blockSenderPrefix = "block-sender:"

func blockSenderToken(recipient, sender string) string {
	return blockSenderPrefix + recipient + "~" + sender
}

// blockSender blocks a relayed message's sender for its recipient, from the
// link in the message: the link must be the recipient's own (another
// member's session, a forged or altered link: refused, nothing changes).
func (h Handler) blockSender(w http.ResponseWriter, r *http.Request, m store.Member) {
	var in linkInput
	lang := string(m.Language)
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/members/directory/"))
		return
	}
	v, ok := h.S.Keys.Verify(in.Token)
	recipient, sender, okParts := strings.Cut(strings.TrimPrefix(v, blockSenderPrefix), "~")
	if !ok || !strings.HasPrefix(v, blockSenderPrefix) || !okParts || recipient != m.ID || sender == m.ID {
		h.fail(w, r, httpapi.Errorf(httpapi.ENOTFOUND, "link_invalid"), httpapi.PathIn(lang, "/members/directory/"))
		return
	}
	_, created, err := h.S.Store.Block(r.Context(), store.Block{Blocker: m.ID, Blocked: sender, At: h.S.Now()})
	if err != nil && !errors.Is(err, store.ErrNotFound) { // not found: the sender was erased meanwhile
		h.fail(w, r, httpapi.Internal(err), httpapi.PathIn(lang, "/members/directory/"))
		return
	}
	if created {
		h.S.audit(r.Context(), m.ID, "directory.block", m.ID)
	}
	if lang = in.lang(r); lang == "" {
		lang = string(m.Language)
	}
	httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "blocked_sender_title"),
		Message: httpapi.Message(lang, "blocked_sender"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/members/profile/"), Text: httpapi.Message(lang, "to_profile")}}})
}
