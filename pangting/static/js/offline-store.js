/* The phone's copy of record drafts (IndexedDB), shared by the record page and the service worker.
 *
 * One draft per visit and user: {id, values, version, key, savedAt, queued, csrf, url}.
 * `queued` is {intent} once the user pressed a button and until the server answered; the page
 * and the worker both send it, and the idempotency key makes the server save it once.
 */
(function (scope) {
  "use strict";
  var DB_NAME = "pangting-offline";
  var STORE = "drafts";
  var memory = {}; // when IndexedDB is not there (private mode of some browsers): keep the page alive

  function open() {
    return new Promise(function (resolve, reject) {
      if (!scope.indexedDB) { resolve(null); return; }
      var request = scope.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
    });
  }

  function run(mode, action) {
    return open().then(function (db) {
      if (!db) { return action(null); }
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        Promise.resolve(action(tx.objectStore(STORE))).then(function (r) { result = r; });
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function asPromise(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function get(id) {
    return run("readonly", function (store) {
      return store ? asPromise(store.get(id)) : memory[id];
    });
  }

  function put(draft) {
    return run("readwrite", function (store) {
      if (!store) { memory[draft.id] = draft; return draft; }
      store.put(draft);
      return draft;
    });
  }

  function remove(id) {
    return run("readwrite", function (store) {
      if (!store) { delete memory[id]; return; }
      store.delete(id);
    });
  }

  function all() {
    return run("readonly", function (store) {
      if (!store) { return Object.keys(memory).map(function (k) { return memory[k]; }); }
      return asPromise(store.getAll());
    });
  }

  /* Send a queued draft once. Resolves to {outcome, data}: outcome is "sent", "conflict",
   * "invalid" (the server refused the content), "login" (the session ended: keep it),
   * or "network" (no answer: try again later). */
  function send(draft, csrf) {
    var body = new FormData();
    Object.keys(draft.values).forEach(function (name) { body.append(name, draft.values[name]); });
    body.append("csrfmiddlewaretoken", csrf || draft.csrf);
    body.append("version", String(draft.version));
    body.append("submission_key", draft.key);
    body.append("intent", draft.queued ? draft.queued.intent : "save");
    return fetch(draft.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      redirect: "manual",
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) {
        // A redirect to the login page, or a refused CSRF token after a new login.
        return { outcome: response.status >= 500 ? "network" : "login", data: null };
      }
      return response.json().then(function (data) {
        if (response.status === 200) { return { outcome: "sent", data: data }; }
        if (response.status === 409) { return { outcome: "conflict", data: data }; }
        if (response.status >= 500) { return { outcome: "network", data: data }; }
        return { outcome: "invalid", data: data };
      });
    }, function () {
      return { outcome: "network", data: null };
    });
  }

  /* Send every queued draft (the worker's Background Sync). A sent draft is removed. */
  function sendAll() {
    return all().then(function (drafts) {
      return Promise.all((drafts || []).filter(function (d) { return d.queued; }).map(function (draft) {
        return send(draft).then(function (result) {
          result.id = draft.id;
          if (result.outcome === "sent") { return remove(draft.id).then(function () { return result; }); }
          if (result.outcome === "network") { throw new Error("offline"); } // Background Sync retries
          return result;
        });
      }));
    });
  }

  scope.PangtingOffline = { get: get, put: put, remove: remove, all: all, send: send, sendAll: sendAll };
})(self);
