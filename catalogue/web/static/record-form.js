// The record form's live FAIR panel: as the person types, the form (as it is, unsaved) is
// posted to /records/check, which answers the panel's HTML from the same assessment the
// catalogue stores. Without JavaScript the panel shows the assessment of the last save.
(function () {
  "use strict";
  var form = document.getElementById("record-form");
  var panel = document.getElementById("fair-panel");
  if (!form || !panel || !form.dataset.check || !window.fetch) {
    return;
  }
  var timer = null;
  var latest = 0;
  function refresh() {
    var asked = ++latest;
    fetch(form.dataset.check, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && asked === latest) {
          panel.innerHTML = html; // the server escaped it: it is the catalogue's own template
        }
      })
      .catch(function () {
        /* offline or refused: the panel keeps its last state */
      });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 100);
  });
})();
