// The main navigation's Menu button on narrow screens. Without this file the links wrap instead.
(function () {
  "use strict";
  var bar = document.querySelector(".topbar");
  var button = bar && bar.querySelector(".nav-toggle");
  if (!button) return;
  bar.classList.add("nav-js");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = bar.classList.toggle("nav-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
