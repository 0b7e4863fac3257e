package httpapi

import (
	"encoding/csv"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWriteCSVForExcelInEitherLanguage(t *testing.T) {
	columns := []CSVColumn{{"氏名", "Name"}, {"状況", "Status"}}
	rows := [][]string{{"=HYPERLINK(\"http://evil\")", "面接"}, {"山田 花子", "-1"}}
	for lang, header := range map[string][]string{"ja": {"氏名", "状況"}, "en": {"Name", "Status"}, "fr": {"氏名", "状況"}} {
		rec := httptest.NewRecorder()
		WriteCSV(rec, "people.csv", lang, columns, rows)
		body := rec.Body.String()
		if !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(body, "\r\n") {
			t.Errorf("%s: no BOM or no CRLF: %q", lang, body)
		}
		if rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" || rec.Header().Get("Content-Disposition") != `attachment; filename="people.csv"` {
			t.Errorf("%s: headers %v", lang, rec.Header())
		}
		got, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
		if err != nil || len(got) != 3 || strings.Join(got[0], ",") != strings.Join(header, ",") {
			t.Fatalf("%s: %q %v", lang, got, err)
		}
		if got[1][0] != `'=HYPERLINK("http://evil")` || got[1][1] != "面接" || got[2][1] != "'-1" {
			t.Errorf("%s: cells not defused or changed: %q", lang, got[1:])
		}
	}
	if rows[0][0] != `=HYPERLINK("http://evil")` {
		t.Error("WriteCSV changed the caller's rows")
	}
}

func TestCSVCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":               "'=1+1",
		"+81 3 1234":         "'+81 3 1234",
		"-2":                 "'-2",
		"@SUM(A1)":           "'@SUM(A1)",
		"\t=1":               "'\t=1",
		"\r=1":               "'\r=1",
		"＝SUM(A1:A9)":        "'＝SUM(A1:A9)",
		"＋1":                 "'＋1",
		"－1":                 "'－1",
		"＠SUM(A1)":           "'＠SUM(A1)",
		"山田 花子":              "山田 花子",
		"a=1":                "a=1",
		"":                   "",
		"'already":           "'already",
		"ー長音":                "ー長音", // the prolonged sound mark is not a minus
		"https://example.jp": "https://example.jp",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
