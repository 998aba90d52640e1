// A hint of a new passphrase's strength while it is typed. Only a hint: the server judges
// (zxcvbn, with the employee's name, NIP, birth date and unit as known words) when the form is
// sent. What the form itself knows counts here too: the NIP typed above and the birth date it
// holds. The words come from the element's data attributes, so the script is the same in every
// language.
(function () {
  "use strict";
  var input = document.getElementById("passphrase");
  var out = document.getElementById("kekuatan");
  var nipField = document.getElementById("nip");
  if (!input || !out) { return; }
  var MIN = 10;
  // The NIP and the ways its birth date (its first eight digits, yyyymmdd) is written.
  function personalWords() {
    var digits = nipField ? nipField.value.replace(/\D/g, "") : "";
    if (digits.length < 8) { return []; }
    var y = digits.slice(0, 4), m = digits.slice(4, 6), d = digits.slice(6, 8);
    var words = [y, y + m + d, d + m + y, d + m + y.slice(2), m + y];
    if (digits.length === 18) { words.push(digits); }
    return words;
  }
  function judge(value) {
    var length = Array.from(value).length;
    if (length < MIN) {
      return ["short", out.dataset.short.replace("{n}", String(length)).replace("{min}", String(MIN))];
    }
    var plain = value.replace(/\D/g, "");
    var personal = personalWords().some(function (w) { return plain.indexOf(w) !== -1; });
    if (personal) {
      return ["personal", out.dataset.personal];
    }
    var words = value.trim().split(/\s+/).filter(function (w) { return w.length >= 3; });
    var distinct = new Set(Array.from(value.toLowerCase())).size;
    if ((words.length >= 3 && length >= 16 && distinct >= 8) || (length >= 20 && distinct >= 10)) {
      return ["strong", out.dataset.strong];
    }
    return ["fair", out.dataset.fair];
  }
  function show() {
    if (input.value === "") { out.hidden = true; return; }
    var verdict = judge(input.value);
    out.className = "strength " + verdict[0];
    out.textContent = verdict[1];
    out.hidden = false;
  }
  input.addEventListener("input", show);
  if (nipField) { nipField.addEventListener("input", show); }
})();
