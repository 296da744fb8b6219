/* Analytics page charts. Each <canvas data-chart="name"> is drawn from the page's
   json_script "analytics-charts" entry of that name (no inline JS). */
(function () {
  "use strict";

  var PALETTE = ["#0b7a64", "#e0a100", "#3d6fb6", "#c2185b", "#6d4c41"];

  function init() {
    var dataNode = document.getElementById("analytics-charts");
    if (!dataNode || typeof window.Chart === "undefined") return;
    var charts = JSON.parse(dataNode.textContent);
    var css = getComputedStyle(document.documentElement);
    var primary = css.getPropertyValue("--pico-primary").trim() || PALETTE[0];
    var font = css.getPropertyValue("--pico-font-family").trim() || "system-ui, sans-serif";
    var lang = document.documentElement.lang || "th";
    var locale = lang === "th" ? "th-TH" : "en-GB";
    var compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
    var plain = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    window.Chart.defaults.font.family = font;

    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = charts[canvas.getAttribute("data-chart")];
      if (!spec) return;
      var format = function (v) {
        if (v === null || v === undefined) return "–";
        if (spec.money) return "฿" + compact.format(v);
        if (spec.percent) return plain.format(v) + "%";
        return compact.format(v);
      };
      var valueAxis = spec.horizontal ? "x" : "y";
      var categoryAxis = spec.horizontal ? "y" : "x";
      var scales = {};
      scales[categoryAxis] = {
        grid: { display: false },
        ticks: { autoSkip: !spec.horizontal, maxRotation: 0 },
        title: { display: !!spec.xTitle, text: spec.xTitle || "" },
      };
      scales[valueAxis] = {
        beginAtZero: true,
        // Money and counts step in whole units: no "฿0.5" or "0.5 customers" tick.
        ticks: { callback: format, precision: spec.money || spec.whole ? 0 : undefined },
        title: { display: !!spec.yTitle, text: spec.yTitle || "" },
      };
      new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (ds, i) {
            var colour = i === 0 ? primary : PALETTE[i % PALETTE.length];
            return {
              label: ds.label,
              data: ds.data,
              backgroundColor: colour,
              borderColor: colour,
              borderRadius: spec.type === "bar" ? 4 : 0,
              maxBarThickness: 36,
              spanGaps: true,
              tension: 0.2,
            };
          }),
        },
        options: {
          indexAxis: spec.horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { display: spec.datasets.length > 1 },
            tooltip: {
              callbacks: {
                label: function (ctx) {
                  var v = spec.horizontal ? ctx.parsed.x : ctx.parsed.y;
                  return ctx.dataset.label + ": " + (spec.money || spec.percent ? format(v) : plain.format(v));
                },
              },
            },
          },
          scales: scales,
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
