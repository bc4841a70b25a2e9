// Rows of a Django formset added and removed in the page: `data-formset="<prefix>"` holds the
// rows (`data-formset-rows`), a <template data-formset-empty> with the formset's empty form,
// and the "add a row" button (`data-formset-add`). Without JavaScript the same button submits
// the form, and the server answers with one more row (nothing is saved); removing a row is its
// "删除" checkbox, which JavaScript turns into a button that ticks it and hides the row.
(function () {
  "use strict";
  function wireRemove(row) {
    var box = row.querySelector("input[type=checkbox][name$='-DELETE']");
    var button = row.querySelector("[data-formset-remove]");
    if (!box || !button) { return; }
    box.closest("label").hidden = true;
    button.hidden = false;
    button.addEventListener("click", function () {
      box.checked = true;
      row.hidden = true;
      row.style.display = "none"; // a flex row ignores [hidden]
    });
  }
  document.querySelectorAll("[data-formset]").forEach(function (box) {
    var prefix = box.getAttribute("data-formset");
    var total = box.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var max = box.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    var rows = box.querySelector("[data-formset-rows]");
    var empty = box.querySelector("template[data-formset-empty]");
    var add = box.querySelector("[data-formset-add]");
    rows.querySelectorAll("[data-formset-row]").forEach(wireRemove);
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = empty.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      wireRemove(row);
      if (window.htmx) { window.htmx.process(row); } // the row's person search box (issue 15)
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  });
})();
