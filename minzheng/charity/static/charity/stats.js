// The charity officers' charts (data from the page's json_script; a file, so the CSP can forbid inline scripts).
(function () {
  var d = JSON.parse(document.getElementById("chart-data").textContent);
  echarts.init(document.getElementById("charity-raised")).setOption({
    tooltip: {trigger: "axis"}, xAxis: {type: "category", data: d.months}, yAxis: {type: "value", name: "元"},
    series: [{name: "募得", type: "bar", data: d.raised}]
  });
  echarts.init(document.getElementById("charity-campaigns")).setOption({
    tooltip: {trigger: "axis"}, legend: {type: "scroll"},
    xAxis: {type: "category", data: d.campaigns.months}, yAxis: {type: "value", name: "元"},
    series: d.campaigns.series.map(function (s) { return {name: s.name, type: "line", data: s.data}; })
  });
  echarts.init(document.getElementById("charity-kinds")).setOption({
    tooltip: {trigger: "item"}, series: [{name: "捐赠人类型", type: "pie", radius: "60%", data: d.kinds}]
  });
  echarts.init(document.getElementById("charity-purposes")).setOption({
    tooltip: {trigger: "item"}, series: [{name: "支出用途", type: "pie", radius: "60%", data: d.purposes}]
  });
})();
