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
