/* wangge's service worker for the field pages (docs/fieldwork.md, "Offline"), release {{ release }}.
   Keeps the field pages the worker opened and the files they need: network first, the cache when
   there is no connection; a field page never opened is answered with the offline page, which
   builds its form from the grid's data kept in the browser. Never the API, never other pages
   (the person pages among them). A new release has a new cache name; the old cache is deleted. */
"use strict";

var CACHE = "wangge-field-{{ release }}";
var SHELL = "{{ shell }}";
var STATIC = "{{ static }}";
var ASSETS = [{% for asset in assets %}"{{ asset }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
// The field pages kept once opened: the start page, a grid's briefing, patrol and visit list, a
// building's QR check-in page, a household's visit form (which never shows the needs or the note).
var KEPT = [
  /^\/fieldwork\/$/,
  /^\/fieldwork\/grids\/\d+\/(briefing|patrol|visits)\/$/,
  /^\/fieldwork\/checkin\/\d+\/$/,
  /^\/fieldwork\/households\/\d+\/visit\/$/,
  /^\/fieldwork\/offline\/$/
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(ASSETS.concat([SHELL])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("wangge-field-") === 0 && name !== CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function fromNetwork(event, keep) {
  return fetch(event.request).then(function (response) {
    if (keep && response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(event.request, copy); }));
    }
    return response;
  });
}

function fromCache(request) {
  return caches.match(request, { ignoreVary: true });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(STATIC) === 0) {
    event.respondWith(fromNetwork(event, true).catch(function () { return fromCache(request); }));
    return;
  }
  if (url.pathname === SHELL) {  // refreshed by the field pages while online
    event.respondWith(fromNetwork(event, true).catch(function () { return fromCache(SHELL); }));
    return;
  }
  if (request.mode !== "navigate" || url.pathname.indexOf("/fieldwork/") !== 0) return;
  var keep = !url.search && KEPT.some(function (pattern) { return pattern.test(url.pathname); });
  event.respondWith(fromNetwork(event, keep).catch(function () {
    return fromCache(request).then(function (hit) { return hit || fromCache(SHELL); });
  }));
});
