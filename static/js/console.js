// The API console's form. Loaded as a file because the CSP forbids inline scripts; the page works
// without it (errors, confirmation and focus are all rendered by the server).
//
// After a run, htmx swaps in the error lists next to the fields (out of band) but not the inputs:
// mark each input invalid or valid again to match its list, and unfold "More options" when a folded
// field has an error, so the message is seen.
(function () {
  "use strict";

  function syncErrors() {
    document.querySelectorAll("#console-run-form [data-errors-for]").forEach(function (list) {
      var input = document.getElementById(list.dataset.errorsFor);
      if (!input) return;
      var invalid = list.children.length > 0;
      if (invalid) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
      var more = list.closest("details");
      if (invalid && more) more.open = true;
    });
  }

  document.addEventListener("htmx:afterSettle", syncErrors);
})();
