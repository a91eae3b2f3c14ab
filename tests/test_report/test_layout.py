"""How the report looks in each medium: size, phone layout, drawn charts, sidecars, print pages.

The browser checks drive Debian's chromium through playwright (as ``tests/test_web``); they
skip with a reason when playwright or chromium is missing, and fail instead under CI=true.
Screenshots go to ``$CAPSIZE_SCREENSHOTS`` when it is set (to look at them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from capsize.data.store import Store
from capsize.report.charts import HEATMAP_ID, all_charts, heatmap_from_table
from capsize.report.context import ReportContext, build_context
from capsize.report.narrative import Narrative, write_narrative
from capsize.report.render import PROVENANCE_COLUMNS, render_html, render_markdown

CHROMIUM = os.environ.get("CAPSIZE_CHROMIUM", "/usr/bin/chromium")
DAY = "2025-10-08"
SHOTS = os.environ.get("CAPSIZE_SCREENSHOTS")  # read at import: the test env clears CAPSIZE_*
MAX_HTML_BYTES = 1_500_000
PHONE = {"width": 390, "height": 844}

OVERFLOW_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right <= vw + 1 && r.left >= -1) continue;
    let p = el.parentElement, clipped = false;
    while (p && p !== document.body) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === "auto" || ox === "scroll" || ox === "hidden") {
        const pr = p.getBoundingClientRect();
        if (pr.right <= vw + 1 && pr.left >= -1) { clipped = true; break; }
      }
      p = p.parentElement;
    }
    if (!clipped) bad.push(`${el.tagName}.${el.className} right=${Math.round(r.right)}`);
  }
  return {vw, scroll: document.documentElement.scrollWidth, bad: bad.slice(0, 15)};
}
"""

DRAWN_JS = """
() => Array.from(document.querySelectorAll(".uchart")).map(el => {
  const c = el.querySelector("canvas");
  if (!c || !c.width || !c.height) return [el.id, 0];
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
  return [el.id, ink];
})
"""


def _need(ok: bool, reason: str) -> None:
    if not ok:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def report(store_home: Path) -> tuple[ReportContext, Narrative]:
    s = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        ctx = build_context(s, as_of=DAY)
    finally:
        s.close()
    return ctx, write_narrative(ctx)


@pytest.fixture(scope="module")
def html_file(
    report: tuple[ReportContext, Narrative], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    ctx, narrative = report
    path = tmp_path_factory.mktemp("layout") / "report.html"
    path.write_text(render_html(ctx, narrative), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    _need(Path(CHROMIUM).is_file(), f"no chromium at {CHROMIUM} (set CAPSIZE_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, html_file: Path, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(html_file.resolve().as_uri())
    page.wait_for_function(
        "document.querySelectorAll('.uchart[data-drawn]').length"
        " === document.querySelectorAll('.uchart').length",
        timeout=20_000,
    )
    return page


def _shoot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_html_is_under_the_size_budget(html_file: Path) -> None:
    size = html_file.stat().st_size
    assert size < MAX_HTML_BYTES, f"HTML report is {size:,} bytes (budget {MAX_HTML_BYTES:,})"


@pytest.mark.parametrize("width", [390, 1280])
def test_every_chart_has_drawn(
    browser: Any, html_file: Path, report: tuple[ReportContext, Narrative], width: int
) -> None:
    page = _open(browser, html_file, {"width": width, "height": 900})
    drawn = dict(page.evaluate(DRAWN_JS))
    page.context.close()
    ids = {f"chart-{c.id}" for c in all_charts(report[0])}
    assert len(ids) >= 6
    assert set(drawn) == ids
    empty = [cid for cid, ink in drawn.items() if ink < 500]
    assert not empty, f"charts with an empty canvas: {empty}"


def test_nothing_overflows_a_phone(browser: Any, html_file: Path) -> None:
    page = _open(browser, html_file, PHONE)
    _shoot(page, "report-390.png")
    closed = page.evaluate(OVERFLOW_JS)
    page.evaluate("document.querySelector('details#provenance').open = true")
    opened = page.evaluate(OVERFLOW_JS)
    _shoot(page, "report-390-provenance.png")
    page.context.close()
    for state in (closed, opened):
        assert state["scroll"] <= state["vw"], state
        assert not state["bad"], state


def test_desktop_tables_fit_their_column(browser: Any, html_file: Path) -> None:
    page = _open(browser, html_file, {"width": 1280, "height": 900})
    _shoot(page, "report-1280.png")
    page.evaluate("document.querySelector('details#provenance').open = true")
    state = page.evaluate(OVERFLOW_JS)
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('.tablewrap, table.prov'))
             .filter(w => w.scrollWidth > w.clientWidth + 1)
             .map(w => (w.closest('section') || {}).id)"""
    )
    page.context.close()
    assert not state["bad"], state
    assert not wide, f"tables wider than the column in sections {wide}"


def test_heatmap_takes_the_scoreboard_figures(report: tuple[ReportContext, Narrative]) -> None:
    ctx, _ = report
    table = ctx.section("scoreboard").tables[0]
    hm = heatmap_from_table(table)
    assert hm is not None
    assert len(hm.rows) == len(table.rows)
    shown = {c.formatted for r in table.rows for c in r if not isinstance(c, str) and c.available}
    cells = [c for _, row in hm.rows for c in row]
    assert {t for t, s, _ in cells if s is not None} <= shown
    assert all(t and "(" not in t and not fid for t, s, fid in cells if s is None)  # compact n/a
    assert all(-1.0 <= s <= 1.0 for _, s, _ in cells if s is not None)
    figs = {c.id: c for r in table.rows for c in r if not isinstance(c, str)}
    assert all(figs[fid].formatted == t for t, _, fid in cells if fid)


def test_markdown_body_without_provenance_and_sidecars_beside_it(
    report: tuple[ReportContext, Narrative], tmp_path: Path
) -> None:
    ctx, narrative = report
    md = render_markdown(ctx, narrative, tmp_path, name="r")
    text = md.read_text(encoding="utf-8")
    assert "| ID | Figure |" not in text
    assert len(text.encode()) < 80_000  # the body alone (the provenance table made it 156 kB)
    csv_path, json_path = tmp_path / "r.provenance.csv", tmp_path / "r.provenance.json"
    assert f"]({csv_path.name})" in text and f"]({json_path.name})" in text
    header = csv_path.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(PROVENANCE_COLUMNS)
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc["report_day"] == ctx.day
    assert [f["id"] for f in doc["figures"]] == [f.id for f in ctx.figures]
    assert (tmp_path / "r_charts" / f"{HEATMAP_ID}.svg").is_file()
    assert not list(tmp_path.glob("**/.*.tmp")), "a temporary file was left behind"


def test_pdf_body_fits_ten_pages(report: tuple[ReportContext, Narrative]) -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        _need(False, f'WeasyPrint is not usable ({exc}): pip install "capsize[pdf]"')
    from capsize.report.render import pdf_document

    ctx, narrative = report
    doc = pdf_document(ctx, narrative)
    portrait = [p for p in doc.pages if p.width < p.height]
    landscape = [p for p in doc.pages if p.width > p.height]
    assert len(portrait) <= 10, f"PDF body has {len(portrait)} pages"
    assert landscape, "the provenance appendix should be landscape"
    # the body comes first, then the appendix: no portrait page after the first landscape one
    first = doc.pages.index(landscape[0])
    assert all(p.width > p.height for p in doc.pages[first:])
