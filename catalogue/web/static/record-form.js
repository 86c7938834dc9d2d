// The record form's live FAIR panel: as the person types, the form (as it is, unsaved) is
// posted to /records/check, which answers the panel's HTML from the same assessment the
// catalogue stores. Without JavaScript the panel shows the assessment of the last save.
// It also follows a "fill from the DOI" job and shows the filled form when the job ends.
(function () {
  "use strict";
  var notice = document.getElementById("fill-job");
  var form = document.getElementById("record-form");
  if (!notice || !notice.dataset.job || !notice.dataset.waiting || !window.fetch) {
    return;
  }
  var typed = false;
  if (form) {
    form.addEventListener("input", function () {
      typed = true;
    });
  }
  function poll() {
    fetch(notice.dataset.job, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (job) {
        if (job && job.status !== "queued" && job.status !== "running") {
          if (typed) {
            // Never throw away what the person typed meanwhile: say so and let them choose.
            notice.querySelector("p").textContent = notice.dataset.finished;
          } else {
            window.location.reload();
          }
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 10000);
      });
  }
  window.setTimeout(poll, 1000);
})();

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
