// The live tail's counters. They count the rows the tail really inserted: a push of a row already on
// the page (fetched and pushed at once) is dropped and not counted, and the list's total moves with
// the new rows. A filter change or a reload swaps #trace-results, which starts the count at zero.
(function () {
  "use strict";

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function watch() {
    var rows = document.getElementById("trace-rows");
    var counter = document.getElementById("trace-live-count");
    if (!rows || !counter || rows.dataset.tailWatched) return;
    rows.dataset.tailWatched = "1";
    var total = document.getElementById("trace-count");
    var noun = document.getElementById("trace-count-noun");
    var added = 0;
    new MutationObserver(function (mutations) {
      var before = added;
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeName !== "TR" || !node.id || !node.parentNode) return;
          if (rows.querySelectorAll("#" + CSS.escape(node.id)).length > 1) {
            node.remove();  // already listed: the newest copy is the duplicate
            return;
          }
          added += 1;
        });
      });
      if (added === before) return;
      counter.dataset.count = String(added);
      counter.textContent = plural(added, "new trace") + " since this page loaded.";
      if (total) {
        var count = Number(total.dataset.count) + added - before;
        total.dataset.count = String(count);
        total.textContent = String(count);
        if (noun) noun.textContent = count === 1 ? "trace" : "traces";
      }
    }).observe(rows, { childList: true });
  }

  document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("htmx:load", watch);
})();
