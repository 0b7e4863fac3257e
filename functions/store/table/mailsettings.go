package table

import (
	"context"
	"errors"
	"fmt"

	"github.com/okaeri/okaeri/functions/store"
)

// The mail settings are one item, PK = SETTINGS, SK = MAILS, replaced whole.
const (
	pkSettings    = "SETTINGS"
	skMailSetting = "MAILS"
)

func init() {
	recordOf(string(store.RecordMailSettings), decodeMailSettings, func(ms *store.MailSettings) store.Record { return store.Record{MailSettings: ms} },
		func(s *Store, ctx context.Context, r store.Record) error {
			return s.put(ctx, mailSettingsItem(*r.MailSettings))
		})
}

func mailSettingsItem(ms store.MailSettings) item {
	it := with(key(pkSettings, skMailSetting), item{
		"type":       str(string(store.RecordMailSettings)),
		"updated_at": timeAttr(ms.UpdatedAt),
	})
	if len(ms.Off) > 0 {
		it["off"] = stringList(ms.Off)
	}
	return it
}

func decodeMailSettings(it item) (store.MailSettings, error) {
	d := decoder{it: it}
	ms := store.MailSettings{Off: d.strings("off"), UpdatedAt: d.time("updated_at")}
	return ms, d.err
}

// PutMailSettings implements store.MailSwitches with one Put.
func (s *Store) PutMailSettings(ctx context.Context, ms store.MailSettings) error {
	if err := ms.Validate(); err != nil {
		return fmt.Errorf("put mail settings: %w", err)
	}
	if ms.UpdatedAt.IsZero() {
		ms.UpdatedAt = s.now()
	}
	return wrapOp("put mail settings", s.put(ctx, mailSettingsItem(ms)))
}

// GetMailSettings implements store.MailSwitches.
func (s *Store) GetMailSettings(ctx context.Context) (store.MailSettings, error) {
	it, err := s.getItem(ctx, "get mail settings", key(pkSettings, skMailSetting))
	if errors.Is(err, store.ErrNotFound) {
		return store.MailSettings{}, nil
	}
	if err != nil {
		return store.MailSettings{}, fmt.Errorf("get mail settings: %w", err)
	}
	ms, err := decodeMailSettings(it)
	return wrapResult("get mail settings", ms, err)
}
