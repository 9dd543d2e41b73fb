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

  function init() {
    menu();
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
