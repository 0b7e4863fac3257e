package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Jobs keeps job postings (synced from content/ by `okaeri sync`), the
// applications alumni send to them and the friends they refer.
//
// Two natural keys hold under any concurrency: one application per member
// per job, and one referral per referrer, job and friend's address. Asking
// again returns the first record unchanged.
type Jobs interface {
	// PutJob inserts or replaces a posting by id (okaeri sync). A zero SyncedAt
	// is set to the current time. ErrInvalid for a bad job; nothing is written.
	PutJob(ctx context.Context, j Job) error
	// GetJob returns the posting with this id, or ErrNotFound.
	GetJob(ctx context.Context, id string) (Job, error)
	// ListJobs returns every posting, archived ones included, ordered by ID.
	// A company has tens of postings, not thousands, so there is no paging.
	ListJobs(ctx context.Context) ([]Job, error)

	// Apply stores a new application unless its member already applied to
	// its job; then it returns the first application and created=false,
	// whatever a says, even after the job closed. Otherwise: ErrNotFound
	// if the job does not exist; ErrJobClosed (an ErrPrecondition) if it is
	// archived or past its deadline at now; ErrInvalid for bad data. An empty
	// ID is replaced by NewID(), zero CreatedAt by now; Status is set to
	// received, History to one entry, Version to 1.
	Apply(ctx context.Context, a Application, now time.Time) (app Application, created bool, err error)
	// GetApplication returns an application by id, or ErrNotFound.
	GetApplication(ctx context.Context, id string) (Application, error)
	// FindApplication returns a member's application to a job, or ErrNotFound.
	FindApplication(ctx context.Context, jobID, memberID string) (Application, error)
	// ListApplicationsByJob pages through a job's applications ordered by
	// CreatedAt then ID, erased ones included.
	ListApplicationsByJob(ctx context.Context, jobID string, page Page) ([]Application, string, error)
	// ListApplicationsByMember returns a member's applications, newest first.
	ListApplicationsByMember(ctx context.Context, memberID string) ([]Application, error)
	// MoveApplication changes an application's status and appends the change
	// to its history, atomically. The move must be allowed from the current
	// status (see CanMove), else a *TransitionError (an ErrPrecondition) and
	// nothing changes. A move to the current status records a note only and
	// needs one. ErrNotFound for an unknown or erased application.
	MoveApplication(ctx context.Context, id string, c StatusChange) (Application, error)

	// Refer stores a new referral unless its referrer already referred the
	// same address (case-insensitively) to the same job; then it returns the
	// first and created=false. ErrNotFound if the job does not exist;
	// ErrJobClosed if it is closed at now; ErrInvalid for bad data. An empty ID
	// is replaced by NewID(), zero CreatedAt by now; Outcome is set to
	// referred and Version to 1.
	Refer(ctx context.Context, r Referral, now time.Time) (ref Referral, created bool, err error)
	// GetReferral returns a referral by id, or ErrNotFound.
	GetReferral(ctx context.Context, id string) (Referral, error)
	// UpdateReferral is a compare-and-swap update, as UpdateMember: update may
	// run more than once and must not call the store. Only Outcome,
	// OutcomeNote, InvitedAt and Suppressed may change; ID, JobID, ReferrerID,
	// the friend's details and CreatedAt are kept from old, Version is
	// incremented and UpdatedAt set to the current time. ErrNotFound for an
	// unknown or erased referral.
	UpdateReferral(ctx context.Context, id string, update func(old Referral) (Referral, error)) (Referral, error)
	// ListReferralsByJob pages through a job's referrals ordered by CreatedAt then ID.
	ListReferralsByJob(ctx context.Context, jobID string, page Page) ([]Referral, string, error)
	// ListReferralsByReferrer returns the referrals a member made, newest first.
	ListReferralsByReferrer(ctx context.Context, memberID string) ([]Referral, error)

	// EraseMemberJobs removes a member's personal data from their
	// applications and referrals: each is kept as an anonymous record (job,
	// status or outcome, times) for HR's figures, with ErasedAt set, and the
	// natural-key entries go. It returns the résumé keys the applications
	// named, for the caller to delete from the blob store. Running it again
	// finds nothing and returns no keys.
	EraseMemberJobs(ctx context.Context, memberID string, now time.Time) (resumeKeys []string, err error)
}

// ErrJobClosed is the error for applying to or referring for a job that is
// archived or past its closing date. It matches ErrPrecondition.
var ErrJobClosed = fmt.Errorf("job closed: %w", ErrPrecondition)

// TransitionError is a status move the pipeline does not allow. It matches
// ErrPrecondition with errors.Is.
type TransitionError struct {
	From, To ApplicationStatus
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot move an application from %s to %s", e.From, e.To)
}

// Is makes errors.Is(err, ErrPrecondition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrPrecondition }

// EmploymentType is the kind of work a job offers.
type EmploymentType string

// Employment types (content's employment_type), in the order HR lists them.
const (
	EmploymentRehire   EmploymentType = "rehire"   // 再入社: full-time re-hire
	EmploymentContract EmploymentType = "contract" // 業務委託
	EmploymentSidework EmploymentType = "sidework" // 副業
	EmploymentProject  EmploymentType = "project"  // プロジェクト
)

// Job visibilities, as in content/.
const (
	VisibilityPublic  = "public"
	VisibilityMembers = "members"
)

// Job is a posting's machine-facing fields, synced from content/. The
// description stays in content/; the store keeps what requests and HR's
// pages need.
type Job struct {
	ID             string         `json:"id"`      // the content file's base name
	Title          string         `json:"title"`   // Japanese
	TitleEn        string         `json:"titleEn"` // English; "" when there is no translation
	EmploymentType EmploymentType `json:"employmentType"`
	Department     string         `json:"department"`             // Japanese
	DepartmentEn   string         `json:"departmentEn,omitempty"` // English; "" when there is no translation
	Location       string         `json:"location"`               // Japanese
	LocationEn     string         `json:"locationEn,omitempty"`   // English; "" when there is no translation
	Visibility     string         `json:"visibility"`             // VisibilityPublic or VisibilityMembers
	// Closes is the closing date (midnight UTC of that calendar day); the
	// job takes applications until that day ends in Japan (see Deadline).
	Closes  time.Time `json:"closes"`
	Contact string    `json:"contact,omitempty"` // HR's role address for this job
	// Archived is set by sync when the posting left content/ (deleted or
	// made a draft): its applications stay, new ones are refused.
	Archived bool      `json:"archived,omitempty"`
	SyncedAt time.Time `json:"syncedAt"`
}

// japan is Japan Standard Time. It has had no daylight saving time since
// 1951, so a fixed zone is exact and needs no tzdata on Lambda.
var japan = time.FixedZone("JST", 9*60*60)

// Deadline is the first instant applications are refused: midnight in Japan
// at the end of the closing day.
func (j Job) Deadline() time.Time {
	y, m, d := j.Closes.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, japan).UTC()
}

// Closed reports whether the job refuses applications at now.
func (j Job) Closed(now time.Time) bool { return j.Archived || !now.Before(j.Deadline()) }

// TitleIn is the title in lang, falling back to Japanese.
func (j Job) TitleIn(lang string) string { return inLanguage(lang, j.Title, j.TitleEn) }

// DepartmentIn is the department in lang, falling back to Japanese.
func (j Job) DepartmentIn(lang string) string { return inLanguage(lang, j.Department, j.DepartmentEn) }

// LocationIn is the location in lang, falling back to Japanese.
func (j Job) LocationIn(lang string) string { return inLanguage(lang, j.Location, j.LocationEn) }

// inLanguage is en for English when there is one, else ja.
func inLanguage(lang, ja, en string) string {
	if lang == string(LanguageEn) && en != "" {
		return en
	}
	return ja
}

// ApplicationStatus is where an application is in HR's pipeline.
type ApplicationStatus string

// The pipeline: received, screening, interview, offer, then one of hired,
// declined or withdrawn.
const (
	ApplicationReceived  ApplicationStatus = "received"
	ApplicationScreening ApplicationStatus = "screening"
	ApplicationInterview ApplicationStatus = "interview"
	ApplicationOffer     ApplicationStatus = "offer"
	ApplicationHired     ApplicationStatus = "hired"
	ApplicationDeclined  ApplicationStatus = "declined"
	ApplicationWithdrawn ApplicationStatus = "withdrawn"
)

// ApplicationStatuses lists every status in pipeline order.
var ApplicationStatuses = []ApplicationStatus{ApplicationReceived, ApplicationScreening, ApplicationInterview,
	ApplicationOffer, ApplicationHired, ApplicationDeclined, ApplicationWithdrawn}

// stage orders the open statuses; the final ones have none.
var stage = map[ApplicationStatus]int{ApplicationReceived: 1, ApplicationScreening: 2, ApplicationInterview: 3, ApplicationOffer: 4}

// Valid reports whether s is a known status.
func (s ApplicationStatus) Valid() bool {
	for _, v := range ApplicationStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Final reports whether nothing follows s: hired, declined or withdrawn.
func (s ApplicationStatus) Final() bool { return s.Valid() && stage[s] == 0 }

// CanMove reports whether the pipeline allows from -> to: an open
// application moves forward (skipping stages is allowed: HR may invite
// straight to interview), hires only from an offer, and may be declined or
// withdrawn at any open stage. A final status never changes.
func CanMove(from, to ApplicationStatus) bool {
	if !from.Valid() || !to.Valid() || from.Final() {
		return false
	}
	switch to {
	case ApplicationDeclined, ApplicationWithdrawn:
		return true
	case ApplicationHired:
		return from == ApplicationOffer
	}
	return stage[to] > stage[from]
}

// ContactPreference is how an applicant wants HR to reach them.
type ContactPreference string

// Contact preferences.
const (
	ContactEmail  ContactPreference = "email"
	ContactPhone  ContactPreference = "phone"
	ContactOnline ContactPreference = "online" // an online meeting
)

// Valid reports whether c is a known preference.
func (c ContactPreference) Valid() bool {
	return c == ContactEmail || c == ContactPhone || c == ContactOnline
}

// Application is one member's application to one job.
type Application struct {
	ID       string            `json:"id"`
	JobID    string            `json:"jobId"`
	MemberID string            `json:"memberId,omitempty"` // "" once erased
	Status   ApplicationStatus `json:"status"`
	Message  string            `json:"message,omitempty"`
	// Resume is the blob key of the résumé PDF, "" if none was sent.
	Resume     string            `json:"resume,omitempty"`
	ResumeName string            `json:"resumeName,omitempty"` // the file name as uploaded
	ResumeSize int64             `json:"resumeSize,omitempty"`
	Link       string            `json:"link,omitempty"` // a profile or portfolio URL, instead of or beside a résumé
	Contact    ContactPreference `json:"contact,omitempty"`
	Phone      string            `json:"phone,omitempty"` // when Contact is phone
	History    []StatusChange    `json:"history"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
	ErasedAt   time.Time         `json:"erasedAt,omitzero"`
	Version    int64             `json:"version"`
}

// StatusChange is one step of an application's history.
type StatusChange struct {
	At    time.Time         `json:"at"`
	Actor string            `json:"actor"` // the member, "hr:<id>" or "system"; "" once erased
	From  ApplicationStatus `json:"from,omitempty"`
	To    ApplicationStatus `json:"to"`
	Note  string            `json:"note,omitempty"` // HR's note; never shown to the applicant
	// Notified says the applicant was emailed about this change.
	Notified bool `json:"notified,omitempty"`
}

// ReferralOutcome is what came of a referral, as HR records it.
type ReferralOutcome string

// Referral outcomes.
const (
	ReferralReferred  ReferralOutcome = "referred"  // recorded, nothing heard yet
	ReferralContacted ReferralOutcome = "contacted" // HR reached the friend
	ReferralApplied   ReferralOutcome = "applied"
	ReferralHired     ReferralOutcome = "hired"
	ReferralNotHired  ReferralOutcome = "not-hired"
	ReferralDeclined  ReferralOutcome = "declined" // the friend is not interested
)

// ReferralAnswer is a referred friend's answer to the referral.
type ReferralAnswer string

// Referral answers.
const (
	AnswerApply ReferralAnswer = "apply" // the friend applies for the job
	AnswerTalk  ReferralAnswer = "talk"  // the friend asks for a conversation first
)

// ReferralAnswers lists every answer a friend can give.
var ReferralAnswers = []ReferralAnswer{AnswerApply, AnswerTalk}

// Valid reports whether a is one of ReferralAnswers.
func (a ReferralAnswer) Valid() bool { return a == AnswerApply || a == AnswerTalk }

// ReferralOutcomes lists every outcome in the order HR sees them.
var ReferralOutcomes = []ReferralOutcome{ReferralReferred, ReferralContacted, ReferralApplied, ReferralHired, ReferralNotHired, ReferralDeclined}

// Valid reports whether o is a known outcome.
func (o ReferralOutcome) Valid() bool {
	for _, v := range ReferralOutcomes {
		if o == v {
			return true
		}
	}
	return false
}

// Relationships a referrer may name.
var Relationships = []string{"colleague", "friend", "professional", "other"}

// Referral is a member recommending a friend for a job. The friend's
// details are personal data given by the referrer; they go when the
// referrer is erased.
type Referral struct {
	ID           string          `json:"id"`
	JobID        string          `json:"jobId"`
	ReferrerID   string          `json:"referrerId,omitempty"` // "" once erased
	FriendName   string          `json:"friendName,omitempty"`
	FriendEmail  string          `json:"friendEmail,omitempty"`
	Relationship string          `json:"relationship,omitempty"` // one of Relationships
	Note         string          `json:"note,omitempty"`
	Outcome      ReferralOutcome `json:"outcome"`
	OutcomeNote  string          `json:"outcomeNote,omitempty"`
	// InvitedAt is when the friend was emailed; zero if not (yet).
	InvitedAt time.Time `json:"invitedAt,omitzero"`
	// Suppressed says the friend's address is on the suppression list, so
	// the referral was recorded but not mailed.
	Suppressed bool `json:"suppressed,omitempty"`
	// Answer is what the friend said through the referral's link (the
	// landing page the email leads to): apply, or talk first; "" until
	// they answer. AnswerMessage and AnswerPhone are what they wrote.
	Answer        ReferralAnswer `json:"answer,omitempty"`
	AnswerMessage string         `json:"answerMessage,omitempty"`
	AnswerPhone   string         `json:"answerPhone,omitempty"`
	AnsweredAt    time.Time      `json:"answeredAt,omitzero"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	ErasedAt      time.Time      `json:"erasedAt,omitzero"`
	Version       int64          `json:"version"`
}

// ---- validation, shared by every engine

var (
	jobIDPattern = LazyPattern(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	phonePattern = LazyPattern(`^\+?[0-9][0-9 ()-]{6,24}$`)
	actorPattern = LazyPattern(`^[A-Za-z0-9][A-Za-z0-9:_-]{0,99}$`)
)

// Length limits of jobs' records, in characters.
const (
	maxMessage    = 4000
	maxNote       = 2000
	maxLink       = 500
	maxResumeName = 200
)

// ValidJobID reports whether id can name a job (a content file's base name).
func ValidJobID(id string) bool { return jobIDPattern.MatchString(id) }

// Normalized trims a job's text fields and puts its times in UTC; Closes
// becomes midnight UTC of its calendar day.
func (j Job) Normalized() Job {
	j.ID = strings.TrimSpace(j.ID)
	j.Title = strings.TrimSpace(j.Title)
	j.TitleEn = strings.TrimSpace(j.TitleEn)
	j.Department = strings.TrimSpace(j.Department)
	j.DepartmentEn = strings.TrimSpace(j.DepartmentEn)
	j.Location = strings.TrimSpace(j.Location)
	j.LocationEn = strings.TrimSpace(j.LocationEn)
	j.Contact = strings.TrimSpace(j.Contact)
	if !j.Closes.IsZero() {
		y, m, d := j.Closes.UTC().Date()
		j.Closes = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	j.SyncedAt = utc(j.SyncedAt)
	return j
}

// Validate checks a job as it would be stored.
func (j Job) Validate() error {
	var errs []error
	if !ValidJobID(j.ID) {
		errs = append(errs, invalid("id", codeFor(j.ID)))
	}
	errs = append(errs, validateText("title", j.Title, maxText, true)...)
	errs = append(errs, validateText("titleEn", j.TitleEn, maxText, false)...)
	switch j.EmploymentType {
	case EmploymentRehire, EmploymentContract, EmploymentSidework, EmploymentProject:
	default:
		errs = append(errs, invalid("employmentType", codeFor(string(j.EmploymentType))))
	}
	errs = append(errs, validateText("department", j.Department, maxText, true)...)
	errs = append(errs, validateText("departmentEn", j.DepartmentEn, maxText, false)...)
	errs = append(errs, validateText("location", j.Location, maxText, true)...)
	errs = append(errs, validateText("locationEn", j.LocationEn, maxText, false)...)
	if j.Visibility != VisibilityPublic && j.Visibility != VisibilityMembers {
		errs = append(errs, invalid("visibility", codeFor(j.Visibility)))
	}
	if j.Closes.IsZero() {
		errs = append(errs, invalid("closes", "required"))
	}
	if j.Contact != "" {
		for _, e := range validateEmail(j.Contact) {
			var ve *ValidationError
			if errors.As(e, &ve) {
				errs = append(errs, invalid("contact", ve.Code))
			}
		}
	}
	if j.SyncedAt.IsZero() {
		errs = append(errs, invalid("syncedAt", "required"))
	}
	return joinInvalid(errs)
}

// PrepareJob turns what a caller passes to PutJob into what is stored.
func PrepareJob(j Job, now time.Time) (Job, error) {
	j = j.Normalized()
	if j.SyncedAt.IsZero() {
		j.SyncedAt = utc(now)
	}
	if err := j.Validate(); err != nil {
		return Job{}, err
	}
	return j, nil
}

// Normalized trims an application's text and puts its times in UTC.
func (a Application) Normalized() Application {
	a.ID = strings.TrimSpace(a.ID)
	a.JobID = strings.TrimSpace(a.JobID)
	a.MemberID = strings.TrimSpace(a.MemberID)
	a.Message = strings.TrimSpace(a.Message)
	a.ResumeName = strings.TrimSpace(a.ResumeName)
	a.Link = strings.TrimSpace(a.Link)
	a.Phone = strings.TrimSpace(a.Phone)
	if len(a.History) > 0 {
		h := make([]StatusChange, len(a.History))
		for i, c := range a.History {
			c.At, c.Note = utc(c.At), strings.TrimSpace(c.Note)
			h[i] = c
		}
		a.History = h
	}
	a.CreatedAt, a.UpdatedAt, a.ErasedAt = utc(a.CreatedAt), utc(a.UpdatedAt), utc(a.ErasedAt)
	return a
}

// Validate checks an application as it would be stored.
func (a Application) Validate() error {
	var errs []error
	if !idPattern.MatchString(a.ID) {
		errs = append(errs, invalid("id", codeFor(a.ID)))
	}
	if !ValidJobID(a.JobID) {
		errs = append(errs, invalid("jobId", codeFor(a.JobID)))
	}
	if !a.Status.Valid() {
		errs = append(errs, invalid("status", codeFor(string(a.Status))))
	}
	if a.ErasedAt.IsZero() {
		if !idPattern.MatchString(a.MemberID) {
			errs = append(errs, invalid("memberId", codeFor(a.MemberID)))
		}
		errs = append(errs, validateLongText("message", a.Message, maxMessage, true)...)
		if !a.Contact.Valid() {
			errs = append(errs, invalid("contact", codeFor(string(a.Contact))))
		}
	} else if a.MemberID != "" || a.Message != "" || a.Resume != "" || a.ResumeName != "" || a.Link != "" || a.Phone != "" {
		errs = append(errs, invalid("erasedAt", "format")) // an erased application keeps nothing personal
	}
	if a.Resume != "" {
		errs = append(errs, validateKey("resume", a.Resume)...) // the blob store checks the key's shape
	}
	if (a.Resume == "") != (a.ResumeName == "") || a.ResumeSize < 0 || a.Resume == "" && a.ResumeSize != 0 {
		errs = append(errs, invalid("resume", "format"))
	}
	errs = append(errs, validateText("resumeName", a.ResumeName, maxResumeName, false)...)
	errs = append(errs, validateURL("link", a.Link)...)
	switch {
	case a.Contact == ContactPhone && a.Phone == "" && a.ErasedAt.IsZero():
		errs = append(errs, invalid("phone", "required"))
	case a.Phone != "" && !phonePattern.MatchString(a.Phone):
		errs = append(errs, invalid("phone", "format"))
	}
	if len(a.History) == 0 {
		errs = append(errs, invalid("history", "required"))
	}
	for _, c := range a.History {
		if err := c.validate(a.ErasedAt.IsZero()); err != nil {
			errs = append(errs, err)
			break
		}
	}
	if n := len(a.History); n > 0 && a.History[n-1].To != a.Status {
		errs = append(errs, invalid("history", "order"))
	}
	errs = append(errs, validateStamps(a.CreatedAt, a.UpdatedAt, a.Version)...)
	return joinInvalid(errs)
}

func (c StatusChange) validate(live bool) error {
	if c.At.IsZero() || !c.To.Valid() || c.From != "" && !c.From.Valid() {
		return invalid("history", "format")
	}
	if live && !actorPattern.MatchString(c.Actor) || !live && c.Actor != "" && !actorPattern.MatchString(c.Actor) {
		return invalid("history", "format")
	}
	if errs := validateLongText("history", c.Note, maxNote, false); errs != nil {
		return errs[0]
	}
	return nil
}

// PrepareApplication turns what a caller passes to Apply into what is
// stored: a new application, received at CreatedAt.
func PrepareApplication(a Application, now time.Time) (Application, error) {
	a = a.Normalized()
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = utc(now)
	}
	a.UpdatedAt = a.CreatedAt
	a.Status = ApplicationReceived
	a.History = []StatusChange{{At: a.CreatedAt, Actor: a.MemberID, To: ApplicationReceived}}
	a.ErasedAt = time.Time{}
	a.Version = 1
	if err := a.Validate(); err != nil {
		return Application{}, err
	}
	return a, nil
}

// ApplyMove is MoveApplication's rule, shared by the engines: it returns a
// with the change applied, or a *TransitionError, or ErrInvalid for a bad change.
func ApplyMove(a Application, c StatusChange) (Application, error) {
	c.At, c.Note, c.From = utc(c.At), strings.TrimSpace(c.Note), a.Status
	if !a.ErasedAt.IsZero() {
		return Application{}, ErrNotFound
	}
	if c.At.IsZero() {
		return Application{}, invalid("at", "required")
	}
	if !actorPattern.MatchString(c.Actor) {
		return Application{}, invalid("actor", codeFor(c.Actor))
	}
	if errs := validateLongText("note", c.Note, maxNote, false); errs != nil {
		return Application{}, errs[0]
	}
	if !c.To.Valid() {
		return Application{}, invalid("to", codeFor(string(c.To)))
	}
	// The same status again is a note, and needs one: without it, it is a
	// move that is not allowed (say, two HR members declining at once).
	if c.To == a.Status && c.Note == "" || c.To != a.Status && !CanMove(a.Status, c.To) {
		return Application{}, &TransitionError{From: a.Status, To: c.To}
	}
	h := make([]StatusChange, len(a.History), len(a.History)+1)
	copy(h, a.History)
	a.History = append(h, c)
	a.Status = c.To
	if c.At.After(a.UpdatedAt) {
		a.UpdatedAt = c.At
	}
	a.Version++
	return a, nil
}

// EraseApplication is the anonymous record an application leaves behind.
func EraseApplication(a Application, now time.Time) Application {
	a.MemberID, a.Message, a.Resume, a.ResumeName, a.ResumeSize, a.Link, a.Phone = "", "", "", "", 0, "", ""
	h := make([]StatusChange, len(a.History))
	for i, c := range a.History {
		c.Note = ""
		if !strings.HasPrefix(c.Actor, "hr:") && c.Actor != "system" {
			c.Actor = "" // the member themselves
		}
		h[i] = c
	}
	a.History = h
	a.ErasedAt, a.UpdatedAt = utc(now), utc(now)
	if a.UpdatedAt.Before(a.CreatedAt) {
		a.UpdatedAt = a.CreatedAt
	}
	a.Version++
	return a
}

// Normalized trims a referral's text and puts its times in UTC.
func (r Referral) Normalized() Referral {
	r.ID = strings.TrimSpace(r.ID)
	r.JobID = strings.TrimSpace(r.JobID)
	r.ReferrerID = strings.TrimSpace(r.ReferrerID)
	r.FriendName = strings.TrimSpace(r.FriendName)
	r.FriendEmail = strings.TrimSpace(r.FriendEmail)
	r.Relationship = strings.TrimSpace(r.Relationship)
	r.Note = strings.TrimSpace(r.Note)
	r.OutcomeNote = strings.TrimSpace(r.OutcomeNote)
	r.AnswerMessage = strings.TrimSpace(r.AnswerMessage)
	r.AnswerPhone = strings.TrimSpace(r.AnswerPhone)
	r.InvitedAt, r.CreatedAt, r.UpdatedAt, r.ErasedAt = utc(r.InvitedAt), utc(r.CreatedAt), utc(r.UpdatedAt), utc(r.ErasedAt)
	r.AnsweredAt = utc(r.AnsweredAt)
	return r
}

// FriendKey is the referral's natural key within its referrer: the job and
// the hash of the friend's normalized address.
func (r Referral) FriendKey() string { return r.JobID + "#" + EmailHash(r.FriendEmail) }

// Validate checks a referral as it would be stored.
func (r Referral) Validate() error {
	var errs []error
	if !idPattern.MatchString(r.ID) {
		errs = append(errs, invalid("id", codeFor(r.ID)))
	}
	if !ValidJobID(r.JobID) {
		errs = append(errs, invalid("jobId", codeFor(r.JobID)))
	}
	if r.ErasedAt.IsZero() {
		if !idPattern.MatchString(r.ReferrerID) {
			errs = append(errs, invalid("referrerId", codeFor(r.ReferrerID)))
		}
		errs = append(errs, validateText("friendName", r.FriendName, maxName, true)...)
		for _, e := range validateEmail(r.FriendEmail) {
			var ve *ValidationError
			if errors.As(e, &ve) {
				errs = append(errs, invalid("friendEmail", ve.Code))
			}
		}
		found := false
		for _, v := range Relationships {
			found = found || r.Relationship == v
		}
		if !found {
			errs = append(errs, invalid("relationship", codeFor(r.Relationship)))
		}
	} else if r.ReferrerID != "" || r.FriendName != "" || r.FriendEmail != "" || r.Note != "" || r.OutcomeNote != "" || r.Relationship != "" ||
		r.AnswerMessage != "" || r.AnswerPhone != "" {
		errs = append(errs, invalid("erasedAt", "format"))
	}
	if r.Answer != "" && !r.Answer.Valid() {
		errs = append(errs, invalid("answer", codeFor(string(r.Answer))))
	}
	if r.Answer == "" && (r.AnswerMessage != "" || r.AnswerPhone != "" || !r.AnsweredAt.IsZero()) {
		errs = append(errs, invalid("answer", "required"))
	}
	errs = append(errs, validateLongText("answerMessage", r.AnswerMessage, maxNote, false)...)
	if r.AnswerPhone != "" && !phonePattern.MatchString(r.AnswerPhone) {
		errs = append(errs, invalid("answerPhone", "format"))
	}
	errs = append(errs, validateLongText("note", r.Note, maxNote, false)...)
	errs = append(errs, validateLongText("outcomeNote", r.OutcomeNote, maxNote, false)...)
	if !r.Outcome.Valid() {
		errs = append(errs, invalid("outcome", codeFor(string(r.Outcome))))
	}
	errs = append(errs, validateStamps(r.CreatedAt, r.UpdatedAt, r.Version)...)
	return joinInvalid(errs)
}

// PrepareReferral turns what a caller passes to Refer into what is stored.
func PrepareReferral(r Referral, now time.Time) (Referral, error) {
	r = r.Normalized()
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = utc(now)
	}
	r.UpdatedAt = r.CreatedAt
	r.Outcome = ReferralReferred
	r.ErasedAt = time.Time{}
	r.Version = 1
	if err := r.Validate(); err != nil {
		return Referral{}, err
	}
	return r, nil
}

// ApplyReferralUpdate turns the result of an UpdateReferral callback into
// what is stored: only the fields HR, the mailer and the friend's answer
// change are taken from updated.
func ApplyReferralUpdate(old, updated Referral, now time.Time) (Referral, error) {
	if !old.ErasedAt.IsZero() {
		return Referral{}, ErrNotFound
	}
	updated = updated.Normalized()
	next := old
	next.Outcome, next.OutcomeNote, next.InvitedAt, next.Suppressed = updated.Outcome, updated.OutcomeNote, updated.InvitedAt, updated.Suppressed
	next.Answer, next.AnswerMessage, next.AnswerPhone, next.AnsweredAt = updated.Answer, updated.AnswerMessage, updated.AnswerPhone, updated.AnsweredAt
	next.Version = old.Version + 1
	next.UpdatedAt = utc(now)
	if next.UpdatedAt.Before(next.CreatedAt) {
		next.UpdatedAt = next.CreatedAt
	}
	if err := next.Validate(); err != nil {
		return Referral{}, err
	}
	return next, nil
}

// EraseReferral is the anonymous record a referral leaves behind.
func EraseReferral(r Referral, now time.Time) Referral {
	r.ReferrerID, r.FriendName, r.FriendEmail, r.Relationship, r.Note, r.OutcomeNote = "", "", "", "", "", ""
	r.AnswerMessage, r.AnswerPhone = "", "" // the answer itself (apply, talk) is kept: an anonymous figure
	r.ErasedAt, r.UpdatedAt = utc(now), utc(now)
	if r.UpdatedAt.Before(r.CreatedAt) {
		r.UpdatedAt = r.CreatedAt
	}
	r.Version++
	return r
}

// validateLongText is validateText for multi-line text: line breaks and tabs
// are allowed, other control characters are not.
func validateLongText(field, s string, max int, required bool) []error {
	return checkText(field, s, max, required, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' })
}

// validateURL accepts an empty string or an absolute http(s) URL.
func validateURL(field, s string) []error {
	if s == "" {
		return nil
	}
	if len(s) > maxLink {
		return []error{invalid(field, "too_long")}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(s, " \t\r\n") {
		return []error{invalid(field, "format")}
	}
	return nil
}
