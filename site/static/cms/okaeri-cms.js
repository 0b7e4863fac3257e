// Okaeri's additions to Decap CMS at /admin/ (functions/cms): previews that
// look like the site (its stylesheet, and the markup of a news item, a job
// and an event page), and a notice of what happened to the last save: the
// site rebuilt, or content check's problems with file and line.
(function () {
  "use strict";
  var CMS = window.CMS;
  var h = window.h;
  if (!CMS || !h) {
    return;
  }
  var me = document.currentScript;
  var lang = (me && me.getAttribute("data-lang")) || "ja";
  var en = lang === "en";
  var T = {
    when: en ? "When" : "日時",
    where: en ? "Where" : "会場",
    capacity: en ? "Capacity" : "定員",
    people: en ? " people" : "名",
    deadline: en ? "RSVP by" : "申込締切",
    online: en ? "Online" : "オンライン",
    inPerson: en ? "In person" : "会場",
    type: en ? "Type" : "雇用形態",
    department: en ? "Department" : "部署",
    location: en ? "Location" : "勤務地",
    closes: en ? "Applications close" : "応募締切",
    types: en
      ? { rehire: "Rehire", contract: "Contract", sidework: "Side work", project: "Project" }
      : { rehire: "再入社", contract: "契約", sidework: "副業", project: "プロジェクト" },
    rebuilt: en ? "Saved. The portal is updated: " : "保存しました。ポータルに反映済みです: ",
    building: en ? "Updating the portal…" : "ポータルに反映しています…",
    problems: en
      ? "Saved, but not published yet: please fix the following and save again."
      : "保存しましたが、まだ公開されていません。次の点を直して、もう一度保存してください。",
  };

  CMS.registerPreviewStyle("/css/okaeri.css");

  // Date-times in Japan time, whatever the browser's own zone: the field
  // shows and takes the clock in Tokyo and stores it with +09:00
  // (functions/cms config: widget datetime_jst). Japan keeps no summer time.
  var jstOffset = 9 * 3600 * 1000;
  var JSTDateTime = window.createClass({
    local: function (v) {
      if (!v) {
        return "";
      }
      var d = v instanceof Date ? v : new Date(v);
      if (isNaN(d.getTime())) {
        return "";
      }
      return new Date(d.getTime() + jstOffset).toISOString().slice(0, 16);
    },
    change: function (e) {
      var s = e.target.value; // YYYY-MM-DDTHH:mm, Japan time
      this.props.onChange(s ? s + ":00+09:00" : "");
    },
    render: function () {
      return h("input", {
        type: "datetime-local",
        id: this.props.forID,
        className: this.props.classNameWrapper,
        value: this.local(this.props.value),
        onChange: this.change,
        onFocus: this.props.setActiveStyle,
        onBlur: this.props.setInactiveStyle,
      });
    },
  });
  CMS.registerWidget("datetime_jst", JSTDateTime);

  function get(entry, name) {
    var v = entry.getIn(["data", name]);
    return v === undefined || v === null ? "" : v;
  }

  // tokyo shows an instant in Japan time, as the site does.
  function tokyo(v, withTime) {
    if (!v) {
      return "";
    }
    var d = v instanceof Date ? v : new Date(v);
    if (isNaN(d.getTime())) {
      return String(v);
    }
    var opts = { timeZone: "Asia/Tokyo", year: "numeric", month: "long", day: "numeric" };
    if (withTime) {
      opts.hour = "2-digit";
      opts.minute = "2-digit";
      opts.weekday = "short";
    }
    return new Intl.DateTimeFormat(en ? "en-GB" : "ja-JP", opts).format(d);
  }

  function fact(label, value) {
    return h("div", {}, h("dt", {}, label), h("dd", {}, value));
  }

  function header(entry, showDate) {
    return h(
      "header",
      { className: "page-header" },
      h("h1", {}, get(entry, "title")),
      showDate ? h("p", { className: "card-meta" }, tokyo(get(entry, "date"), false)) : null
    );
  }

  var News = window.createClass({
    render: function () {
      var e = this.props.entry;
      return h("article", { className: "wrap article" }, header(e, true), h("div", { className: "prose" }, this.props.widgetFor("body")));
    },
  });

  var Job = window.createClass({
    render: function () {
      var e = this.props.entry;
      var t = get(e, "employment_type");
      return h(
        "article",
        { className: "wrap article" },
        header(e, false),
        h(
          "dl",
          { className: "facts" },
          fact(T.type, h("span", { className: "badge badge-" + t }, T.types[t] || t)),
          fact(T.department, get(e, "department")),
          fact(T.location, get(e, "location")),
          fact(T.closes, tokyo(get(e, "closes"), false))
        ),
        h("div", { className: "prose" }, this.props.widgetFor("body"))
      );
    },
  });

  var Event = window.createClass({
    render: function () {
      var e = this.props.entry;
      var cap = get(e, "capacity");
      return h(
        "article",
        { className: "wrap article" },
        header(e, false),
        h(
          "dl",
          { className: "facts" },
          fact(T.when, tokyo(get(e, "start"), true) + " – " + tokyo(get(e, "end"), true)),
          fact(T.where, [get(e, "location"), " ", h("span", { className: "badge", key: "b" }, get(e, "online") ? T.online : T.inPerson)]),
          fact(T.capacity, cap === "" ? "" : cap + T.people),
          get(e, "rsvp_deadline") ? fact(T.deadline, tokyo(get(e, "rsvp_deadline"), true)) : null
        ),
        h("div", { className: "prose" }, this.props.widgetFor("body"))
      );
    },
  });

  ["news", "stories", "about", "privacy"].forEach(function (c) {
    CMS.registerPreviewTemplate(c, News);
    CMS.registerPreviewTemplate("members_" + c, News);
  });
  ["jobs", "members_jobs"].forEach(function (c) {
    CMS.registerPreviewTemplate(c, Job);
  });
  ["events", "members_events"].forEach(function (c) {
    CMS.registerPreviewTemplate(c, Event);
  });

  // The notice: /admin/status.json after each save (okaeri serve --dev).
  var box = document.createElement("div");
  box.id = "okaeri-status";
  box.setAttribute("role", "status");
  box.style.cssText =
    "position:fixed;right:16px;bottom:16px;max-width:min(560px,calc(100vw - 32px));z-index:1000;padding:12px 16px;" +
    "border-radius:8px;font:15px/1.6 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.2);display:none;white-space:pre-wrap";
  document.body.appendChild(box);
  var seen = null;
  var shownProblems = "";
  function show(text, bad) {
    box.textContent = text;
    box.style.background = bad ? "#fff4f0" : "#f0f7f0";
    box.style.color = bad ? "#8a3213" : "#1d4d1d";
    box.style.border = bad ? "2px solid #b0421c" : "1px solid #6a9a6a";
    box.style.display = "block";
  }
  function poll() {
    fetch("/admin/status.json", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (!s) {
          return;
        }
        var problems = (s.problems || []).join("\n");
        if (problems) {
          if (problems !== shownProblems) {
            shownProblems = problems;
            show(T.problems + "\n\n" + problems, true);
          }
        } else if (s.building) {
          show(T.building, false);
        } else if (seen !== null && s.updated !== seen) {
          shownProblems = "";
          show(T.rebuilt + new Date(s.updated).toLocaleTimeString(en ? "en-GB" : "ja-JP"), false);
          setTimeout(function () {
            box.style.display = "none";
          }, 8000);
        } else if (!problems && shownProblems) {
          shownProblems = "";
          box.style.display = "none";
        }
        seen = s.updated;
      })
      .catch(function () {});
  }
  poll();
  setInterval(poll, 2000);
})();
