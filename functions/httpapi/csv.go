package httpapi

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// CSVColumn is the heading of one column of an HR export: Japanese, English.
// Each export lists its columns once, so both languages have the same
// columns in the same order and a sheet built on one reads the other.
type CSVColumn [2]string

// CSVHeader is the header row of columns in lang (Japanese unless "en").
func CSVHeader(lang string, columns []CSVColumn) []string {
	i := 0
	if lang == LangEN {
		i = 1
	}
	header := make([]string, len(columns))
	for c, col := range columns {
		header[c] = col[i]
	}
	return header
}

// csvBOM makes Excel read the file as UTF-8: without it, Excel in Japan
// reads UTF-8 as Shift_JIS and Japanese names turn to mojibake.
const csvBOM = "\uFEFF"

// WriteCSV answers with an export for Excel named filename: UTF-8 with a
// byte order mark, CRLF line ends (what Excel writes and expects), the
// header row in lang, and every cell that a spreadsheet would run as a
// formula defused with a leading quote (CSV injection).
func WriteCSV(w http.ResponseWriter, filename, lang string, columns []CSVColumn, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = io.WriteString(w, csvBOM)
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	_ = cw.Write(CSVHeader(lang, columns))
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = csvCell(v)
		}
		_ = cw.Write(cells)
	}
	cw.Flush()
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula: = + - @, their full-width forms (Excel with a Japanese
// IME reads ＝SUM(1) as =SUM(1)), and the tab and carriage return that
// LibreOffice and older Excel skip before looking.
const formulaStarts = "=+-@＝＋－＠\t\r"

// csvCell defuses text that a spreadsheet would run as a formula.
func csvCell(s string) string {
	if r, _ := utf8.DecodeRuneInString(s); s != "" && strings.ContainsRune(formulaStarts, r) {
		return "'" + s
	}
	return s
}
