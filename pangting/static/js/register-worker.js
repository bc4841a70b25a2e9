/* Register the service worker where the browser allows one (HTTPS or localhost). On plain HTTP
 * there is none: the record form still keeps every keystroke in IndexedDB and re-sends while
 * the page is open (offline-record.js). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !window.isSecureContext || !script) { return; }
  var url = script.dataset.worker;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () { /* the page works without it */ });
  });
})();
