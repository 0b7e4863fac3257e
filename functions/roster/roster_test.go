package roster

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

const sample = `社員番号,メールアドレス,氏名,部署,入社年月,退職年月
E1001,hanako@example.net,山田 花子,開発部,2015-04,2021-03
E1002,,佐藤 太郎,営業部,2018/4,2023年9月
E1003,taro@example,鈴木 次郎,開発部,2019-04,2018-03
,x@example.com,名無し,総務部,2019-04,2020-03
E1001,dup@example.com,重複 一郎,開発部,2010-04,2012-03
E1005,ok@example.com,田中 三郎,人事部,2012-04-01,2020-10-31
`

func TestParseReportsEachBadLineByNumber(t *testing.T) {
	entries, bad, enc, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if enc != "UTF-8" || len(entries) != 3 {
		t.Fatalf("encoding %s, %d entries: %+v", enc, len(entries), entries)
	}
	if entries[1].Joined != "2018-04" || entries[1].Left != "2023-09" || entries[2].Joined != "2012-04" {
		t.Errorf("months not normalized: %+v", entries)
	}
	want := map[int]string{4: "email is not a valid address; left is before joined", 5: "employee_number must be", 6: "employee_number repeats line 2"}
	if len(bad) != len(want) {
		t.Fatalf("bad lines %+v", bad)
	}
	for _, b := range bad {
		if !strings.Contains(b.Message, want[b.Line]) {
			t.Errorf("line %d: %q, want %q", b.Line, b.Message, want[b.Line])
		}
		if strings.Contains(b.Message, "taro@") || strings.Contains(b.Message, "鈴木") {
			t.Errorf("line %d message carries personal data: %s", b.Line, b.Message)
		}
	}
}

func TestParseShiftJISAndBOM(t *testing.T) {
	sjis, _, err := transform.Bytes(japanese.ShiftJIS.NewEncoder(), []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	entries, _, enc, err := Parse(bytes.NewReader(sjis))
	if err != nil || enc != "Shift_JIS" || len(entries) != 3 || entries[0].Name != "山田 花子" || entries[0].Department != "開発部" {
		t.Fatalf("Shift_JIS: enc %s err %v entries %+v", enc, err, entries)
	}
	bom := append([]byte("\xef\xbb\xbf"), []byte("employee_number,name,department,joined,left\nA1,Ann,Sales,2020-01,2021-01\n")...)
	entries, bad, enc, err := Parse(bytes.NewReader(bom))
	if err != nil || enc != "UTF-8" || len(entries) != 1 || len(bad) != 0 || entries[0].EmployeeNumber != "A1" {
		t.Fatalf("BOM: %v %s %+v %+v", err, enc, entries, bad)
	}
}

func TestParseRefusesAFileWithoutRequiredColumns(t *testing.T) {
	_, _, _, err := Parse(strings.NewReader("name,email\nA,a@example.com\n"))
	if err == nil || !strings.Contains(err.Error(), "employee_number") {
		t.Errorf("err = %v", err)
	}
	if _, _, _, err := Parse(strings.NewReader("")); err == nil {
		t.Error("empty file accepted")
	}
}

func TestParseMonthReadsTheFormsPeopleWrite(t *testing.T) {
	for in, want := range map[string]string{
		"2015-04": "2015-04", "2015/4": "2015-04", "2015年4月": "2015-04", "2015年04月": "2015-04",
		"2015.4": "2015-04", "201504": "2015-04", "２０１５年４月": "2015-04", "2015 年 4 月": "2015-04",
		" 2015/04 ": "2015-04", "2015-04-01": "2015-04", "2015年4月1日": "2015-04", "2012/04/01": "2012-04",
		"2015年12月": "2015-12",
	} {
		if got, ok := ParseMonth(in); !ok || got != want {
			t.Errorf("ParseMonth(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	// A year alone names no month; nonsense months are refused too.
	for _, in := range []string{"", "2015年", "2015", "2015-13", "2015-00", "201513", "15/4", "April 2015", "2015-4-"} {
		if got, ok := ParseMonth(in); ok {
			t.Errorf("ParseMonth(%q) = %q, accepted", in, got)
		}
	}
}
