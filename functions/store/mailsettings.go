package store

import (
	"context"
	"slices"
	"time"
)

// The lifecycle mails, each sent at most once per member (Member.Lifecycle
// holds the claims) and each switchable by HR (MailSettings).
const (
	LifecycleWelcome = "welcome" // after approval: a one-click login and three next steps
	LifecycleNudge   = "nudge"   // 7 days after approval, to a member whose profile is empty
	LifecycleYearly  = "yearly"  // on each anniversary of approval: is this still right?
)

// LifecycleMails lists the lifecycle mails in the order HR's console shows them.
var LifecycleMails = []string{LifecycleWelcome, LifecycleNudge, LifecycleYearly}

// MailSwitches keeps HR's switches for the lifecycle mails: one record
// (exported and imported, since it is HR's choice), read with one
// consistent Get.
type MailSwitches interface {
	// GetMailSettings returns the settings last put, or the zero
	// MailSettings (every mail on) when none were.
	GetMailSettings(ctx context.Context) (MailSettings, error)
	// PutMailSettings replaces the settings. ErrInvalid names an unknown
	// mail; nothing is written then. A zero UpdatedAt is set to now.
	PutMailSettings(ctx context.Context, s MailSettings) error
}

// MailSettings is which lifecycle mails HR switched off: every mail not
// listed is on, so a portal that never saved them sends them all.
type MailSettings struct {
	Off       []string  `json:"off,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// On reports whether the lifecycle mail is switched on.
func (s MailSettings) On(mail string) bool { return !slices.Contains(s.Off, mail) }

// Validate checks that Off names only lifecycle mails, each once.
func (s MailSettings) Validate() error {
	for i, m := range s.Off {
		if !slices.Contains(LifecycleMails, m) || slices.Contains(s.Off[:i], m) {
			return invalid("off", "unknown")
		}
	}
	return nil
}

// RecordMailSettings is the mail settings in an export.
const RecordMailSettings RecordType = "mail-settings"
