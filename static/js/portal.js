/* Portail AMO — progressive enhancement only: every form works without this file.
   - medicine search: suggestions from GET /api/v1/medicaments/?search= in a <datalist>;
   - claim lines: show the cotation or the medicine field according to the kind, add a row;
   - print buttons. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, wait);
    };
  }

  var list = document.getElementById("medicaments-liste");
  function wireMedicine(input) {
    if (!list || input.dataset.wired) { return; }
    input.dataset.wired = "1";
    input.setAttribute("list", "medicaments-liste");
    input.addEventListener("input", debounce(function () {
      var text = input.value.trim();
      if (text.length < 3 || /^\d+$/.test(text)) { return; }
      fetch("/api/v1/medicaments/?search=" + encodeURIComponent(text), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) {
          list.innerHTML = "";
          (data.results || []).slice(0, 15).forEach(function (m) {
            var option = document.createElement("option");
            option.value = m.code;
            option.label = m.name + " " + (m.presentation || "") + (m.ppv ? " — " + m.ppv.replace(".", ",") + " DH" : "");
            option.textContent = option.label;
            list.appendChild(option);
          });
        })
        .catch(function () { /* the plain input still works */ });
    }, 250));
  }

  function wireRow(row) {
    var select = row.querySelector("select[name$='kind']");
    if (!select) { return; }
    var sync = function () { row.dataset.kind = select.value; };
    select.addEventListener("change", sync);
    sync();
    row.querySelectorAll("[data-medicine-search]").forEach(wireMedicine);
  }

  document.querySelectorAll("[data-line-row]").forEach(wireRow);

  /* Keep the page short on a phone: empty rows after the first stay hidden until "add a line". */
  function isEmptyRow(row) {
    if (row.classList.contains("has-row-error")) { return false; }
    var filled = false;
    row.querySelectorAll("input[type=text], input:not([type])").forEach(function (i) { if (i.value.trim()) { filled = true; } });
    return !filled;
  }
  var allRows = Array.prototype.slice.call(document.querySelectorAll("#line-rows [data-line-row]"));
  allRows.forEach(function (row, index) { if (index > 0 && isEmptyRow(row)) { row.hidden = true; } });

  var addButton = document.querySelector("[data-add-line]");
  var total = document.querySelector("input[name$='TOTAL_FORMS']");
  var maxForms = document.querySelector("input[name$='MAX_NUM_FORMS']");
  var rows = document.getElementById("line-rows");
  if (addButton && total && rows) {
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      var hiddenRow = rows.querySelector("[data-line-row][hidden]");
      if (hiddenRow) {
        hiddenRow.hidden = false;
        var target = hiddenRow.querySelector("select, input");
        if (target) { target.focus(); }
        return;
      }
      var count = parseInt(total.value, 10);
      if (maxForms && count >= parseInt(maxForms.value, 10)) { return; }
      var last = rows.querySelector("[data-line-row]:last-of-type");
      var clone = last.cloneNode(true);
      clone.id = "ligne-" + (count + 1);
      clone.classList.remove("has-row-error");
      clone.querySelectorAll(".errorlist").forEach(function (e) { e.remove(); });
      clone.querySelectorAll(".has-error").forEach(function (e) { e.classList.remove("has-error"); });
      clone.querySelector("legend").textContent = clone.querySelector("legend").textContent.replace(/\d+/, String(count + 1));
      clone.querySelectorAll("input, select, label, div, ul").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/lignes-\d+-/g, "lignes-" + count + "-")); }
        });
        if (el.tagName === "INPUT") {
          if (el.type === "checkbox") { el.checked = false; }
          else if (el.name && /quantity$/.test(el.name)) { el.value = "1"; }
          else { el.value = ""; }
          delete el.dataset.wired;
        }
        if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      });
      rows.appendChild(clone);
      total.value = String(count + 1);
      wireRow(clone);
      var first = clone.querySelector("select, input");
      if (first) { first.focus(); }
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var focusTarget = document.getElementById("erreurs") || document.getElementById("estimation") || document.getElementById("resultat");
  if (focusTarget) { focusTarget.focus(); }
})();
