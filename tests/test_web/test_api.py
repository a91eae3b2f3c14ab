"""The REST API: one endpoint per registry query, JSON = ``QueryResult.to_dict()``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from capsize.queries import open_session
from capsize.queries.sources import data_sources
from capsize.web._registry import REGISTRY, resolve_all

DAYS = ("2024-06-28", "2025-10-08")
ASK = {"bars": "IWM,SPY,^RUT,ILLR", "macro": "DGS2", "factors": "FF3", "fund_shares": "IWM"}
_ISO = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


def dates_after(obj: Any, day: str) -> list[str]:
    text = repr(obj)
    return [d for d in _ISO.findall(text) if d > day]


def _kwargs() -> dict[str, list[str]]:
    return {k: v.split(",") for k, v in ASK.items()}


def _error(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert "Traceback" not in resp.text and "\n" not in body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body


@pytest.mark.parametrize("day", [*DAYS, None])
def test_json_is_the_query_result(client: Any, web_home: Path, day: str | None) -> None:
    params = {**ASK, **({"as_of": day} if day else {})}
    got = client.get("/api/v1/data_sources", params=params)
    assert got.status_code == 200, got.text
    with open_session(day, path=str(web_home / "capsize.duckdb")) as s:
        want = data_sources(s, **_kwargs()).to_dict()
    assert got.json() == want
    if day is not None:
        assert dates_after(got.json(), day) == []


def test_point_in_time_figure_changes(client: Any) -> None:
    early = client.get("/api/v1/data_sources", params={"bars": "ILLR", "as_of": "2019-12-31"})
    late = client.get("/api/v1/data_sources", params={"bars": "ILLR", "as_of": DAYS[1]})
    a = early.json()["figures"]["ILLR.warnings"]
    b = late.json()["figures"]["ILLR.warnings"]
    assert a["value"] < b["value"]
    assert a["provenance"]["as_of"] == "2019-12-31"


def test_cache_headers_and_etag(client: Any) -> None:
    past = client.get("/api/v1/data_sources", params={**ASK, "as_of": DAYS[0]})
    assert past.headers["cache-control"].startswith("public, max-age=")
    etag = past.headers["etag"]
    again = client.get(
        "/api/v1/data_sources", params={**ASK, "as_of": DAYS[0]}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    latest = client.get("/api/v1/data_sources", params=ASK)
    assert latest.headers["cache-control"] == "no-cache"
    assert latest.headers["etag"] != etag


def test_pagination(client: Any) -> None:
    full = client.get("/api/v1/data_sources", params=ASK).json()
    rows = full["tables"]["sources"]["rows"]
    page = client.get("/api/v1/data_sources", params={**ASK, "limit": 2, "offset": 1})
    assert page.headers["x-total-count"] == str(len(rows))
    got = page.json()
    assert got["tables"]["sources"]["rows"] == rows[1:3]
    kept = {c["figure"] for r in rows[1:3] for c in r if isinstance(c, dict)}
    assert set(got["figures"]) == kept


def test_csv_of_a_table(client: Any) -> None:
    resp = client.get("/api/v1/data_sources", params={**ASK, "format": "csv", "table": "sources"})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    lines = resp.text.strip().split("\r\n")
    assert lines[0] == "Series,Source,Basis,First date,Last date used,Warnings,Notes"
    assert any(line.startswith("IWM,prices/IWM.csv,adjusted,") for line in lines)
    _error(client.get("/api/v1/data_sources", params={"format": "csv", "table": "nope"}), 400)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"foo": "1"}, 400, "invalid_input"),
        ({"as_of": "2025-13-45"}, 400, "invalid_input"),
        ({"as_of": "08/10/2025"}, 400, "invalid_input"),
        ({"as_of": "0001-01-01"}, 400, "invalid_input"),
        ({"as_of": "9999-12-31"}, 400, "invalid_input"),
        ({"bars": "IW M!"}, 400, "invalid_input"),
        ({"bars": ",".join(f"S{i}" for i in range(60))}, 400, "invalid_input"),
        ({"limit": "0"}, 400, "invalid_input"),
        ({"limit": "x"}, 400, "invalid_input"),
        ({"format": "xml"}, 400, "invalid_input"),
    ],
)
def test_bad_requests_answer_a_json_error(
    client: Any, params: dict[str, str], status: int, code: str
) -> None:
    _error(client.get("/api/v1/data_sources", params=params), status, code)


@pytest.mark.parametrize("bad", ["", "08/10/2025", "abc"])
def test_an_as_of_that_is_not_a_day_says_give_a_date(client: Any, bad: str) -> None:
    for path, params in (
        ("/api/v1/data_sources", {}),
        ("/api/v1/alerts", {}),
        ("/api/v1/watchlist", {"id": "1"}),
    ):
        body = _error(client.get(path, params={**params, "as_of": bad}), 400, "invalid_input")
        assert body["error"]["message"] == "as_of: give a date YYYY-MM-DD", path


def test_routing_errors_are_json(client: Any) -> None:
    _error(client.get("/api/v1/nope"), 404, "not_found")
    _error(client.post("/api/v1/data_sources"), 405, "method_not_allowed")
    _error(client.get("/api/v1/watchlists/0"), 400, "invalid_input")
    _error(client.get("/api/v1/watchlists/999"), 404, "not_found")


def test_unavailable_query_answers_501() -> None:
    """Queries not in this build are listed and answer 501 (none, once every family lands)."""
    missing = [r for r in resolve_all().values() if not r.available]
    if not missing:
        pytest.skip("every registry query is available in this build")


def test_unavailable_endpoints(client: Any) -> None:
    listed = {q["name"]: q for q in client.get("/api/v1/queries").json()}
    assert list(listed) == [row.name for row in REGISTRY]
    for name, info in listed.items():
        if not info["available"]:
            body = _error(client.get(f"/api/v1/{name}"), 501, "not_available")
            assert "not available in this build" in body["error"]["message"]


def test_every_available_query_answers_with_defaults(client: Any) -> None:
    """Every available query, asked with its defaults, answers its schema or a clean 4xx."""
    for info in client.get("/api/v1/queries").json():
        if not info["available"] or any(p["required"] for p in info["params"]):
            continue
        resp = client.get(info["endpoint"], params={"as_of": DAYS[1]})
        assert resp.status_code < 500, (info["name"], resp.text)
        if resp.status_code == 200:
            body = resp.json()
            assert body["schema"] == "capsize.query/1" and body["query"] == info["name"]
            assert dates_after(body, DAYS[1]) == []
        else:
            _error(resp, resp.status_code)


def test_openapi_lists_every_query(client: Any) -> None:
    doc = client.get("/api/openapi.json").json()
    for row in REGISTRY:
        op = doc["paths"][f"/api/v1/{row.name}"]["get"]
        assert "422" not in op["responses"]
    params = {p["name"] for p in doc["paths"]["/api/v1/data_sources"]["get"]["parameters"]}
    assert {
        "as_of",
        "bars",
        "macro",
        "factors",
        "fund_shares",
        "limit",
        "offset",
        "format",
    } <= params
    assert client.get("/api/docs").status_code == 200


def test_rate_limit_charges_computed_answers_only(web_home: Path, make_client: Any) -> None:
    limited = make_client(web_home, rate=0.001, burst=2)
    assert limited.get("/api/v1/data_sources", params={"bars": "IWM"}).status_code == 200
    for _ in range(3):  # cached: free
        assert limited.get("/api/v1/data_sources", params={"bars": "IWM"}).status_code == 200
    assert limited.get("/api/v1/data_sources", params={"bars": "SPY"}).status_code == 200
    resp = limited.get("/api/v1/data_sources", params={"bars": "IWC"})
    _error(resp, 429, "rate_limited")
    assert int(resp.headers["retry-after"]) >= 1


def test_request_limits(client: Any) -> None:
    big = client.post(
        "/api/v1/watchlists", content=b"x" * 70_000, headers={"content-type": "application/json"}
    )
    _error(big, 413, "too_large")
    _error(client.get("/api/v1/data_sources?bars=" + "A," * 3000), 414, "uri_too_long")


def test_cors_is_off(client: Any) -> None:
    resp = client.get("/api/v1/data_sources", headers={"Origin": "https://evil.example"})
    assert resp.status_code == 200
    assert not any(h.lower().startswith("access-control-") for h in resp.headers)
    pre = client.options(
        "/api/v1/data_sources",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in pre.headers


def test_security_headers(client: Any) -> None:
    resp = client.get("/api/v1/health")
    assert resp.json()["status"] == "ok"
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    assert resp.headers["x-frame-options"] == "DENY"


def test_warm_up_computes_every_page_section(web_home: Path, make_client: Any) -> None:
    from capsize.web._pages import warm_pages

    warm = make_client(web_home, warm=True)
    state = warm.app.state.capsize
    available = {n for n, r in state.registry.items() if r.available}
    sections = [
        s
        for p in state.config.pages
        if "{" not in p.path
        for s in p.sections
        if s.query in available
    ]
    assert warm_pages(state, state.snapshots.data_generation) <= len(sections)
    assert warm_pages(state, state.snapshots.data_generation) >= 1
    assert warm_pages(state, -1) == 0  # a newer snapshot stops an old warm-up


def test_screen_presets_are_a_choice(client: Any) -> None:
    from capsize.queries.stocks.screening import PRESETS

    doc = client.get("/api/openapi.json").json()
    params = {p["name"]: p for p in doc["paths"]["/api/v1/screen"]["get"]["parameters"]}
    assert params["preset"]["schema"]["anyOf"][0]["enum"] == list(PRESETS)
    assert "limit" in params and params["limit"]["schema"]["anyOf"][0]["maximum"] == 1000
    body = _error(client.get("/api/v1/screen", params={"preset": "cheap-stuff"}), 400)
    assert body["error"]["message"].startswith("preset: ")
    assert all(name in body["error"]["message"] for name in PRESETS)
    page = client.get("/screener", params={"preset": "cheap-stuff"})
    assert page.status_code == 400 and "is not one of: " + ", ".join(PRESETS) in page.text


def _numbers(calls: list[object]) -> Any:
    import pandas as pd

    from capsize.queries.result import QueryResult, TableData

    def numbers(source: object, as_of: object | None = None, *, limit: int | None = 25) -> Any:
        calls.append(limit)
        rows = tuple((f"S{i:02d}",) for i in range(60))[:limit]
        table = TableData("numbers", "Numbers", ("symbol",), rows)
        return QueryResult("numbers", pd.Timestamp("2025-10-08"), None, {}, {}, (table,), ())

    return numbers


def test_a_list_is_computed_once_and_paged(web_home: Path, make_client: Any) -> None:
    """The API's default page, other pages and the page's view share one computation."""
    from capsize.web._registry import QuerySpec

    calls: list[object] = []
    row = QuerySpec(
        "numbers",
        "x:y",
        "Numbers",
        "demo",
        list_like=True,
        function=_numbers(calls),
        fixed={"limit": 5000},
        page_rows=25,
    )
    app = make_client(web_home, registry=(row,))
    first = app.get("/api/v1/numbers")
    assert [r[0] for r in first.json()["tables"]["numbers"]["rows"]] == [
        f"S{i:02d}" for i in range(25)
    ]
    assert first.headers["x-total-count"] == "60"
    rest = app.get("/api/v1/numbers", params={"limit": 100, "offset": 50}).json()
    assert [r[0] for r in rest["tables"]["numbers"]["rows"]] == [f"S{i}" for i in range(50, 60)]
    assert calls == [5000]  # computed once, with every row
    params = {
        p["name"]
        for p in app.get("/api/openapi.json").json()["paths"]["/api/v1/numbers"]["get"][
            "parameters"
        ]
    }
    assert "limit" in params  # paging only: the function's own limit is the web's
    _error(app.get("/api/v1/numbers", params={"limit": 5000}), 400, "invalid_input")


def test_static_assets_are_sent_from_memory_with_an_etag(client: Any) -> None:
    from capsize.web._app import chart_assets

    css = client.get("/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert (
        client.get("/static/app.css", headers={"If-None-Match": css.headers["etag"]}).status_code
        == 304
    )
    js = client.get("/static/vendor/uplot/uPlot.iife.min.js")
    assert js.content == (chart_assets() / "uplot" / "uPlot.iife.min.js").read_bytes()
    assert "javascript" in js.headers["content-type"]
    assert "script-src 'self'" in js.headers["content-security-policy"]
    assert client.get("/static/vendor/charts.js").status_code == 200
    assert client.get("/static/nope.css").status_code == 404
