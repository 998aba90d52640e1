// Keeps the dashboard's numbers current without reloading: every 30 seconds it fetches them
// (same filters as the page) and puts them in place, so a chosen filter, the scroll position
// and an open list stay as they are. It waits while a control is in use or the tab is hidden.
// Without JavaScript the page is a plain page; reloading it shows the same numbers.
(function () {
  "use strict";
  var box = document.getElementById("angka");
  if (!box || !window.fetch) { return; }
  var src = box.dataset.src;
  var PERIOD = 30000;

  function busy() {
    var active = document.activeElement;
    return document.hidden ||
      (active && active !== document.body && /^(SELECT|INPUT|TEXTAREA|BUTTON)$/.test(active.tagName));
  }

  function fill(row, numbers) {
    if (!row || !numbers) { return; }
    row.querySelectorAll("[data-field]").forEach(function (cell) {
      var value = numbers[cell.dataset.field];
      if (value === undefined) { return; }
      if (cell.tagName === "PROGRESS") { cell.value = value; } else { cell.textContent = String(value); }
    });
  }

  function fillAll(selector, attribute, table) {
    document.querySelectorAll(selector).forEach(function (row) {
      fill(row, table[row.getAttribute(attribute)]);
    });
  }

  function update() {
    if (busy()) { return; }
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (live) {
        if (!live || busy()) { return; }
        document.querySelectorAll('[data-row="total"]').forEach(function (el) {
          if (el.tagName === "PROGRESS") { el.value = live.total.permille; } else { fill(el, live.total); }
        });
        fillAll("tr[data-unit]", "data-unit", live.units);
        fillAll("tr[data-instansi]", "data-instansi", live.instansi);
        var stamp = document.getElementById("diperbarui");
        if (stamp) { stamp.textContent = live.updated; }
      })
      .catch(function () { /* the next round tries again */ });
  }

  setInterval(update, PERIOD);
  // Back on the tab: at once. The event `perbarui` on #angka asks for it too (tests use it).
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { update(); } });
  box.addEventListener("perbarui", update);
})();
