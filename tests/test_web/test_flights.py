"""Cold work done once: single flight, built pages, warm-up, and never a stale page."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from capsize.errors import InputError
from capsize.queries.result import Figure, Provenance, QueryResult
from capsize.web._pages import page_key
from capsize.web._registry import Page, QuerySpec, Section
from capsize.web._render import format_figure

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

PAGE = Page("demo", "/demo", "Demo", (Section("stamp"),))
WAIT = 0.4
"""Seconds a computation takes: long enough for every concurrent request to join it."""


def _stamp(calls: list[object]) -> Callable[..., QueryResult]:
    """A query counting its calls; answers the store's macro rows dated by the day."""

    def stamp(source: Any, as_of: object | None = None, *, fail: bool = False) -> QueryResult:
        day = source.requested  # the web passes the day in the session
        calls.append(None if day is None else f"{day:%Y-%m-%d}")
        time.sleep(WAIT)
        if fail:
            raise InputError("stamp: asked to fail; drop fail=true")
        (rows,) = source.store.con.execute(
            "SELECT count(*) FROM macro WHERE ?::DATE IS NULL OR date <= ?::DATE", [day, day]
        ).fetchone()
        prov = Provenance("store macro", (), "", str(day), "count(*)")
        fig = Figure("rows", float(rows), "count", "Macro rows", prov)
        return QueryResult("stamp", day or pd.Timestamp("2199-12-31"), day, figures={"rows": fig})

    return stamp


def _text(rows: float) -> str:
    """The count as a page shows it."""
    return format_figure(Figure("rows", rows, "count", "", Provenance("t", (), "", "", "")))


def _app(home: Path, make_client: Any, calls: list[object], **config: Any) -> TestClient:
    row = QuerySpec("stamp", "x:y", "Stamp", "demo", function=_stamp(calls))
    return make_client(home, registry=(row,), pages=(PAGE,), **config)  # type: ignore[no-any-return]


def _at_once(client: TestClient, url: str, n: int) -> list[Any]:
    """Send ``n`` identical GETs at the same moment from ``n`` threads."""
    start = threading.Barrier(n)
    out: list[Any] = [None] * n

    def ask(i: int) -> None:
        start.wait()
        out[i] = client.get(url)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_concurrent_identical_cold_requests_compute_once(web_home: Path, make_client: Any) -> None:
    calls: list[object] = []
    client = _app(web_home, make_client, calls)
    state = client.app.state.capsize  # type: ignore[attr-defined]
    answers = _at_once(client, "/api/v1/stamp?as_of=2020-01-02", 10)
    assert [r.status_code for r in answers] == [200] * 10
    assert len({r.content for r in answers}) == 1
    assert calls == ["2020-01-02"]  # one computation for ten requests

    pages = _at_once(client, "/demo?as_of=2020-01-03", 10)
    assert [r.status_code for r in pages] == [200] * 10
    assert len({r.content for r in pages}) == 1  # no form: the same bytes for every visitor
    assert calls == ["2020-01-02", "2020-01-03"]
    assert state.flights.started == 2 and len(state.flights) == 0
    api = client.get("/api/v1/stamp?as_of=2020-01-03")  # the page's answer, not computed again
    assert _text(api.json()["figures"]["rows"]["value"]) in pages[0].text
    assert len(calls) == 2

    etag = pages[0].headers["etag"]  # kept per (snapshot, URL): a 304 without any work
    again = client.get("/demo?as_of=2020-01-03", headers={"If-None-Match": etag})
    assert again.status_code == 304 and state.flights.started == 2


def test_an_error_reaches_every_waiter_as_the_json_error_body(
    web_home: Path, make_client: Any
) -> None:
    calls: list[object] = []
    client = _app(web_home, make_client, calls)
    answers = _at_once(client, "/api/v1/stamp?fail=true&as_of=2020-01-06", 8)
    assert len(calls) == 1
    for resp in answers:
        assert resp.status_code == 400
        assert resp.json() == {
            "error": {"code": "invalid_input", "message": "stamp: asked to fail; drop fail=true"}
        }
    # errors are not kept: asking again computes again
    assert client.get("/api/v1/stamp?fail=true&as_of=2020-01-06").status_code == 400
    assert len(calls) == 2


def test_warm_up_builds_the_latest_pages_after_a_snapshot(
    fresh_home: Path, make_client: Any
) -> None:
    calls: list[object] = []
    client = _app(fresh_home, make_client, calls, warm=True)
    state = client.app.state.capsize  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while state.pages.get(page_key(state, PAGE, "/demo", b"")) is None:
        assert time.monotonic() < deadline, "the warm-up did not build /demo within 60 s"
        time.sleep(0.05)
    assert calls == [None]  # the latest answer, computed by the warm-up
    page = client.get("/demo")
    assert page.status_code == 200 and "Macro rows" in page.text
    assert calls == [None] and state.flights.started == 0  # the visitor waited for nothing
    past = client.get("/demo?as_of=2020-01-02")  # a past day is built when asked for
    assert past.status_code == 200 and calls == [None, "2020-01-02"]


def _shown_rows(client: TestClient) -> float:
    value: float = client.get("/api/v1/stamp").json()["figures"]["rows"]["value"]
    return value


def test_a_page_after_an_update_shows_the_new_data(fresh_home: Path, make_client: Any) -> None:
    calls: list[object] = []
    client = _app(fresh_home, make_client, calls, poll=0.1)
    before = client.get("/demo")
    rows = _shown_rows(client)
    assert _text(rows) in before.text
    con = duckdb.connect(str(fresh_home / "capsize.duckdb"))  # an update adds a row
    try:
        con.execute(
            "INSERT INTO macro SELECT * REPLACE (DATE '2199-01-01' AS date) FROM macro LIMIT 1"
        )
    finally:
        con.close()
    deadline = time.monotonic() + 30
    while (after := client.get("/demo")).content == before.content:
        assert time.monotonic() < deadline, "the page still shows the old data after 30 s"
        time.sleep(0.1)
    assert _text(rows + 1) in after.text and _text(rows) not in after.text
    assert _shown_rows(client) == rows + 1
    assert after.headers["etag"] != before.headers["etag"]
    stale = client.get("/demo", headers={"If-None-Match": before.headers["etag"]})
    assert stale.status_code == 200 and stale.content == after.content


def test_busy_when_too_many_distinct_computations_wait(web_home: Path, make_client: Any) -> None:
    calls: list[object] = []
    client = _app(web_home, make_client, calls, workers=1, pending=1)
    days = ("2020-02-03", "2020-02-04", "2020-02-05")
    start = threading.Barrier(len(days))
    out: dict[str, Any] = {}

    def ask(day: str) -> None:
        start.wait()
        out[day] = client.get(f"/api/v1/stamp?as_of={day}")

    threads = [threading.Thread(target=ask, args=(d,)) for d in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in out.values())
    assert codes == [200, 503, 503]
    busy = next(r for r in out.values() if r.status_code == 503)
    assert busy.json()["error"]["code"] == "busy" and busy.headers["retry-after"]


def test_a_large_page_is_sent_gzipped_to_a_browser_that_accepts_it(
    web_home: Path, make_client: Any
) -> None:
    client = make_client(web_home)
    url = "/sources?as_of=2025-10-08"
    for _ in range(2):  # built, then from memory (the fast path keeps each encoding apart)
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        zipped = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert "content-encoding" not in plain.headers
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.content == plain.content  # decoded by the client
        assert int(zipped.headers["content-length"]) * 3 < len(plain.content)
        assert zipped.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
        assert zipped.headers["etag"] != plain.headers["etag"]
