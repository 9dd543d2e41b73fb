/* Duban pages: the little that needs a script. Everything works without it except the live working-day count. */
(function () {
  "use strict";

  // Loaded in <head> (not deferred) so that a phone folds its menu before the first paint; without the script the
  // menu simply stays unfolded.
  document.documentElement.classList.add("js");

  // The header's menu button on a phone: shows and hides the menu (a plain button; aria-expanded follows it). The
  // button is shown only when this script runs (html.js).
  function menu() {
    var button = document.querySelector(".menu-button");
    var box = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!box) { return; }
    button.addEventListener("click", function () {
      var open = !box.classList.contains("open");
      box.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // The working-day count beside a due date, asked of the server (the site's calendar, holidays and 调休 included).
  function showWorkdays(input) {
    var out = input.parentNode.querySelector("output.workdays");
    if (!out) { return; }
    if (!input.value) { out.textContent = ""; return; }
    fetch("/ui/working-days?date=" + encodeURIComponent(input.value), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && input.value) { out.textContent = data.text; out.dataset.days = data.days === null ? "" : data.days; }
      })
      .catch(function () { out.textContent = ""; });
  }

  // Files (附件): each chosen file is sent first, one at a time, with XMLHttpRequest (its upload.onprogress drives a
  // progress bar in DingTalk's and WeCom's browsers as well); the ids that come back go with the form.
  function uploadUrl(pick) {
    if (pick.dataset.upload) { return pick.dataset.upload; }
    var form = pick.closest("form");
    var m = form && /\/tasks\/(\d+)\/act\//.exec(form.getAttribute("action") || "");
    return m ? "/ui/tasks/" + m[1] + "/files" : null;
  }

  function sendFile(pick, file, done) {
    var list = pick.querySelector("ul.uploads");
    var ids = pick.querySelector("input.file-ids");
    var form = pick.closest("form");
    var csrf = form ? form.querySelector("input[name=csrf]") : document.querySelector("input[name=csrf]");
    var li = document.createElement("li");
    var name = document.createElement("span");
    var bar = document.createElement("progress");
    name.textContent = file.name + " ";
    bar.max = 100; bar.value = 0;
    li.appendChild(name); li.appendChild(bar);
    list.appendChild(li);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl(pick));
    xhr.setRequestHeader("X-CSRF-Token", csrf ? csrf.value : "");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = Math.round(e.loaded * 100 / e.total); } };
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (xhr.status === 201 && data) {
        bar.value = 100;
        li.dataset.file = data.id;
        li.className = "uploaded";
        ids.value = ids.value ? ids.value + "," + data.id : String(data.id);
        if (pick.dataset.reload) { window.location.reload(); }
      } else {
        li.className = "error";
        li.removeChild(bar);
        var why = document.createElement("span");
        why.setAttribute("role", "alert");
        why.textContent = data && data.error ? data.error.message : String(xhr.status);
        li.appendChild(why);
      }
      done();
    };
    xhr.onerror = function () { li.className = "error"; done(); };
    var body = new FormData();
    body.append("file", file, file.name);
    xhr.send(body);
  }

  function initFiles() {
    document.querySelectorAll(".file-pick").forEach(function (pick) {
      var input = pick.querySelector("input.file-input");
      if (!input) { return; }
      if (pick.closest("#add-files")) { pick.dataset.reload = "1"; }
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.value = "";
        var next = function () { if (files.length) { sendFile(pick, files.shift(), next); } };
        next();
      });
    });
  }

  function init() {
    menu();
    initFiles();
    document.querySelectorAll("input[data-workdays]").forEach(function (input) {
      input.addEventListener("change", function () { showWorkdays(input); });
      input.addEventListener("input", function () { showWorkdays(input); });
      if (input.value) { showWorkdays(input); }
    });

    // One press, one action: a form's buttons are disabled once it is sent.
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });

    // The board: tick every overdue task that may be chased.
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
      });
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
