// The welfare figures (data from the page's json_script; a file, so the CSP can forbid inline scripts).
(function () {
  var d = JSON.parse(document.getElementById("welfare-chart-data").textContent);
  var months = echarts.init(document.getElementById("welfare-month-chart"));
  months.setOption({
    tooltip: {trigger: "axis"}, legend: {data: ["喘息服务时长", "就业服务人次", "就业安置"]},
    xAxis: {type: "category", data: d.months}, yAxis: [{type: "value", name: "人次"}, {type: "value", name: "小时"}],
    series: [{name: "就业服务人次", type: "bar", data: d.services}, {name: "就业安置", type: "bar", data: d.placements},
             {name: "喘息服务时长", type: "line", yAxisIndex: 1, data: d.respite}]
  });
  var towns = echarts.init(document.getElementById("welfare-town-chart"));
  towns.setOption({
    tooltip: {trigger: "axis"}, legend: {data: d.categories.map(function (c) { return c.name; })},
    xAxis: {type: "category", data: d.towns}, yAxis: {type: "value", name: "人"},
    series: d.categories.map(function (c) { return {name: c.name, type: "bar", stack: "c", data: c.data}; })
  });
})();
