// Minzheng page helpers (no third-party code besides htmx and Bootstrap).
(function () {
  "use strict";
  // Confirm dangerous actions: <button data-confirm="...">.
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
  });
  // After a failed submit, take the keyboard (and screen reader) to the first field in error.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("[aria-invalid=true]");
    if (invalid) { invalid.focus(); }
  });
  // <button data-remove="#id">: take an element off the page (e.g. hide revealed numbers again).
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-remove]");
    if (el) { var t = document.querySelector(el.getAttribute("data-remove")); if (t) { t.remove(); } }
  });
  // Bars whose width is data (progress, fill rates): <div data-mz-width="40">. Set through
  // the style object, which the Content-Security-Policy allows, unlike style attributes.
  function applyWidths(root) {
    root.querySelectorAll("[data-mz-width]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, parseFloat(el.getAttribute("data-mz-width")) || 0)) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:load", function (ev) { applyWidths(ev.target.parentNode || document); });
  // htmx sends the CSRF token with every request.
  document.addEventListener("htmx:configRequest", function (ev) {
    var token = document.querySelector("meta[name=csrf-token]");
    if (token) { ev.detail.headers["X-CSRFToken"] = token.content; }
  });
})();
