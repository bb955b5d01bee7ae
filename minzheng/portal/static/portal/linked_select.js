// Town → community: <select data-mz-filters="id_division"> narrows the grouped select
// #id_division to the <optgroup label="town"> chosen. Without JavaScript the first
// select stays hidden and the grouped list alone works.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-mz-filters]").forEach(function (filter) {
      var target = document.getElementById(filter.getAttribute("data-mz-filters"));
      if (!target) { return; }
      var wrap = filter.closest(".mz-js-only");
      if (wrap) { wrap.hidden = false; }
      var groups = Array.prototype.slice.call(target.querySelectorAll("optgroup"));
      var chosen = target.selectedOptions[0];
      if (chosen && chosen.parentElement.tagName === "OPTGROUP") { filter.value = chosen.parentElement.label; }
      function apply() {
        groups.forEach(function (g) {
          var show = !filter.value || g.label === filter.value;
          g.hidden = !show;
          g.disabled = !show;
        });
        var sel = target.selectedOptions[0];
        if (sel && sel.parentElement.tagName === "OPTGROUP" && sel.parentElement.disabled) { target.value = ""; }
      }
      filter.addEventListener("change", apply);
      apply();
    });
  });
})();
