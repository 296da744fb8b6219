/* Dashboard revenue chart. Data comes from the page through json_script (no inline JS). */
(function () {
  "use strict";

  function init() {
    var canvas = document.getElementById("revenue-chart");
    var dataNode = document.getElementById("revenue-chart-data");
    if (!canvas || !dataNode || typeof window.Chart === "undefined") return;
    var data = JSON.parse(dataNode.textContent);
    var css = getComputedStyle(document.documentElement);
    var primary = css.getPropertyValue("--pico-primary").trim() || "#0b7a64";
    var font = css.getPropertyValue("--pico-font-family").trim() || "system-ui, sans-serif";
    var lang = document.documentElement.lang || "th";
    var decimals = typeof data.decimals === "number" ? data.decimals : 0;
    var money = new Intl.NumberFormat(lang === "th" ? "th-TH" : "en-GB", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    var compact = new Intl.NumberFormat(lang === "th" ? "th-TH" : "en-GB", {
      notation: "compact",
      maximumFractionDigits: 1,
    });

    window.Chart.defaults.font.family = font;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.label,
            data: data.values,
            backgroundColor: primary,
            borderRadius: 4,
            maxBarThickness: 36,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return data.currency + money.format(ctx.parsed.y);
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
          y: {
            beginAtZero: true,
            ticks: {
              precision: 0, // whole baht: no "฿0.5" step on a quiet week
              callback: function (value) {
                return data.currency + compact.format(value);
              },
            },
          },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
