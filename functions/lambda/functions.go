package lambda

import (
	"slices"
	"strings"
)

// Function is one Lambda of the AWS deployment. This table is the one place
// that says which function serves which paths and what its role may touch:
// each functions/cmd/<Name>/main.go serves only its own paths (Handler), and
// the tests in infra/ check template.yaml against it (routes, schedules,
// permissions). Adding a function is one entry here, its main, and its
// resource in template.yaml, which the tests then demand.
type Function struct {
	// Name is the folder of its main under functions/cmd and the zip in dist/.
	Name string
	// Paths are path prefixes on a segment boundary: "/api/jobs" owns
	// /api/jobs and everything under /api/jobs/. The longest prefix wins,
	// as API Gateway picks the longest greedy route.
	Paths []string
	// Table is what the function may do to the DynamoDB table.
	Table Access
	// Resumes is what it may do to résumés in the S3 bucket.
	Resumes Access
	// Secrets are the SecureString parameters it reads at start (their
	// names under /okaeri/<stage>/).
	Secrets []string
	// Jobs are started by schedules rather than by requests.
	Jobs []Job
	// Invokes are the functions it calls through Lambda's Invoke API; its
	// role may invoke exactly those (none does today).
	Invokes []string
	// Stream names the job the table's DynamoDB stream starts: Lambda
	// invokes the function with new mail queue items' keys (KEYS_ONLY, and
	// filtered to INSERTs of PK = MAILQ in template.yaml).
	Stream string
}

// Access is a level of permission on a resource.
type Access string

// Access levels.
const (
	NoAccess  Access = ""
	ReadWrite Access = "read-write"
	// DeleteOnly lets a function erase what another one wrote: the
	// accounts function deletes a member's résumés on erasure.
	DeleteOnly Access = "delete-only"
)

// Secret parameter names under /okaeri/<stage>/.
const (
	SecretSessionKeys    = "session-keys"
	SecretSendGridAPIKey = "sendgrid-api-key"
	SecretCloudFrontKey  = "cloudfront-private-key"
	// SecretCMSGitHubClientSecret is the client secret of the GitHub OAuth
	// app HR logs in to Decap CMS with (functions/cms).
	SecretCMSGitHubClientSecret = "cms-github-client-secret"
)

// Job is work that a schedule starts: EventBridge Scheduler invokes the
// function with {"job": Name} on Schedule (a Scheduler expression).
type Job struct {
	Name     string
	Schedule string
}

// Functions is every Lambda, in the order the template lists them.
var Functions = []Function{
	{
		Name:  "prefs",
		Paths: []string{"/api/preferences"},
	},
	{
		// Registration, login, the member's data, preferences and
		// erasure, HR's console. Profiles are the directory's.
		Name: "account",
		Paths: []string{
			"/api/register", "/api/login", "/api/logout", "/api/me",
			"/api/hr/registrations", "/api/hr/members", "/api/hr/admins", "/api/hr/mails",
			"/members/preferences", "/en/members/preferences",
			"/hr", "/hr/registrations", "/hr/admins", "/hr/mails", // "/hr": HR's home, /hr/
		},
		Table:   ReadWrite,
		Resumes: DeleteOnly,
		Secrets: []string{SecretSessionKeys, SecretSendGridAPIKey, SecretCloudFrontKey},
		// The lifecycle mails due (profile nudge, yearly check): due by
		// the day, each claimed on the member, so hourly is plenty.
		Jobs: []Job{{Name: JobLifecycle, Schedule: "rate(1 hour)"}},
	},
	{
		// Profiles and the directory: a member's bio is rendered when
		// the profile is saved (goldmark, linked by this function only)
		// and shown as stored.
		Name: "directory",
		Paths: []string{"/api/me/profile", "/members/profile", "/en/members/profile",
			"/api/directory", "/members/directory", "/en/members/directory"},
		Table:   ReadWrite, // contact requests are rate-limited and audited
		Secrets: []string{SecretSessionKeys, SecretSendGridAPIKey},
	},
	{
		Name: "job",
		Paths: []string{
			"/api/jobs", "/api/me/applications", "/api/referrals", "/api/hr/applications", "/api/hr/referrals",
			"/members/me/applications", "/en/members/me/applications",
			"/hr/jobs", "/hr/applications", "/hr/applications.csv", "/hr/referrals", "/hr/referrals.csv",
		},
		Table:   ReadWrite,
		Resumes: ReadWrite,
		Secrets: []string{SecretSessionKeys, SecretSendGridAPIKey},
	},
	{
		Name: "event",
		// /members/events/ itself is the member's events page; the pages
		// below it are Hugo's (CloudFront sends only the folder page here).
		Paths:   []string{"/api/events", "/api/hr/events", "/hr/events", "/members/events", "/en/members/events"},
		Table:   ReadWrite,
		Secrets: []string{SecretSessionKeys, SecretSendGridAPIKey},
		// Offers that lapsed go to the next in line; reminders ~24 h ahead.
		Jobs: []Job{{Name: JobEventsRemind, Schedule: "rate(15 minutes)"}},
	},
	{
		Name:    "newsletter",
		Paths:   []string{"/api/unsubscribe", "/api/webhooks/sendgrid", "/api/hr/newsletters", "/hr/newsletters"},
		Table:   ReadWrite,
		Secrets: []string{SecretSessionKeys, SecretSendGridAPIKey},
		// Scheduled sends whose time has come, and sends HR started or an
		// earlier run could not finish.
		Jobs: []Job{{Name: JobNewslettersDue, Schedule: "rate(5 minutes)"}},
	},
	{
		// HR's Decap CMS: the /admin/ page and its configuration, and the
		// GitHub OAuth exchange that gives HR's browser a token for the
		// repository (/api/cms/auth, /api/cms/callback). It sends no mail.
		Name:    "cms",
		Paths:   []string{"/admin", "/api/cms"},
		Table:   ReadWrite, // sessions, and each login's state as a one-time token
		Secrets: []string{SecretSessionKeys, SecretCMSGitHubClientSecret},
	},
	{
		// Sends the mail the other functions queued after answering, and
		// runs the work register and login leave for after their answer
		// (looking the address up, a token, the mail: account.Tasks), so
		// it reads and writes members and tokens as the accounts function
		// does. Started by the table's stream on each new queue item, so
		// within about a second, and every 5 minutes for retries. No route.
		Name:    "mailer",
		Table:   ReadWrite,
		Secrets: []string{SecretSendGridAPIKey},
		Jobs:    []Job{{Name: JobMailDrain, Schedule: "rate(5 minutes)"}},
		Stream:  JobMailDrain,
	},
}

// Scheduled jobs.
const (
	JobEventsRemind   = "events-remind"
	JobNewslettersDue = "newsletters-due"
	JobMailDrain      = "mail-drain"
	JobLifecycle      = "lifecycle"
)

// Lookup returns the function named name.
func Lookup(name string) (Function, bool) {
	i := slices.IndexFunc(Functions, func(f Function) bool { return f.Name == name })
	if i < 0 {
		return Function{}, false
	}
	return Functions[i], true
}

// Owner returns the function that serves path: the one with the longest
// prefix that matches it.
func Owner(path string) (Function, bool) {
	best, bestLen := -1, -1
	for i, f := range Functions {
		for _, p := range f.Paths {
			if (path == p || strings.HasPrefix(path, p+"/")) && len(p) > bestLen {
				best, bestLen = i, len(p)
			}
		}
	}
	if best < 0 {
		return Function{}, false
	}
	return Functions[best], true
}

// PatternPath is the path of a ServeMux pattern ("GET /api/me" -> "/api/me").
func PatternPath(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimSpace(p)
	}
	return pattern
}
