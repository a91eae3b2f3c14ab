"""API tokens: created once by ``capsize serve token create``, stored only as hashes.

A token is 256 random bits (``csz_`` + URL-safe text). The file
``$CAPSIZE_HOME/serve-tokens.json`` (mode 0600) keeps, for each token, an id, a label,
the creation time and the SHA-256 of the token; the token itself is printed once and
never stored. SHA-256 without a salt is enough for random 256-bit secrets (nothing to
guess from a dictionary). The server reads the file on every write, so a token created
or revoked while it runs takes effect at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from capsize._atomic import write_text
from capsize.errors import DataNotFound, StoreError

__all__ = [
    "PREFIX",
    "TOKENS_FILE",
    "TokenRecord",
    "create_token",
    "list_tokens",
    "revoke_token",
    "verify_token",
]

TOKENS_FILE = "serve-tokens.json"
"""File name of the token hashes in the capsize home."""
PREFIX = "csz_"
"""Every token starts with it (so a leaked one is recognisable)."""


@dataclass(frozen=True)
class TokenRecord:
    """What is kept of a token: never the token itself.

    Attributes
    ----------
    id : str
        Short public id (to revoke it).
    label : str
        What the user called it.
    created : str
        ISO time (UTC).
    sha256 : str
        Hex digest of the token.
    """

    id: str
    label: str
    created: str
    sha256: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _read(home: Path) -> list[TokenRecord]:
    path = home / TOKENS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"cannot read API tokens from {path}: {exc}; remove the file and create a new token"
        ) from None
    return [TokenRecord(**r) for r in raw.get("tokens", [])]


def _write(home: Path, records: list[TokenRecord]) -> None:
    # The temporary file is created owner-only (0600) and renamed, so the mode stays.
    body = json.dumps({"tokens": [asdict(r) for r in records]}, indent=2)
    write_text(home / TOKENS_FILE, body, mode=0o600)  # token hashes: owner only


def create_token(
    home: Path, label: str = "", *, now: datetime | None = None
) -> tuple[str, TokenRecord]:
    """Create a token; return it (to show once) and the record stored.

    Parameters
    ----------
    home : Path
        The capsize home.
    label : str
        What the token is for.
    now : datetime, optional
        Creation time (default: the current UTC time).
    """
    token = PREFIX + secrets.token_urlsafe(32)
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = TokenRecord(secrets.token_hex(4), label[:80], when, _digest(token))
    records = _read(home)
    records.append(record)
    _write(home, records)
    return token, record


def list_tokens(home: Path) -> tuple[TokenRecord, ...]:
    """Every stored token record."""
    return tuple(_read(home))


def revoke_token(home: Path, token_id: str) -> None:
    """Delete the token ``token_id``.

    Raises
    ------
    DataNotFound
        When no token has that id.
    """
    records = _read(home)
    keep = [r for r in records if r.id != token_id]
    if len(keep) == len(records):
        raise DataNotFound(f"no API token with id {token_id!r}; see 'capsize serve token list'")
    _write(home, keep)


def verify_token(home: Path, token: str) -> TokenRecord | None:
    """Return the record of ``token`` when it is valid, else None (constant-time compare)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _digest(token)
    found = None
    for r in _read(home):
        if hmac.compare_digest(r.sha256, digest):
            found = r
    return found
