// Package config reads Okaeri's configuration from environment variables
// (Lambda-friendly). Every variable is listed in Vars with its default, and
// the README's table is checked against that list by a test.
package config

import (
	"fmt"
	"net/mail"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
)

// Var documents one environment variable.
type Var struct {
	Name    string
	Default string
	Doc     string
}

// Vars is every variable Okaeri reads.
var Vars = []Var{
	{"OKAERI_BASE_URL", "http://localhost:8080", "Public origin of the portal, used in links in emails."},
	{"OKAERI_STORE", "bolt:<data>/okaeri.db", "Store engine: bolt:PATH or dynamo:TABLE."},
	{"AWS_REGION", "ap-northeast-1", "AWS region for the dynamo store."},
	{"OKAERI_DYNAMODB_ENDPOINT", "", "DynamoDB endpoint override, e.g. DynamoDB Local at http://127.0.0.1:8000."},
	{"OKAERI_MAIL", "outbox", "Mail engine: outbox (.eml files in <data>/outbox) or sendgrid."},
	{"OKAERI_MAIL_FROM", "alumni@example.co.jp", "Sender address of every email."},
	{"OKAERI_MAIL_FROM_NAME", "", "Sender display name in every language, overriding the company's; empty: the company's sender name in the reader's language (`ひかりテック アルムナイ事務局`, `Hikari Tech Alumni Office`)."},
	{"SENDGRID_API_KEY", "", "SendGrid API key with Mail Send permission (required when OKAERI_MAIL=sendgrid; on AWS read from SSM Parameter Store)."},
	{"OKAERI_SENDGRID_URL", "https://api.sendgrid.com", "SendGrid API base URL (tests and staging point elsewhere; https://api.eu.sendgrid.com for EU data residency)."},
	{"OKAERI_SENDGRID_WEBHOOK_KEY", "", "SendGrid Event Webhook verification key (base64 DER ECDSA public key); empty: the webhook refuses every event."},
	{"OKAERI_NEWSLETTER_CONCURRENCY", "4", "Newsletter requests to the mail service in flight at once (1 to 32)."},
	{"OKAERI_LOG_LEVEL", "info", "debug, info, warn or error."},
	{"OKAERI_ADMINS", "", "Comma-separated emails of HR's first administrators: the registration that verifies one of these very addresses is approved and granted HR's role (a record; later grants with okaeri admin or /hr/admins). They also get HR's notices. An address change never grants anything."},
	{"OKAERI_APPROVAL", "roster", "roster (approve when the leaver roster matches, else HR decides), manual or open."},
	{"OKAERI_DECISION_MAIL_DELAY", "10m", "How long the mail of HR's review decision waits, so that HR can undo the decision first (0s: at once; at most 10m, the undo window)."},
	{"OKAERI_MIN_TENURE_MONTHS", "0", "Roster approval: minimum months between joined and left."},
	{"OKAERI_EXCLUDED_DEPARTMENTS", "", "Roster approval: comma-separated departments never approved automatically."},
	{"OKAERI_PRIVACY_VERSION", "2026-04-01", "Version of the privacy policy a registration must accept."},
	{"OKAERI_SESSION_KEYS", "", "Session cookie keys, newest first: id:base64secret,... (empty: a key kept in <data>/session.key)."},
	{"OKAERI_CLOUDFRONT_KEY_ID", "", "ID of the CloudFront public key whose private key signs the members' cookies (AWS only; empty: no signed cookies)."},
	{"OKAERI_CLOUDFRONT_PRIVATE_KEY", "", "PEM RSA private key that signs CloudFront cookies for /members/* (on AWS read from SSM Parameter Store)."},
	{"OKAERI_LIMIT_REGISTER_ADDRESS", "3/1h", "Registrations per address per window."},
	{"OKAERI_LIMIT_REGISTER_CLIENT", "20/1h", "Registrations per client (IP) per window."},
	{"OKAERI_LIMIT_LOGIN_ADDRESS", "5/15m", "Login links per address per window."},
	{"OKAERI_LIMIT_LOGIN_CLIENT", "30/15m", "Login requests per client (IP) per window."},
	{"OKAERI_BLOBS", "dir:<data>/blobs", "Where résumés are kept: dir:PATH (files) or s3:BUCKET[/PREFIX] (S3 objects)."},
	{"OKAERI_LIMIT_REFERRALS", "20/24h", "Friends one member may refer per window."},
	{"OKAERI_OFFER_HOURS", "24", "Hours a freed event seat is held for the first person on the waitlist before it goes to the next."},
	{"OKAERI_TRUSTED_PROXIES", "", "Comma-separated CIDR ranges of the proxies in front of the portal whose X-Forwarded-For is believed (right-most untrusted entry); empty: the connection's address is the client."},
	{"OKAERI_CMS_GITHUB_REPO", "", "The repository (owner/name) HR's Decap CMS commits content to on AWS, each change a pull request; empty: no GitHub backend."},
	{"OKAERI_CMS_GITHUB_BRANCH", "main", "The branch the CMS's pull requests go to (the one that deploys)."},
	{"OKAERI_CMS_GITHUB_CLIENT_ID", "", "Client ID of the GitHub OAuth app HR logs in to the CMS with; empty: /api/cms/auth says the CMS is not set up."},
	{"OKAERI_CMS_GITHUB_CLIENT_SECRET", "", "That OAuth app's client secret (required with a client ID; on AWS read from SSM Parameter Store)."},
	{"OKAERI_CMS_GITHUB_SCOPE", "repo", "The OAuth scope HR's token gets: repo (a private repository) or public_repo (a public one)."},
}

// Config is the parsed configuration.
type Config struct {
	BaseURL          string
	Store            string
	AWSRegion        string
	DynamoDBEndpoint string
	Mail             string
	MailFrom         string
	MailFromName     string
	LogLevel         string

	Admins                                                                         []string
	Approval                                                                       string
	MinTenureMonths                                                                int
	ExcludedDepartments                                                            []string
	PrivacyVersion                                                                 string
	SessionKeys                                                                    string
	LimitRegisterAddress, LimitRegisterClient, LimitLoginAddress, LimitLoginClient Limit

	// SendGrid and newsletters.
	SendGridAPIKey, SendGridURL, SendGridWebhookKey string
	NewsletterConcurrency                           int

	// CloudFront signed cookies for the members' pages (both empty locally).
	CloudFrontKeyID, CloudFrontPrivateKey string

	// TrustedProxies are the proxies whose X-Forwarded-For names the client
	// (OKAERI_TRUSTED_PROXIES; httpapi.ClientIP).
	TrustedProxies []netip.Prefix

	Blobs          string // OKAERI_BLOBS, with <data> filled in
	LimitReferrals Limit
	OfferHours     int // OKAERI_OFFER_HOURS
	// DecisionMailDelay is OKAERI_DECISION_MAIL_DELAY.
	DecisionMailDelay time.Duration

	// HR's Decap CMS on GitHub (AWS): the repository and branch it
	// commits to, and the OAuth app HR logs in with (functions/cms).
	CMSGitHubRepo, CMSGitHubBranch                           string
	CMSGitHubClientID, CMSGitHubClientSecret, CMSGitHubScope string
}

// isGitHubRepo reports whether s is owner/name as GitHub spells them: an
// owner of letters, digits and inner hyphens (at most 39), a name of
// letters, digits, '.', '_' and '-' (at most 100).
func isGitHubRepo(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || owner == "" || len(owner) > 39 || name == "" || len(name) > 100 || name == "." || name == ".." ||
		strings.HasPrefix(owner, "-") || strings.HasSuffix(owner, "-") {
		return false
	}
	for _, part := range []struct {
		s, extra string
	}{{owner, "-"}, {name, "._-"}} {
		for _, r := range part.s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(part.extra, r)) {
				return false
			}
		}
	}
	return true
}

// Limit is "N/duration", e.g. 5/15m.
type Limit struct {
	Count  int
	Window time.Duration
}

func parseLimit(s string) (Limit, error) {
	n, w, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("%q is not N/duration", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 {
		return Limit{}, fmt.Errorf("%q: count must be a positive integer", s)
	}
	d, err := time.ParseDuration(strings.TrimSpace(w))
	if err != nil || d < time.Second {
		return Limit{}, fmt.Errorf("%q: window must be a duration like 15m or 1h", s)
	}
	return Limit{count, d}, nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Load reads the configuration; dataDir fills the store default.
func Load(getenv func(string) string, dataDir string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, v := range Vars {
			if v.Name == name {
				return v.Default
			}
		}
		return ""
	}
	c := Config{
		BaseURL:          strings.TrimRight(get("OKAERI_BASE_URL"), "/"),
		Store:            get("OKAERI_STORE"),
		AWSRegion:        get("AWS_REGION"),
		DynamoDBEndpoint: get("OKAERI_DYNAMODB_ENDPOINT"),
		Mail:             get("OKAERI_MAIL"),
		MailFrom:         get("OKAERI_MAIL_FROM"),
		MailFromName:     get("OKAERI_MAIL_FROM_NAME"),
		LogLevel:         get("OKAERI_LOG_LEVEL"),
	}
	for _, a := range splitComma(get("OKAERI_ADMINS")) {
		c.Admins = append(c.Admins, strings.ToLower(a))
	}
	c.Approval = get("OKAERI_APPROVAL")
	c.ExcludedDepartments = splitComma(get("OKAERI_EXCLUDED_DEPARTMENTS"))
	c.PrivacyVersion = get("OKAERI_PRIVACY_VERSION")
	c.SessionKeys = get("OKAERI_SESSION_KEYS")
	c.CloudFrontKeyID, c.CloudFrontPrivateKey = get("OKAERI_CLOUDFRONT_KEY_ID"), get("OKAERI_CLOUDFRONT_PRIVATE_KEY")
	var errs []string
	if p, err := httpapi.ParseProxies(get("OKAERI_TRUSTED_PROXIES")); err != nil {
		errs = append(errs, "OKAERI_TRUSTED_PROXIES: "+err.Error())
	} else {
		c.TrustedProxies = p
	}
	c.SendGridAPIKey, c.SendGridURL = get("SENDGRID_API_KEY"), strings.TrimRight(get("OKAERI_SENDGRID_URL"), "/")
	c.SendGridWebhookKey = get("OKAERI_SENDGRID_WEBHOOK_KEY")
	if c.Mail == "sendgrid" && c.SendGridAPIKey == "" {
		errs = append(errs, "SENDGRID_API_KEY is required when OKAERI_MAIL=sendgrid")
	}
	if !strings.HasPrefix(c.SendGridURL, "https://") && !strings.HasPrefix(c.SendGridURL, "http://") {
		errs = append(errs, "OKAERI_SENDGRID_URL must start with https:// or http://")
	}
	if n, err := strconv.Atoi(get("OKAERI_NEWSLETTER_CONCURRENCY")); err != nil || n < 1 || n > 32 {
		errs = append(errs, "OKAERI_NEWSLETTER_CONCURRENCY must be a whole number from 1 to 32")
	} else {
		c.NewsletterConcurrency = n
	}
	c.Blobs = strings.Replace(get("OKAERI_BLOBS"), "<data>", dataDir, 1)
	if !strings.HasPrefix(c.Blobs, "dir:") && !strings.HasPrefix(c.Blobs, "s3:") {
		errs = append(errs, "OKAERI_BLOBS must be dir:PATH or s3:BUCKET")
	}
	if l, err := parseLimit(get("OKAERI_LIMIT_REFERRALS")); err != nil {
		errs = append(errs, "OKAERI_LIMIT_REFERRALS: "+err.Error())
	} else {
		c.LimitReferrals = l
	}
	if n, err := strconv.Atoi(get("OKAERI_OFFER_HOURS")); err != nil || n < 1 || n > 24*30 {
		errs = append(errs, "OKAERI_OFFER_HOURS must be a whole number of hours from 1 to 720")
	} else {
		c.OfferHours = n
	}
	if d, err := time.ParseDuration(get("OKAERI_DECISION_MAIL_DELAY")); err != nil || d < 0 || d > 10*time.Minute {
		errs = append(errs, "OKAERI_DECISION_MAIL_DELAY must be a duration from 0s to 10m")
	} else {
		c.DecisionMailDelay = d
	}
	if n, err := strconv.Atoi(get("OKAERI_MIN_TENURE_MONTHS")); err != nil || n < 0 {
		errs = append(errs, "OKAERI_MIN_TENURE_MONTHS must be a whole number of months")
	} else {
		c.MinTenureMonths = n
	}
	for name, dst := range map[string]*Limit{
		"OKAERI_LIMIT_REGISTER_ADDRESS": &c.LimitRegisterAddress, "OKAERI_LIMIT_REGISTER_CLIENT": &c.LimitRegisterClient,
		"OKAERI_LIMIT_LOGIN_ADDRESS": &c.LimitLoginAddress, "OKAERI_LIMIT_LOGIN_CLIENT": &c.LimitLoginClient,
	} {
		l, err := parseLimit(get(name))
		if err != nil {
			errs = append(errs, name+": "+err.Error())
		}
		*dst = l
	}
	c.CMSGitHubRepo, c.CMSGitHubBranch = get("OKAERI_CMS_GITHUB_REPO"), get("OKAERI_CMS_GITHUB_BRANCH")
	c.CMSGitHubClientID, c.CMSGitHubClientSecret = get("OKAERI_CMS_GITHUB_CLIENT_ID"), get("OKAERI_CMS_GITHUB_CLIENT_SECRET")
	c.CMSGitHubScope = get("OKAERI_CMS_GITHUB_SCOPE")
	if c.CMSGitHubRepo != "" && !isGitHubRepo(c.CMSGitHubRepo) {
		errs = append(errs, "OKAERI_CMS_GITHUB_REPO must be owner/name")
	}
	if strings.ContainsAny(c.CMSGitHubBranch, " ~^:?*[\\") || strings.HasPrefix(c.CMSGitHubBranch, "-") {
		errs = append(errs, "OKAERI_CMS_GITHUB_BRANCH is not a branch name")
	}
	if c.CMSGitHubClientID != "" && c.CMSGitHubClientSecret == "" {
		errs = append(errs, "OKAERI_CMS_GITHUB_CLIENT_SECRET is required when OKAERI_CMS_GITHUB_CLIENT_ID is set")
	}
	if c.CMSGitHubScope != "repo" && c.CMSGitHubScope != "public_repo" {
		errs = append(errs, "OKAERI_CMS_GITHUB_SCOPE must be repo or public_repo")
	}
	switch c.Approval {
	case "roster", "manual", "open":
	default:
		errs = append(errs, "OKAERI_APPROVAL must be roster, manual or open")
	}
	for _, a := range c.Admins {
		if _, err := mail.ParseAddress(a); err != nil {
			errs = append(errs, "OKAERI_ADMINS holds something that is not an email address")
			break
		}
	}
	if c.Store == "bolt:<data>/okaeri.db" {
		c.Store = "bolt:" + dataDir + "/okaeri.db"
	}
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		errs = append(errs, "OKAERI_BASE_URL must start with http:// or https://")
	}
	if !strings.HasPrefix(c.Store, "bolt:") && !strings.HasPrefix(c.Store, "dynamo:") {
		errs = append(errs, "OKAERI_STORE must be bolt:PATH or dynamo:TABLE")
	}
	if c.Mail != "outbox" && c.Mail != "sendgrid" {
		errs = append(errs, "OKAERI_MAIL must be outbox or sendgrid")
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		errs = append(errs, "OKAERI_MAIL_FROM is not an email address")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, "OKAERI_LOG_LEVEL must be debug, info, warn or error")
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
