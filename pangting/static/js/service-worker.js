/* Pangting's service worker. Served at /sw.js (pangting.views.service_worker) so that its scope
 * is the whole site, after one line the server writes: `self.PANGTING_WORKER = {storeJs,
 * shellFiles, version, offlineText}`. Not meant to be registered from /static/.
 *
 * The app shell (CSS, scripts, icons) comes from the cache first; a visit's record page comes
 * from the network first and from the cache when there is none, so the liaison can open the
 * record form, the session facts and the rubric in a room without network. Queued record
 * sendings go out by Background Sync (offline-store.js). Signing in again empties the page
 * cache: pages of one user are not kept for the next.
 */
"use strict";
var CONFIG = self.PANGTING_WORKER;
importScripts(CONFIG.storeJs);

var SHELL = "pangting-shell-" + CONFIG.version;
var PAGES = "pangting-pages";
var SHELL_FILES = CONFIG.shellFiles;
var PAGE_PATTERN = /^\/observation\/\d+\/(record\/)?$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("pangting-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/accounts/login/") === 0) {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode === "navigate" && PAGE_PATTERN.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname, { cacheName: PAGES }).then(function (hit) {
        return hit || new Response(CONFIG.offlineText, { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    }));
  }
});

/* The record page asks to keep its own page and its visit's page for opening without network. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache-pages") { return; }
  event.waitUntil(caches.open(PAGES).then(function (cache) {
    return Promise.all((data.urls || []).filter(function (u) { return PAGE_PATTERN.test(u); }).map(function (u) {
      return fetch(u, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(u, response); }
      }).catch(function () { /* offline now: the page stays as last cached */ });
    }));
  }));
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "record-sync") { return; }
  event.waitUntil(self.PangtingOffline.sendAll().then(function (results) {
    return self.clients.matchAll({ type: "window" }).then(function (clients) {
      clients.forEach(function (client) { client.postMessage({ type: "record-sync-done", results: results }); });
    });
  }));
});
