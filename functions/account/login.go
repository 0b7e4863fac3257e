package account

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/httpapi"
	omail "github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// SessionCookie holds the signed session id: its name over plain http in
// dev mode; with Secure cookies it is "__Host-okaeri_session"
// (SessionCookieName), which only this host over https can set.
const SessionCookie = "okaeri_session"

// SessionCookieName is the session cookie's name as this service sets it.
func (s *Service) SessionCookieName() string {
	return httpapi.SessionCookieName(s.Config.SecureCookies)
}

// sessionTouchEvery bounds how often a session's expiry is pushed forward,
// so that reading pages does not write on every request.
const sessionTouchEvery = time.Hour

// Login sends an approved member a single-use login link. Every address
// gets the same answer; only an approved member gets mail.
func (s *Service) Login(ctx context.Context, email, next, client string) error {
	if fe := checkEmail("email", email); fe != nil {
		return httpapi.Invalid(*fe)
	}
	if err := s.limit(ctx, "login:client:"+client, s.Config.LoginPerClient); err != nil {
		return err
	}
	if err := s.limit(ctx, "login:addr:"+store.EmailHash(email), s.Config.LoginPerAddress); err != nil {
		return err
	}
	return s.deferOrRun(ctx, TaskLogin, loginTask{Email: email, Next: httpapi.SafeNext(next, "")}, func() error {
		return s.loginNow(ctx, email, next)
	})
}

// loginTask is a login deferred until after the answer.
type loginTask struct {
	Email string `json:"email"`
	Next  string `json:"next,omitempty"`
}

// loginNow looks the address up and mails an approved member a link.
func (s *Service) loginNow(ctx context.Context, email, next string) error {
	m, err := s.Store.GetMemberByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return httpapi.Internal(err)
	}
	if m.Status != store.StatusApproved {
		return nil
	}
	now := s.Now()
	tok := auth.NewToken()
	// The page to come back to is stored with the token, not put in the
	// link: whoever edits the link cannot change where it leads.
	if err := s.Store.CreateToken(ctx, store.Token{Hash: store.HashToken(tok), Purpose: store.PurposeLogin,
		Subject: m.ID, Next: httpapi.SafeNext(next, ""), CreatedAt: now, ExpiresAt: now.Add(s.Config.LoginTTL)}); err != nil {
		return httpapi.Internal(err)
	}
	return s.send(ctx, omail.Address{Name: m.Name, Email: m.Email}, emailLogin, string(m.Language), emailData{
		Name: m.Name, Link: s.link("/api/login/callback", tok, "lang", string(m.Language)), TTL: s.Config.LoginTTL,
	})
}

// sendWelcome greets a member just approved: a one-click login link (a
// login token like Login's, single use, bound to the member and to the
// address it is mailed to, for WelcomeTTL) and three next steps.
//
// It is a lifecycle mail: not sent while HR has it switched off, and sent
// once per member, claimed on the member before sending, so a retried
// approval or decision task never sends it twice.
func (s *Service) sendWelcome(ctx context.Context, m store.Member) error {
	if !s.mailOn(ctx, store.LifecycleWelcome) {
		return nil
	}
	m, won, err := s.claimLifecycle(ctx, m.ID, store.LifecycleWelcome, func(m store.Member) bool { return m.Status == store.StatusApproved })
	if err != nil {
		s.Log.ErrorContext(ctx, "welcome claim", "err", err)
		return httpapi.Internal(err)
	}
	if !won {
		return nil
	}
	lang, prefix := string(m.Language), ""
	if m.Language == store.LanguageEn {
		prefix = "/en"
	}
	now := s.Now()
	tok := auth.NewToken()
	if err := s.Store.CreateToken(ctx, store.Token{Hash: store.HashToken(tok), Purpose: store.PurposeLogin,
		Subject: m.ID, AddressHash: store.EmailHash(m.Email), Next: prefix + "/members/", CreatedAt: now, ExpiresAt: now.Add(s.Config.WelcomeTTL)}); err != nil {
		s.Log.ErrorContext(ctx, "welcome token", "err", err)
		return httpapi.Internal(err)
	}
	base := s.Config.BaseURL + prefix
	return s.send(ctx, omail.Address{Name: m.Name, Email: m.Email}, emailWelcome, lang, emailData{
		Name: m.Name, TTL: s.Config.WelcomeTTL,
		Link:    s.link("/api/login/callback", tok, "lang", lang),
		Profile: base + "/members/profile/", Events: base + "/members/events/", Jobs: base + "/members/jobs/",
	})
}

// LinkUsable reports whether an emailed link's token can still be used for
// purpose (store.PeekToken: unknown, used and expired read the same). It
// consumes nothing; an error is the store's, not the link's.
func (s *Service) LinkUsable(ctx context.Context, token string, purpose store.TokenPurpose) (bool, error) {
	_, err := s.Store.PeekToken(ctx, store.HashToken(token), purpose, s.Now())
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Callback consumes a login token and opens a session. The session's id in
// the store is the hash of the secret the cookie carries (Session.Secret), so
// a leaked table or log line cannot be replayed as a cookie.
func (s *Service) Callback(ctx context.Context, token string) (store.Member, Session, error) {
	now := s.Now()
	t, err := s.Store.ConsumeToken(ctx, store.HashToken(token), store.PurposeLogin, now)
	if err != nil {
		return store.Member{}, Session{}, tokenError(err)
	}
	m, err := s.Store.GetMember(ctx, t.Subject)
	if err != nil {
		return store.Member{}, Session{}, tokenError(err)
	}
	// A link mailed to an address (the welcome mail's) logs in only while
	// that is the member's address.
	if t.AddressHash != "" && t.AddressHash != store.EmailHash(m.Email) {
		return store.Member{}, Session{}, httpapi.Errorf(httpapi.EINVALID, "link_invalid")
	}
	if m.Status != store.StatusApproved {
		return store.Member{}, Session{}, httpapi.Errorf(httpapi.EFORBIDDEN, "not_approved")
	}
	secret := store.NewID()
	sess := store.Session{ID: store.HashToken(secret), MemberID: m.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.Config.SessionTTL)}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return store.Member{}, Session{}, httpapi.Internal(err)
	}
	s.audit(ctx, m.ID, "session.create", m.ID)
	return m, Session{Session: sess, Secret: secret, Next: httpapi.SafeNext(t.Next, ""), HR: s.IsAdmin(m)}, nil
}

// Session is a new session with the secret its cookie carries.
type Session struct {
	store.Session
	Secret string
	// Next is the page of this site the login was asked from ("" for none),
	// as bound to the login token.
	Next string
	// HR is true when the member is one of HR's administrators.
	HR bool
}

// SignedInCookie is a hint for the site's script (readable, not a secret):
// the header shows logout instead of login. The session cookie decides.
const SignedInCookie = "okaeri_signed_in"

// Values of the signed-in hint: a member, or a member of HR (the header
// then links HR's home). A hint only: every HR page checks the role.
const (
	hintMember = "1"
	hintHR     = "hr"
)

// SetSessionCookie writes the signed session cookie and the signed-in hint
// (HR's hint for a session of HR).
func (s *Service) SetSessionCookie(w http.ResponseWriter, sess Session) {
	hint := hintMember
	if sess.HR {
		hint = hintHR
	}
	http.SetCookie(w, &http.Cookie{Name: SignedInCookie, Value: hint, Path: "/", Expires: sess.ExpiresAt,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: s.SessionCookieName(), Value: s.Keys.Sign(sess.Secret), Path: "/",
		Expires: sess.ExpiresAt, HttpOnly: true, Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
	if s.Edge != nil {
		// Without them CloudFront refuses the static members' pages; the
		// API still works, so the login goes on and the failure is logged.
		if err := s.Edge.Set(w, sess.ExpiresAt); err != nil {
			s.Log.Error("edge cookies", "err", err)
		}
	}
}

// ClearSessionCookie removes it and the hint.
func (s *Service) ClearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SignedInCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: s.SessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
	if s.Edge != nil {
		s.Edge.Clear(w)
	}
}

// Authenticate returns the member behind the request's session cookie,
// renewing the session while it is used. ok is false for no, a forged, an
// expired or a revoked session, or a member who is no longer approved.
func (s *Service) Authenticate(r *http.Request) (m store.Member, sess store.Session, ok bool) {
	c, err := r.Cookie(s.SessionCookieName())
	if err != nil {
		return m, sess, false
	}
	secret, valid := s.Keys.Verify(c.Value)
	if !valid {
		return m, sess, false
	}
	id := store.HashToken(secret)
	ctx, now := r.Context(), s.Now()
	sess, err = s.Store.GetSession(ctx, id, now)
	if err != nil {
		return m, sess, false
	}
	m, err = s.Store.GetMember(ctx, sess.MemberID)
	if err != nil || m.Status != store.StatusApproved {
		return m, sess, false
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		if renewed, err := s.Store.TouchSession(ctx, id, now.Add(s.Config.SessionTTL), now); err == nil {
			sess = renewed
		}
	}
	return m, sess, true
}

// IsMember is Authenticate as a yes or no, for the members-only gate.
func (s *Service) IsMember(r *http.Request) bool {
	_, _, ok := s.Authenticate(r)
	return ok
}

// Logout ends the request's session, if any.
func (s *Service) Logout(r *http.Request) {
	if _, sess, ok := s.Authenticate(r); ok {
		if err := s.Store.DeleteSession(r.Context(), sess.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.Log.ErrorContext(r.Context(), "logout", "err", err)
		}
		s.audit(r.Context(), sess.MemberID, "session.delete", sess.MemberID)
	}
}

// setHRHint marks the signed-in hint as HR's, for a session that became
// HR's after it began (a role granted meanwhile).
func (s *Service) setHRHint(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SignedInCookie, Value: hintHR, Path: "/", MaxAge: int(s.Config.SessionTTL.Seconds()),
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
}
