// Okaeri's only script: small progressive enhancements. Every page works
// without it (forms post and the server answers with a page).
(function () {
  "use strict";

  // The header offers login and registration to guests and logout to
  // members; okaeri_signed_in is a non-secret hint set beside the session.
  // A visitor sees what they can do: the members' forms (data-member-only,
  // shown without this script, where the API answers a visitor with a link
  // to log in) give way to one "log in to ..." button (data-guest).
  // The hint is "hr" for HR, who also get a link to HR's home (data-hr).
  var hint = /(?:^|;\s*)okaeri_signed_in=(1|hr)(?:;|$)/.exec(document.cookie);
  var signedIn = hint !== null;
  if (signedIn) {
    document.querySelectorAll("[data-guest]").forEach(function (e) { e.hidden = true; });
    document.querySelectorAll("[data-member]").forEach(function (e) { e.hidden = false; });
    if (hint[1] === "hr") {
      document.querySelectorAll("[data-hr]").forEach(function (e) { e.hidden = false; });
    }
  } else {
    document.querySelectorAll("[data-member-only]").forEach(function (e) { e.hidden = true; });
  }

  // Members' home: greet the member by name, and fill their own part
  // (events, applications and referrals, profile) and what is new since
  // their previous visit from GET /api/me/home.
  var greeting = document.querySelector("[data-greeting]");
  var home = document.querySelector("[data-home]");
  if (greeting || home) {
    var homeLang = document.documentElement.lang === "en" ? "en" : "ja";
    fetch("/api/me/home?lang=" + homeLang, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (me) {
        if (!me) { return; }
        if (greeting && me.name) { greeting.textContent = greeting.getAttribute("data-template").replace("{name}", me.name); }
        if (home) { fillHome(home, me, homeLang); }
      })
      .catch(function () {});
  }
  // A job page: a member who applied already sees "応募済み", the date and
  // a link to follow the application, not an empty form.
  var applyBox = document.querySelector("[data-job-apply]");
  if (hint && applyBox) {
    fetch("/api/me/applications", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (mine) {
        var id = applyBox.getAttribute("data-job-apply");
        var a = ((mine && mine.applications) || []).filter(function (x) { return x.job_id === id && x.status !== "withdrawn"; })[0];
        if (!a) { return; }
        var lang = document.documentElement.lang === "en" ? "en" : "ja";
        var day = new Intl.DateTimeFormat(lang === "en" ? "en-US" : "ja-JP", { timeZone: "Asia/Tokyo", year: "numeric", month: "long", day: "numeric" }).format(new Date(a.created_at));
        var note = applyBox.querySelector("[data-job-applied]");
        note.textContent = applyBox.getAttribute("data-msg-applied").replace("{date}", day) + " ";
        note.appendChild(link(applyBox.getAttribute("data-follow") + "#application-" + encodeURIComponent(a.id), applyBox.getAttribute("data-msg-follow")));
        note.hidden = false;
        applyBox.querySelectorAll("[data-member-only]").forEach(function (e) { e.hidden = true; });
      })
      .catch(function () {});
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }
  function link(href, text) { var a = el("a", "", text); a.href = href; return a; }
  function fillHome(box, me, lang) {
    var msg = function (k) { return box.getAttribute("data-msg-" + k) || ""; };
    var events = box.querySelector("[data-home-events]");
    var upcoming = (me.events && me.events.upcoming) || [];
    upcoming.forEach(function (e) {
      var li = el("li");
      li.appendChild(link(e.page, e.title));
      li.appendChild(el("span", "my-home-when", e.when));
      li.appendChild(el("strong", "status status-" + e.status, e.status_label));
      if (e.online_url) {
        var p = el("span", "my-home-online", msg("online") + ": ");
        p.appendChild(link(e.online_url, e.online_url));
        li.appendChild(p);
      }
      events.appendChild(li);
    });
    if (!upcoming.length) { events.appendChild(el("li", "", msg("none-events"))); }
    var jobs = box.querySelector("[data-home-jobs]");
    var items = [];
    ((me.jobs && me.jobs.applications) || []).forEach(function (a) { items.push([msg("application"), a]); });
    ((me.jobs && me.jobs.referrals) || []).forEach(function (a) { items.push([msg("referral"), a]); });
    items.forEach(function (it) {
      var li = el("li");
      li.appendChild(el("span", "badge", it[0]));
      li.appendChild(link(it[1].href, it[1].job_title));
      li.appendChild(el("strong", "status status-" + it[1].status, it[1].status_label));
      jobs.appendChild(li);
    });
    if (!items.length) { jobs.appendChild(el("li", "", msg("none-jobs"))); }
    var pr = me.profile;
    if (pr) {
      var text = box.querySelector("[data-home-profile-text]");
      text.textContent = pr.next ? msg("profile").replace("{n}", pr.percent) : msg("complete");
      text.hidden = false;
      var bar = box.querySelector("[data-home-profile-bar]");
      bar.querySelector("span").style.width = pr.percent + "%";
      bar.hidden = false;
      if (pr.next) {
        var next = box.querySelector("[data-home-profile-next]");
        next.href = pr.next.href;
        next.textContent = pr.next.label;
      }
    }
    var news = document.querySelector("[data-whats-new]");
    if (news && me.since) {
      var since = new Date(me.since), shown = 0, count = 0;
      var list = news.querySelectorAll("li[data-published]");
      list.forEach(function (li) {
        var isNew = new Date(li.getAttribute("data-published")) > since;
        if (isNew) { count++; }
        li.hidden = !(isNew && ++shown <= 5);
        li.classList.toggle("is-new", isNew);
      });
      if (!count) { list.forEach(function (li, i) { li.hidden = i >= 5; }); }
      var date = since.toLocaleDateString(lang === "en" ? "en-US" : "ja-JP", { timeZone: "Asia/Tokyo", year: "numeric", month: "long", day: "numeric" });
      var c = news.querySelector("[data-new-count]");
      c.textContent = news.getAttribute(count ? "data-msg-count" : "data-msg-none").replace("{n}", count).replace("{date}", date);
      c.hidden = false;
    }
  }

  // A redirect target must be a page of this site, by the rule of the
  // server's httpapi.SafeNext: exactly one leading slash; no control
  // character, whitespace or backslash (URL parsers drop tabs and newlines
  // and read a backslash as a slash, so "/\t/evil.com" is "//evil.com"); this origin
  // once the browser's own URL parser has read it; and still one leading
  // slash once percent-decoded. (functions/httpapi tests both on one table.)
  function safeNext(next) {
    if (typeof next !== "string" || next.length > 2000 || next.charAt(0) !== "/" || next.charAt(1) === "/") { return false; }
    if (/[\u0000-\u0020\u007f-\u009f\\\s]/.test(next)) { return false; }
    var url, path;
    try {
      url = new URL(next, location.origin);
      path = decodeURIComponent(url.pathname);
    } catch (e) { return false; }
    return url.origin === location.origin && path.charAt(0) === "/" && path.charAt(1) !== "/" && path.indexOf("\\") < 0;
  }

  // Login: come back to the page that sent the visitor here.
  var next = new URLSearchParams(location.search).get("next");
  var nextField = document.querySelector("form input[name=next]");
  if (next && nextField && safeNext(next)) {
    nextField.value = next;
  }

  // Forms marked data-enhance: send JSON and show each error beside its field.
  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) {
      e.removeAttribute("aria-invalid");
      var d = (e.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id.indexOf("-error") < 0; });
      if (d.length) { e.setAttribute("aria-describedby", d.join(" ")); } else { e.removeAttribute("aria-describedby"); }
    });
    var summary = form.querySelector(".form-errors");
    if (summary) { summary.remove(); }
  }

  function showErrors(form, problem) {
    var first = null;
    var unplaced = [];
    (problem.errors || []).forEach(function (err) {
      var input = form.querySelector("[name=\"" + err.field + "\"]:not([type=hidden])");
      if (!input) { unplaced.push(err.message); return; }
      var id = (input.id || err.field) + "-error";
      var p = document.createElement("p");
      p.className = "field-error";
      p.id = id;
      p.textContent = err.message;
      var holder = input.closest(".field, .check") || input.parentNode;
      holder.appendChild(p);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + id).trim());
      if (!first) { first = input; }
    });
    var box = document.createElement("div");
    box.className = "form-errors";
    box.setAttribute("role", "alert");
    var title = document.createElement("p");
    title.textContent = problem.detail || problem.title || "";
    box.appendChild(title);
    unplaced.forEach(function (m) { var p = document.createElement("p"); p.textContent = m; box.appendChild(p); });
    form.insertBefore(box, form.firstChild);
    (first || box).focus && (first || box).focus();
  }

  // Drafts: what is typed in a form marked data-draft is kept in this tab's
  // sessionStorage until the form is sent, so a login in between (a visitor,
  // or a member whose session ran out) loses nothing. Files cannot be kept:
  // the member is asked to choose theirs again.
  function draftKey(form) { return "okaeri.draft:" + location.pathname + "#" + form.id; }
  function saveDraft(form) {
    var d = {}, file = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button" || el.type === "password") { return; }
      if (el.type === "file") { file = file || el.files.length > 0; return; }
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked) { d[el.name + "=" + el.value] = true; } return; }
      if (el.value !== "") { d[el.name] = el.value; }
    });
    try { sessionStorage.setItem(draftKey(form), JSON.stringify({ v: d, file: file })); } catch (e) {}
  }
  function clearDraft(form) { try { sessionStorage.removeItem(draftKey(form)); } catch (e) {} }
  function restoreDraft(form) {
    var draft = null;
    try { draft = JSON.parse(sessionStorage.getItem(draftKey(form)) || "null"); } catch (e) {}
    if (!draft || !draft.v) { return; }
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "file" || el.type === "submit" || el.type === "button") { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        var on = draft.v[el.name + "=" + el.value] === true;
        if (on !== el.checked && (on || el.type === "checkbox")) { el.checked = on; restored = true; }
        return;
      }
      if (typeof draft.v[el.name] === "string" && draft.v[el.name] !== el.value) { el.value = draft.v[el.name]; restored = true; }
    });
    if (!restored && !draft.file) { return; }
    var note = document.createElement("p");
    note.className = "notice draft-restored";
    note.setAttribute("role", "status");
    note.textContent = [restored ? form.getAttribute("data-msg-restored") : "", draft.file ? form.getAttribute("data-msg-file") : ""]
      .filter(Boolean).join(" ");
    if (note.textContent) { form.insertBefore(note, form.firstChild); }
  }

  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    restoreDraft(form);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
    form.addEventListener("okaeri:sent", function () { clearDraft(form); });
    // A form with data-success is sent here with fetch: a visitor without a
    // session goes to log in (data-login) and comes back to the draft; an
    // error is shown beside its field; without fetch the form posts itself.
    if (!form.hasAttribute("data-success") || !window.fetch || !window.FormData) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearErrors(form);
      saveDraft(form);
      var body = new FormData(form);
      if (form.enctype !== "multipart/form-data") { body = new URLSearchParams(body); }
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "ja" }
      }).then(function (r) {
        if (r.status === 401 && form.getAttribute("data-login")) { location.assign(form.getAttribute("data-login")); return; }
        if (r.ok) { clearDraft(form); location.assign(form.getAttribute("data-success")); return; }
        return r.json().then(function (p) { showErrors(form, p); });
      }).catch(function () { form.submit(); })
        .finally(function () { if (button) { button.disabled = false; } });
    });
  });

  document.querySelectorAll("form[data-enhance]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearErrors(form);
      var body = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.disabled) { return; }
        if (el.type === "checkbox") { body[el.name] = el.checked; return; }
        if (el.type === "radio") { if (el.checked) { body[el.name] = el.value; } return; }
        if (el.type === "submit" || el.type === "button") { return; }
        body[el.name] = el.value;
      });
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": document.documentElement.lang || "ja" },
        body: JSON.stringify(body)
      }).then(function (r) {
        if (r.ok) { location.assign(form.getAttribute("data-success") || location.href); return; }
        return r.json().then(function (p) { showErrors(form, p); });
      }).catch(function () { form.submit(); })
        .finally(function () { if (button) { button.disabled = false; } });
    });
  });
})();
