/* Maps of the web app (Leaflet). Configuration comes from <script type="application/json">
   blocks written by the server; coordinates arrive already converted to the tiles' system.
   Element states for tests and styling: data-state="loading|ready|error", data-features=N. */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function label(text) {
    var span = document.createElement("span");
    span.textContent = text; // never HTML: names come from data entry
    return span;
  }

  function baseMap(el, config) {
    var map = L.map(el, { zoomSnap: 0.5, scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: config.zoom_in || "+", zoomOutTitle: config.zoom_out || "-" }).addTo(map);
    if (config.tile_url) {
      L.tileLayer(config.tile_url, { attribution: config.attribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  // Few shapes: names stay on the map (phones have no hover); many: names on hover only.
  var PERMANENT_LABELS_UP_TO = 40;

  function fail(el, config) {
    el.dataset.state = "error";
    var p = document.createElement("p");
    p.className = "map-error";
    p.textContent = config.error || "Map error";
    el.appendChild(p);
  }

  function fit(map, layer, count) {
    if (count) {
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    } else {
      map.setView([36.65, 117.0], 11);
    }
  }

  // Fetch GeoJSON into a map: `draw(data)` adds the layers and returns how many features it drew.
  function loadGeojson(el, config, draw) {
    fetch(config.geojson_url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        el.dataset.features = String(draw(data));
        el.dataset.state = "ready";
      })
      .catch(function () { fail(el, config); });
  }

  function districtMap(el, config) {
    var map = baseMap(el, config);
    loadGeojson(el, config, function (data) {
      var permanent = data.features.length <= PERMANENT_LABELS_UP_TO;
      var layer = L.geoJSON(data, {
        style: function (feature) {
          return { color: feature.properties.color, weight: 2, fillOpacity: 0.3 };
        },
        onEachFeature: function (feature, item) {
          var p = feature.properties;
          if (permanent) {
            item.bindTooltip(label(p.name), { permanent: true, direction: "center", className: "grid-label" });
          } else {
            item.bindTooltip(label(p.name + (p.community ? " · " + p.community : "")), { sticky: true });
          }
          item.on("click", function () { window.location.href = p.url; });
        },
      }).addTo(map);
      fit(map, layer, data.features.length);
      return data.features.length;
    });
    return map;
  }

  function gridMap(el, config) {
    var map = baseMap(el, config);
    var data = readJson(el.dataset.source) || { outline: null, points: [] };
    var group = L.featureGroup().addTo(map);
    if (data.outline) {
      L.geoJSON(data.outline, { style: { color: "#b71c1c", weight: 2, fillOpacity: 0.08 } }).addTo(group);
    }
    data.points.forEach(function (point) {
      var marker = L.circleMarker([point.lnglat[1], point.lnglat[0]], {
        radius: 8, color: "#1f4e79", weight: 2, fillColor: "#4a90d9", fillOpacity: 0.9,
      });
      marker.bindTooltip(label(point.name), { direction: "top", offset: [0, -8] });
      marker.on("click", function () { window.location.href = point.url; });
      marker.addTo(group);
    });
    fit(map, group, data.points.length + (data.outline ? 1 : 0));
    el.dataset.features = String(data.points.length);
    el.dataset.state = "ready";
    return map;
  }

  var FLAG_COLOURS = { overdue: "#c62828", due_soon: "#ef8f00", "": "#1f6fb8" };

  // Cases as points (worklists' map and the public board); a point opens its case when it has a url.
  function casesMap(el, config) {
    var map = baseMap(el, config);
    loadGeojson(el, config, function (data) {
      var group = L.featureGroup().addTo(map);
      data.features.forEach(function (feature) {
        var p = feature.properties;
        var c = feature.geometry.coordinates;
        var colour = FLAG_COLOURS[p.flag || ""];
        var marker = L.circleMarker([c[1], c[0]], { radius: 7, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 0.95 });
        marker.bindTooltip(label(p.number + " · " + p.category + " · " + p.state), { direction: "top", offset: [0, -6] });
        if (p.url) marker.on("click", function () { window.location.href = p.url; });
        marker.addTo(group);
      });
      if (data.features.length) {
        map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 17 });
      } else if (config.bounds) {
        map.fitBounds(config.bounds);
      } else {
        fit(map, group, 0);
      }
      return data.features.length;
    });
    return map;
  }

  // Pick a point: a tap sets the marker and the form's hidden lng/lat (in the tiles' system).
  function pickMap(el, config) {
    var map = baseMap(el, config);
    var lng = document.getElementById("lng");
    var lat = document.getElementById("lat");
    var picked = document.getElementById("picked");
    var marker = null;
    function place(latlng) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng, { keyboard: false }).addTo(map);
      lng.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      if (picked && config.picked_text) picked.textContent = config.picked_text;
    }
    if (config.bounds) map.fitBounds(config.bounds);
    else map.setView([36.65, 117.0], 13);
    if (lng.value && lat.value) place(L.latLng(parseFloat(lat.value), parseFloat(lng.value)));
    map.on("click", function (event) { place(event.latlng); });
    el.dataset.state = "ready";
    return map;
  }

  // One case's place.
  function pointMap(el, config) {
    var map = baseMap(el, config);
    var latlng = [config.point[1], config.point[0]];
    L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 2, fillColor: "#b71c1c", fillOpacity: 0.95 }).addTo(map);
    map.setView(latlng, 17);
    el.dataset.state = "ready";
    return map;
  }

  var KINDS = { grid: gridMap, district: districtMap, cases: casesMap, pick: pickMap, point: pointMap };

  function start() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-map]").forEach(function (el) {
      var config = readJson(el.dataset.config) || {};
      try {
        el._wanggeMap = KINDS[el.dataset.map](el, config);
      } catch (error) {
        fail(el, config);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
