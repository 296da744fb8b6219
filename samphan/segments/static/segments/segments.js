/* Segment size charts: small sparklines on the list, one line chart on the detail page.
   Data comes from the page through json_script (no inline JS). */
(function () {
  "use strict";

  function colors() {
    var css = getComputedStyle(document.documentElement);
    return {
      primary: css.getPropertyValue("--pico-primary").trim() || "#0b7a64",
      font: css.getPropertyValue("--pico-font-family").trim() || "system-ui, sans-serif",
    };
  }

  function numberFormat() {
    var lang = document.documentElement.lang || "th";
    return new Intl.NumberFormat(lang === "th" ? "th-TH" : "en-GB", { maximumFractionDigits: 0 });
  }

  function sparkline(canvas, series, c) {
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: [{ data: series.values, borderColor: c.primary, borderWidth: 2, pointRadius: 0, tension: 0.25 }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false }, tooltip: { enabled: true, intersect: false } },
        scales: { x: { display: false }, y: { display: false } },
      },
    });
  }

  function lineChart(canvas, series, c) {
    var fmt = numberFormat();
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: [{ label: series.label, data: series.values, borderColor: c.primary, backgroundColor: c.primary, borderWidth: 2, pointRadius: 2, tension: 0.2 }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) { return fmt.format(ctx.parsed.y); } } },
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
          y: { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return fmt.format(v); } } },
        },
      },
    });
  }

  function init() {
    if (typeof window.Chart === "undefined") return;
    var c = colors();
    window.Chart.defaults.font.family = c.font;
    var listData = document.getElementById("segment-charts");
    if (listData) {
      var all = JSON.parse(listData.textContent);
      document.querySelectorAll("canvas.sparkline[data-chart]").forEach(function (canvas) {
        var series = all[canvas.getAttribute("data-chart")];
        if (series) sparkline(canvas, series, c);
      });
    }
    document.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
      var node = document.getElementById(canvas.getAttribute("data-chart-source"));
      if (node) lineChart(canvas, JSON.parse(node.textContent), c);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
