// The home page's score panel: the six-month trend of the average final score and of the
// heaviest items as an ECharts line chart. The figures come from the json_script next to
// the chart and are also in the table under it. Items not on the 0-100 score scale (counts,
// hours, 1-5 ratings) are read on a second axis.
(function () {
  var holder = document.querySelector("[data-trend-chart]");
  var source = holder && document.getElementById(holder.getAttribute("data-trend-chart"));
  if (!holder || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var secondAxis = data.series.some(function (line) { return line.axis === 1; });
  var yAxis = [{ type: "value", name: data.score_axis, scale: true }];
  if (secondAxis) {
    yAxis.push({ type: "value", name: data.other_axis, scale: true, splitLine: { show: false } });
  }
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 44, right: secondAxis ? 44 : 16, top: 36, bottom: 64 },
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    xAxis: { type: "category", data: data.months },
    yAxis: yAxis,
    series: data.series.map(function (line, index) {
      return {
        type: "line",
        name: line.unit ? line.name + " (" + line.unit + ")" : line.name,
        yAxisIndex: secondAxis ? line.axis : 0,
        data: line.values,
        connectNulls: true,
        symbolSize: 6,
        lineStyle: { width: index === 0 ? 3 : 2 }
      };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
  holder.setAttribute("data-rendered", "true");
})();
