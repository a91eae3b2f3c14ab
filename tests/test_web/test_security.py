"""Security: writes need a token, forms need CSRF, text is escaped, tokens are stored hashed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from capsize.web import TOKENS_FILE, create_token, list_tokens, revoke_token

EVIL = '<script>alert("x")</script> & co'


def _csrf(client: Any, path: str = "/watchlists") -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/watchlists"),
        ("put", "/api/v1/watchlists/1"),
        ("delete", "/api/v1/watchlists/1"),
        ("post", "/api/v1/admin/update"),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer csz_wrong", "Basic abc", "Bearer "])
def test_writes_without_a_valid_token_are_refused(
    client: Any, method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if method != "delete":
        kwargs["json"] = {"name": "x", "symbols": ["IWM"]}
    resp = client.request(method.upper(), path, **kwargs)
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"]["code"] == "unauthorized"
    assert resp.headers["www-authenticate"] == "Bearer"


def test_cookie_does_not_authorise_the_api(client: Any, token: str) -> None:
    """A signed-in browser cookie never authorises API writes (so no CSRF through the API)."""
    csrf = _csrf(client)
    assert (
        client.post(
            "/signin", data={"token": token, "csrf": csrf}, follow_redirects=False
        ).status_code
        == 303
    )
    resp = client.post("/api/v1/watchlists", json={"name": "cookie only", "symbols": []})
    assert resp.status_code == 401
    client.cookies.delete("capsize_auth")


def test_tokens_are_stored_hashed(web_home: Path) -> None:
    token, record = create_token(web_home, "hash check")
    text = (web_home / TOKENS_FILE).read_text()
    assert token not in text and token[4:] not in text
    assert record.sha256 in text
    assert (web_home / TOKENS_FILE).stat().st_mode & 0o777 == 0o600
    revoke_token(web_home, record.id)
    assert record.id not in {t.id for t in list_tokens(web_home)}


def test_revoked_token_is_refused_at_once(client: Any, web_home: Path) -> None:
    token, record = create_token(web_home, "short-lived")
    body = {"name": "revoked-then", "symbols": ["IWM"]}
    ok = client.post("/api/v1/watchlists", json=body, headers=_auth(token))
    assert ok.status_code == 201
    revoke_token(web_home, record.id)
    again = client.put(f"/api/v1/watchlists/{ok.json()['id']}", json=body, headers=_auth(token))
    assert again.status_code == 401


def test_form_posts_need_csrf(client: Any, token: str) -> None:
    csrf = _csrf(client)
    no_field = client.post("/signin", data={"token": token}, follow_redirects=False)
    assert no_field.status_code == 403 and "CSRF" in no_field.text
    wrong = client.post("/signin", data={"token": token, "csrf": "0" * 40}, follow_redirects=False)
    assert wrong.status_code == 403
    cross = client.post(
        "/signin",
        data={"token": token, "csrf": csrf},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403
    saved = client.cookies.get("capsize_csrf")
    client.cookies.delete("capsize_csrf")
    no_cookie = client.post("/signin", data={"token": token, "csrf": csrf}, follow_redirects=False)
    assert no_cookie.status_code == 403
    client.cookies.set("capsize_csrf", saved)


def test_form_writes_need_a_sign_in(client: Any, token: str) -> None:
    csrf = _csrf(client)
    client.cookies.delete("capsize_auth")
    anon = client.post(
        "/watchlists", data={"csrf": csrf, "name": "anon", "symbols": "IWM"}, follow_redirects=False
    )
    assert anon.status_code == 401
    bad = client.post("/signin", data={"token": "csz_nope", "csrf": csrf}, follow_redirects=False)
    assert bad.status_code == 401
    ok = client.post("/signin", data={"token": token, "csrf": csrf}, follow_redirects=False)
    assert ok.status_code == 303
    made = client.post(
        "/watchlists",
        data={"csrf": csrf, "name": "via form", "symbols": "IWM, spy"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "via form" in page.text and "SPY" in page.text
    forged = client.post(
        "/watchlists", data={"name": "forged", "symbols": "IWM"}, follow_redirects=False
    )
    assert forged.status_code == 403
    client.post("/signout", data={"csrf": csrf})
    assert client.cookies.get("capsize_auth") is None


def test_script_in_a_watchlist_name_is_shown_escaped(client: Any, token: str) -> None:
    made = client.post(
        "/api/v1/watchlists",
        json={"name": EVIL, "symbols": ["IWM"], "note": "<b>n</b>"},
        headers=_auth(token),
    )
    assert made.status_code == 201, made.text
    wid = made.json()["id"]
    for path in ("/watchlists", f"/watchlists/{wid}"):
        html = client.get(path).text
        assert "<script>alert" not in html
        assert "<b>n</b>" not in html
        assert (
            "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
            or "\\u003cscript\\u003e" in html
        )
    csv = client.get("/api/v1/watchlists", params={"format": "csv"}).text
    assert EVIL.replace('"', '""') in csv  # CSV quoting, no formula start


def test_formula_cells_are_neutralised_in_csv(client: Any, token: str) -> None:
    made = client.post(
        "/api/v1/watchlists",
        json={"name": "=HYPERLINK(1)", "symbols": ["IWM"]},
        headers=_auth(token),
    )
    assert made.status_code == 201
    csv = client.get("/api/v1/watchlists", params={"format": "csv"}).text
    assert "'=HYPERLINK(1)" in csv
    assert "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv


def test_errors_never_show_a_trace(client: Any) -> None:
    for path in (
        "/api/v1/data_sources?as_of=2025-02-30",
        "/stock/%3Cscript%3E",
        "/watchlists/abc",
        "/nope",
    ):
        resp = client.get(path)
        assert 400 <= resp.status_code < 500, (path, resp.status_code)
        assert "Traceback" not in resp.text and 'File "' not in resp.text
        assert "<script>" not in resp.text.split("</head>", 1)[-1].replace(
            '<script src="/static/app.js" defer></script>', ""
        )


def test_cached_sections_carry_no_visitor_data(
    client: Any, web_home: Path, make_client: Any
) -> None:
    other = make_client(web_home)
    first, second = _csrf(client, "/watchlists"), _csrf(other, "/watchlists")
    assert first != second  # each browser its own CSRF field, though the sections are cached
    assert first not in other.get("/watchlists").text
