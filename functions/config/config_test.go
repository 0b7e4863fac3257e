package config

import (
	"os"
	"strings"
	"testing"
)

// The README's table is the operators' documentation: it must list every
// variable with the default the code really uses.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars {
		def := "(empty)"
		if v.Default != "" {
			def = "`" + v.Default + "`"
		}
		row := "| `" + v.Name + "` | " + def + " |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README lacks the row %q", row)
		}
	}
}

func TestLoadDefaultsAndErrors(t *testing.T) {
	c, err := Load(func(string) string { return "" }, "/data")
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "bolt:/data/okaeri.db" || c.Mail != "outbox" || c.BaseURL != "http://localhost:8080" {
		t.Errorf("defaults: %+v", c)
	}
	bad := map[string]string{"OKAERI_STORE": "redis:x", "OKAERI_MAIL": "smtp", "OKAERI_BASE_URL": "localhost", "OKAERI_MAIL_FROM": "nope"}
	_, err = Load(func(k string) string { return bad[k] }, "/data")
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for k := range bad {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error does not name %s: %v", k, err)
		}
	}
}

func TestSendGridSettings(t *testing.T) {
	env := map[string]string{"OKAERI_MAIL": "sendgrid"}
	_, err := Load(func(k string) string { return env[k] }, "/data")
	if err == nil || !strings.Contains(err.Error(), "SENDGRID_API_KEY") {
		t.Fatalf("sendgrid without a key: %v", err)
	}
	env = map[string]string{"OKAERI_MAIL": "sendgrid", "SENDGRID_API_KEY": "SG.x", "OKAERI_SENDGRID_URL": "http://127.0.0.1:9999/", "OKAERI_NEWSLETTER_CONCURRENCY": "8"}
	c, err := Load(func(k string) string { return env[k] }, "/data")
	if err != nil {
		t.Fatal(err)
	}
	if c.SendGridAPIKey != "SG.x" || c.SendGridURL != "http://127.0.0.1:9999" || c.NewsletterConcurrency != 8 {
		t.Fatalf("%+v", c)
	}
	c, _ = Load(func(string) string { return "" }, "/data")
	if c.SendGridURL != "https://api.sendgrid.com" || c.NewsletterConcurrency != 4 {
		t.Fatalf("defaults: %q %d", c.SendGridURL, c.NewsletterConcurrency)
	}
	for _, bad := range []map[string]string{{"OKAERI_SENDGRID_URL": "api.sendgrid.com"}, {"OKAERI_NEWSLETTER_CONCURRENCY": "0"}, {"OKAERI_NEWSLETTER_CONCURRENCY": "many"}} {
		if _, err := Load(func(k string) string { return bad[k] }, "/data"); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(func(string) string { return "" }, "/data")
	if err != nil || c.TrustedProxies != nil {
		t.Fatalf("default must trust no proxy: %v %v", c.TrustedProxies, err)
	}
	env := map[string]string{"OKAERI_TRUSTED_PROXIES": "130.176.0.0/16, 2600:9000::/28"}
	c, err = Load(func(k string) string { return env[k] }, "/data")
	if err != nil || len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "2600:9000::/28" {
		t.Fatalf("%v %v", c.TrustedProxies, err)
	}
	env["OKAERI_TRUSTED_PROXIES"] = "130.176.0.0/16,130.176.0.0/99"
	if _, err := Load(func(k string) string { return env[k] }, "/data"); err == nil ||
		!strings.Contains(err.Error(), "OKAERI_TRUSTED_PROXIES") || !strings.Contains(err.Error(), "130.176.0.0/99") {
		t.Errorf("a bad range must be named: %v", err)
	}
}

func TestCMSGitHubSettings(t *testing.T) {
	c, err := Load(func(string) string { return "" }, "/data")
	if err != nil {
		t.Fatal(err)
	}
	if c.CMSGitHubRepo != "" || c.CMSGitHubBranch != "main" || c.CMSGitHubScope != "repo" {
		t.Errorf("defaults: repo %q, branch %q, scope %q", c.CMSGitHubRepo, c.CMSGitHubBranch, c.CMSGitHubScope)
	}
	env := map[string]string{"OKAERI_CMS_GITHUB_REPO": "hikari-tech/alumni-portal", "OKAERI_CMS_GITHUB_BRANCH": "content",
		"OKAERI_CMS_GITHUB_CLIENT_ID": "Ov23liExample", "OKAERI_CMS_GITHUB_CLIENT_SECRET": "s3cret", "OKAERI_CMS_GITHUB_SCOPE": "public_repo"}
	c, err = Load(func(k string) string { return env[k] }, "/data")
	if err != nil {
		t.Fatal(err)
	}
	if c.CMSGitHubRepo != "hikari-tech/alumni-portal" || c.CMSGitHubBranch != "content" || c.CMSGitHubClientID != "Ov23liExample" ||
		c.CMSGitHubClientSecret != "s3cret" || c.CMSGitHubScope != "public_repo" {
		t.Errorf("%+v", c)
	}
	for name, env := range map[string]map[string]string{
		"OKAERI_CMS_GITHUB_REPO":          {"OKAERI_CMS_GITHUB_REPO": "https://github.com/hikari-tech/alumni-portal"},
		"OKAERI_CMS_GITHUB_REPO ":         {"OKAERI_CMS_GITHUB_REPO": "-owner/name"},
		"OKAERI_CMS_GITHUB_REPO  ":        {"OKAERI_CMS_GITHUB_REPO": "owner/na me"},
		"OKAERI_CMS_GITHUB_BRANCH":        {"OKAERI_CMS_GITHUB_BRANCH": "main branch"},
		"OKAERI_CMS_GITHUB_CLIENT_SECRET": {"OKAERI_CMS_GITHUB_CLIENT_ID": "Ov23liExample"},
		"OKAERI_CMS_GITHUB_SCOPE":         {"OKAERI_CMS_GITHUB_SCOPE": "admin:org"},
	} {
		_, err := Load(func(k string) string { return env[k] }, "/data")
		if err == nil || !strings.Contains(err.Error(), strings.TrimSpace(name)) {
			t.Errorf("%v: %v", env, err)
		}
	}
	for _, ok := range []string{"a/b", "hikari-tech/alumni.portal_2", "A1-b/.github"} {
		if !isGitHubRepo(ok) {
			t.Errorf("%s refused", ok)
		}
	}
	for _, bad := range []string{"", "a", "a/", "/b", "a/b/c", "a-/b", "a/..", "ａ/b"} {
		if isGitHubRepo(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
