// Package roster reads HR's leaver roster: a CSV file exported from HR's
// systems (often Excel, so Shift_JIS), one leaver per line.
//
// Columns, in any order, named in English or Japanese on the first line:
//
//	employee_number / 社員番号    required, letters, digits and hyphens
//	email / メールアドレス        optional, the address they may register with
//	name / 氏名                   required
//	department / 部署             required
//	joined / 入社年月             required, YYYY-MM (YYYY/MM and YYYY-MM-DD are accepted)
//	left / 退職年月               required, same formats, not before joined
package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/okaeri/okaeri/functions/roster/month"
	"io"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"github.com/okaeri/okaeri/functions/store"
)

// Entry is one leaver.
type Entry struct {
	EmployeeNumber string
	Email          string
	Name           string
	Department     string
	Joined         string // YYYY-MM
	Left           string // YYYY-MM
}

// LineError is one bad line, named by its line number in the file.
type LineError struct {
	Line    int
	Message string
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

var headerNames = map[string]string{
	"employee_number": "employee_number", "社員番号": "employee_number", "従業員番号": "employee_number",
	"email": "email", "メールアドレス": "email", "メール": "email",
	"name": "name", "氏名": "name", "名前": "name",
	"department": "department", "部署": "department", "所属": "department",
	"joined": "joined", "入社年月": "joined", "入社日": "joined",
	"left": "left", "退職年月": "left", "退職日": "left",
}

var required = []string{"employee_number", "name", "department", "joined", "left"}

var (
	empNo = store.LazyPattern(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)
)

// Decode returns the file as UTF-8: a UTF-8 file (with or without BOM) as
// it is, anything else as Shift_JIS (what Excel in Japan writes).
func Decode(raw []byte) ([]byte, string, error) {
	if b, ok := bytes.CutPrefix(raw, []byte("\xef\xbb\xbf")); ok {
		return b, "UTF-8", nil
	}
	if utf8.Valid(raw) {
		return raw, "UTF-8", nil
	}
	out, _, err := transform.Bytes(japanese.ShiftJIS.NewDecoder(), raw)
	if err != nil {
		return nil, "", fmt.Errorf("roster: neither UTF-8 nor Shift_JIS: %w", err)
	}
	return out, "Shift_JIS", nil
}

// ParseMonth is month.Parse, the one reader of months (registration
// reads them with it too, without linking the roster's decoders).
func ParseMonth(s string) (string, bool) { return month.Parse(s) }

// Parse reads a roster. It returns every good entry and one LineError per
// bad line; err is only for a file that cannot be read at all.
func Parse(r io.Reader) (entries []Entry, bad []LineError, encoding string, err error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, "", err
	}
	text, encoding, err := Decode(raw)
	if err != nil {
		return nil, nil, "", err
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, encoding, errors.New("roster: the file is empty or has no header line")
	}
	col := map[string]int{}
	for i, h := range header {
		if name, ok := headerNames[strings.ToLower(strings.TrimSpace(h))]; ok {
			col[name] = i
		}
	}
	var missing []string
	for _, name := range required {
		if _, ok := col[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, encoding, fmt.Errorf("roster: header line lacks column(s) %s", strings.Join(missing, ", "))
	}
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, LineError{Line: pe.Line, Message: "malformed CSV: " + pe.Err.Error()})
				continue
			}
			return nil, nil, encoding, err
		}
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if strings.Join(rec, "") == "" {
			continue // blank line
		}
		e := Entry{EmployeeNumber: get("employee_number"), Email: get("email"), Name: get("name"), Department: get("department")}
		var problems []string
		if !empNo.MatchString(e.EmployeeNumber) {
			problems = append(problems, "employee_number must be letters, digits and hyphens (at most 32)")
		}
		if e.Email != "" {
			if a, err := mail.ParseAddress(e.Email); err != nil || a.Address != e.Email || !strings.Contains(e.Email[strings.LastIndexByte(e.Email, '@')+1:], ".") {
				problems = append(problems, "email is not a valid address")
			}
		}
		if e.Name == "" {
			problems = append(problems, "name is empty")
		}
		if e.Department == "" {
			problems = append(problems, "department is empty")
		}
		var ok1, ok2 bool
		if e.Joined, ok1 = ParseMonth(get("joined")); !ok1 {
			problems = append(problems, "joined is not a month (YYYY-MM)")
		}
		if e.Left, ok2 = ParseMonth(get("left")); !ok2 {
			problems = append(problems, "left is not a month (YYYY-MM)")
		}
		if ok1 && ok2 && e.Left < e.Joined {
			problems = append(problems, "left is before joined")
		}
		if prev, dup := seen[e.EmployeeNumber]; dup && e.EmployeeNumber != "" {
			problems = append(problems, fmt.Sprintf("employee_number repeats line %d", prev))
		}
		if len(problems) > 0 {
			// Messages name the column, never the value: values are personal data.
			bad = append(bad, LineError{Line: line, Message: strings.Join(problems, "; ")})
			continue
		}
		seen[e.EmployeeNumber] = line
		entries = append(entries, e)
	}
	return entries, bad, encoding, nil
}
