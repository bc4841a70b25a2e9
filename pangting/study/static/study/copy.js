// A copy button: `data-copy-target` names the input to copy. The Clipboard API needs a secure
// context (HTTPS or localhost); on a plain-HTTP intranet the older execCommand path still works.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy-target"));
      var done = function () { button.textContent = button.getAttribute("data-copied-text"); };
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
})();
