// Keeps the health page current without reloading: every 10 seconds it fetches the figures
// and puts them in place, the bars of the two charts included. Without JavaScript the page is
// a plain page; reloading it shows the same figures.
(function () {
  "use strict";
  var box = document.getElementById("kesehatan");
  if (!box || !window.fetch) { return; }
  var src = box.dataset.src;

  function field(figures, path) {
    return path.split(".").reduce(function (v, k) { return v === undefined ? v : v[k]; }, figures);
  }

  function update() {
    if (document.hidden) { return; }
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (figures) {
        if (!figures) { return; }
        box.querySelectorAll("[data-field]").forEach(function (el) {
          var value = field(figures, el.dataset.field);
          if (value !== undefined) { el.textContent = String(value); }
        });
        box.querySelectorAll("[data-refusal]").forEach(function (el) {
          var row = figures.refusals[parseInt(el.dataset.refusal, 10)];
          if (row) { el.textContent = row[1]; }
        });
        box.querySelectorAll("svg[data-series]").forEach(function (svg) {
          var bars = figures[svg.dataset.series].bars;
          svg.querySelectorAll("rect").forEach(function (rect, i) {
            if (!bars[i]) { return; }
            rect.setAttribute("y", bars[i].y);
            rect.setAttribute("height", bars[i].height);
          });
        });
      })
      .catch(function () { /* the next round tries again */ });
  }

  setInterval(update, 10000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { update(); } });
  // The event `perbarui` on #kesehatan asks for the figures at once (tests use it).
  box.addEventListener("perbarui", update);
})();
