/* Register the service worker where the browser allows one (HTTPS or localhost), and ask it to
 * keep the pages named in data-cache (a visit's record page) for opening without network.
 * On plain HTTP there is none: the record form still keeps every keystroke in IndexedDB and
 * re-sends while the page is open (offline-record.js). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !window.isSecureContext || !script) { return; }
  var url = script.dataset.worker;
  var pages = (script.dataset.cache || "").split(" ").filter(Boolean);
  navigator.serviceWorker.register(url, { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    if (pages.length && registration.active) {
      registration.active.postMessage({ type: "cache-pages", urls: pages });
    }
  }).catch(function () { /* the page works without it */ });
})();
