// Leaders' chart per branch (data from the page's json_script; a file, so the CSP can forbid inline scripts).
(function () {
  var d = JSON.parse(document.getElementById("chart-data").textContent);
  var chart = echarts.init(document.getElementById("learning-chart"));
  chart.setOption({
    tooltip: {trigger: "axis"}, legend: {data: ["参学率%", "人均学习分钟", "测试平均分"]},
    grid: {bottom: 90},
    xAxis: {type: "category", data: d.branches, axisLabel: {rotate: 30, interval: 0}},
    yAxis: [{type: "value", name: "%/分"}, {type: "value", name: "分钟"}],
    series: [
      {name: "参学率%", type: "bar", data: d.participation},
      {name: "人均学习分钟", type: "bar", yAxisIndex: 1, data: d.minutes},
      {name: "测试平均分", type: "line", data: d.average}
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
