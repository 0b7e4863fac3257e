package portal

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail/outbox"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// linkify escapes text and turns each URL in it into a link, so a developer
// can click a login or RSVP link straight from the outbox.
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, loc := range linkPattern.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:loc[0]]))
		u := text[loc[0]:loc[1]]
		b.WriteString(`<a href="` + template.HTMLEscapeString(u) + `">` + template.HTMLEscapeString(u) + `</a>`)
		last = loc[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}

var outboxTmpl = template.Must(template.New("outbox").Funcs(template.FuncMap{"linkify": linkify}).Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>送信箱 Outbox ({{len .}}) – Okaeri dev</title></head>
<body><main>
<h1>送信箱 / Outbox</h1>
<p>開発モードで送信されたメール（新しい順）。Mail sent in dev mode, newest first.</p>
{{if not .}}<p>まだメールはありません。No mail yet.</p>{{end}}
{{range .}}<article>
<h2><a href="/_dev/outbox/{{.File}}">{{.Subject}}</a></h2>
<p><small>{{.Date.Format "2006-01-02 15:04:05 MST"}} · From: {{.From}} · To: {{.To}}{{if .HTML}} · <a href="/_dev/outbox/{{.File}}/html">HTML</a>{{end}}</small></p>
<pre>{{linkify .Text}}</pre>
</article>{{end}}
</main></body></html>`))

func outboxPage(dir string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := outbox.List(dir)
		if err != nil {
			httpapi.WriteError(w, r, log, httpapi.Internal(err))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := outboxTmpl.Execute(w, list); err != nil {
			log.ErrorContext(r.Context(), "outbox page", "err", err)
		}
	})
}

// outboxMessage serves one raw .eml as text, for checking headers.
func outboxMessage(dir string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if name != filepath.Base(name) || !strings.HasSuffix(name, ".eml") || strings.HasPrefix(name, ".") {
			httpapi.WriteError(w, r, log, httpapi.Errorf(httpapi.ENOTFOUND, "not_found"))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, filepath.Join(dir, name))
	})
}

// outboxHTML shows one message's HTML part as a mail program would: in a
// sandbox (no scripts, an origin of its own), with its inline styles and
// images, nothing else.
func outboxHTML(dir string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if name != filepath.Base(name) || !strings.HasSuffix(name, ".eml") || strings.HasPrefix(name, ".") {
			httpapi.WriteError(w, r, log, httpapi.Errorf(httpapi.ENOTFOUND, "not_found"))
			return
		}
		e, err := outbox.Read(filepath.Join(dir, name))
		if err != nil || e.HTML == "" {
			httpapi.WriteError(w, r, log, httpapi.Errorf(httpapi.ENOTFOUND, "not_found"))
			return
		}
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(e.HTML))
	})
}
