// Keeps the ceremony screen's numbers current: every few seconds it fetches them and puts them
// in place (the headline, the overall bar and one bar per instansi or unit). Without
// JavaScript the page reloads itself instead (a meta refresh inside <noscript>).
(function () {
  "use strict";
  var screen = document.getElementById("layar");
  if (!screen || !window.fetch) { return; }
  var src = screen.dataset.src;
  var period = 1000 * (parseInt(screen.dataset.period, 10) || 5);
  var list = document.getElementById("baris");

  function row(data) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.className = "layar-nama";
    name.textContent = data.name;
    var bar = document.createElement("progress");
    bar.max = 1000;
    bar.value = data.permille;
    bar.setAttribute("aria-hidden", "true");
    var count = document.createElement("span");
    count.className = "layar-jumlah";
    count.textContent = data.signed + " / " + data.roster + " · " + data.percent;
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(count);
    return item;
  }

  function update() {
    if (document.hidden) { return; }
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (live) {
        if (!live) { return; }
        screen.querySelectorAll("[data-field]").forEach(function (el) {
          var value = live[el.dataset.field];
          if (value === undefined) { return; }
          if (el.tagName === "PROGRESS") { el.value = value; } else { el.textContent = String(value); }
        });
        if (list) {
          var fresh = document.createDocumentFragment();
          live.rows.forEach(function (data) { fresh.appendChild(row(data)); });
          list.replaceChildren(fresh);
          list.classList.toggle("layar-rapat", live.rows.length > 16);
          list.classList.toggle("layar-lega", live.rows.length <= 6);
        }
      })
      .catch(function () { /* the next round tries again */ });
  }

  setInterval(update, period);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { update(); } });
  // The event `perbarui` on #layar asks for the numbers at once (tests use it).
  screen.addEventListener("perbarui", update);
})();
