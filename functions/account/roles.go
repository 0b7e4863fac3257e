package account

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// IsAdmin reports whether a member holds HR's role. The role is a record
// granted explicitly and audited; it never follows from the address, which
// the member can change.
func (s *Service) IsAdmin(m store.Member) bool {
	return m.Status == store.StatusApproved && m.HasRole(store.RoleHR)
}

// bootstrapAdmin reports whether address is one of OKAERI_ADMINS. Only a
// registration that verifies that very address is granted the role by it
// (see Verify); a self-service address change never is.
func (s *Service) bootstrapAdmin(address string) bool {
	return slices.Contains(s.Config.Admins, store.NormalizeEmail(address))
}

// FindMember finds a member by id or by address, as HR or an operator
// names them.
func (s *Service) FindMember(ctx context.Context, idOrEmail string) (store.Member, error) {
	idOrEmail = strings.TrimSpace(idOrEmail)
	var m store.Member
	var err error
	if strings.Contains(idOrEmail, "@") {
		m, err = s.Store.GetMemberByEmail(ctx, idOrEmail)
	} else {
		m, err = s.Store.GetMember(ctx, idOrEmail)
	}
	if errors.Is(err, store.ErrNotFound) {
		return m, httpapi.Errorf(httpapi.ENOTFOUND, "member_not_found")
	}
	if err != nil {
		return m, httpapi.Internal(err)
	}
	return m, nil
}

// errLastAdmin refuses to revoke the role from its last holder.
var errLastAdmin = errors.New("the last HR administrator")

// SetRole grants (on) or revokes a role of the member idOrEmail, and
// audits it under actor ("hr:<id>", "operator" or "system:bootstrap").
// Only an approved member can be granted a role. Revoking the role from
// its last holder is refused, so HR can never lock itself out by a click;
// an operator can still grant it again with `okaeri admin grant`.
func (s *Service) SetRole(ctx context.Context, actor, idOrEmail string, role store.Role, on bool) (store.Member, error) {
	target, err := s.FindMember(ctx, idOrEmail)
	if err != nil {
		return target, err
	}
	if on && target.Status != store.StatusApproved {
		return target, httpapi.Errorf(httpapi.ECONFLICT, "role_needs_approved")
	}
	if !on && target.HasRole(role) {
		holders, err := s.Store.ListMembersByRole(ctx, role)
		if err != nil {
			return target, httpapi.Internal(err)
		}
		if len(holders) <= 1 {
			return target, httpapi.Errorf(httpapi.ECONFLICT, "last_admin")
		}
	}
	changed := false
	m, err := s.Store.UpdateMember(ctx, target.ID, func(old store.Member) (store.Member, error) {
		has := old.HasRole(role)
		switch {
		case on && !has:
			if old.Status != store.StatusApproved {
				return old, errNotReviewable
			}
			old.Roles = append(old.Roles, role)
			changed = true
		case !on && has:
			old.Roles = slices.DeleteFunc(old.Roles, func(r store.Role) bool { return r == role })
			changed = true
		default:
			changed = false
		}
		return old, nil
	})
	if errors.Is(err, errNotReviewable) {
		return m, httpapi.Errorf(httpapi.ECONFLICT, "role_needs_approved")
	}
	if err != nil {
		return m, storeError(err)
	}
	if changed {
		action := "role.grant"
		if !on {
			action = "role.revoke"
		}
		s.audit(ctx, actor, action, m.ID, "roles."+string(role))
	}
	return m, nil
}

var adminsTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("admins").Parse(`<div class="wrap hr">` + httpapi.HRNav + `
<h1>{{.T.title}}</h1>
<p>{{.T.intro}}</p>
{{if .Done}}<p class="notice" role="status">{{.Done}}</p>{{end}}
<h2>{{.T.caption}} ({{len .Admins}})</h2>
<ul class="cards" role="list">
{{range .Admins}}<li class="card"><h3 class="card-title">{{.Name}}</h3><p class="card-meta">{{.Email}}</p>
{{if eq .ID $.Self}}<p>{{if eq (len $.Admins) 1}}{{$.T.you_only}}{{else}}{{$.T.you}}{{end}}</p>{{else}}<form method="post" action="/api/hr/admins/{{.ID}}/revoke">
<div class="check"><input type="checkbox" id="confirm-{{.ID}}" name="confirm" value="yes" required><label for="confirm-{{.ID}}">{{$.T.confirm}}</label></div>
<p><button type="submit" class="button button-secondary">{{$.T.revoke}}</button></p></form>{{end}}</li>
{{end}}</ul>
<h2>{{.T.grant_title}}</h2>
<form method="post" action="/api/hr/admins" class="form stack">
<div class="field"><label for="grant-email">{{.T.grant_label}}</label>
<input id="grant-email" name="member" type="email" required maxlength="254" autocomplete="off"></div>
<div class="check"><input type="checkbox" id="grant-confirm" name="confirm" value="yes" required><label for="grant-confirm">{{.T.grant_confirm}}</label></div>
<p><button type="submit" class="button">{{.T.grant}}</button></p>
</form>
</div>`))
})

var adminsText = map[string]map[string]string{
	"ja": {"title": "管理者", "skip": "本文へ移動",
		"intro":   "事務局のページを使える方の一覧です。管理者の役割は、このページで付与・解除したときだけ変わり、すべて記録に残ります。ご本人がメールアドレスを変えても役割は変わりません。",
		"caption": "管理者", "name": "氏名", "email": "メールアドレス", "action": "操作", "you": "あなたです（ご自身の役割はほかの管理者が解除できます）",
		"you_only": "あなたです。ほかに管理者がいないため、この役割は解除できません。ほかの方を下で追加できます。",
		"confirm":  "解除してよいことを確認しました", "revoke": "役割を解除する",
		"grant_title": "管理者を追加する", "grant_label": "承認済みメンバーのメールアドレス", "grant_confirm": "この方に事務局の全ページを見せてよいことを確認しました", "grant": "管理者にする",
		"granted": "管理者の役割を付与しました。", "revoked": "管理者の役割を解除しました。"},
	"en": {"title": "Administrators", "skip": "Skip to content",
		"intro":   "People who can use the HR pages. The role changes only when it is granted or revoked on this page, and every change is recorded. A person changing their own email address never changes it.",
		"caption": "Administrators", "name": "Name", "email": "Email", "action": "Action", "you": "This is you (another administrator can revoke your role)",
		"you_only": "This is you. As the only administrator, your role cannot be revoked; you can add someone below.",
		"confirm":  "I confirm the removal", "revoke": "Revoke the role",
		"grant_title": "Add an administrator", "grant_label": "Email of an approved member", "grant_confirm": "I confirm this person may see every HR page", "grant": "Make administrator",
		"granted": "The administrator role was granted.", "revoked": "The administrator role was revoked."},
}

func (h Handler) hrAdmins(w http.ResponseWriter, r *http.Request, admin store.Member) {
	lang := string(admin.Language)
	if lang != httpapi.LangEN {
		lang = httpapi.LangJA
	}
	admins, err := h.S.Store.ListMembersByRole(r.Context(), store.RoleHR)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		out := make([]map[string]string, 0, len(admins))
		for _, a := range admins {
			out = append(out, map[string]string{"id": a.ID, "name": a.Name, "email": a.Email})
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"admins": out})
		return
	}
	done := adminsText[lang][r.URL.Query().Get("done")]
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: adminsText[lang]["title"], Section: httpapi.SectionMembers},
		adminsTmpl(), map[string]any{"Lang": lang, "T": adminsText[lang], "Admins": admins, "Self": admin.ID,
			"Done": done, "Menu": httpapi.NewHRMenu(lang, "/hr/admins")})
}

type roleInput struct {
	Member  string `json:"member"` // an id or an address
	Confirm string `json:"confirm"`
}

func (h Handler) hrGrant(w http.ResponseWriter, r *http.Request, admin store.Member) {
	h.hrSetRole(w, r, admin, true)
}

func (h Handler) hrRevoke(w http.ResponseWriter, r *http.Request, admin store.Member) {
	h.hrSetRole(w, r, admin, false)
}

func (h Handler) hrSetRole(w http.ResponseWriter, r *http.Request, admin store.Member, on bool) {
	var in roleInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, "/hr/admins")
		return
	}
	if id := r.PathValue("id"); id != "" {
		in.Member = id
	}
	switch {
	case strings.TrimSpace(in.Member) == "":
		h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "member", Code: "required"}), "/hr/admins")
		return
	case httpapi.IsForm(r) && in.Confirm != "yes":
		h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "confirm", Code: "must_true"}), "/hr/admins")
		return
	}
	m, err := h.S.SetRole(r.Context(), "hr:"+admin.ID, in.Member, store.RoleHR, on)
	if err != nil {
		h.fail(w, r, err, "/hr/admins")
		return
	}
	if httpapi.IsForm(r) {
		done := "granted"
		if !on {
			done = "revoked"
		}
		http.Redirect(w, r, "/hr/admins?done="+done, http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"id": m.ID, "roles": m.Roles})
}
