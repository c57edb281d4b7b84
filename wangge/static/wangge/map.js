/* The one map component of the web app: Leaflet 1.9 (vendored), no other dependency.

   Every map is a <div data-map="KIND" data-config="ID"> whose configuration is the JSON of
   <script type="application/json" id="ID">, written by the server (`wangge.web.views.map_config`).
   Coordinates arrive already in the tiles' system (`tile_crs`). Every map draws:
   - the grid outlines (`grids_url`); grids listed in `highlight_grids` or marked `own` by the
     server are highlighted; `color_by: "overdue"` shades each grid by its `overdue` count;
   - the buildings as small points once zoomed in to `buildings_min_zoom` (`buildings_url`,
     asked for the visible box only); a tap shows the building's label.
   And per KIND:
   - district: the grids are the data (`geojson_url`); a tap opens the grid's page;
   - grid: one grid's outline and buildings, inline (`data-source`); a tap on a building opens its
     `url`, or presses the page's button whose id is its `button` (the patrol's check-in; a
     `checked` building is green);
   - cases: case points (`geojson_url`) coloured by flag, with a legend; a tap shows the case;
   - pick: the place of the filing form (see `pickMap`);
   - point: one case's place (`point`), its grid highlighted;
   - preview: an uploaded grid file before commit (`data-source`), overlaps and gaps marked.
   Text shown is data (escaped: set as textContent) or translated text from `config.text`.
   States for tests and styling: data-state="loading|ready|error", data-features (the kind's
   own features), data-grids, data-highlighted (grids drawn highlighted), data-buildings. */
(function () {
  "use strict";

  var DEFAULT_VIEW = { center: [36.65, 117.0], zoom: 12 };
  // Few grids: names stay on the map (phones have no hover); many: names on hover/tap only.
  var PERMANENT_LABELS_UP_TO = 40;
  var FLAG_COLOURS = { overdue: "#c62828", due_soon: "#ef8f00", "": "#1f6fb8" };
  // Shades of the overdue count of a grid: from `min` cases on (0 = neutral).
  var OVERDUE_SHADES = [
    { min: 0, colour: "#eceff1", label: "0" },
    { min: 1, colour: "#fcbba1", label: "1–2" },
    { min: 3, colour: "#fb6a4a", label: "3–5" },
    { min: 6, colour: "#cb181d", label: "≥ 6" },
  ];
  // What the import does with each grid of an uploaded file (the preview kind).
  var PREVIEW_COLOURS = { new: "#2e7d32", redrawn: "#1f6fb8", unchanged: "#78909c" };
  var HIGHLIGHT_STYLE = { color: "#b71c1c", weight: 4, opacity: 1, fillColor: "#e53935", fillOpacity: 0.12 };
  // A building: a small dot inside an invisible ring that takes the tap (a finger is wider than a dot).
  var BUILDING_STYLE = { radius: 5, color: "#546e7a", opacity: 0, weight: 18, fillColor: "#546e7a", fillOpacity: 0.8, className: "building-point" };
  var POINT_STYLE = { radius: 10, color: "#ffffff", weight: 3, fillColor: "#d32f2f", fillOpacity: 1, interactive: false };

  // --- small helpers ----------------------------------------------------------------------

  function readJson(id) {
    var el = id ? document.getElementById(id) : null;
    return el ? JSON.parse(el.textContent) : null;
  }

  function element(tag, text, className) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text; // never HTML: names come from data entry
    if (className) el.className = className;
    return el;
  }

  function say(config, key) {
    return (config.text && config.text[key]) || key;
  }

  function withParam(url, param) {
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + param;
  }

  function fetchJson(url, signal) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" }, signal: signal })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  // WGS-84 to the tiles' system, for showing the device's position only (the position itself is
  // filed as WGS-84 and converted by the server). The same formulas as `wangge.lib.geo`.
  function outsideChina(lng, lat) {
    return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function transformLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
    r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
    r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
    return r;
  }

  function transformLng(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
    r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
    r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
    return r;
  }

  function wgs84ToGcj02(lng, lat) {
    if (outsideChina(lng, lat)) return [lng, lat];
    var a = 6378245.0, ee = 0.00669342162296594323;
    var dlat = transformLat(lng - 105, lat - 35);
    var dlng = transformLng(lng - 105, lat - 35);
    var radlat = (lat / 180) * Math.PI;
    var magic = 1 - ee * Math.sin(radlat) * Math.sin(radlat);
    var sqrtmagic = Math.sqrt(magic);
    dlat = (dlat * 180) / (((a * (1 - ee)) / (magic * sqrtmagic)) * Math.PI);
    dlng = (dlng * 180) / ((a / sqrtmagic) * Math.cos(radlat) * Math.PI);
    return [lng + dlng, lat + dlat];
  }

  function gcj02ToBd09(lng, lat) {
    var xpi = (Math.PI * 3000) / 180;
    var z = Math.sqrt(lng * lng + lat * lat) + 0.00002 * Math.sin(lat * xpi);
    var theta = Math.atan2(lat, lng) + 0.000003 * Math.cos(lng * xpi);
    return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
  }

  function fromWgs84(lng, lat, crs) {
    if (crs === "gcj02") return wgs84ToGcj02(lng, lat);
    if (crs === "bd09") return gcj02ToBd09.apply(null, wgs84ToGcj02(lng, lat));
    return [lng, lat];
  }

  // --- the parts every map has ------------------------------------------------------------

  function baseMap(el, config) {
    var map = L.map(el, { zoomSnap: 0.5, scrollWheelZoom: false, zoomControl: false });
    map.setView(config.point ? [config.point[1], config.point[0]] : DEFAULT_VIEW.center, DEFAULT_VIEW.zoom);
    map.attributionControl.setPrefix(false); // no English "Leaflet" link; the tiles' attribution stays
    L.control.zoom({ zoomInTitle: config.zoom_in || "+", zoomOutTitle: config.zoom_out || "-" }).addTo(map);
    if (config.tile_url) {
      L.tileLayer(config.tile_url, { attribution: config.attribution || "", maxZoom: 19 }).addTo(map);
    }
    // Leaflet's popup close button is labelled in English.
    map.on("popupopen", function (event) {
      var button = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (button) button.setAttribute("aria-label", say(config, "close"));
    });
    return map;
  }

  function fail(el, config) {
    el.dataset.state = "error";
    el.appendChild(element("p", config.error || "", "map-error"));
  }

  function legend(map, title, rows) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var box = element("div", null, "map-legend");
      if (title) box.appendChild(element("strong", title));
      rows.forEach(function (row) {
        var line = element("span", null, "map-legend-row");
        var swatch = element("i", null, "map-legend-swatch");
        swatch.style.background = row.colour;
        line.appendChild(swatch);
        line.appendChild(element("span", row.label));
        box.appendChild(line);
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    control.addTo(map);
  }

  // Moves a group's shapes under the others, keeping their order among themselves except
  // that those of `onTop` (a group) come last, over their neighbours.
  function toBack(group, onTop) {
    var layers = group.getLayers();
    if (onTop) {
      layers = layers.filter(function (layer) { return !onTop.hasLayer(layer); }).concat(onTop.getLayers());
    }
    layers.reverse().forEach(function (layer) { layer.bringToBack(); });
  }

  function overdueShade(count) {
    var shade = OVERDUE_SHADES[0];
    OVERDUE_SHADES.forEach(function (s) { if (count >= s.min) shade = s; });
    return shade.colour;
  }

  // Grid outlines. `options.clickable`: a tap opens the grid's page (district maps).
  // Returns {layer, highlighted} where `highlighted` holds the highlighted grids' layers.
  function drawGrids(map, el, data, config, options) {
    var wanted = config.highlight_grids || [];
    var byOverdue = config.color_by === "overdue";
    var labels = options.labels !== false;
    var permanent = labels && data.features.length <= PERMANENT_LABELS_UP_TO;
    var highlighted = L.featureGroup();
    var layer = L.geoJSON(data, {
      interactive: Boolean(options.clickable),
      className: "grid-outline",
      style: function (feature) {
        var p = feature.properties;
        if (wanted.indexOf(p.id) >= 0 || p.own === true) return HIGHLIGHT_STYLE;
        if (p.own === false) return { color: "#78909c", weight: 1.5, fillOpacity: 0.03 }; // the pick map: not theirs
        if (byOverdue) return { color: "#5d4037", weight: 1.5, fillColor: overdueShade(p.overdue || 0), fillOpacity: 0.75 };
        return { color: p.color || "#1f6fb8", weight: 2, fillOpacity: options.clickable ? 0.3 : 0.05 };
      },
      onEachFeature: function (feature, item) {
        var p = feature.properties;
        var name = byOverdue ? p.name + " · " + (p.overdue || 0) : p.name;
        if (!labels) {
          // no names: the page says which grid
        } else if (permanent && options.labels === "top") {
          // At the top edge: the middle of a grid is where its cases and buildings are.
          var box = item.getBounds();
          L.tooltip({ permanent: true, direction: "bottom", offset: [0, 2], className: "grid-label" })
            .setLatLng([box.getNorth(), (box.getWest() + box.getEast()) / 2])
            .setContent(element("span", name))
            .addTo(map);
        } else if (permanent) {
          item.bindTooltip(element("span", name), { permanent: true, direction: "center", className: "grid-label" });
        } else if (options.clickable) {
          item.bindTooltip(element("span", name + (p.community ? " · " + p.community : "")), { sticky: true });
        }
        if (options.clickable && p.url) item.on("click", function () { window.location.href = p.url; });
        if (wanted.indexOf(p.id) >= 0 || p.own === true) {
          highlighted.addLayer(item);
          item.on("add", function () { item.getElement().classList.add("grid-highlighted"); });
        }
      },
    }).addTo(map);
    toBack(layer, highlighted);
    map.wanggeGrids = { layer: layer, highlighted: highlighted };
    if (byOverdue) {
      legend(map, say(config, "overdue_title"), OVERDUE_SHADES.map(function (s) { return { colour: s.colour, label: s.label }; }));
    }
    el.dataset.grids = String(data.features.length);
    el.dataset.highlighted = String(highlighted.getLayers().length);
    return { layer: layer, highlighted: highlighted };
  }

  // Buildings from `buildings_min_zoom` on, for the visible box; `onTap(feature)` when given.
  function buildings(map, el, config, onTap) {
    if (!config.buildings_url) return;
    var minZoom = config.buildings_min_zoom || 16;
    var group = L.layerGroup().addTo(map);
    var pending = null;
    function refresh() {
      if (pending) pending.abort();
      pending = null;
      var shown = map.getZoom() >= minZoom;
      // Closer in, the grid's name gives way to the buildings' (each of which names its grid).
      el.classList.toggle("map-buildings-shown", map.getZoom() >= minZoom + 1);
      if (!shown) {
        group.clearLayers();
        el.dataset.buildings = "0";
        return;
      }
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(6); });
      pending = new AbortController();
      fetchJson(withParam(config.buildings_url, "bbox=" + bbox.join(",")), pending.signal)
        .then(function (data) {
          group.clearLayers();
          data.features.forEach(function (feature) {
            var c = feature.geometry.coordinates;
            var marker = L.circleMarker([c[1], c[0]], BUILDING_STYLE);
            marker.bindTooltip(element("span", feature.properties.label), { direction: "top", offset: [0, -6] });
            if (onTap) {
              marker.on("click", function (event) {
                L.DomEvent.stopPropagation(event); // not also a tap on the map
                onTap(feature);
              });
            }
            marker.addTo(group);
          });
          // Over the grids, under everything else (cases, the picked place).
          toBack(group);
          if (map.wanggeGrids) toBack(map.wanggeGrids.layer, map.wanggeGrids.highlighted);
          el.dataset.buildings = String(data.features.length);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") el.dataset.buildings = "error";
        });
    }
    map.on("moveend", refresh);
    refresh();
  }

  // Loads the grids (and the kind's own data when `dataUrl` is given), then `draw(grids, data)`
  // returns the count of the kind's own features; the map is "ready" after it, and then shows
  // buildings when zoomed in (`onBuilding(feature)` on a tap on one, when given).
  function load(el, config, map, dataUrl, draw, onBuilding) {
    var grids = config.grids_url ? fetchJson(config.grids_url) : Promise.resolve(null);
    var data = dataUrl ? fetchJson(dataUrl) : Promise.resolve(null);
    Promise.all([grids, data])
      .then(function (results) {
        var count = draw(results[0], results[1]);
        el.dataset.features = String(count);
        el.dataset.state = "ready";
        buildings(map, el, config, onBuilding);
      })
      .catch(function () { fail(el, config); });
  }

  function fitTo(map, layers, config, maxZoom) {
    for (var i = 0; i < layers.length; i++) {
      if (layers[i] && layers[i].getLayers().length) {
        map.fitBounds(layers[i].getBounds(), { padding: [24, 24], maxZoom: maxZoom || 18, animate: false });
        return;
      }
    }
    if (config.bounds) map.fitBounds(config.bounds, { animate: false });
    else map.setView(DEFAULT_VIEW.center, DEFAULT_VIEW.zoom, { animate: false });
  }

  // --- the kinds ------------------------------------------------------------------------

  function districtMap(el, config) {
    var map = baseMap(el, config);
    var own = L.extend({}, config, { grids_url: config.geojson_url });
    load(el, own, map, null, function (grids) {
      var drawn = drawGrids(map, el, grids, own, { clickable: true });
      fitTo(map, [drawn.layer], config);
      return grids.features.length;
    });
    return map;
  }

  function gridMap(el, config) {
    var map = baseMap(el, config);
    var data = readJson(el.dataset.source) || { outline: null, points: [] };
    var group = L.featureGroup().addTo(map);
    if (data.outline) L.geoJSON(data.outline, { style: HIGHLIGHT_STYLE, interactive: false }).addTo(group);
    data.points.forEach(function (point) {
      // A building already checked in on this patrol is green.
      var style = L.extend({}, BUILDING_STYLE, { radius: 8 }, point.checked ? { fillColor: "#2e7d32" } : {});
      var marker = L.circleMarker([point.lnglat[1], point.lnglat[0]], style);
      marker.bindTooltip(element("span", point.name), { direction: "top", offset: [0, -8] });
      marker.on("click", function () {
        // A point names a page to open, or a button of this page to press (a patrol's check-in).
        var button = point.button && document.getElementById(point.button);
        if (button) button.click();
        else if (point.url) window.location.href = point.url;
      });
      marker.addTo(group);
      if (point.button) marker.getElement().setAttribute("data-button", point.button);
    });
    fitTo(map, [group], config);
    el.dataset.features = String(data.points.length);
    el.dataset.state = "ready";
    return map;
  }

  function casePopup(config, p) {
    var box = element("div", null, "case-popup");
    box.appendChild(element("strong", p.number));
    box.appendChild(element("div", p.category));
    box.appendChild(element("div", p.state));
    if (p.url) {
      var link = element("a", say(config, "open_case"));
      link.href = p.url;
      box.appendChild(link);
    }
    return box;
  }

  // Cases as points over the grid outlines (the worklists' map and the public board).
  function casesMap(el, config) {
    var map = baseMap(el, config);
    legend(map, "", [
      { colour: FLAG_COLOURS.overdue, label: say(config, "overdue") },
      { colour: FLAG_COLOURS.due_soon, label: say(config, "due_soon") },
      { colour: FLAG_COLOURS[""], label: say(config, "other") },
    ]);
    load(el, config, map, config.geojson_url, function (grids, data) {
      var outlines = grids ? drawGrids(map, el, grids, config, { labels: "top" }).layer : null;
      var group = L.featureGroup().addTo(map);
      data.features.forEach(function (feature) {
        var p = feature.properties;
        var c = feature.geometry.coordinates;
        var colour = FLAG_COLOURS[p.flag || ""];
        var marker = L.circleMarker([c[1], c[0]], { radius: 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.95 });
        marker.bindPopup(casePopup(config, p), { closeButton: true, offset: [0, -4] });
        marker.addTo(group);
      });
      fitTo(map, [group, outlines], config, 17);
      return data.features.length;
    });
    return map;
  }

  // The place of the filing form. Hidden inputs (the form's, or made here when the form has
  // none): #building, #lng, #lat and #crs (the system of #lng/#lat). A tap on a building picks
  // it (its id and point); a tap elsewhere picks that point; "use my location" (a button
  // #locate-me) asks the device once, on tap, and fills in its WGS-84 position with #crs=wgs84,
  // shown on the map converted to the tiles' system (in this file, so the position goes nowhere
  // but the filed form). Each pick sends `wangge:picked` {building, lng, lat, label} on
  // document; `wangge:place` {building, lng, lat, label} (tiles' system, from the building
  // search box) moves the marker there.
  function pickMap(el, config) {
    var map = baseMap(el, config);
    var form = el.closest("form");
    var tileCrs = config.tile_crs || "wgs84";
    var status = document.getElementById("picked");
    var marker = null;
    var PICKED_ICON = L.divIcon({ className: "pick-marker", iconSize: [26, 26], iconAnchor: [13, 13] });

    function input(name, value) {
      var found = document.getElementById(name);
      if (found || !form) return found;
      var made = element("input");
      made.type = "hidden";
      made.id = name;
      made.name = name;
      made.value = value || "";
      form.appendChild(made);
      return made;
    }
    var inputs = { building: input("building"), lng: input("lng"), lat: input("lat"), crs: input("crs", tileCrs) };

    function show(message, isError) {
      if (!status) return;
      status.textContent = message;
      status.classList.toggle("error", Boolean(isError));
    }

    function mark(lng, lat) {
      var latlng = L.latLng(lat, lng);
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng, { icon: PICKED_ICON, interactive: false, keyboard: false, alt: "" }).addTo(map);
      return latlng;
    }

    function pick(building, lng, lat, crs, label) {
      inputs.building.value = building === null ? "" : String(building);
      inputs.lng.value = lng.toFixed(6);
      inputs.lat.value = lat.toFixed(6);
      inputs.crs.value = crs;
      document.dispatchEvent(new CustomEvent("wangge:picked", {
        detail: { building: building, lng: parseFloat(inputs.lng.value), lat: parseFloat(inputs.lat.value), label: label },
      }));
    }

    function pickBuilding(feature) {
      var c = feature.geometry.coordinates;
      var p = feature.properties;
      mark(c[0], c[1]);
      pick(p.id, c[0], c[1], tileCrs, p.label);
      show(say(config, "building_picked").replace("%(label)s", p.label));
    }

    map.on("click", function (event) {
      var latlng = event.latlng.wrap();
      mark(latlng.lng, latlng.lat);
      pick(null, latlng.lng, latlng.lat, tileCrs, null);
      show(say(config, "point_picked"));
    });

    document.addEventListener("wangge:place", function (event) {
      var d = event.detail || {};
      if (typeof d.lng !== "number" || typeof d.lat !== "number") return;
      inputs.crs.value = tileCrs;
      map.setView(mark(d.lng, d.lat), Math.max(map.getZoom(), 17));
    });

    var locate = document.getElementById("locate-me");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        show(say(config, "locating"));
        navigator.geolocation.getCurrentPosition(
          function (position) {
            var lng = position.coords.longitude;
            var lat = position.coords.latitude;
            var shown = fromWgs84(lng, lat, tileCrs);
            map.setView(mark(shown[0], shown[1]), Math.max(map.getZoom(), 17));
            pick(null, lng, lat, "wgs84", null);
            show(say(config, "located"));
          },
          function (error) {
            show(say(config, error.code === 1 ? "locate_denied" : "locate_unavailable"), true);
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    } else if (locate) {
      locate.hidden = true; // no geolocation in this browser
    }

    // Until the buildings show, say how to see them.
    if (config.buildings_url) {
      var hint = L.control({ position: "bottomright" });
      hint.onAdd = function () { return element("div", say(config, "zoom_for_buildings"), "map-hint"); };
      hint.addTo(map);
      var toggleHint = function () {
        hint.getContainer().hidden = map.getZoom() >= (config.buildings_min_zoom || 16);
      };
      map.on("zoomend", toggleHint);
      toggleHint();
    }

    // A refused form comes back with its place: show it there.
    var kept = null;
    if (inputs.lng.value && inputs.lat.value) {
      var xy = [parseFloat(inputs.lng.value), parseFloat(inputs.lat.value)];
      if (inputs.crs.value === "wgs84") xy = fromWgs84(xy[0], xy[1], tileCrs);
      kept = mark(xy[0], xy[1]);
    }
    load(el, config, map, null, function (grids) {
      var drawn = grids ? drawGrids(map, el, grids, config, { labels: "top" }) : { layer: null, highlighted: null };
      if (kept) map.setView(kept, 17, { animate: false });
      else fitTo(map, [drawn.highlighted, drawn.layer], config);
      return grids ? grids.features.length : 0;
    }, pickBuilding);
    return map;
  }

  // One case's place in its grid (highlighted; the page names the grid, the map does not).
  function pointMap(el, config) {
    var map = baseMap(el, config);
    load(el, config, map, null, function (grids) {
      var drawn = grids ? drawGrids(map, el, grids, config, { labels: false }) : { layer: null, highlighted: null };
      var point = config.point ? L.circleMarker([config.point[1], config.point[0]], POINT_STYLE).addTo(map) : null;
      if (point && drawn.highlighted && drawn.highlighted.getLayers().length) {
        var box = drawn.highlighted.getBounds().extend(point.getLatLng());
        map.fitBounds(box, { padding: [16, 16], maxZoom: 17, animate: false });
      } else if (point) {
        map.setView(point.getLatLng(), 17, { animate: false });
      } else {
        fitTo(map, [drawn.highlighted], config);
      }
      return point ? 1 : 0;
    });
    return map;
  }

  // An uploaded grid file before it is committed (the onboarding dry run), inline
  // (`data-source`: {grids: FeatureCollection, places: [{kind, lnglat, label}]}): each grid
  // coloured by what the import does with it, grids that overlap another outlined in red, the
  // places of overlaps (red) and gaps (orange) marked. No other layer: the file is the data.
  function previewMap(el, config) {
    var map = baseMap(el, config);
    var data = readJson(el.dataset.source) || { grids: { type: "FeatureCollection", features: [] }, places: [] };
    var permanent = data.grids.features.length <= PERMANENT_LABELS_UP_TO;
    var grids = L.geoJSON(data.grids, {
      interactive: !permanent,
      style: function (feature) {
        var p = feature.properties;
        if (p.overlaps) return { color: "#b71c1c", weight: 4, fillColor: "#e53935", fillOpacity: 0.2 };
        return { color: PREVIEW_COLOURS[p.state] || "#1f6fb8", weight: 2, fillOpacity: 0.15 };
      },
      onEachFeature: function (feature, item) {
        var p = feature.properties;
        if (!permanent) {
          item.bindTooltip(element("span", p.name), { sticky: true });
          return;
        }
        // At the top edge: the middle is where overlaps and gaps are marked.
        var box = item.getBounds();
        L.tooltip({ permanent: true, direction: "bottom", offset: [0, 2], className: "grid-label" })
          .setLatLng([box.getNorth(), (box.getWest() + box.getEast()) / 2])
          .setContent(element("span", p.name))
          .addTo(map);
      },
    }).addTo(map);
    var places = L.featureGroup().addTo(map);
    data.places.forEach(function (place) {
      var colour = place.kind === "overlap" ? "#c62828" : "#ef8f00";
      var marker = L.circleMarker([place.lnglat[1], place.lnglat[0]], { radius: 9, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1, className: "problem-" + place.kind });
      marker.bindTooltip(element("span", place.label), { direction: "top", offset: [0, -8] });
      marker.addTo(places);
    });
    legend(map, "", [
      { colour: PREVIEW_COLOURS.new, label: say(config, "new") },
      { colour: PREVIEW_COLOURS.redrawn, label: say(config, "redrawn") },
      { colour: PREVIEW_COLOURS.unchanged, label: say(config, "unchanged") },
      { colour: "#c62828", label: say(config, "overlap") },
      { colour: "#ef8f00", label: say(config, "gap") },
    ]);
    fitTo(map, [grids, places], config);
    el.dataset.features = String(data.grids.features.length);
    el.dataset.overlaps = String(data.places.filter(function (p) { return p.kind === "overlap"; }).length);
    el.dataset.gaps = String(data.places.filter(function (p) { return p.kind === "gap"; }).length);
    el.dataset.state = "ready";
    return map;
  }

  var KINDS = { grid: gridMap, district: districtMap, cases: casesMap, pick: pickMap, point: pointMap, preview: previewMap };

  // Draws the map of one element (a page's maps are mounted when it loads; a fragment added
  // later can call `wanggeMap.mount(el)`). The Leaflet map is kept as `el._wanggeMap`.
  function mount(el) {
    var config = readJson(el.dataset.config) || {};
    try {
      el._wanggeMap = KINDS[el.dataset.map](el, config);
    } catch (error) {
      fail(el, config);
    }
  }

  function start() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-map]").forEach(mount);
  }

  window.wanggeMap = { mount: mount, fromWgs84: fromWgs84 };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
