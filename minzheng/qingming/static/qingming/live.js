// Arrivals per 15 minutes (ECharts, served locally), refreshed with the table.
(function () {
  "use strict";
  var el = document.getElementById("arrivals-chart");
  if (!el || !window.echarts) { return; }
  var chart = echarts.init(el);
  function load() {
    fetch(el.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var s = data.series;
        chart.setOption({
          tooltip: {trigger: "axis"}, legend: {type: "scroll", top: 0},
          grid: {left: 48, right: 16, top: 40, bottom: 40},
          xAxis: {type: "category", data: s.labels}, yAxis: {type: "value", name: "人"},
          series: s.series.map(function (x) { return {name: x.name, type: "bar", stack: "all", data: x.data}; })
        }, true);
      });
  }
  load();
  setInterval(load, 15000);
  window.addEventListener("resize", function () { chart.resize(); });
})();
