/* Samphan: small progressive enhancements. Every page works without them. */
(function () {
  "use strict";

  // Copy buttons: <button data-copy="#input-id" data-copied-label="Copied">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value || source.textContent || "";
    var label = button.querySelector("span") || button;
    var done = function () {
      var before = label.textContent;
      label.textContent = button.getAttribute("data-copied-label") || before;
      setTimeout(function () { label.textContent = before; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        source.select();
        document.execCommand("copy");
        done();
      });
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  // Close an open dropdown or the "More" sheet when tapping elsewhere or pressing Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.dropdown[open], details.more-menu[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    var inside = event.target.closest ? event.target.closest("details.dropdown, details.more-menu") : null;
    closeMenus(inside);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
})();
