"""The fast path (kept responses), the server-side sort of list answers, the watch query."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

from capsize.errors import InputError
from capsize.queries.result import Figure, Provenance, QueryResult, TableData
from capsize.web._answers import sort_tables
from capsize.web._fastpath import ResponseCache, request_key
from capsize.web._params import split_rules
from capsize.web._security import AUTH_COOKIE, CSRF_COOKIE

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

DAY = "2025-10-08"
PROV = Provenance("test", (), "", DAY, "")


def _fig(fid: str, value: float | None) -> Figure:
    return Figure(fid, value, "ratio", fid, PROV, "" if value is not None else "missing")


def test_sort_tables_orders_rows_and_keeps_missing_last() -> None:
    rows = (("a", _fig("a", 2.0)), ("b", _fig("b", None)), ("c", _fig("c", 1.0)), ("d", None))
    result = QueryResult("q", pd.Timestamp(DAY), tables=(TableData("t", "t", ("k", "v"), rows),))
    down = [r[0] for r in sort_tables(result, "v", True).tables[0].rows]
    up = [r[0] for r in sort_tables(result, "v", False).tables[0].rows]
    assert down == ["a", "c", "b", "d"]
    assert up == ["c", "a", "b", "d"]
    by_text = [r[0] for r in sort_tables(result, "k", True).tables[0].rows]
    assert by_text == ["d", "c", "b", "a"]
    assert sort_tables(result, "nope", True) == result


def test_rules_are_checked_as_rules() -> None:
    assert split_rules("rules", ["pe<=15, price>=5", "sector==Energy"]) == (
        "pe<=15",
        "price>=5",
        "sector==Energy",
    )
    for bad in ("<script>", "pe<=", "pe<=15;drop", "a" * 40 + "<1"):
        with pytest.raises(InputError, match="not a rule"):
            split_rules("rules", [bad])


def test_response_cache_drops_answers_of_an_older_snapshot() -> None:
    gens = [1, 1]
    cache = ResponseCache(lambda: (gens[0], gens[1]), entries=4)
    key = request_key("/api/v1/x", b"a=1")
    cache.put(key, b"{}", {"ETag": '"e"'}, generation=(1, 1), user_data=False, media_type="j")
    cache.put("u", b"{}", {}, generation=(1, 1), user_data=True, media_type="j")
    assert cache.get(key) is not None and cache.get("u") is not None
    gens[0] = 2  # a snapshot with only user data changed
    assert cache.get(key) is not None and cache.get("u") is None
    gens[1] = 2  # new market data
    assert cache.get(key) is None


def _count(client: TestClient, method: str) -> list[Any]:
    """Record the calls of ``state.answers.<method>`` (the routed path asks the answers)."""
    answers = client.app.state.capsize.answers  # type: ignore[attr-defined]
    calls: list[Any] = []
    original = getattr(answers, method)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    setattr(answers, method, counted)
    return calls


def test_a_repeated_api_request_is_sent_from_the_fast_path(client: TestClient) -> None:
    first = client.get(f"/api/v1/tape?as_of={DAY}")
    assert first.status_code == 200
    calls = _count(client, "peek")
    again = client.get(f"/api/v1/tape?as_of={DAY}")
    assert calls == []  # no routing, no answer lookup
    assert again.content == first.content
    for name in ("etag", "cache-control", "content-type", "x-content-type-options"):
        assert again.headers[name] == first.headers[name]
    not_modified = client.get(
        f"/api/v1/tape?as_of={DAY}", headers={"If-None-Match": first.headers["etag"]}
    )
    assert not_modified.status_code == 304 and not_modified.content == b""
    other = client.get(f"/api/v1/tape?as_of={DAY}&format=json")
    assert other.status_code == 200 and len(calls) == 1  # another query string: routed


def test_a_page_is_kept_per_csrf_cookie_and_never_when_signed_in(client: TestClient) -> None:
    client.cookies.clear()
    url = f"/sources?as_of={DAY}"
    first = client.get(url)
    assert first.status_code == 200 and CSRF_COOKIE in first.cookies
    second = client.get(url)  # now with the cookie: rendered and kept
    calls = _count(client, "get")
    third = client.get(url)
    assert third.text == second.text and calls == []
    client.cookies.set(AUTH_COOKIE, "anything")  # signed in (or trying): always rendered
    signed = client.get(url)
    assert signed.status_code == 200 and calls != []
    client.cookies.clear()
