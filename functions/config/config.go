// Package config reads Okaeri's configuration from environment variables
// (Lambda-friendly). Every variable is listed in Vars with its default, and
// the README's table is checked against that list by a test.
package config

import (
	"fmt"
	"net/mail"
	"strings"
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
	{"OKAERI_MAIL_FROM_NAME", "アルムナイ事務局", "Sender display name."},
	{"OKAERI_LOG_LEVEL", "info", "debug, info, warn or error."},
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
	if c.Store == "bolt:<data>/okaeri.db" {
		c.Store = "bolt:" + dataDir + "/okaeri.db"
	}
	var errs []string
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
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
