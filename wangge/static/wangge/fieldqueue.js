/* The field pages without a connection (docs/fieldwork.md, "Offline").

   Online, the briefing, patrol and visit forms post as they always did. Without a connection a
   record is built here as the REST API's JSON (a uuid made on the phone, the time of the edit)
   and kept in IndexedDB; a patrol is kept on the phone from its start and queued whole when it
   is finished. The queue is sent to the API when the connection returns (the `online` event, a
   page load, the "send now" button): a record leaves the queue once the server has stored it
   (200 or 201; a uuid already stored answers 200 and creates nothing, so sending again is
   harmless); one the server refuses (4xx) stays, with the server's message, until sent again by
   hand or discarded; after a network or server error it stays queued as it was.

   Also: registers the service worker, and keeps each grid's data (buildings, households, team)
   for the offline page (templates/web/fieldwork/offline.html). `window.wanggeField` is what the
   browser test reads and replays. */
(function () {
  "use strict";

  var bar = document.getElementById("fw-queue");
  if (!bar) return;
  var script = document.currentScript;
  var user = Number(bar.dataset.user);
  var main = document.getElementById("main");
  var PATHS = { briefing: "briefings", patrol: "patrols", visit: "visits" };
  var CSRF_COOKIE = "csrftoken"; // Django's default; the cookie is readable (CSRF_COOKIE_HTTPONLY is off)
  var GRID_DATA_AGE_MS = 5 * 60 * 1000;

  function text(name, values) {
    var found = bar.getAttribute("data-text-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { found = found.replace("%(" + key + ")s", values[key]); });
    return found;
  }

  function url(name, id) {
    return bar.getAttribute("data-" + name).replace("/0/", "/" + id + "/");
  }

  // --- IndexedDB: the queue, the patrols in progress, the grids' data ----------------------------

  var opened = null;
  function database() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var request = indexedDB.open("wangge-field", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("queue", { keyPath: "uuid" });
          request.result.createObjectStore("patrols", { keyPath: "key" });
          request.result.createObjectStore("grids", { keyPath: "id" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opened;
  }

  function run(store, mode, call) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(store, mode);
        var request = call(transaction.objectStore(store));
        transaction.oncomplete = function () { resolve(request.result); };
        transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }
  function get(store, key) { return run(store, "readonly", function (s) { return s.get(key); }); }
  function put(store, value) { return run(store, "readwrite", function (s) { return s.put(value); }); }
  function remove(store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); }
  function all(store) { return run(store, "readonly", function (s) { return s.getAll(); }); }

  // --- small helpers -------------------------------------------------------------------------

  function newUuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }
  function now() { return new Date().toISOString(); }
  function today() { // YYYY-MM-DD in the site's time zone
    return new Intl.DateTimeFormat("en-CA", { timeZone: bar.dataset.timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  }
  function clock(iso) {
    return new Intl.DateTimeFormat("zh-CN", { timeZone: bar.dataset.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
  }
  function element(tag, attributes, content) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (content !== undefined) node.textContent = content;
    return node;
  }
  function notice(testid, message) { return element("p", { "class": "notice", "data-testid": testid }, message); }
  function heading() { var h1 = main.querySelector("h1"); return h1 ? h1.textContent.replace(/\s+/g, " ").trim() : ""; }
  function clearAfterHeading() { // the page's own forms give way to what is built here
    var h1 = main.querySelector("h1");
    while (h1 && h1.nextElementSibling) h1.nextElementSibling.remove();
    return h1;
  }
  function csrf() {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + CSRF_COOKIE + "=([^;]+)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // --- the queue -----------------------------------------------------------------------------

  var sentNow = 0;
  var sentPatrols = []; // as the server answered them: their check-ins may become cases
  var loginNeeded = false;

  function queued() {
    return all("queue").then(function (items) {
      return items.filter(function (item) { return item.user === user; })
        .sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
    });
  }

  function enqueue(kind, body, label) {
    var item = { uuid: body.uuid, kind: kind, user: user, body: body, label: label, queued_at: now(), error: "" };
    return put("queue", item).then(function () { return navigator.onLine ? drain(false) : show(); });
  }

  /* One record to the API as the logged-in user: {status, data}. Rejects without a connection. */
  function send(kind, body) {
    return fetch(bar.dataset.api + PATHS[kind], {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function sendOne(item, again) {
    if (item.error && !again) return Promise.resolve(true); // refused before: only by hand
    return send(item.kind, item.body).then(function (answer) {
      if (answer.status === 200 || answer.status === 201) {
        sentNow += 1;
        if (item.kind === "patrol") sentPatrols.push(answer.data);
        return remove("queue", item.uuid).then(function () { return true; });
      }
      if (answer.status === 401 || (answer.status === 403 && answer.data.code === "csrf_failed")) {
        loginNeeded = true;
        return false;
      }
      if (answer.status >= 400 && answer.status < 500) {
        item.error = answer.data.message || String(answer.status);
        return put("queue", item).then(function () { return true; });
      }
      return false; // a server error: kept as it is, tried again later
    }, function () { return false; }); // no connection
  }

  var draining = null;
  /* Send the queue in order, stopping at the first network or server error. `again`: also the
     records the server refused before (the "send now" button). */
  function drain(again) {
    if (draining) return draining;
    loginNeeded = false;
    bar.dataset.sending = "true";
    var done = function () { draining = null; delete bar.dataset.sending; };
    draining = queued().then(function (items) {
      if (items.length) showState(text("sending"));
      return items.reduce(function (chain, item) {
        return chain.then(function (goOn) { return goOn ? sendOne(item, again) : false; });
      }, Promise.resolve(true));
    }).then(show).then(function (items) { done(); return items; }, function (error) { done(); throw error; });
    return draining;
  }

  function showState(message) {
    bar.querySelector(".fw-queue-state").textContent = message;
    bar.hidden = false;
  }

  function show() {
    return queued().then(function (items) {
      var waiting = items.filter(function (item) { return !item.error; });
      var refused = items.filter(function (item) { return item.error; });
      var lines = [];
      if (!navigator.onLine) lines.push(text("offline"));
      if (waiting.length) lines.push(text("waiting", { count: waiting.length }));
      if (loginNeeded && items.length) lines.push(text("login"));
      if (navigator.onLine && !items.length && sentNow) lines.push(text("sent"));
      bar.querySelector(".fw-queue-state").textContent = lines.join(" ");
      var list = bar.querySelector(".fw-queue-refused");
      list.textContent = "";
      refused.forEach(function (item) {
        var li = element("li", { "data-testid": "refused" }, item.label + " · " + text("refused", { message: item.error }) + " ");
        var discard = element("button", { type: "button", "class": "button secondary" }, text("discard"));
        discard.addEventListener("click", function () { remove("queue", item.uuid).then(show); });
        li.appendChild(discard);
        list.appendChild(li);
      });
      var reports = bar.querySelector(".fw-queue-reports");
      reports.textContent = "";
      if (sentPatrols.length) reports.appendChild(element("li", {}, text("patrol-sent")));
      sentPatrols.forEach(function (patrol) {
        (patrol.checkins || []).forEach(function (checkin) {
          var place = checkin.building ? checkin.building.name : text("a-point");
          var li = element("li", {}, clock(checkin.at) + " · " + place + " ");
          li.appendChild(element("a", { href: url("report-url", checkin.id), "data-testid": "report-" + checkin.id }, text("report")));
          reports.appendChild(li);
        });
      });
      bar.querySelector("[data-testid=send-now]").parentNode.hidden = !items.length;
      bar.dataset.waiting = String(waiting.length);
      bar.dataset.refused = String(refused.length);
      bar.hidden = !lines.length && !refused.length && !sentPatrols.length;
      return items;
    });
  }

  // --- the grids' data, for the offline page -------------------------------------------------

  function refreshGrids() {
    var ids = {};
    document.querySelectorAll("[data-grid]").forEach(function (node) { ids[node.dataset.grid] = true; });
    return Promise.all(Object.keys(ids).map(function (id) {
      return get("grids", Number(id)).then(function (kept) {
        if (kept && kept.user === user && Date.now() - kept.fetched < GRID_DATA_AGE_MS) return null;
        return fetch(url("grid-data", id), { credentials: "same-origin" }).then(function (response) {
          if (!response.ok) return null;
          return response.json().then(function (data) {
            data.user = user;
            data.fetched = Date.now();
            return put("grids", data);
          });
        });
      });
    }));
  }

  function gridOf(test) { // the kept grid whose data passes `test`
    return all("grids").then(function (grids) {
      return grids.filter(function (grid) { return grid.user === user && test(grid); })[0] || null;
    });
  }

  // --- patrols kept on the phone -----------------------------------------------------------

  function patrolKey(grid) { return user + ":" + grid; }

  function startPatrol(grid) {
    return get("patrols", patrolKey(grid)).then(function (kept) {
      if (kept) return kept;
      var patrol = { key: patrolKey(grid), user: user, grid: grid, uuid: newUuid(), started_at: now(), checkins: [] };
      return put("patrols", patrol).then(function () { return patrol; });
    });
  }

  function checkIn(grid, building, note) {
    return startPatrol(grid).then(function (patrol) {
      patrol.checkins.push({ building: building, at: now(), note: note || "" });
      return put("patrols", patrol).then(function () { return patrol; });
    });
  }

  function finishPatrol(patrol, findings, label) {
    var at = now();
    var body = {
      uuid: patrol.uuid, grid: patrol.grid, started_at: patrol.started_at, finished_at: at,
      checkins: patrol.checkins, findings: findings, updated_at: at
    };
    return remove("patrols", patrol.key).then(function () { return enqueue("patrol", body, label); });
  }

  /* The patrol kept on the phone, in place of the page's own patrol forms. */
  function showPatrol(patrol, grid) {
    var h1 = clearAfterHeading();
    var panel = document.getElementById("fw-local-patrol").content.cloneNode(true).firstElementChild;
    var names = {};
    (grid ? grid.buildings : []).forEach(function (b) { names[b.id] = b.name; });
    var checked = {};
    patrol.checkins.forEach(function (c) { checked[c.building] = true; });
    panel.querySelector("[data-part=started]").textContent = text("started", { time: clock(patrol.started_at) });
    var buttons = panel.querySelector("[data-part=buildings]");
    if (!grid) buttons.appendChild(notice("not-saved", text("not-saved")));
    (grid ? grid.buildings : []).forEach(function (b) {
      var button = element("button", { type: "button", "class": checked[b.id] ? "button secondary" : "button", "data-testid": "building-" + b.id }, b.name + (checked[b.id] ? " ✓" : ""));
      button.addEventListener("click", function () {
        checkIn(patrol.grid, b.id, panel.querySelector("#fw-note").value).then(function (p) { showPatrol(p, grid); });
      });
      buttons.appendChild(button);
    });
    panel.querySelector("[data-part=count]").textContent = "(" + patrol.checkins.length + ")";
    var list = panel.querySelector("[data-part=checkins]");
    patrol.checkins.forEach(function (c) {
      var line = clock(c.at) + " · " + (names[c.building] || text("a-point")) + (c.note ? " · " + c.note : "");
      list.appendChild(element("li", { "data-testid": "checkin" }, line));
    });
    panel.querySelector("[data-testid=finish]").addEventListener("click", function () {
      var label = heading();
      finishPatrol(patrol, panel.querySelector("#fw-findings").value, label).then(function () {
        clearAfterHeading();
        h1.after(notice("saved", text("patrol-saved")));
      });
    });
    h1.after(panel);
  }

  function openPatrol(grid) {
    return Promise.all([get("patrols", patrolKey(grid)), get("grids", grid)]).then(function (found) {
      if (found[0]) showPatrol(found[0], found[1]);
      return found[0];
    });
  }

  // --- the forms -----------------------------------------------------------------------------

  function briefingRecord(form) {
    var data = new FormData(form);
    var assignees = data.getAll("task_assignee");
    var dues = data.getAll("task_due");
    var tasks = [];
    data.getAll("task_text").forEach(function (taskText, i) {
      if (!taskText.trim()) return;
      tasks.push({ text: taskText, assignee: assignees[i] ? Number(assignees[i]) : null, due: dues[i] || null });
    });
    return {
      uuid: newUuid(), grid: Number(form.dataset.grid), date: today(),
      attendees: data.getAll("attendee").map(Number), matters: data.get("matters") || "", tasks: tasks, updated_at: now()
    };
  }

  function visitRecord(form) {
    var data = new FormData(form);
    var at = now();
    return {
      uuid: newUuid(), household: Number(form.dataset.household), visited_at: at,
      met: data.get("met") || "", needs: data.get("needs") || "", note: data.get("note") || "",
      flags: data.getAll("flag"), changes: data.getAll("change"), updated_at: at
    };
  }

  /* The page's form gives way to a notice that the record is kept; the label it is queued under. */
  function saved(testid, message, link) {
    var label = heading();
    var note = notice(testid, message);
    clearAfterHeading().after(note);
    if (link) {
      var paragraph = element("p");
      paragraph.appendChild(element("a", { href: link.href }, link.text));
      note.after(paragraph);
    }
    return label;
  }

  /* A notice above the form, once however often the form is sent. */
  function warn(form, testid, message) {
    var previous = form.previousElementSibling;
    if (previous && previous.dataset.testid === testid) return;
    form.before(notice(testid, message));
  }

  var handlers = {
    "briefing": function (form) {
      var body = briefingRecord(form);
      enqueue("briefing", body, saved("saved", text("briefing-saved")));
    },
    "visit": function (form) {
      if (form.querySelector("[name=raise_case]:checked")) {
        warn(form, "case-online", text("case-online"));
        return;
      }
      var body = visitRecord(form);
      var back = { href: url("visits-url", form.dataset.grid), text: text("visits") };
      enqueue("visit", body, saved("saved", text("visit-saved"), back));
    },
    "patrol-start": function (form) {
      var grid = Number(form.dataset.grid);
      startPatrol(grid).then(function () { return openPatrol(grid); });
    },
    "patrol-checkin": function (form, submitter) {
      var grid = Number(form.dataset.grid);
      var note = form.querySelector("[name=note]");
      checkIn(grid, Number(submitter.value), note ? note.value : "").then(function () { return openPatrol(grid); });
    },
    "patrol-finish": function (form) {
      warn(form, "finish-online", text("finish-online"));
    },
    "qr-checkin": function (form) {
      var grid = Number(form.dataset.grid);
      checkIn(grid, Number(form.dataset.building), "").then(function () {
        window.location.assign(url("patrol-url", grid));
      });
    }
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.dataset ? form.dataset.offline : "";
    // Online, the server's own forms post as they always did; the offline page's forms never do.
    if (!handlers[kind] || (navigator.onLine && !form.hasAttribute("data-local"))) return;
    event.preventDefault();
    handlers[kind](form, event.submitter);
  });

  // --- the offline page: the form for the address asked ----------------------------------------

  function fill(templateId, attributes) {
    var form = document.getElementById(templateId).content.cloneNode(true).firstElementChild;
    var h1 = clearAfterHeading();
    Object.keys(attributes).forEach(function (name) { form.dataset[name] = attributes[name]; });
    h1.after(form);
    return form;
  }

  function title(h1, main, sub) {
    h1.textContent = main + " ";
    h1.appendChild(element("span", { "class": "muted small" }, sub));
  }

  function notSaved() {
    clearAfterHeading().after(notice("not-saved", text("not-saved")));
  }

  function buildShell(h1) {
    var path = window.location.pathname;
    var match;
    if ((match = path.match(/^\/fieldwork\/grids\/(\d+)\/(briefing|patrol)\/$/))) {
      var gridId = Number(match[1]);
      var kind = match[2];
      return get("grids", gridId).then(function (grid) {
        if (!grid || grid.user !== user) return notSaved();
        title(h1, h1.dataset[kind], grid.name);
        if (kind === "patrol") {
          return openPatrol(gridId).then(function (patrol) {
            if (!patrol) fill("fw-patrol-start", { grid: gridId });
          });
        }
        var form = fill("fw-briefing", { grid: gridId });
        var attendees = form.querySelector("[data-part=attendees]");
        grid.team.forEach(function (person) {
          var label = element("label", { "class": "choice" });
          label.appendChild(element("input", { type: "checkbox", name: "attendee", value: person.id, checked: "" }));
          label.append(" " + person.name);
          attendees.appendChild(label);
        });
        form.querySelectorAll("select[name=task_assignee]").forEach(function (select) {
          grid.team.forEach(function (person) { select.appendChild(element("option", { value: person.id }, person.name)); });
        });
      });
    }
    if ((match = path.match(/^\/fieldwork\/checkin\/(\d+)\/$/))) {
      var buildingId = Number(match[1]);
      return gridOf(function (grid) { return grid.buildings.some(function (b) { return b.id === buildingId; }); }).then(function (grid) {
        if (!grid) return notSaved();
        var building = grid.buildings.filter(function (b) { return b.id === buildingId; })[0];
        title(h1, building.name, grid.name);
        fill("fw-checkin", { grid: grid.id, building: buildingId });
      });
    }
    if ((match = path.match(/^\/fieldwork\/households\/(\d+)\/visit\/$/))) {
      var householdId = Number(match[1]);
      return gridOf(function (grid) { return grid.households.some(function (h) { return h.id === householdId; }); }).then(function (grid) {
        if (!grid) return notSaved();
        var household = grid.households.filter(function (h) { return h.id === householdId; })[0];
        title(h1, h1.dataset.visit, household.label);
        fill("fw-visit", { grid: grid.id, household: householdId });
      });
    }
    notSaved();
    return Promise.resolve();
  }

  // --- start ---------------------------------------------------------------------------------

  function start() {
    var steps = [show()];
    var shellHeading = document.getElementById("fw-shell");
    if (shellHeading) {
      steps.push(buildShell(shellHeading));
    } else {
      var patrolForm = document.querySelector("form[data-offline=patrol-start], form[data-offline=patrol-checkin]");
      if (patrolForm) steps.push(openPatrol(Number(patrolForm.dataset.grid)));
      // A building's QR page checks in on the patrol kept on the phone, when there is one, online too.
      var qrForm = document.querySelector("form[data-offline=qr-checkin]");
      if (qrForm) {
        steps.push(get("patrols", patrolKey(Number(qrForm.dataset.grid))).then(function (kept) {
          if (kept) qrForm.setAttribute("data-local", "");
        }));
      }
    }
    if (navigator.onLine) {
      steps.push(drain(false));
      steps.push(refreshGrids());
      steps.push(fetch(bar.dataset.shell, { credentials: "same-origin" }).catch(function () { return null; }));
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/fieldwork/" });
      if (navigator.onLine) steps.push(navigator.serviceWorker.ready);
    }
    // For the browser test: everything this page load does for the offline pages is done.
    Promise.all(steps).then(function () { document.documentElement.dataset.fieldReady = "true"; });
  }

  window.addEventListener("online", function () { drain(false); });
  window.addEventListener("offline", show);
  bar.querySelector("[data-testid=send-now]").addEventListener("click", function () { drain(true); });

  window.wanggeField = { queued: queued, enqueue: enqueue, send: send, drain: drain };
  start();
})();
