"""Data text reaches the Markdown and HTML reports inert, in every slot of the templates.

A report context is built by hand with an injected payload in each place data text
can reach (section titles, reasons, notes, table headers and cells, captions, chart
titles and sources, figure labels and provenance, watch items, the narrative, stale
banners); both renderers must show the payload as text, never as markup.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from capsize.report.context import (
    ChartSeries,
    ChartSpec,
    Figure,
    Provenance,
    ProxyChoice,
    ReportContext,
    Section,
    Table,
    WatchItem,
)
from capsize.report.narrative import Narrative
from capsize.report.render import md_escape, render_html, render_markdown

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
LINK = "[click](javascript:alert(3))"
IMAGE = "![t](http://evil.example/t.png)"
RICH = "[bold]EVIL[/]"
BREAK = "a | b\n# heading\n> quote"
ALL = f"{IMG} {SCRIPT} {LINK} {IMAGE} {RICH} {BREAK} `code` *em* _u_ &amp; &#60;"


def _fig(fid: str) -> Figure:
    prov = Provenance(ALL, (IMG, RICH), ALL, "2025-06-30", ALL)
    return Figure(fid, 0.01, f"+1.0% {SCRIPT}", f"label {ALL}", prov)


def _context() -> ReportContext:
    f1, f2 = _fig("a.one"), _fig("b.two")
    chart = ChartSpec(
        "c1",
        f"chart {ALL}",
        "line",
        (ChartSeries(IMG, ("2025-06-27", "2025-06-30"), (1.0, 2.0)),),
        "y",
        f"source {ALL}",
    )
    table = Table((f"col {IMG}", LINK), ((f"cell {ALL}", f1), (RICH, f2)), f"caption {ALL}")
    sections = (
        Section("scoreboard", f"title {ALL}", True, "", {"one": f1}, (table,), (chart,), (ALL,)),
        Section("flows", f"flows {IMG}", False, f"reason {ALL}"),
        Section("sources", "Sources", True, "", {}, (table,)),
    )
    proxy = ProxyChoice("micro", f"Micro {IMG}", RICH, "n", pd.Timestamp("2025-06-01"), True)
    return ReportContext(
        as_of=pd.Timestamp("2025-06-30"),
        requested=None,
        proxies=(proxy,),
        sections=sections,
        watch=(WatchItem("r", (f"watch {ALL} ", f1)),),
        figures=(f1, f2),
        notes=(f"note {ALL}",),
        version="0",
    )


@pytest.fixture(scope="module")
def md(tmp_path_factory: pytest.TempPathFactory) -> str:
    n = Narrative((f"head {ALL} ", _fig("h")), ((f"para {ALL} ", _fig("p")),), (f"rule {LINK}",))
    path = render_markdown(_context(), n, tmp_path_factory.mktemp("md"))
    return path.read_text(encoding="utf-8")


def test_markdown_has_no_tag(md: str) -> None:
    assert md.count("&lt;img src=x onerror=alert(1)&gt;") >= 10  # the payload is shown
    assert not re.search(r"<\s*(img|script)", md, re.IGNORECASE)


def test_markdown_has_no_link_image_or_code(md: str) -> None:
    assert "javascript" in md
    # a link or image needs an unescaped [ ... ] directly followed by (
    links = re.findall(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)]*)\)", md)
    targets = [url for _alt, url in links]
    # the only links are the report's own files: its charts and its provenance sidecars
    own = (".svg", ".provenance.csv", ".provenance.json")
    assert targets and all(t.endswith(own) and "evil" not in t for t in targets), targets
    assert "\\`code\\`" in md and "\\*em\\*" in md and "\\_u\\_" in md


def test_markdown_data_stays_on_its_line(md: str) -> None:
    assert not re.search(r"^# heading", md, re.MULTILINE)
    assert not re.search(r"^> quote", md, re.MULTILINE)
    for line in md.splitlines():
        if line.startswith("| ") and "a \\| b" in line:
            cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
            assert len(cells) in (2, 8), line  # a table row keeps its column count


def test_markdown_entities_are_not_decoded(md: str) -> None:
    assert "&amp;amp;" in md and "&amp;\\#60;" in md  # shown as typed, not as & and <
    assert str(md_escape("S&P 500")) == "S&P 500"  # a bare & needs no escape


def test_html_report_escapes_the_same_context() -> None:
    n = Narrative((f"head {ALL}",), ((f"para {ALL}",),))
    html = render_html(_context(), n, charts={"c1": "<div>chart</div>"}, embed_js=False)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert not re.search(r"<img src=x", html, re.IGNORECASE)
    assert not re.search(r"<script>alert", html, re.IGNORECASE)


def test_md_filter_is_idempotent_on_safe_text(tmp_path: Path) -> None:
    once = md_escape(ALL)
    assert md_escape(once) is once  # already safe: not escaped twice
