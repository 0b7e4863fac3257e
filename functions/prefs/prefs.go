// Package prefs is the visitor-preferences function: for now the display
// language, remembered in a cookie so that API errors and emails started
// from this browser speak the visitor's language before they log in.
package prefs

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
)

// Handler serves POST /api/preferences/language.
type Handler struct {
	Log *slog.Logger
	// Secure marks cookies Secure; false only for plain-http local dev.
	Secure bool
}

// Routes lists the handler's routes for `okaeri serve`.
func (h *Handler) Routes() map[string]http.Handler {
	return map[string]http.Handler{"POST /api/preferences/language": h}
}

type languageRequest struct {
	Lang string `json:"lang"`
	Next string `json:"next"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpapi.WriteError(w, r, h.Log, httpapi.Errorf(httpapi.EMETHOD, "method_not_allowed"))
		return
	}
	var req languageRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		httpapi.WriteError(w, r, h.Log, err)
		return
	}
	if req.Lang != httpapi.LangJA && req.Lang != httpapi.LangEN {
		httpapi.WriteError(w, r, h.Log, httpapi.Invalid(httpapi.FieldError{Field: "lang", Code: "lang"}))
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: httpapi.LangCookie, Value: req.Lang, Path: "/",
		MaxAge: int((365 * 24 * time.Hour).Seconds()), HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode,
	})
	if httpapi.IsForm(r) {
		http.Redirect(w, r, httpapi.SafeNext(req.Next, home(req.Lang)), http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"lang": req.Lang})
}

func home(lang string) string {
	if lang == httpapi.LangEN {
		return "/en/"
	}
	return "/"
}
