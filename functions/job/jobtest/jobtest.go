// Package jobtest holds what the jobs tests share across packages (the
// handler tests, the HTTP journeys, the browser test): real PDF files to
// upload, and files that only pretend to be PDFs.
package jobtest

import (
	"bytes"
	"fmt"
	"strings"
)

// PDF is a small but complete PDF 1.4 document (catalog, page tree, one page
// with a text stream, cross-reference table and trailer, all offsets
// right), padded inside the stream with pad spaces so tests can make it as
// large as they need.
func PDF(pad int) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>")
	content := "BT /F1 12 Tf 72 770 Td (Resume) Tj ET\n" + strings.Repeat(" ", pad)
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// PDFOfSize is a PDF of exactly size bytes (at least len(PDF(0))).
func PDFOfSize(size int) []byte { return PDF(size - len(PDF(0))) }

// Executable is the start of a Linux ELF program followed by size zero
// bytes: what a program renamed to résumé.pdf looks like.
func Executable(size int) []byte {
	return append([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0}, make([]byte, size)...)
}
