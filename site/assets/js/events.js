// Event pages: the seats left and, for a logged-in member, their RSVP and
// only the buttons that fit it. The page works without this script: both
// forms post to the API and come back with a message (see events/single.html).
(function () {
  "use strict";

  var box = document.querySelector("[data-rsvp]");
  if (!box || !window.fetch) { return; }
  var api = "/api/events/" + encodeURIComponent(box.getAttribute("data-rsvp"));
  var lang = document.documentElement.lang === "en" ? "en" : "ja";
  var part = function (name) { return box.querySelector("[data-rsvp-" + name + "]"); };
  var seats = part("seats"), status = part("status"), intro = part("intro"), guest = part("guest");
  var create = part("create"), cancel = part("cancel"), online = part("online");
  var open = !!create;
  // The non-secret hint set beside the session at login (see portal.js): a
  // visitor without it is not asked for an RSVP they cannot have, which
  // would only answer 401 (an error in the browser's console).
  var signedIn = /(?:^|;\s*)okaeri_signed_in=(1|hr)(?:;|$)/.test(document.cookie);

  function text(name, n, date) {
    return (box.getAttribute("data-msg-" + name) || "").replace("{n}", n).replace("{date}", date || "");
  }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString(lang === "en" ? "en-GB" : "ja-JP",
      { timeZone: "Asia/Tokyo", month: "short", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit" });
  }
  function request(method, url, body) {
    var init = {
      method: method, credentials: "same-origin",
      headers: { Accept: "application/json", "Accept-Language": lang }
    };
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init);
  }
  function hide(el, hidden) { if (el) { el.hidden = hidden; } }

  function showSeats(info) {
    if (!seats || !info) { return; }
    seats.textContent = info.seats_left > 0 ? text("seats", info.seats_left) : text(info.waiting > 0 ? "full" : "full-open", info.waiting);
    seats.hidden = false;
    if (!info.rsvp_open) { open = false; }
  }
  function refreshSeats() {
    return request("GET", api).then(function (r) { return r.ok ? r.json() : null; }).then(showSeats).catch(function () {});
  }

  // a is the member's RSVP as GET /api/events/{id}/rsvp answers it, or null
  // for a visitor who is not logged in (the static page stays as it is).
  function showRSVP(a) {
    if (!a) { return; }
    var active = a.status === "confirmed" || a.status === "waitlisted" || a.status === "offered";
    hide(guest, true);
    hide(intro, true);
    if (status) {
      status.textContent = a.status === "waitlisted" ? text("waitlisted", a.position)
        : a.status === "offered" ? text("offered", "", when(a.offer_expires_at))
          : text(a.status === "none" ? "none" : a.status);
      status.hidden = false;
    }
    hide(create, active || !open);
    hide(cancel, !active);
    hide(part("cancel-hint"), true);
    if (online) {
      var link = part("online-link");
      if (a.online_url && link) {
        link.href = a.online_url;
        link.textContent = a.online_url;
      }
      online.hidden = !a.online_url;
    }
    if (a.calendar) {
      part("google").href = a.calendar.google;
      part("outlook").href = a.calendar.outlook;
      part("ics").href = a.calendar.ics;
    }
  }
  function refreshRSVP() {
    return request("GET", api + "/rsvp").then(function (r) { return r.ok ? r.json() : null; }).then(showRSVP).catch(function () {});
  }

  function fail(problem) {
    if (!status) { return; }
    status.textContent = (problem && (problem.detail || problem.title)) || text("error");
    status.setAttribute("role", "alert");
    status.hidden = false;
  }

  // Send a form with fetch; a visitor without a session goes to the login
  // page and comes back here. Without fetch working, the form posts itself.
  function enhance(form, method, url, body) {
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; }
      status && status.setAttribute("role", "status");
      request(method, url, body(form)).then(function (r) {
        if (r.status === 401) {
          location.assign((lang === "en" ? "/en" : "") + "/login/?next=" + encodeURIComponent(location.pathname + "#rsvp"));
          return;
        }
        return r.json().then(function (answer) {
          if (!r.ok) { fail(answer); return; }
          form.dispatchEvent(new Event("okaeri:sent")); // portal.js forgets the draft
          showRSVP(answer);
          return refreshSeats();
        });
      }).catch(function () { form.submit(); })
        .finally(function () { if (button) { button.disabled = false; } });
    });
  }
  enhance(create, "POST", api + "/rsvp", function (form) {
    var g = form.querySelector("[name=guests]");
    return { guests: g ? parseInt(g.value, 10) || 0 : 0 };
  });
  // Cancelling asks once, here: the first button shows the question, its
  // "yes" sends the form (above), "no" puts the first button back.
  if (cancel) {
    var ask = part("cancel-ask"), confirmBox = part("cancel-confirm");
    var yes = part("cancel-yes"), no = part("cancel-no");
    var askButton = ask && ask.querySelector("button");
    var asking = false;
    var showAsk = function (on) {
      asking = on;
      hide(confirmBox, !on);
      hide(ask, on);
      (on ? yes : askButton) && (on ? yes : askButton).focus();
    };
    cancel.addEventListener("submit", function (ev) {
      if (!asking) { ev.preventDefault(); ev.stopImmediatePropagation(); showAsk(true); }
    });
    if (yes) { yes.addEventListener("click", function () { cancel.requestSubmit ? cancel.requestSubmit() : cancel.dispatchEvent(new Event("submit", { cancelable: true })); }); }
    if (no) { no.addEventListener("click", function () { showAsk(false); }); }
    cancel.addEventListener("okaeri:sent", function () { asking = false; hide(confirmBox, true); hide(ask, false); });
  }
  enhance(cancel, "DELETE", api + "/rsvp", function () { return null; });

  refreshSeats().then(function () { if (signedIn) { return refreshRSVP(); } });
})();
