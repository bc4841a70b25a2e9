/* The observation record form on a phone in a meeting room (issue 16, offline on-site record).
 *
 * Every keystroke goes to IndexedDB (debounced, keyed by visit and user). A press of a button
 * queues the form there, then sends it to the record's sync address; with no network it waits
 * and sends again on the "online" event, every RETRY_MS while the page is open, and through the
 * service worker's Background Sync where there is one. The idempotency key makes the server save
 * it once, the version it was typed over makes a conflict visible: both versions side by side.
 * Plain HTTP (no service worker) keeps all of this except opening the page with no network.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-offline-record]");
  if (!form || !window.PangtingOffline) { return; }
  var store = window.PangtingOffline;
  var text = JSON.parse(document.getElementById("offline-messages").textContent);
  var stateLine = document.querySelector("[data-offline-state]");
  var conflictBox = document.querySelector("[data-offline-conflict]");
  var offerBox = document.querySelector("[data-offline-offer]");
  var errorBox = document.querySelector("[data-offline-errors]");
  var versionInput = form.querySelector("input[name=version]");
  var keyInput = form.querySelector("input[name=submission_key]");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var draftId = form.dataset.draftId;
  var DEBOUNCE_MS = 300;
  var RETRY_MS = 15000;
  var QUICK_RETRY_MS = 3000;
  var LEAVE_AFTER_MS = 1200;
  var SKIP = { csrfmiddlewaretoken: 1, version: 1, submission_key: 1 };
  var timer = null;
  var sending = false;
  var leaving = false;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP[el.name] && el.type !== "submit" && el.type !== "button";
    });
  }

  function values() {
    var out = {};
    fields().forEach(function (el) { out[el.name] = el.value; });
    return out;
  }

  function fill(vals) {
    fields().forEach(function (el) { if (el.name in vals) { el.value = vals[el.name]; } });
  }

  function labelOf(name) {
    var el = form.elements[name];
    var label = el && el.id ? form.querySelector("label[for='" + el.id + "']") : null;
    return label ? label.textContent.replace(/\s*\*$/, "") : name;
  }

  function clock(ms) {
    var d = new Date(ms);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return (n < 10 ? "0" : "") + n; }).join(":");
  }

  function show(state, detail) {
    stateLine.dataset.state = state;
    stateLine.textContent = detail ? text[state].replace("{time}", detail) : text[state];
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    // crypto.randomUUID needs a secure context; getRandomValues does not.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function draftFromForm(queued) {
    return {
      id: draftId,
      values: values(),
      version: Number(versionInput.value),
      key: keyInput.value,
      savedAt: Date.now(),
      queued: queued || null,
      csrf: csrfInput.value,
      url: form.dataset.syncUrl,
    };
  }

  /* Keep what was typed; a queued sending stays queued while the user goes on typing. */
  function saveNow() {
    clearTimeout(timer);
    timer = null;
    return store.get(draftId).then(function (old) {
      return store.put(draftFromForm(old && old.queued));
    }).then(function (draft) {
      show(draft.queued ? "queued" : "saved", clock(draft.savedAt));
      return draft;
    });
  }

  function onInput() {
    clearTimeout(timer);
    timer = setTimeout(saveNow, DEBOUNCE_MS);
  }

  function showErrors(messages) {
    errorBox.innerHTML = "";
    (messages || []).forEach(function (m) {
      var li = document.createElement("li");
      li.textContent = m;
      errorBox.appendChild(li);
    });
    errorBox.hidden = !messages || !messages.length;
  }

  function trySend() {
    if (sending) { return Promise.resolve(); }
    return store.get(draftId).then(function (draft) {
      if (!draft || !draft.queued) { return; }
      if (!navigator.onLine) { show("offline"); return; }
      sending = true;
      return store.send(draft, csrfInput.value).then(function (result) {
        sending = false;
        return settle(draft, result);
      });
    }).catch(function () { sending = false; show("offline"); });
  }

  function settle(sent, result) {
    var data = result.data || {};
    if (result.outcome === "network") {
      show("offline");
      // The browser says online but the request failed (the network is only just back): soon again.
      if (navigator.onLine) { setTimeout(trySend, QUICK_RETRY_MS); }
      return;
    }
    if (result.outcome === "login") { show("login"); return; }
    return store.get(draftId).then(function (now) {
      var unchanged = now && now.savedAt === sent.savedAt;
      if (result.outcome === "sent") {
        showErrors([]);
        versionInput.value = String(data.version);
        keyInput.value = newKey();
        show(data.filed ? "filed" : "sent");
        if (unchanged || !now) { return store.remove(draftId).then(function () { leaveFor(data.next); }); }
        // Typed (or pressed a button) again while it was on its way: that is a new draft over
        // the new version, with a new key, still queued if it was.
        return store.put(Object.assign(now, { version: data.version, key: keyInput.value })).then(function (d) {
          if (d.queued) { return trySend(); }
        });
      }
      var kept = Object.assign(now || sent, { queued: null });
      if (result.outcome === "conflict") {
        showConflict(kept, sent.queued.intent, data);
        show("conflict");
      } else {
        showErrors(data.errors);
        show("refused");
      }
      return store.put(kept);
    });
  }

  /* Both versions side by side; the user keeps one per field (or all of one side) and sends
   * the result over the server's version. */
  function showConflict(draft, intent, data) {
    var server = data.server || {};
    var body = conflictBox.querySelector("tbody");
    body.innerHTML = "";
    Object.keys(draft.values).forEach(function (name) {
      var mine = draft.values[name] || "";
      var theirs = name in server ? String(server[name]) : "";
      if (mine === theirs) { return; }
      var row = document.createElement("tr");
      row.dataset.field = name;
      var th = document.createElement("th");
      th.textContent = labelOf(name);
      row.appendChild(th);
      [["local", mine], ["server", theirs]].forEach(function (side) {
        var td = document.createElement("td");
        var label = document.createElement("label");
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "pick-" + name;
        radio.value = side[0];
        radio.checked = side[0] === "local";
        var span = document.createElement("span");
        span.className = "conflict-text";
        span.textContent = side[1] || text.empty;
        label.appendChild(radio);
        label.appendChild(span);
        td.appendChild(label);
        row.appendChild(td);
      });
      body.appendChild(row);
    });
    conflictBox.dataset.intent = intent;
    conflictBox.dataset.version = String(data.version);
    conflictBox.serverValues = server;
    conflictBox.hidden = false;
    conflictBox.scrollIntoView({ block: "start" });
  }

  function pickAll(side) {
    conflictBox.querySelectorAll("input[type=radio][value=" + side + "]").forEach(function (r) { r.checked = true; });
  }

  function resolveConflict() {
    var server = conflictBox.serverValues || {};
    conflictBox.querySelectorAll("tbody tr").forEach(function (row) {
      var picked = row.querySelector("input[type=radio]:checked");
      if (picked && picked.value === "server") {
        form.elements[row.dataset.field].value = server[row.dataset.field] != null ? String(server[row.dataset.field]) : "";
      }
    });
    versionInput.value = conflictBox.dataset.version;
    conflictBox.hidden = true;
    queue(conflictBox.dataset.intent);
  }

  function queue(intent) {
    clearTimeout(timer);
    return store.put(draftFromForm({ intent: intent })).then(function (draft) {
      show("queued", clock(draft.savedAt));
      askBackgroundSync();
      return trySend();
    });
  }

  function askBackgroundSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) { return reg.sync.register("record-sync"); }
    }).catch(function () { /* no Background Sync: the page's own retries do it */ });
  }

  /* On load: a queued draft goes on being sent; a newer unsent draft is offered. */
  function restore() {
    return store.get(draftId).then(function (draft) {
      if (!draft) { return; }
      var differs = Object.keys(draft.values).some(function (n) {
        return form.elements[n] && form.elements[n].value !== draft.values[n];
      });
      if (draft.queued) {
        apply(draft);
        show("queued", clock(draft.savedAt));
        return trySend();
      }
      if (!differs) { return store.remove(draftId); } // nothing the server does not have
      // Offered even when the server's copy is newer: the version check then shows both.
      offerBox.querySelector("[data-offline-offer-time]").textContent = clock(draft.savedAt);
      offerBox.hidden = false;
      offerBox.querySelector("[data-offline-restore]").onclick = function () {
        apply(draft);
        offerBox.hidden = true;
        show("saved", clock(draft.savedAt));
      };
      offerBox.querySelector("[data-offline-discard]").onclick = function () {
        offerBox.hidden = true;
        store.remove(draftId);
      };
    });
  }

  function apply(draft) {
    fill(draft.values);
    versionInput.value = String(draft.version);
    keyInput.value = draft.key;
  }

  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.submitter;
    queue(button && button.name === "submit" ? "submit" : "save");
  });
  conflictBox.querySelector("[data-offline-keep-local]").addEventListener("click", function () { pickAll("local"); });
  conflictBox.querySelector("[data-offline-keep-server]").addEventListener("click", function () { pickAll("server"); });
  conflictBox.querySelector("[data-offline-resolve]").addEventListener("click", resolveConflict);
  window.addEventListener("online", trySend);
  window.addEventListener("offline", function () { show("offline"); });
  window.addEventListener("pagehide", function () { if (timer) { saveNow(); } });
  document.addEventListener("visibilitychange", function () { if (document.hidden && timer) { saveNow(); } });
  setInterval(trySend, RETRY_MS);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "record-sync-done") { afterWorker(event.data.results || []); }
    });
  }

  /* The worker sent this page's draft (Background Sync): take the new version and a new key. */
  function afterWorker(results) {
    results.forEach(function (result) {
      if (result.id !== draftId || result.outcome !== "sent") { return; }
      versionInput.value = String(result.data.version);
      keyInput.value = newKey();
      show(result.data.filed ? "filed" : "sent");
      leaveFor(result.data.next);
    });
  }

  /* Like the form without script: once the server has it, on to the visit's page (after the
   * state line has said so for a moment). Once only: the page and the service worker can both
   * send the same draft (the server saves it once), and a second navigation would abort the first. */
  function leaveFor(url) {
    if (!url || leaving) { return; }
    leaving = true;
    setTimeout(function () { location.assign(url); }, LEAVE_AFTER_MS);
  }

  show(navigator.onLine ? "idle" : "offline");
  restore();
})();
