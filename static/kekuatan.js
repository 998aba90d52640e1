// A hint of a new passphrase's strength while it is typed. Only a hint: the server judges
// (zxcvbn) when the form is sent. The words come from the element's data attributes, so the
// script is the same in every language.
(function () {
  "use strict";
  var input = document.getElementById("passphrase");
  var out = document.getElementById("kekuatan");
  if (!input || !out) { return; }
  var MIN = 10;
  function judge(value) {
    var length = Array.from(value).length;
    if (length < MIN) {
      return ["short", out.dataset.short.replace("{n}", String(length)).replace("{min}", String(MIN))];
    }
    var words = value.trim().split(/\s+/).filter(function (w) { return w.length >= 3; });
    var distinct = new Set(Array.from(value.toLowerCase())).size;
    if ((words.length >= 3 && length >= 16 && distinct >= 8) || (length >= 20 && distinct >= 10)) {
      return ["strong", out.dataset.strong];
    }
    return ["fair", out.dataset.fair];
  }
  input.addEventListener("input", function () {
    if (input.value === "") { out.hidden = true; return; }
    var verdict = judge(input.value);
    out.className = "strength " + verdict[0];
    out.textContent = verdict[1];
    out.hidden = false;
  });
})();
