// Elderly-care charts (data from the page's json_script; a file, so the CSP can forbid inline scripts).
(function () {
  var d = JSON.parse(document.getElementById("eldercare-chart-data").textContent);
  function bars(id, x, series) {
    var el = document.getElementById(id);
    if (!el) { return; }
    echarts.init(el).setOption({
      tooltip: {trigger: "axis"}, legend: {data: series.map(function (s) { return s.name; })},
      xAxis: {type: "category", data: x}, yAxis: {type: "value"},
      series: series.map(function (s) { return {name: s.name, type: s.type || "bar", data: s.data}; })
    });
  }
  bars("chart-town", d.towns, [{name: "床位", data: d.beds}, {name: "在住", data: d.occupied}]);
  bars("chart-grade", d.grades, [{name: "床位", data: d.grade_beds}, {name: "在住", data: d.grade_occupied}]);
  bars("chart-month", d.months, [{name: "申报金额（元）", type: "line", data: d.paid}]);
  bars("chart-open", d.open_towns, [{name: "整改中", data: d.open_counts}]);
})();
