"""``[alerts]`` settings: valid tables load; each bad value is one line naming key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

import capsize.alerts.delivery as delivery
from capsize.config import load_settings
from capsize.errors import InputError


def _load(tmp_path: Path, text: str) -> object:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path).alerts


def test_delivery_exports_sorted_names() -> None:
    def key(n: str) -> tuple[int, str]:  # isort style (ruff RUF022), as tests/test_exported_members
        return (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)

    assert delivery.__all__ == sorted(delivery.__all__, key=key)
    assert all(getattr(delivery, name) is not None for name in delivery.__all__)


def test_full_table_loads(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("pem", encoding="utf-8")
    alerts = _load(
        tmp_path,
        '[alerts]\nbase_url = "https://dash.example/"\nattempts = 4\nbackoff = 0.5\n'
        '[alerts.smtp]\nhost = "smtp.example.org"\nport = 465\nuser = "me"\n'
        'password_env = "SMTP_PW"\nfrom = "capsize <a@example.org>"\ntls = "implicit"\n'
        f'ca_file = "{tmp_path / "ca.pem"}"\n'
        '[alerts.webhook]\nsecret_env = "HOOK_SECRET"\ntimeout = 3\n',
    )
    assert alerts.base_url == "https://dash.example"  # type: ignore[attr-defined]
    smtp = alerts.smtp  # type: ignore[attr-defined]
    assert (smtp.host, smtp.port, smtp.tls, smtp.sender) == (
        "smtp.example.org",
        465,
        "implicit",
        "capsize <a@example.org>",
    )
    assert alerts.webhook.secret_env == "HOOK_SECRET"  # type: ignore[attr-defined]
    assert load_settings(tmp_path / "none").alerts.smtp is None  # no table: defaults


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[alerts.smtp]\nhost = "h"\n', "needs from"),
        ('[alerts.smtp]\nfrom = "a@b.org"\n', "needs host"),
        ('[alerts.smtp]\nhost = "h"\nfrom = "a@b.org"\nport = 70000\n', "alerts.smtp.port"),
        ('[alerts.smtp]\nhost = "h"\nfrom = "a@b.org"\ntls = "ssl"\n', "starttls, implicit, none"),
        ('[alerts.smtp]\nhost = "h"\nfrom = "not-an-address"\n', "not an email address"),
        (
            '[alerts.smtp]\nhost = "h"\nfrom = "a@b.org"\ntls = "none"\nuser = "u"\n'
            'password_env = "P"\n',
            "password in clear",
        ),
        ('[alerts.smtp]\nhost = "h"\nfrom = "a@b.org"\nuser = "u"\n', "both user and password_env"),
        (
            '[alerts.smtp]\nhost = "h"\nfrom = "a@b.org"\npassword = "x"\n',
            "unknown key(s) 'password'",
        ),
        ('[alerts.smtp]\nhost = "h"\nfrom = "a@b.org"\nca_file = "/nope.pem"\n', "not a file"),
        ('[alerts.webhook]\nsecret_env = "my secret!"\n', "never the secret itself"),
        ("[alerts.webhook]\ntimeout = 0\n", "alerts.webhook.timeout"),
        ("[alerts]\nattempts = 0\n", "alerts.attempts"),
        ("[alerts]\nbackoff = 5\nmax_backoff = 1\n", "backoff must not exceed max_backoff"),
        ('[alerts]\nbase_url = "ftp://x"\n', "not an http(s) address"),
        ("alerts = 3\n", "must be a table"),
    ],
)
def test_bad_settings_are_one_line(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert needle in message and "\n" not in message and "config.toml" in message
