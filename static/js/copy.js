// Copy buttons: <button data-copy-target="element-id" hidden>Copy</button>.
// The buttons stay hidden until this file runs, so without JavaScript the page shows plain,
// selectable text and no button that does nothing. Loaded as a file because the CSP forbids
// inline scripts.
(function () {
  "use strict";

  function reveal(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-copy-target][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function flash(button, text) {
    var original = button.dataset.copyLabel || button.textContent;
    button.dataset.copyLabel = original;
    button.textContent = text;
    window.setTimeout(function () { button.textContent = original; }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.getElementById(button.dataset.copyTarget);
    if (!source) return;
    var text = source.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { flash(button, "Copied"); },
        function () { selectText(source); flash(button, "Press Ctrl+C"); }
      );
    } else {
      // Plain http on a LAN address has no clipboard API: select the text for the person instead.
      selectText(source);
      flash(button, "Press Ctrl+C");
    }
  });

  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  // Content swapped in by htmx (the "key created" panel arrives that way).
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
  if (document.readyState !== "loading") reveal(document);
})();
