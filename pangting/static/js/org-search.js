/* The organization and person search of forms (issue 15): htmx fills the results under the search
   box; choosing one puts its id into the hidden field and its name into the box. Typing again
   forgets the chosen id, so the server matches the text (as it does without JavaScript).
   No inline script (CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-org-id]") : null;
    if (!button) { return; }
    var box = button.closest("[data-org-search]");
    if (!box) { return; }
    event.preventDefault();
    var text = box.querySelector('input[type="search"]');
    if (box.hasAttribute("data-org-search-multiple")) {
      // Several people (a training's trainees): the chosen one becomes a ticked box.
      var id = button.getAttribute("data-org-id");
      var chosen = box.querySelector(".org-search-chosen");
      var ticked = Array.prototype.some.call(chosen.querySelectorAll("input[type=checkbox]"), function (input) {
        if (input.value === id) { input.checked = true; return true; }
        return false;
      });
      if (!ticked) {
        var label = document.createElement("label");
        label.className = "org-search-chosen-item";
        var input = document.createElement("input");
        input.type = "checkbox";
        input.name = box.getAttribute("data-name");
        input.value = id;
        input.checked = true;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + button.getAttribute("data-org-label")));
        chosen.appendChild(label);
      }
      text.value = "";
      box.querySelector(".org-search-results").innerHTML = "";
      text.focus();
      return;
    }
    box.querySelector('input[type="hidden"]').value = button.getAttribute("data-org-id");
    text.value = button.getAttribute("data-org-label");
    box.querySelector(".org-search-results").innerHTML = "";
    text.focus();
  });
  document.addEventListener("input", function (event) {
    var box = event.target.closest ? event.target.closest("[data-org-search]") : null;
    var hidden = box ? box.querySelector('input[type="hidden"]') : null;
    if (hidden && event.target.type === "search") {
      hidden.value = "";
    }
  });
})();
