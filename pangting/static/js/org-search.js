/* The organization search of filter forms (issue 15): htmx fills the results under the search
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
    box.querySelector('input[type="hidden"]').value = button.getAttribute("data-org-id");
    var text = box.querySelector('input[type="search"]');
    text.value = button.getAttribute("data-org-label");
    box.querySelector(".org-search-results").innerHTML = "";
    text.focus();
  });
  document.addEventListener("input", function (event) {
    var box = event.target.closest ? event.target.closest("[data-org-search]") : null;
    if (box && event.target.type === "search") {
      box.querySelector('input[type="hidden"]').value = "";
    }
  });
})();
