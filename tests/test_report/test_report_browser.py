"""Open the HTML report in headless Chromium: every chart is drawn, offline, at desktop and phone width."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from capsize.data.store import Store
from capsize.report.charts import all_charts
from capsize.report.context import build_context
from capsize.report.narrative import write_narrative
from capsize.report.render import render_html


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine (apt-get install chromium); .ci/run installs it where it can",
)


def _run(args: list[str], html: Path, width: int, height: int) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "--virtual-time-budget=8000",
            *args,
            html.resolve().as_uri(),
        ]
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=180, check=False, env={**os.environ}
        )


@pytest.fixture(scope="module")
def report(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    s = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        ctx = build_context(s, as_of="2025-10-08")
    finally:
        s.close()
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(render_html(ctx, write_narrative(ctx)), encoding="utf-8")
    return path, len(all_charts(ctx))


def test_every_chart_is_drawn(report: tuple[Path, int]) -> None:
    path, n_charts = report
    res = _run(["--dump-dom"], path, 1280, 4000)
    dom = res.stdout
    assert "<html" in dom, res.stderr[-2000:]
    drawn = re.findall(r'class="uchart" id="chart-([\w-]+)"[^>]*data-drawn="1"', dom)
    assert n_charts >= 6
    assert len(set(drawn)) == n_charts, f"drawn: {sorted(set(drawn))}"
    assert dom.count("<canvas") >= n_charts
    assert not re.search(r'class="uchart"[^>]*>Chart not drawn', dom), "a chart failed to draw"


@pytest.mark.parametrize(("width", "height"), [(1280, 3000), (400, 6000)])
def test_screenshot_at_desktop_and_phone_width(
    report: tuple[Path, int], tmp_path: Path, width: int, height: int
) -> None:
    path, _ = report
    png = tmp_path / f"shot-{width}.png"
    res = _run([f"--screenshot={png}"], path, width, height)
    assert png.is_file(), res.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (w, h) == (width, height)
    assert len(data) > 50_000  # a blank page compresses to a few kB
