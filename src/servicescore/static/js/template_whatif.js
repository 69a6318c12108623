// What-if page: the grade distribution chart (ECharts); its numbers are in the table too.
(function () {
  "use strict";
  var holder = document.getElementById("whatif-chart");
  var source = document.getElementById("whatif-chart-data");
  if (!holder || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.grades },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", data: s.data, label: { show: true, position: "top" } };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
