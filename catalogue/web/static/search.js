// On a phone-sized screen the search page's filters start folded, so the results come first;
// "Filters" unfolds them. Without JavaScript (or on a wide screen) they stay open.
(function () {
  "use strict";
  var fold = document.querySelector("details.facets-fold");
  if (fold && window.matchMedia && window.matchMedia("(max-width: 48rem)").matches) {
    fold.open = false;
  }
})();
