// A confirmation that answers with a file (a unit's activation codes): the browser stays on the
// page once the download starts, so the page moves on by itself, and the button cannot be
// pressed a second time. Without JavaScript the server still makes one batch per confirmation.
// And on a receipt page, the Cetak button (hidden without JavaScript: the browser's own print
// does the same there).
(function () {
  "use strict";
  var print = document.getElementById("cetak");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
  var form = document.querySelector("form[data-sesudah]");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    window.setTimeout(function () {
      var done = document.createElement("p");
      done.className = "success";
      done.setAttribute("role", "status");
      done.textContent = form.dataset.sesudah;
      var back = document.createElement("a");
      back.href = form.dataset.kembali;
      back.textContent = form.dataset.kembaliTeks;
      var line = document.createElement("p");
      line.appendChild(back);
      form.replaceWith(done, line);
      back.focus();
    }, 0);
  });
})();
