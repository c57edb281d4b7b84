/* The dashboard's charts (ECharts, vendored): the monthly trends and the map of grids coloured
   by a chosen figure. Reads its data from the page's JSON script `dashboard-data`; on the big
   screen (`body[data-refresh-seconds]`) the page reloads itself. No inline script (CSP). */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var dark = document.body.classList.contains("screen-body");
  var theme = dark ? "dark" : null;

  var trendNode = document.getElementById("dashboard-trend");
  if (trendNode) {
    var trend = echarts.init(trendNode, theme);
    trend.setOption({
      backgroundColor: "transparent",
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 40, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.trends.months },
      yAxis: [{ type: "value" }, { type: "value", max: 100, min: 0 }],
      series: data.trends.series.map(function (s) {
        return { name: s.name, type: s.key === "satisfaction" ? "line" : "bar", yAxisIndex: s.key === "satisfaction" ? 1 : 0, data: s.values };
      })
    });
    window.addEventListener("resize", function () { trend.resize(); });
  }

  var mapNode = document.getElementById("dashboard-map");
  if (mapNode) {
    echarts.registerMap("wangge-grids", data.map.geojson);
    var map = echarts.init(mapNode, theme);
    var select = document.getElementById("dashboard-colour-by");
    var draw = function (key) {
      var values = data.map.values[key] || {};
      var rows = Object.keys(data.map.names).map(function (id) {
        var v = values[id];
        return { name: data.map.names[id], value: v === undefined ? 0 : v };
      });
      var max = Math.max.apply(null, rows.map(function (r) { return r.value || 0; }).concat([1]));
      map.setOption({
        backgroundColor: "transparent",
        tooltip: { trigger: "item", formatter: "{b}: {c}" },
        visualMap: { min: 0, max: max, left: 10, bottom: 10, calculable: true, text: [data.map.labels[key], ""],
                     inRange: { color: ["#fff5f0", "#fcbba1", "#fb6a4a", "#cb181d", "#67000d"] } },
        series: [{ type: "map", map: "wangge-grids", roam: true, data: rows, label: { show: false } }]
      }, true);
      mapNode.setAttribute("data-state", "ready");
      mapNode.setAttribute("data-colour-by", key);
    };
    draw(select ? select.value : data.colour_by);
    if (select) { select.addEventListener("change", function () { draw(select.value); }); }
    window.addEventListener("resize", function () { map.resize(); });
  }

  var seconds = parseInt(document.body.getAttribute("data-refresh-seconds") || "0", 10);
  if (seconds > 0) { window.setTimeout(function () { window.location.reload(); }, seconds * 1000); }
})();
