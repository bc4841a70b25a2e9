// Draws the dashboard's charts with ECharts from the options in the #chart-options JSON block
// (the CSP forbids inline scripts). Each chart container names its option by data-chart.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("chart-options");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var options = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var option = options[element.getAttribute("data-chart")];
      if (!option) {
        return;
      }
      // A chart whose every row must show (the cross-observation matrix) says how tall it is;
      // set through the CSSOM, which the CSP allows (a style attribute it would refuse).
      var height = parseInt(element.getAttribute("data-height") || "0", 10);
      if (height > 0) {
        element.style.height = height + "px";
      }
      // SVG keeps the labels as text: sharper, and readable by assistive technology and tests.
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(option);
      element.setAttribute("data-rendered", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
