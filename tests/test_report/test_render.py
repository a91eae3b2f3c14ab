"""Rendered HTML and Markdown: every number shown is in the provenance appendix, no nan/None/empty."""

from __future__ import annotations

import csv
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from capsize.data.store import Store
from capsize.errors import MissingDependencyError
from capsize.report.charts import all_charts
from capsize.report.context import ReportContext, build_context
from capsize.report.narrative import write_narrative
from capsize.report.render import TEMPLATE_DIR, render_html, render_markdown, render_pdf

DAYS = ("2025-06-26", "2025-10-08", "2025-12-10", None)

# A "metric-looking" number: signed or decimal numbers, percentages, pp, bp, x-ratios,
# compact counts (22.2M). Plain integers in labels ("50-day", "2026", "3M") are allowed.
METRIC = re.compile(
    r"(?<![\w/.-])[+-]?\d[\d,]*(?:\.\d+)?\s?(?:%|pp\b|bp\b|x\b)"
    r"|(?<![\w/.-])\d+\.\d[KMBT]\b"
    r"|(?<![\w/.-])[+-]?\d+\.\d+(?![\w-])"
    r"|(?<![\w])[+-]\d+(?![\w-])"
)
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
BAD_WORDS = re.compile(r"\b(nan|none|inf|infinity|null)\b", re.IGNORECASE)


class _Page(HTMLParser):
    """Collect figure spans, provenance rows, table cells and visible text outside figures."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.figs: list[tuple[str, str]] = []
        self.prov: dict[str, list[str]] = {}
        self.cells: list[str] = []
        self.text_outside: list[str] = []
        self._fig: list[str] | None = None
        self._fid = ""
        self._cell: list[str] | None = None
        self._prov_row: str | None = None
        self._in_prov = False
        self.charts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("br", "meta", "img", "link"):
            return
        self.stack.append((tag, a))
        if tag == "details" and a.get("id") == "provenance":
            self._in_prov = True
        if tag == "span" and "fig" in a.get("class", "").split():
            self._fig, self._fid = [], a["data-fid"]
        if tag == "tr" and self._in_prov and "data-fid" in a:
            self._prov_row = a["data-fid"]
            self.prov[self._prov_row] = []
        if tag == "td":
            self._cell = []
        if tag == "figure" and "chart" in a.get("class", ""):
            self.charts += 1

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "span" and self._fig is not None:
            self.figs.append((self._fid, "".join(self._fig)))
            self._fig = None
        if tag == "td" and self._cell is not None:
            text = "".join(self._cell).strip()
            self.cells.append(text)
            if self._prov_row is not None:
                self.prov[self._prov_row].append(text)
            self._cell = None
        if tag == "tr":
            self._prov_row = None
        if tag == "details":
            self._in_prov = False

    def handle_data(self, data: str) -> None:
        if any(t in ("script", "style", "title") for t, _ in self.stack):
            return
        if self._cell is not None:
            self._cell.append(data)
        if self._fig is not None:
            self._fig.append(data)
        elif not self._in_prov:
            self.text_outside.append(data)


@pytest.fixture(scope="module")
def rendered(store_home: Path, tmp_path_factory: pytest.TempPathFactory):
    s = Store.open(store_home / "capsize.duckdb", read_only=True)
    out: dict[str | None, tuple[ReportContext, str, str, Path]] = {}
    try:
        for day in DAYS:
            ctx = build_context(s, as_of=day)
            n = write_narrative(ctx)
            html = render_html(ctx, n, embed_js=day is None)
            md_dir = tmp_path_factory.mktemp("md")
            md = render_markdown(ctx, n, md_dir)
            out[day] = (ctx, html, md.read_text(encoding="utf-8"), md)
    finally:
        s.close()
    return out


@pytest.mark.parametrize("day", DAYS)
def test_html_every_number_is_a_sourced_figure(rendered, day: str | None) -> None:
    ctx, html, _, _ = rendered[day]
    page = _Page()
    page.feed(html)
    assert page.figs, "no figure rendered"
    assert set(page.prov) == {f.id for f in ctx.figures}
    for fid, text in page.figs:
        row = page.prov[fid]
        assert row[2] == text, (fid, row, text)  # value column equals what is shown
        assert row[3], f"{fid} has no source"
    outside = ISO.sub(" ", " ".join(page.text_outside))
    stray = METRIC.findall(outside)
    assert not stray, f"numbers shown outside figures: {stray[:10]}"


@pytest.mark.parametrize("day", DAYS)
def test_html_has_no_nan_none_inf_or_empty_cells(rendered, day: str | None) -> None:
    _, html, _, _ = rendered[day]
    page = _Page()
    page.feed(html)
    assert all(page.cells), "empty table cell"
    visible = " ".join(page.text_outside) + " ".join(page.cells)
    assert not BAD_WORDS.findall(visible)
    assert page.charts >= 6


@pytest.mark.parametrize("day", DAYS)
def test_markdown_numbers_are_in_the_provenance_sidecar(rendered, day: str | None) -> None:
    _, _, md, md_path = rendered[day]
    assert "| ID | Figure |" not in md, "the provenance table belongs in the sidecar"
    sidecar = md_path.with_name(f"{md_path.stem}.provenance.csv")
    assert f"]({sidecar.name})" in md, "the body links its provenance sidecar"
    with sidecar.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert all(r["source"] for r in rows), "a figure without a source"
    values = {r["value"] for r in rows}
    assert len(values) > 50
    shown = METRIC.findall(ISO.sub(" ", md))
    # every token must appear as (part of) a figure value from the provenance sidecar
    joined = " | ".join(values)
    missing = [t for t in shown if t.strip() not in joined]
    assert not missing, missing[:10]
    assert not BAD_WORDS.findall(md.replace("n/a", ""))
    for line in md.splitlines():
        if line.startswith("|") and not line.startswith("|:"):
            assert "||" not in line.replace(" ", ""), f"empty cell: {line}"


def test_markdown_charts_written_beside_it(rendered) -> None:
    ctx, _, md, md_path = rendered["2025-10-08"]
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) >= 7  # the charts and the scoreboard heatmap
    assert all(i.endswith(".svg") for i in images)
    for rel in images:
        svg = (md_path.parent / rel).read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert "font-family: Inter," in svg, "SVG text should name the body font stack"
        assert "font-family: 'DejaVu Sans'" not in svg
    from capsize.report.render import md_escape

    for chart in all_charts(ctx):  # title and source printed once, as (escaped) text
        assert md.count(f"_{md_escape(chart.source)}_") == 1, chart.id
        assert md.count(f"**{md_escape(chart.title)}**") == 1, chart.id


def test_html_is_self_contained(rendered) -> None:
    _, html, _, _ = rendered[None]
    assert "<script src=" not in html and "<link" not in html
    assert "uPlot" in html and html.count('class="uchart"') >= 6
    assert html.count('<script type="application/json" class="chart-data"') == html.count(
        'class="uchart"'
    )
    assert 'name="viewport"' in html


def test_templates_ship_with_the_package() -> None:
    assert (TEMPLATE_DIR / "report.html.j2").is_file()
    assert (TEMPLATE_DIR / "report.md.j2").is_file()


def test_pdf_without_weasyprint_names_the_extra(rendered, tmp_path: Path, monkeypatch) -> None:
    ctx, _, _, _ = rendered["2025-10-08"]
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "capsize\[pdf\]"'):
        render_pdf(ctx, write_narrative(ctx), tmp_path / "r.pdf")


def test_unavailable_section_says_why(rendered) -> None:
    from dataclasses import replace

    from capsize.report._model import Section

    ctx, _, _, _ = rendered["2025-10-08"]
    secs = tuple(
        Section("rates", "Rates", False, "no macro series 'DGS2' in the store")
        if s.key == "rates"
        else s
        for s in ctx.sections
    )
    broken = replace(ctx, sections=secs)
    html = render_html(broken, write_narrative(broken), embed_js=False)
    assert "Not available: no macro series &#39;DGS2&#39; in the store" in html


def test_pdf_with_weasyprint(rendered, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason='optional extra: pip install "capsize[pdf]"')
    ctx, _, _, _ = rendered["2025-10-08"]
    out = render_pdf(ctx, write_narrative(ctx), tmp_path / "r.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
