/* capsize report charts: draw each <script class="chart-data"> payload with uPlot.
   Payload (report/charts.py chart_payload): x (epoch seconds, or bar indexes), y (one array
   per series, null = gap), series [{label, color, dash}], kind, fmt, log, hline, ylabel,
   labels (bar categories). Titles and sources are HTML around the chart. */
(function () {
  "use strict";
  var FONT = '12px Inter, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';

  function plain(v) {
    if (Math.abs(v) >= 1) return v.toLocaleString("en-US", { maximumFractionDigits: 0 });
    return String(+v.toPrecision(3));
  }

  function tickFormat(p) {
    if (p.log) {
      var money = p.fmt === "usd" || p.ylabel.indexOf("$") >= 0;
      return function (u, vals) {
        return vals.map(function (v) {
          if (v == null) return "";
          var m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
          var keep = [1, 2, 5].some(function (k) { return Math.abs(m - k) < 1e-6; });
          return keep ? (money ? "$" : "") + plain(v) : "";
        });
      };
    }
    if (p.fmt === "pct") return function (u, vals) { return vals.map(function (v) { return (v * 100).toFixed(0) + "%"; }); };
    if (p.fmt === "ratio") return function (u, vals) { return vals.map(function (v) { return v.toFixed(2); }); };
    return undefined; // uPlot's own ticks: as many decimals as the tick spacing needs
  }

  function valueFormat(p) {
    if (p.fmt === "pct") return function (u, v) { return v == null ? "" : (v * 100).toFixed(1) + "%"; };
    if (p.fmt === "ratio") return function (u, v) { return v == null ? "" : v.toFixed(3); };
    return function (u, v) { return v == null ? "" : (Math.abs(v) < 10 ? v.toFixed(2) : plain(v)); };
  }

  function hlinePlugin(h) {
    return {
      hooks: {
        drawAxes: [function (u) {
          if (h == null) return;
          var y = Math.round(u.valToPos(h, "y", true)) + 0.5, c = u.ctx;
          c.save();
          c.strokeStyle = "#999999";
          c.lineWidth = 1;
          c.beginPath();
          c.moveTo(u.bbox.left, y);
          c.lineTo(u.bbox.left + u.bbox.width, y);
          c.stroke();
          c.restore();
        }]
      }
    };
  }

  function seriesOpts(p) {
    var fmt = valueFormat(p);
    var bars = p.kind === "bar" ? uPlot.paths.bars({ size: [0.7, 60] }) : null;
    return p.series.map(function (s, i) {
      var o = { label: s.label, stroke: s.color, width: 1.6, value: fmt, spanGaps: true, points: { show: false } };
      if (s.dash) o.dash = [6, 4];
      if (bars) { o.paths = bars; o.fill = s.color; o.width = 0; o.show = true; }
      if (p.kind === "bar" && i === 1) o.label = "";
      return o;
    });
  }

  function xAxis(p) {
    var a = { font: FONT, stroke: "#444444", grid: { show: false }, ticks: { stroke: "#444444" } };
    if (p.kind === "bar") {
      a.values = function (u, vals) { return vals.map(function (i) { return p.labels[i] == null ? "" : p.labels[i]; }); };
      a.incrs = [1, 2, 3, 5, 10];
      a.space = 34;
    } else {
      a.space = 70;
    }
    return a;
  }

  function yAxis(p) {
    var a = { font: FONT, stroke: "#444444", label: p.ylabel, labelFont: FONT, labelSize: 20,
      size: 58, grid: { stroke: "#eeeeee", width: 1 }, ticks: { stroke: "#444444" } };
    var values = tickFormat(p);
    if (values) a.values = values;
    return a;
  }

  function options(p, width) {
    var x0 = { label: "", value: p.kind === "bar" ? function (u, i) { return i == null ? "" : p.labels[i]; } : "{MMM} {D}, {YYYY}" };
    var yRange = p.log ? undefined : function (u, lo, hi) {
      if (p.hline != null) { lo = Math.min(lo, p.hline); hi = Math.max(hi, p.hline); }
      var pad = (hi - lo) * 0.06 || 1;
      return [lo - pad, hi + pad];
    };
    return {
      width: width,
      height: width < 520 ? 230 : 290,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
      legend: { show: p.series.length > 1 && p.kind !== "bar", live: true },
      cursor: { points: { show: p.kind !== "bar" }, drag: { x: false, y: false } },
      scales: {
        x: p.kind === "bar" ? { time: false, range: [-0.6, p.x.length - 0.4] } : { time: true },
        y: p.log ? { distr: 3, log: 10 } : { range: yRange }
      },
      axes: [
        xAxis(p),
        yAxis(p)
      ],
      series: [x0].concat(seriesOpts(p)),
      plugins: [hlinePlugin(p.hline)]
    };
  }

  function draw(el, p) {
    var width = Math.max(240, el.clientWidth || el.parentNode.clientWidth || 600);
    var plot = new uPlot(options(p, width), [p.x].concat(p.y), el);
    el.setAttribute("data-drawn", "1");
    return plot;
  }

  function drawAll() {
    var plots = [];
    var nodes = document.querySelectorAll("script.chart-data");
    for (var i = 0; i < nodes.length; i++) {
      var el = document.getElementById(nodes[i].getAttribute("data-chart"));
      if (!el || el.getAttribute("data-drawn")) continue;
      try {
        plots.push([el, draw(el, JSON.parse(nodes[i].textContent))]);
      } catch (e) {
        el.textContent = "Chart not drawn: " + e;
      }
    }
    var last = 0;
    window.addEventListener("resize", function () {
      var now = Date.now();
      if (now - last < 100) return;
      last = now;
      plots.forEach(function (pe) {
        var w = Math.max(240, pe[0].clientWidth);
        pe[1].setSize({ width: w, height: w < 520 ? 230 : 290 });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
