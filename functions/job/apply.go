package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// ApplyInput is what an applicant sends.
type ApplyInput struct {
	Message string `json:"message"`
	Link    string `json:"link"`    // a profile or portfolio URL, instead of or beside a résumé
	Contact string `json:"contact"` // email (default), phone or online
	Phone   string `json:"phone"`   // needed when contact is phone
	// Resume is the uploaded PDF, nil if none (multipart uploads only).
	Resume *Resume `json:"-"`
}

// Resume is an uploaded file, already read and checked by the HTTP layer.
type Resume struct {
	Name string // as the browser sent it; only shown to HR
	Data []byte
}

// pdfMagic starts every PDF file (ISO 32000: "%PDF-" then the version).
var pdfMagic = []byte("%PDF-")

// IsPDF reports whether data is a PDF by its first bytes; the file name and
// the browser's Content-Type are not trusted.
func IsPDF(data []byte) bool { return bytes.HasPrefix(data, pdfMagic) }

var phonePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+?[0-9][0-9 ()-]{6,24}$`) })

// Limits on what a person types, in characters.
const (
	maxMessage    = 4000
	maxNote       = 2000
	maxLink       = 500
	maxName       = 100
	maxResumeName = 200
)

// validate normalizes the input and returns every problem at once.
func (in *ApplyInput) validate() error {
	in.Message, in.Link, in.Contact, in.Phone = strings.TrimSpace(in.Message), strings.TrimSpace(in.Link), strings.TrimSpace(in.Contact), strings.TrimSpace(in.Phone)
	if in.Contact == "" {
		in.Contact = string(store.ContactEmail)
	}
	var fields []httpapi.FieldError
	if fe := checkLongText("message", in.Message, maxMessage, true); fe != nil {
		fields = append(fields, *fe)
	}
	if fe := checkLink("link", in.Link); fe != nil {
		fields = append(fields, *fe)
	}
	if !store.ContactPreference(in.Contact).Valid() {
		fields = append(fields, httpapi.FieldError{Field: "contact", Code: "one_of", Params: []any{"email, phone, online"}})
	}
	switch {
	case in.Contact == string(store.ContactPhone) && in.Phone == "":
		fields = append(fields, httpapi.FieldError{Field: "phone", Code: "required"})
	case in.Phone != "" && !phonePattern().MatchString(in.Phone):
		fields = append(fields, httpapi.FieldError{Field: "phone", Code: "phone"})
	}
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	return nil
}

// checkLongText checks multi-line text: line breaks and tabs are fine;
// other control characters, bidirectional controls and zero-width
// characters are not (store.ForbiddenRune).
func checkLongText(field, v string, max int, required bool) *httpapi.FieldError {
	switch {
	case v == "" && required:
		return &httpapi.FieldError{Field: field, Code: "required"}
	case !utf8.ValidString(v):
		return &httpapi.FieldError{Field: field, Code: "format"}
	case utf8.RuneCountInString(v) > max:
		return &httpapi.FieldError{Field: field, Code: "too_long", Params: []any{max}}
	}
	if i := store.IndexForbidden(v, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' }); i >= 0 {
		if r, _ := utf8.DecodeRuneInString(v[i:]); unicode.IsControl(r) {
			return &httpapi.FieldError{Field: field, Code: "control"}
		}
		return &httpapi.FieldError{Field: field, Code: "invisible"}
	}
	return nil
}

// checkText checks one line of text.
func checkText(field, v string, max int, required bool) *httpapi.FieldError {
	if fe := checkLongText(field, v, max, required); fe != nil {
		return fe
	}
	if strings.ContainsAny(v, "\r\n\t") {
		return &httpapi.FieldError{Field: field, Code: "control"}
	}
	return nil
}

func checkLink(field, v string) *httpapi.FieldError {
	if v == "" {
		return nil
	}
	if len(v) > maxLink {
		return &httpapi.FieldError{Field: field, Code: "too_long", Params: []any{maxLink}}
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(v, " \t\r\n") {
		return &httpapi.FieldError{Field: field, Code: "url"}
	}
	return nil
}

// CheckResume refuses a file that is not a PDF (415) or is larger than
// MaxResumeBytes (413), judging by its bytes alone.
func CheckResume(data []byte) error {
	if len(data) > MaxResumeBytes {
		return httpapi.Errorf(httpapi.ETOOLARGE, "resume_too_large", MaxResumeBytes>>20)
	}
	if !IsPDF(data) {
		return httpapi.Errorf(httpapi.EUNSUPPORTED, "resume_not_pdf")
	}
	return nil
}

// resumeName keeps the base of what the browser called the file, bounded,
// for HR's download; it is never used as a path.
func resumeName(name string) string {
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, "\\", "/")))
	name = strings.Map(func(r rune) rune {
		if store.ForbiddenRune(r) || r == '"' { // no control, bidi or zero-width character in a download's name
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		name = "resume.pdf"
	}
	if utf8.RuneCountInString(name) > maxResumeName {
		name = string([]rune(name)[:maxResumeName-4]) + ".pdf"
	}
	return name
}

// Apply sends member's application to a job: created is false when they had
// applied already, and the first application comes back unchanged. Nothing
// is kept when the application is refused: the résumé is written only once
// everything else is known to be right, and removed if the store says no.
func (s *Service) Apply(ctx context.Context, m store.Member, jobID string, in ApplyInput) (store.Application, bool, error) {
	j, err := s.job(ctx, jobID)
	if err != nil {
		return store.Application{}, false, err
	}
	if first, err := s.Store.FindApplication(ctx, j.ID, m.ID); err == nil {
		return first, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Application{}, false, httpapi.Internal(err)
	}
	now := s.Now()
	if j.Closed(now) {
		return store.Application{}, false, closedError(j)
	}
	if err := in.validate(); err != nil {
		return store.Application{}, false, err
	}
	a := store.Application{ID: store.NewID(), JobID: j.ID, MemberID: m.ID, Message: in.Message, Link: in.Link,
		Contact: store.ContactPreference(in.Contact), Phone: in.Phone, CreatedAt: now}
	if in.Resume != nil {
		if err := CheckResume(in.Resume.Data); err != nil {
			return store.Application{}, false, err
		}
		a.Resume, a.ResumeName, a.ResumeSize = "resumes/"+a.ID+".pdf", resumeName(in.Resume.Name), int64(len(in.Resume.Data))
		if err := s.Blobs.Put(ctx, a.Resume, bytes.NewReader(in.Resume.Data), a.ResumeSize, "application/pdf"); err != nil {
			return store.Application{}, false, httpapi.Internal(err)
		}
	}
	got, created, err := s.Store.Apply(ctx, a, now)
	if err != nil || !created {
		s.dropResume(ctx, a.Resume)
	}
	switch {
	case errors.Is(err, store.ErrJobClosed):
		// Closed or withdrawn since it was read: say which, as it is now.
		if cur, gerr := s.Store.GetJob(ctx, j.ID); gerr == nil {
			j = cur
		}
		return store.Application{}, false, closedError(j)
	case err != nil:
		return store.Application{}, false, storeError(err)
	case !created:
		return got, false, nil // a concurrent request by the same member came first
	}
	fields := []string{"message", "contact"}
	for f, set := range map[string]bool{"resume": a.Resume != "", "link": a.Link != "", "phone": a.Phone != ""} {
		if set {
			fields = append(fields, f)
		}
	}
	s.audit(ctx, m.ID, "application.create", got.ID, fields...)
	s.Log.InfoContext(ctx, "application received", "job", j.ID, "application", got.ID, "resume_bytes", a.ResumeSize)
	lang := memberLang(m)
	_ = s.send(ctx, mail.Address{Name: m.Name, Email: m.Email}, emailApplied, lang, emailData{
		Name: m.Name, JobTitle: j.TitleIn(lang), Link: s.Config.BaseURL + httpapi.PathIn(lang, "/members/me/applications/"),
	}, nil)
	s.notifyHR(ctx, j, emailHRNewApplication, emailData{
		JobTitle: j.Title, JobTitleEn: j.TitleEn, Name: m.Name, Link: s.Config.BaseURL + "/hr/jobs/" + j.ID,
	})
	return got, true, nil
}

// dropResume removes a résumé written for an application that was not stored.
func (s *Service) dropResume(ctx context.Context, key string) {
	if key == "" {
		return
	}
	if err := s.Blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.Log.ErrorContext(ctx, "drop résumé", "err", err)
	}
}

// Withdraw is the applicant taking back an application that is still open.
func (s *Service) Withdraw(ctx context.Context, m store.Member, id string) (store.Application, error) {
	a, err := s.Store.GetApplication(ctx, id)
	if err != nil || a.MemberID != m.ID {
		return store.Application{}, httpapi.Errorf(httpapi.ENOTFOUND, "not_found")
	}
	if a.Status.Final() {
		return store.Application{}, httpapi.Errorf(httpapi.ECONFLICT, "application_final")
	}
	a, err = s.Store.MoveApplication(ctx, id, store.StatusChange{At: s.Now(), Actor: m.ID, To: store.ApplicationWithdrawn})
	if err != nil {
		return store.Application{}, storeError(err)
	}
	s.audit(ctx, m.ID, "application.withdraw", a.ID, "status")
	if j, err := s.Store.GetJob(ctx, a.JobID); err == nil {
		s.notifyHR(ctx, j, emailHRWithdrawn, emailData{
			JobTitle: j.Title, JobTitleEn: j.TitleEn, Name: m.Name, Link: s.Config.BaseURL + "/hr/applications/" + a.ID,
		})
	}
	return a, nil
}

// Move is HR moving an application along the pipeline, with a note for the
// file. notify emails the applicant about the new status (HR decides: not
// every step is news to them).
func (s *Service) Move(ctx context.Context, hr store.Member, id string, to store.ApplicationStatus, note string, notify bool) (store.Application, error) {
	note = strings.TrimSpace(note)
	if fe := checkLongText("note", note, maxNote, false); fe != nil {
		return store.Application{}, httpapi.Invalid(*fe)
	}
	if !to.Valid() {
		return store.Application{}, httpapi.Invalid(httpapi.FieldError{Field: "status", Code: "one_of", Params: []any{statusList()}})
	}
	a, err := s.Store.GetApplication(ctx, id)
	if err != nil {
		return store.Application{}, storeError(err)
	}
	if a.Status == to && note == "" {
		return store.Application{}, httpapi.Invalid(httpapi.FieldError{Field: "note", Code: "required"})
	}
	notify = notify && a.Status != to && a.MemberID != ""
	a, err = s.Store.MoveApplication(ctx, id, store.StatusChange{At: s.Now(), Actor: hrActor(hr), To: to, Note: note, Notified: notify})
	if err != nil {
		return store.Application{}, storeError(err)
	}
	fields := []string{"status"}
	if note != "" {
		fields = append(fields, "note")
	}
	s.audit(ctx, hrActor(hr), "application.move", a.ID, fields...)
	if notify {
		if err := s.notifyStatus(ctx, a); err != nil {
			s.Log.WarnContext(ctx, "status email not sent", "application", a.ID, "err", err)
		}
	}
	return a, nil
}

// notifyStatus emails the applicant the application's new status.
func (s *Service) notifyStatus(ctx context.Context, a store.Application) error {
	m, err := s.Store.GetMember(ctx, a.MemberID)
	if err != nil {
		return fmt.Errorf("applicant: %w", err)
	}
	j, err := s.Store.GetJob(ctx, a.JobID)
	if err != nil {
		return fmt.Errorf("job: %w", err)
	}
	lang := memberLang(m)
	return s.send(ctx, mail.Address{Name: m.Name, Email: m.Email}, emailStatus, lang, emailData{
		Name: m.Name, JobTitle: j.TitleIn(lang), Status: statusLabel(lang, a.Status), StatusNote: statusNote(lang, a.Status),
		Link: s.Config.BaseURL + httpapi.PathIn(lang, "/members/me/applications/"),
	}, nil)
}

func statusList() string {
	var names []string
	for _, st := range store.ApplicationStatuses {
		names = append(names, string(st))
	}
	return strings.Join(names, ", ")
}
