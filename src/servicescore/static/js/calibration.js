// The calibration view's histogram of final scores as an ECharts bar chart. The figures
// come from the json_script next to the chart and are also in the table under it.
(function () {
  var holder = document.querySelector("[data-histogram-chart]");
  var source = holder && document.getElementById(holder.getAttribute("data-histogram-chart"));
  if (!holder || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 36, right: 12, top: 24, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.bins, axisLabel: { interval: holder.clientWidth < 560 ? 1 : 0, fontSize: 10 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{
      type: "bar",
      name: data.label,
      data: data.counts,
      itemStyle: { color: "#206bc4" },
      label: { show: true, position: "top" }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  holder.setAttribute("data-rendered", "true");
})();
