"""A bad query parameter answers 400 on pages and the API alike, with one line naming it."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

_RULE_FIX = "write 'column op value'"


def _page_error(resp: Any) -> str:
    """The one-line message of an HTML error page answered 400."""
    assert resp.status_code == 400, resp.text[:300]
    assert resp.headers["content-type"].startswith("text/html")
    found = re.findall(r'<p class="error" data-code="invalid_input">(.*?)</p>', resp.text, re.S)
    assert len(found) == 1, "the page is not the error page"
    assert "Traceback" not in resp.text
    return html.unescape(found[0])


def _api_error(resp: Any) -> str:
    assert resp.status_code == 400, resp.text[:300]
    body = resp.json()
    assert body["error"]["code"] == "invalid_input"
    message: str = body["error"]["message"]
    assert "\n" not in message
    return message


def test_a_malformed_screen_rule_answers_400_on_the_page_and_the_api(client: Any) -> None:
    page = _page_error(client.get("/screener", params={"rules": "pe<="}))
    api = _api_error(client.get("/api/v1/screen", params={"rules": "pe<="}))
    assert page == api
    assert page.startswith("rules: 'pe<='") and _RULE_FIX in page and "e.g. pe<=15" in page


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_unknown_table_on_the_api_lists_the_tables(client: Any, fmt: str) -> None:
    names = list(client.get("/api/v1/rates").json()["tables"])
    assert len(names) > 1
    message = _api_error(client.get("/api/v1/rates", params={"format": fmt, "table": "nope"}))
    assert message == f"table 'nope' is not a table of rates; give one of: {', '.join(names)}"
    ok = client.get("/api/v1/rates", params={"format": fmt, "table": names[1]})
    assert ok.status_code == 200


def test_an_unknown_table_on_a_page_lists_the_tables(client: Any) -> None:
    names = list(client.get("/api/v1/rates").json()["tables"])
    message = _page_error(client.get("/rates", params={"table": "nope"}))
    assert message == f"table 'nope' is not a table of this page; give one of: {', '.join(names)}"
    assert client.get("/rates", params={"table": names[0]}).status_code == 200


def test_a_data_error_stays_inside_its_section(client: Any) -> None:
    """Not bad input: a symbol without data is shown in its section, the page answers."""
    page = client.get("/stock/ZZZZ")
    assert page.status_code == 200
    assert "no price data for symbol 'ZZZZ'" in html.unescape(page.text)
