// capsize dashboard: "explain" popovers and sortable tables (charts: the report's uPlot
// driver, /static/vendor/charts.js). No inline scripts;
// every text is set with textContent (never innerHTML), so data text cannot run.
"use strict";

(function () {
  function readJSON(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // ------------------------------------------------------------------ explain
  const popover = () => document.getElementById("explain");

  function row(dl, term, text) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = text;
    dd.className = "exp-" + term.toLowerCase().replace(/[^a-z]+/g, "-");
    dl.append(dt, dd);
  }

  function explain(button) {
    const result = readJSON(button.dataset.res);
    const fig = result && result.figures[button.dataset.fig];
    const box = popover();
    if (!fig || !box) return;
    box.replaceChildren();
    const h = document.createElement("h3");
    h.textContent = fig.label;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "×";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", hide);
    const dl = document.createElement("dl");
    row(dl, "Shown", button.textContent);
    row(dl, "Value", fig.value === null ? "n/a" : String(fig.value));
    row(dl, "Unit", fig.unit);
    if (fig.note) row(dl, "Note", fig.note);
    const p = fig.provenance;
    row(dl, "Source", p.source);
    row(dl, "Symbols", p.symbols.join(", ") || "—");
    row(dl, "Window", p.window || "—");
    row(dl, "As of", p.as_of);
    row(dl, "Formula", p.formula || "—");
    row(dl, "Figure id", button.dataset.fig);
    box.append(close, h, dl);
    if (p.symbols.length) {
      const a = document.createElement("a");
      const q = new URLSearchParams({ bars: p.symbols.join(","), as_of: p.as_of });
      a.href = "/sources?" + q.toString();
      a.textContent = "The data behind it";
      box.append(a);
    }
    box.dataset.fig = button.dataset.fig;
    box.hidden = false;
    const r = button.getBoundingClientRect();
    const width = Math.min(360, window.innerWidth - 16);
    box.style.width = width + "px";
    box.style.left = Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + window.innerWidth - width - 8)) + "px";
    box.style.top = (r.bottom + window.scrollY + 6) + "px";
    close.focus();
  }

  function hide() {
    const box = popover();
    if (box) box.hidden = true;
  }

  // ------------------------------------------------------------------ sorting
  function sortTable(button) {
    const table = button.closest("table");
    const col = Number(button.dataset.col);
    const asc = button.dataset.dir !== "asc";
    table.querySelectorAll("button.sort").forEach(function (b) { delete b.dataset.dir; });
    button.dataset.dir = asc ? "asc" : "desc";
    const numeric = button.closest("th").classList.contains("num");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      const x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
      if (numeric) {
        const nx = x === "" ? NaN : Number(x), ny = y === "" ? NaN : Number(y);
        if (isNaN(nx) && isNaN(ny)) return 0;
        if (isNaN(nx)) return 1;   // missing values last, either way
        if (isNaN(ny)) return -1;
        return asc ? nx - ny : ny - nx;
      }
      return asc ? x.localeCompare(y) : y.localeCompare(x);
    });
    body.append.apply(body, rows);
  }

  document.addEventListener("click", function (ev) {
    const fig = ev.target.closest("button.fig");
    if (fig) { explain(fig); return; }
    const sort = ev.target.closest("button.sort");
    if (sort) { sortTable(sort); return; }
    const box = popover();
    if (box && !box.hidden && !box.contains(ev.target)) hide();
  });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") hide(); });
})();
