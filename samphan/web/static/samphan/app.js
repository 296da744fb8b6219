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

  // The Content-Security-Policy allows no inline scripts or on…= attributes; these
  // data- attributes do their jobs instead.

  // <form data-confirm="Delete this?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // <select data-autosubmit>: submit its form when the choice changes.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      if (field.form.requestSubmit) field.form.requestSubmit();
      else field.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    // <button data-print>: print the page.
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    // <button data-remove-closest=".row" data-then-trigger="#total recalc">: remove the
    // enclosing row, then send an htmx event to an element (e.g. to recount a total).
    var remover = event.target.closest("[data-remove-closest]");
    if (!remover) return;
    var row = remover.closest(remover.getAttribute("data-remove-closest"));
    if (row) row.remove();
    var then = (remover.getAttribute("data-then-trigger") || "").split(" ");
    if (then.length === 2 && window.htmx) window.htmx.trigger(then[0], then[1]);
  });
})();
