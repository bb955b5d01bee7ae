// The station's yearly chart (data from the page's json_script; a file, so the CSP can forbid inline scripts).
(function () {
  var d = JSON.parse(document.getElementById("chart-data").textContent);
  var chart = echarts.init(document.getElementById("rescue-chart"));
  chart.setOption({
    tooltip: {trigger: "axis"}, legend: {data: ["入站", "送返", "平均送返天数"]},
    xAxis: {type: "category", data: d.months}, yAxis: [{type: "value", name: "人"}, {type: "value", name: "天"}],
    series: [{name: "入站", type: "bar", data: d.intakes}, {name: "送返", type: "bar", data: d.returns},
             {name: "平均送返天数", type: "line", yAxisIndex: 1, data: d.days}]
  });
})();
