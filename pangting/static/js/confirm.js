/* Irreversible steps ask first (issue 16): a form or submit button carrying data-confirm opens a
   small modal <dialog> saying what will happen; 确定 posts the form (with the button that was
   pressed), 取消 or Esc leaves the page as it was. No library, no inline script (CSP). */
(function () {
  "use strict";
  var dialog = null;
  var pending = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-text");
    dialog.setAttribute("data-testid", "confirm-dialog");
    var text = document.createElement("p");
    text.id = "confirm-text";
    var bar = document.createElement("form");
    bar.method = "dialog";
    bar.className = "toolbar";
    var ok = document.createElement("button");
    ok.value = "ok";
    ok.setAttribute("data-testid", "confirm-ok");
    var cancel = document.createElement("button");
    cancel.value = "cancel";
    cancel.className = "secondary";
    cancel.setAttribute("data-testid", "confirm-cancel");
    bar.append(ok, cancel);
    dialog.append(text, bar);
    document.body.append(dialog);
    // OK posts at once, in its own click, so the navigation belongs to that click; Esc and
    // 取消 just close the dialog (its "close" event forgets the pending form).
    ok.addEventListener("click", function (event) {
      event.preventDefault();
      var chosen = pending;
      pending = null;
      dialog.close("ok");
      if (chosen) { post(chosen.form, chosen.submitter); }
    });
    dialog.addEventListener("close", function () { pending = null; });
  }

  function post(form, submitter) {
    if (submitter && submitter.name) {  // the pressed button's name (e.g. "issue") goes along
      var carry = document.createElement("input");
      carry.type = "hidden";
      carry.name = submitter.name;
      carry.value = submitter.value;
      form.append(carry);
    }
    form.dataset.confirmed = "1";
    form.submit();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var text = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!text || form.dataset.confirmed === "1" || typeof HTMLDialogElement === "undefined") { return; }
    event.preventDefault();
    if (!dialog) { build(); }
    var ok = dialog.querySelector("[data-testid=confirm-ok]");
    dialog.querySelector("#confirm-text").textContent = text;
    ok.textContent = form.dataset.confirmOk || document.documentElement.dataset.confirmOk || "确定";
    dialog.querySelector("[data-testid=confirm-cancel]").textContent =
      document.documentElement.dataset.confirmCancel || "取消";
    pending = { form: form, submitter: submitter };
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("[data-testid=confirm-cancel]").focus();
  });
})();
