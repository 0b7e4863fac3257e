package account

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/httpapi"
	omail "github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// DirectoryFields are the profile fields a member may choose to show in the directory.
var DirectoryFields = []string{"kana", "department", "years", "company", "role", "location", "bio", "skills", "interests", "open_to"}

// OptionalPurposes can be given or withdrawn at any time from the profile.
var OptionalPurposes = []string{"newsletter", "events", "jobs", "directory", "sidework"}

// MeView is what GET /api/me answers: everything the member can see and edit.
type MeView struct {
	ID             string                   `json:"id"`
	Email          string                   `json:"email"`
	PendingEmail   string                   `json:"pending_email,omitempty"`
	Name           string                   `json:"name"`
	Kana           string                   `json:"kana,omitempty"`
	Department     string                   `json:"department,omitempty"`
	Joined         string                   `json:"joined,omitempty"`
	Left           string                   `json:"left,omitempty"`
	Language       string                   `json:"language"`
	Status         string                   `json:"status"`
	Admin          bool                     `json:"admin"`
	Profile        ProfileView              `json:"profile"`
	Consents       map[string]store.Consent `json:"consents"`
	ConsentHistory []store.ConsentChange    `json:"consent_history"`
}

// ProfileView is the member's own profile. The bio is the member's
// Markdown, and BioHTML what the directory shows of it: rendered and
// sanitized when it was saved.
type ProfileView struct {
	Company   string       `json:"company,omitempty"`
	Role      string       `json:"role,omitempty"`
	Location  string       `json:"location,omitempty"`
	Bio       string       `json:"bio,omitempty"`
	BioHTML   string       `json:"bio_html,omitempty"`
	Skills    []string     `json:"skills,omitempty"`
	Interests []string     `json:"interests,omitempty"`
	OpenTo    store.OpenTo `json:"open_to"`
	Visible   []string     `json:"visible"`
}

func (s *Service) meView(m store.Member) MeView {
	return MeView{
		ID: m.ID, Email: m.Email, PendingEmail: m.PendingEmail, Name: m.Name, Kana: m.Kana,
		Department: m.Department, Joined: m.Joined, Left: m.Left, Language: string(m.Language),
		Status: string(m.Status), Admin: s.IsAdmin(m), Profile: s.profileView(m.Profile),
		Consents: m.Consents, ConsentHistory: m.ConsentHistory,
	}
}

func (s *Service) profileView(p store.Profile) ProfileView {
	return ProfileView{Company: p.Company, Role: p.Role, Location: p.Location, Bio: p.Bio, BioHTML: bioHTML(p),
		Skills: p.Skills, Interests: p.Interests, OpenTo: p.OpenTo, Visible: nonNil(p.Visible)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// bioHTML is the HTML shown for a profile's bio: what was rendered when
// it was saved. A bio saved before bios were stored rendered (a record of
// an older version, not re-imported) is shown as escaped text until its
// member saves the profile again: nothing renders Markdown at read time.
func bioHTML(p store.Profile) string {
	if p.BioHTML != "" || strings.TrimSpace(p.Bio) == "" {
		return p.BioHTML
	}
	return "<p>" + strings.ReplaceAll(html.EscapeString(strings.TrimSpace(p.Bio)), "\n", "<br>\n") + "</p>\n"
}

// renderBio is a bio's HTML, rendered once, when the bio is saved, and
// stored beside it. HTML over the store's limit (store.MaxBioHTML: a few
// characters of Markdown can grow a hundredfold) is refused as a bio
// that is too long.
func (s *Service) renderBio(md string) (string, error) {
	if md == "" {
		return "", nil
	}
	if s.Config.RenderBio == nil {
		return "", httpapi.Internal(errors.New("account: save a bio: no renderer (Config.RenderBio)"))
	}
	h := s.Config.RenderBio(md)
	if utf8.RuneCountInString(h) > store.MaxBioHTML {
		return "", httpapi.Invalid(httpapi.FieldError{Field: "bio", Code: "too_long_rendered"})
	}
	return h, nil
}

func (h Handler) getMe(w http.ResponseWriter, r *http.Request, m store.Member) {
	httpapi.WriteJSON(w, http.StatusOK, h.S.meView(m))
}

// ProfileInput is PATCH /api/me/profile: absent fields stay as they are.
type ProfileInput struct {
	Name      *string `json:"name"`
	Kana      *string `json:"kana"`
	Language  *string `json:"language"`
	Email     *string `json:"email"`
	Company   *string `json:"company"`
	Role      *string `json:"role"`
	Location  *string `json:"location"`
	Bio       *string `json:"bio"`
	Skills    *string `json:"skills"`    // comma or 、 separated
	Interests *string `json:"interests"` // comma or 、 separated

	OpenToRehire    *bool `json:"open_to_rehire"`
	OpenToSidework  *bool `json:"open_to_sidework"`
	OpenToMentoring *bool `json:"open_to_mentoring"`
	OpenToReferrals *bool `json:"open_to_referrals"`

	ConsentNewsletter *bool `json:"consent_newsletter"`
	ConsentEvents     *bool `json:"consent_events"`
	ConsentJobs       *bool `json:"consent_jobs"`
	ConsentDirectory  *bool `json:"consent_directory"`
	ConsentSidework   *bool `json:"consent_sidework"`

	// Visible lists the directory fields to show; VisibleSet says the list was sent
	// (a form with every box unticked sends only the marker).
	Visible    []string `json:"visible"`
	VisibleSet bool     `json:"visible_set"`
}

func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || r == '，' || r == '\n' })
	out := make([]string, 0, len(f))
	seen := map[string]bool{}
	for _, x := range f {
		x = strings.TrimSpace(x)
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (in ProfileInput) validate() error {
	var fes []httpapi.FieldError
	add := func(fe *httpapi.FieldError) {
		if fe != nil {
			fes = append(fes, *fe)
		}
	}
	text := func(field string, v *string, max int, required bool) {
		if v != nil {
			*v = strings.TrimSpace(*v)
			add(checkText(field, *v, max, required))
		}
	}
	text("name", in.Name, 100, true)
	text("kana", in.Kana, 100, false)
	if in.Kana != nil && *in.Kana != "" && strings.IndexFunc(*in.Kana, func(r rune) bool { return !kanaRune(r) }) >= 0 {
		add(&httpapi.FieldError{Field: "kana", Code: "kana"})
	}
	text("company", in.Company, 100, false)
	text("role", in.Role, 100, false)
	text("location", in.Location, 100, false)
	if in.Bio != nil {
		*in.Bio = strings.TrimSpace(strings.ReplaceAll(*in.Bio, "\r\n", "\n"))
		// A bio may have line breaks; other control characters are refused.
		add(checkText("bio", strings.ReplaceAll(*in.Bio, "\n", " "), 2000, false))
	}
	for _, l := range []struct {
		field string
		v     *string
	}{{"skills", in.Skills}, {"interests", in.Interests}} {
		if l.v == nil {
			continue
		}
		items := splitList(*l.v)
		if len(items) > 30 {
			add(&httpapi.FieldError{Field: l.field, Code: "too_many", Params: []any{30}})
		}
		for _, it := range items {
			if fe := checkText(l.field, it, 50, false); fe != nil {
				add(fe)
				break
			}
		}
	}
	if in.Language != nil && *in.Language != "ja" && *in.Language != "en" {
		add(&httpapi.FieldError{Field: "language", Code: "lang"})
	}
	if in.Email != nil {
		*in.Email = strings.TrimSpace(*in.Email)
		add(checkEmail("email", *in.Email))
	}
	for _, v := range in.Visible {
		if !contains(DirectoryFields, v) {
			add(&httpapi.FieldError{Field: "visible", Code: "one_of", Params: []any{strings.Join(DirectoryFields, ", ")}})
			break
		}
	}
	if len(fes) > 0 {
		return httpapi.Invalid(fes...)
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// UpdateProfile applies a PATCH. A new email address is only stored as
// pending and takes effect when its owner opens the link sent to it.
func (s *Service) UpdateProfile(ctx context.Context, id string, in ProfileInput) (store.Member, error) {
	if err := in.validate(); err != nil {
		return store.Member{}, err
	}
	var rendered string
	if in.Bio != nil {
		var err error
		if rendered, err = s.renderBio(*in.Bio); err != nil {
			return store.Member{}, err
		}
	}
	now := s.Now()
	var changed []string
	var newEmail string
	// An address that already has an account is refused without saying
	// so: the requester sees the usual answer, the mailbox is told.
	inUse := false
	if in.Email != nil {
		other, err := s.Store.GetMemberByEmail(ctx, *in.Email)
		switch {
		case err == nil && other.ID != id:
			inUse = true
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return store.Member{}, httpapi.Internal(err)
		}
	}
	tok := auth.NewToken()
	m, err := s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		changed = changed[:0]
		newEmail = ""
		set := func(field string, dst *string, v *string) {
			if v != nil && *dst != *v {
				*dst = *v
				changed = append(changed, field)
			}
		}
		set("name", &old.Name, in.Name)
		set("kana", &old.Kana, in.Kana)
		set("profile.company", &old.Profile.Company, in.Company)
		set("profile.role", &old.Profile.Role, in.Role)
		set("profile.location", &old.Profile.Location, in.Location)
		set("profile.bio", &old.Profile.Bio, in.Bio)
		if in.Bio != nil {
			old.Profile.BioHTML = rendered
		}
		if in.Language != nil && string(old.Language) != *in.Language {
			old.Language = store.Language(*in.Language)
			changed = append(changed, "language")
		}
		if in.Skills != nil {
			old.Profile.Skills = splitList(*in.Skills)
			changed = append(changed, "profile.skills")
		}
		if in.Interests != nil {
			old.Profile.Interests = splitList(*in.Interests)
			changed = append(changed, "profile.interests")
		}
		flag := func(field string, dst *bool, v *bool) {
			if v != nil && *dst != *v {
				*dst = *v
				changed = append(changed, field)
			}
		}
		flag("profile.open_to.rehire", &old.Profile.OpenTo.Rehire, in.OpenToRehire)
		flag("profile.open_to.sidework", &old.Profile.OpenTo.Sidework, in.OpenToSidework)
		flag("profile.open_to.mentoring", &old.Profile.OpenTo.Mentoring, in.OpenToMentoring)
		flag("profile.open_to.referrals", &old.Profile.OpenTo.Referrals, in.OpenToReferrals)
		if in.VisibleSet || in.Visible != nil {
			old.Profile.Visible = append([]string{}, in.Visible...)
			old.Profile.VisibleChosenAt = now
			changed = append(changed, "profile.visible")
		}
		consents := map[string]*bool{"newsletter": in.ConsentNewsletter, "events": in.ConsentEvents,
			"jobs": in.ConsentJobs, "directory": in.ConsentDirectory, "sidework": in.ConsentSidework}
		for _, p := range OptionalPurposes {
			v := consents[p]
			if v == nil || old.Consents[p].Given == *v {
				continue
			}
			if old.Consents == nil {
				old.Consents = map[string]store.Consent{}
			}
			c := store.Consent{Given: *v, PolicyVersion: s.Config.PolicyVersion, At: now}
			old.Consents[p] = c
			old.ConsentHistory = append(old.ConsentHistory, store.ConsentChange{Purpose: p, Given: c.Given, PolicyVersion: c.PolicyVersion, At: now})
			changed = append(changed, "consents."+p)
		}
		if in.Email != nil && store.NormalizeEmail(*in.Email) != store.NormalizeEmail(old.Email) {
			// The newest request wins: its token's hash is kept with the
			// pending address, so links mailed before it stop working. An
			// address that has an account looks pending all the same (the
			// answer must not tell), but no link for it exists.
			old.PendingEmail, old.PendingEmailToken = *in.Email, store.HashToken(tok)
			if inUse {
				old.PendingEmailToken = ""
			} else {
				newEmail = *in.Email
			}
			changed = append(changed, "pending_email")
		}
		return old, nil
	})
	if err != nil {
		return store.Member{}, storeError(err)
	}
	if len(changed) > 0 {
		s.audit(ctx, m.ID, "member.update", m.ID, changed...)
	}
	if inUse {
		_ = s.send(ctx, omail.Address{Email: *in.Email}, emailAddressInUse, string(m.Language), emailData{})
	}
	if newEmail != "" {
		if err := s.Store.CreateToken(ctx, store.Token{Hash: store.HashToken(tok), Purpose: store.PurposeChangeEmail,
			Subject: m.ID, AddressHash: store.EmailHash(newEmail), CreatedAt: now, ExpiresAt: now.Add(s.Config.VerifyTTL)}); err != nil {
			return m, httpapi.Internal(err)
		}
		_ = s.send(ctx, omail.Address{Name: m.Name, Email: newEmail}, emailChangeVerify, string(m.Language), emailData{
			Name: m.Name, Link: s.link("/api/me/email/verify", tok, "lang", string(m.Language)), TTL: s.Config.VerifyTTL})
	}
	return m, nil
}

// UndoTTL is how long the old address can put itself back after a change.
const UndoTTL = 7 * 24 * time.Hour

// ConfirmEmailChange makes a pending address the member's address. The
// token applies exactly the address it was mailed to, and only while it is
// the newest request. The old address is told, with a link that undoes it.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) (store.Member, error) {
	now := s.Now()
	t, err := s.Store.ConsumeToken(ctx, store.HashToken(token), store.PurposeChangeEmail, now)
	if err != nil {
		return store.Member{}, tokenError(err)
	}
	var oldEmail string
	m, err := s.Store.UpdateMember(ctx, t.Subject, func(old store.Member) (store.Member, error) {
		if t.AddressHash == "" || old.PendingEmail == "" || old.PendingEmailToken != t.Hash ||
			store.EmailHash(old.PendingEmail) != t.AddressHash {
			return old, errNoPendingEmail
		}
		oldEmail = old.Email
		old.Email, old.PreviousEmail, old.PendingEmail, old.PendingEmailToken = old.PendingEmail, old.Email, "", ""
		return old, nil
	})
	switch {
	case errors.Is(err, errNoPendingEmail):
		return store.Member{}, httpapi.Errorf(httpapi.EINVALID, "link_invalid")
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Member{}, httpapi.Errorf(httpapi.ECONFLICT, "email_taken")
	case err != nil:
		return store.Member{}, storeError(err)
	}
	s.audit(ctx, m.ID, "member.email_change", m.ID, "email")
	undo := auth.NewToken()
	if err := s.Store.CreateToken(ctx, store.Token{Hash: store.HashToken(undo), Purpose: store.PurposeUndoEmail,
		Subject: m.ID, AddressHash: store.EmailHash(oldEmail), CreatedAt: now, ExpiresAt: now.Add(UndoTTL)}); err != nil {
		return m, httpapi.Internal(err)
	}
	_ = s.send(ctx, omail.Address{Name: m.Name, Email: oldEmail}, emailChanged, string(m.Language), emailData{
		Name: m.Name, Link: s.link("/api/me/email/undo", undo, "lang", string(m.Language)), TTL: UndoTTL})
	return m, nil
}

// UndoEmailChange puts back the address an undo link was mailed to and
// ends every session: whoever changed the address is logged out.
func (s *Service) UndoEmailChange(ctx context.Context, token string) (store.Member, error) {
	t, err := s.Store.ConsumeToken(ctx, store.HashToken(token), store.PurposeUndoEmail, s.Now())
	if err != nil {
		return store.Member{}, tokenError(err)
	}
	m, err := s.Store.UpdateMember(ctx, t.Subject, func(old store.Member) (store.Member, error) {
		if t.AddressHash == "" || old.PreviousEmail == "" || store.EmailHash(old.PreviousEmail) != t.AddressHash {
			return old, errNoPendingEmail
		}
		old.Email, old.PreviousEmail, old.PendingEmail, old.PendingEmailToken = old.PreviousEmail, "", "", ""
		return old, nil
	})
	switch {
	case errors.Is(err, errNoPendingEmail), errors.Is(err, store.ErrNotFound):
		return store.Member{}, httpapi.Errorf(httpapi.EINVALID, "link_invalid")
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Member{}, httpapi.Errorf(httpapi.ECONFLICT, "email_taken")
	case err != nil:
		return store.Member{}, storeError(err)
	}
	if _, err := s.Store.DeleteMemberSessions(ctx, m.ID); err != nil {
		return m, httpapi.Internal(fmt.Errorf("undo email change: end sessions: %w", err))
	}
	s.audit(ctx, m.ID, "member.email_undo", m.ID, "email", "sessions")
	return m, nil
}

var errNoPendingEmail = errors.New("no pending email")

func (h Handler) patchMe(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := string(m.Language)
	var in ProfileInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/members/profile/"))
		return
	}
	updated, err := h.S.UpdateProfile(r.Context(), m.ID, in)
	if err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/members/profile/"))
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, httpapi.PathIn(string(updated.Language), "/members/profile/")+"?saved=1", http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, h.S.meView(updated))
}

func (h Handler) confirmEmail(w http.ResponseWriter, r *http.Request) {
	in, ok := h.linkToken(w, r)
	if !ok {
		return
	}
	m, err := h.S.ConfirmEmailChange(r.Context(), in.Token)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/members/profile/"))
		return
	}
	lang := string(m.Language)
	httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "email_changed_title"),
		Message: httpapi.Message(lang, "email_changed"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/members/profile/"), Text: httpapi.Message(lang, "to_profile")}}})
}

func (h Handler) undoEmail(w http.ResponseWriter, r *http.Request) {
	in, ok := h.linkToken(w, r)
	if !ok {
		return
	}
	m, err := h.S.UndoEmailChange(r.Context(), in.Token)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/login/"))
		return
	}
	lang := string(m.Language)
	h.S.ClearSessionCookie(w)
	httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "email_undone_title"),
		Message: httpapi.Message(lang, "email_undone"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/login/"), Text: httpapi.Message(lang, "to_login")}}})
}
