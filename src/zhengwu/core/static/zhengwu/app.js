// zhengwu: accessibility toggles (大字模式 / 高对比度), remembered per browser; idle sign-out warning.
(function () {
  "use strict";
  var root = document.documentElement;
  var prefs = ["large-text", "high-contrast"];
  prefs.forEach(function (name) {
    if (localStorage.getItem("zw-" + name) === "1") root.classList.add(name);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-toggle-class]").forEach(function (button) {
      var name = button.getAttribute("data-toggle-class");
      button.setAttribute("aria-pressed", root.classList.contains(name) ? "true" : "false");
      button.addEventListener("click", function () {
        var on = root.classList.toggle(name);
        localStorage.setItem("zw-" + name, on ? "1" : "0");
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
    // Idle timeout: the server ends the session after N idle minutes; tell the user before a click fails.
    var idle = document.body.getAttribute("data-idle-seconds");
    if (idle) {
      var warnAt = Math.max(60, parseInt(idle, 10) - 120) * 1000;
      window.setTimeout(function () {
        var box = document.getElementById("idle-warning");
        if (box) box.hidden = false;
      }, warnAt);
    }
  });
})();
