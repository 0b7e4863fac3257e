package httpapi_test

import (
	"testing"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Every stage of the pipeline has its words in both languages.
func TestStageLabelNamesEveryStage(t *testing.T) {
	for _, st := range store.ApplicationStatuses {
		ja, en := httpapi.StageLabel(httpapi.LangJA, string(st)), httpapi.StageLabel(httpapi.LangEN, string(st))
		if ja == string(st) || en == string(st) || ja == en {
			t.Errorf("stage %s: ja %q, en %q", st, ja, en)
		}
	}
	if got := httpapi.StageLabel(httpapi.LangJA, "hired"); got != "採用決定" {
		t.Errorf("hired in Japanese is %q, want 採用決定 (the job pages' word)", got)
	}
	if got := httpapi.StageLabel("xx", "received"); got != "受付済み" {
		t.Errorf("an unknown language reads %q, want Japanese", got)
	}
}
