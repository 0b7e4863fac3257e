package job

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/okaeri/okaeri/functions/job/jobtest"
	"github.com/okaeri/okaeri/functions/store"
)

// BenchmarkApplyWithResume is one member applying with a résumé through the
// whole handler: multipart parsing, the PDF check, the atomic blob write,
// the store's transaction, the audit entry and two emails to the outbox.
// Run: go test ./functions/job -run '^$' -bench Apply -benchtime 20x
func BenchmarkApplyWithResume(b *testing.B) {
	for _, size := range []int{100 << 10, 1 << 20, MaxResumeBytes - 1024} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			f := newFixture(b)
			pdf := jobtest.PDFOfSize(size)
			b.SetBytes(int64(len(pdf)))
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				m := f.member(fmt.Sprintf("m%d@example.net", i), "山田 花子", store.LanguageJa)
				body, ctype := upload(map[string]string{"message": "またよろしくお願いします。"}, "cv.pdf", pdf)
				data := body.(*bytes.Buffer).Bytes()
				b.StartTimer()
				rec := f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: bytes.NewReader(data), contentType: ctype, cookie: m.cookie, accept: "application/json"})
				if rec.Code != http.StatusCreated {
					b.Fatalf("apply: %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkRefuseSixMegabytes is the 413 path: the upload is read up to one
// byte past the limit and the rest drained, and nothing is written.
func BenchmarkRefuseSixMegabytes(b *testing.B) {
	f := newFixture(b)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	body, ctype := upload(map[string]string{"message": "x"}, "big.pdf", jobtest.PDF(6<<20))
	data := body.(*bytes.Buffer).Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		rec := f.do(request{method: "POST", path: "/api/jobs/backend-engineer-rehire/applications", body: bytes.NewReader(data), contentType: ctype, cookie: m.cookie, accept: "application/json"})
		if rec.Code != http.StatusRequestEntityTooLarge {
			b.Fatalf("6 MB: %d", rec.Code)
		}
	}
}
