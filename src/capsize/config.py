"""Settings: home directory, data directory, provider options, validated in one place.

Resolution order for each setting: explicit argument > environment variable >
``$CAPSIZE_HOME/config.toml`` > default. An environment variable set to the empty
string counts as unset, except ``CAPSIZE_HOME`` (an empty home is refused rather than
read as the current folder).

Every value is checked when the settings are loaded (:func:`load_settings`): a bad
value raises :class:`~capsize.errors.InputError` with one line naming the variable or
the key and the accepted range, so a command fails at once instead of later with a
traceback. Unknown keys of ``config.toml`` are errors too (a misspelt key would
otherwise be ignored without a word); unknown ``CAPSIZE_*`` variables are not checked.

Environment variables (``config.toml`` key in brackets)
-------------------------------------------------------
CAPSIZE_HOME
    Where the store, caches and reports live (default ``~/.capsize``).
CAPSIZE_DATA_DIR [data_dir]
    A local folder laid out like ``shared/data`` to import from instead of live providers.
CAPSIZE_SEC_USER_AGENT [sec_user_agent]
    User-Agent for SEC EDGAR (required by the SEC: ``"Name email@example.com"``).
CAPSIZE_HTTP_TIMEOUT [http_timeout]
    Seconds before an HTTP request times out, more than 0 and at most 600 (default 20).
CAPSIZE_HTTP_RETRIES [http_retries]
    Attempts per HTTP request on 429/5xx/timeouts, 1 to 10 (default 3).
CAPSIZE_HTTP_DEADLINE [http_deadline]
    Seconds one HTTP request may take overall (connect, all reads, all retries), more
    than 0 and at most 86400 (default 120).
CAPSIZE_NO_NUMBA
    Set to 1 (true, yes, on) to disable numba kernels; 0, false, no, off or empty keep them.
CAPSIZE_NUMBA_MIN_CELLS
    Panels smaller than this (cells) use the numpy kernels (default 4,000,000; 0: numba
    whenever available). See :data:`capsize.analytics.engine.NUMBA_MIN_CELLS`.
CAPSIZE_NO_CACHE
    Set to 1 to build the report without its cache (:mod:`capsize.report.cache`).

``config.toml`` tables: ``[segments]`` (per segment a table of ``label``, ``min_cap``,
``max_cap`` (USD) and ``proxies``, or a list of fund tickers) and ``[rotation.weights]``
(component = weight >= 0).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capsize.errors import InputError

__all__ = ["Settings", "data_home", "load_settings"]

MAX_HTTP_TIMEOUT = 600.0
"""Largest accepted ``http_timeout``, seconds."""

MAX_HTTP_RETRIES = 10
"""Largest accepted ``http_retries`` (attempts per request)."""

MAX_HTTP_DEADLINE = 86400.0
"""Largest accepted ``http_deadline``, seconds (a day)."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def data_home(home: str | os.PathLike[str] | None = None) -> Path:
    """Return the capsize home directory, creating it if needed.

    Parameters
    ----------
    home : path-like, optional
        Explicit directory. Defaults to ``$CAPSIZE_HOME`` or ``~/.capsize``.

    Returns
    -------
    Path
        The absolute, existing directory.

    Raises
    ------
    InputError
        When ``CAPSIZE_HOME`` (or ``home``) is empty, or the folder cannot be created.
    """
    label = "home" if home is not None else "CAPSIZE_HOME"
    raw = home if home is not None else os.environ.get("CAPSIZE_HOME", "~/.capsize")
    if not str(raw).strip():
        raise InputError(
            f"{label} is set but empty; unset it (default ~/.capsize) or set it to a folder"
        )
    try:
        path = Path(raw).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise InputError(
            f"cannot create capsize home {str(raw)!r}: {why}; set {label} to a writable folder"
        ) from None
    return path


@dataclass(frozen=True)
class Settings:
    """Resolved capsize settings.

    Attributes
    ----------
    home : Path
        Home directory (store, caches, reports).
    data_dir : Path or None
        Local data folder to import from, if any.
    sec_user_agent : str or None
        User-Agent for SEC EDGAR.
    http_timeout : float
        HTTP timeout, seconds.
    http_retries : int
        Attempts per HTTP request.
    http_deadline : float
        Overall deadline of one HTTP request (connect, reads, retries), seconds.
    use_numba : bool
        Whether numba kernels may be used.
    segments : dict
        Raw ``[segments]`` table from the TOML config (user-defined segments).
    """

    home: Path
    data_dir: Path | None = None
    sec_user_agent: str | None = None
    http_timeout: float = 20.0
    http_retries: int = 3
    http_deadline: float = 120.0
    use_numba: bool = True
    segments: dict[str, object] = field(default_factory=dict)

    @property
    def store_path(self) -> Path:
        """Path of the DuckDB store file."""
        return self.home / "capsize.duckdb"

    @property
    def cache_dir(self) -> Path:
        """Directory of the on-disk HTTP cache."""
        return self.home / "cache"


# --------------------------------------------------------------------------- values


def _number(label: str, raw: object, what: str) -> float:
    """``raw`` as a float (a TOML number or a text); booleans and other types refused."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise InputError(f"{label}={raw!r} is not a number; {what}")
    try:
        return float(raw)
    except ValueError:
        raise InputError(f"{label}={raw!r} is not a number; {what}") from None


def _bounded_seconds(upper: float, example: str) -> Callable[[str, object], float]:
    what = f"use seconds above 0 and at most {upper:g}, e.g. {example}"

    def parse(label: str, raw: object) -> float:
        value = _number(label, raw, what)
        if not math.isfinite(value) or not 0.0 < value <= upper:
            raise InputError(f"{label}={raw!r} is out of range; {what}")
        return value

    return parse


def _attempts(label: str, raw: object) -> int:
    what = f"use a whole number of attempts from 1 to {MAX_HTTP_RETRIES}, e.g. 3"
    text = raw.strip() if isinstance(raw, str) else None
    if text is not None and text.isascii() and text.isdigit():
        value = int(text)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        raise InputError(f"{label}={raw!r} is not a whole number; {what}")
    if not 1 <= value <= MAX_HTTP_RETRIES:
        raise InputError(f"{label}={raw!r} is out of range; {what}")
    return value


def _folder(label: str, raw: object) -> Path:
    if not isinstance(raw, str) or not raw.strip() or "\x00" in raw:
        raise InputError(f"{label}={raw!r} is not a folder path; give the path as text")
    return Path(raw).expanduser().resolve()


def _user_agent(label: str, raw: object) -> str:
    what = 'use one line of printable text, e.g. "Jane Doe jane@example.com"'
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(f"{label}={raw!r} is not a user agent; {what}")
    if len(raw) > 256 or not raw.isprintable():
        raise InputError(f"{label}={raw!r} has control characters or is too long; {what}")
    return raw.strip()


def _flag(label: str, raw: object) -> bool:
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{label}={raw!r} is not a yes/no value; use 1 or 0 (true/false, yes/no)")


@dataclass(frozen=True)
class _Spec:
    """One scalar setting: its attribute, variable, ``config.toml`` key and parser."""

    attr: str
    env: str | None
    key: str | None
    parse: Callable[[str, object], object]


_SPECS: tuple[_Spec, ...] = (
    _Spec("data_dir", "CAPSIZE_DATA_DIR", "data_dir", _folder),
    _Spec("sec_user_agent", "CAPSIZE_SEC_USER_AGENT", "sec_user_agent", _user_agent),
    _Spec(
        "http_timeout",
        "CAPSIZE_HTTP_TIMEOUT",
        "http_timeout",
        _bounded_seconds(MAX_HTTP_TIMEOUT, "20"),
    ),
    _Spec("http_retries", "CAPSIZE_HTTP_RETRIES", "http_retries", _attempts),
    _Spec(
        "http_deadline",
        "CAPSIZE_HTTP_DEADLINE",
        "http_deadline",
        _bounded_seconds(MAX_HTTP_DEADLINE, "120"),
    ),
)
"""Scalar settings read from the environment or ``config.toml``, in one table."""

_TABLES = ("segments", "rotation")
"""``config.toml`` tables, validated by :func:`_check_segments` and :func:`_check_rotation`."""

_KNOWN_KEYS = tuple(sorted([*(s.key for s in _SPECS if s.key), *_TABLES]))


# --------------------------------------------------------------------------- config.toml


def _read_toml(path: Path) -> dict[str, Any]:
    """Read ``config.toml``: absent -> ``{}``; unreadable, not UTF-8 or not TOML -> error."""
    where = repr(str(path))
    if not os.path.lexists(path):
        return {}
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file (or a broken link)"
        raise InputError(f"config file {where} is {kind}; remove it or make it a TOML file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read config file {where}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"config file {where} is not UTF-8 text (byte {data[exc.start]:#04x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"config file {where} is not valid TOML: {exc}; fix or remove it"
        ) from None


def _check_keys(toml: Mapping[str, Any], path: Path) -> None:
    unknown = sorted(set(toml) - set(_KNOWN_KEYS))
    if unknown:
        raise InputError(
            f"unknown key(s) {', '.join(map(repr, unknown))} in {str(path)!r}; "
            f"known keys: {', '.join(_KNOWN_KEYS)}"
        )


def _check_segment_table(key: str, fields: Mapping[str, Any], where: str) -> None:
    for name in ("min_cap", "max_cap"):
        if name in fields:
            value = fields[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{where}: {key}.{name}={value!r} is not a number of USD")
            if not math.isfinite(value) or value < 0:
                raise InputError(
                    f"{where}: {key}.{name}={value!r} must be a finite USD amount >= 0"
                )
    if "label" in fields and not isinstance(fields["label"], str):
        raise InputError(f"{where}: {key}.label={fields['label']!r} must be text")


def _check_segments(raw: object, path: Path) -> dict[str, object]:
    """Validate ``[segments]``: a table per segment, or a list of fund tickers."""
    where = f"[segments] in {str(path)!r}"
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be a table of segment = {{...}}, not {raw!r}")
    tables: dict[str, Mapping[str, Any]] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            if not all(isinstance(x, str) and x.strip() for x in value):
                raise InputError(f"{where}: segments.{key} must be a list of fund tickers")
        elif isinstance(value, dict):
            _check_segment_table(key, value, where)
            tables[key] = value
        else:
            raise InputError(
                f"{where}: segments.{key}={value!r} must be a table (label, min_cap, max_cap, "
                "proxies) or a list of fund tickers"
            )
    if tables:
        from capsize.segments import default_segments

        try:
            default_segments().with_overrides(tables)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
    return dict(raw)


def _check_rotation(raw: object, path: Path) -> None:
    """Validate ``[rotation]``: only ``weights``, a table of component = number >= 0."""
    where = f"[rotation] in {str(path)!r}"
    if not isinstance(raw, dict) or set(raw) - {"weights"}:
        raise InputError(f"{where} may hold only a [rotation.weights] table")
    weights = raw.get("weights", {})
    if not isinstance(weights, dict):
        raise InputError(
            f"[rotation.weights] in {str(path)!r} must be a table of component = weight"
        )
    for name, value in weights.items():
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value < 0:
            raise InputError(
                f"[rotation.weights] in {str(path)!r}: {name}={value!r} must be a finite number >= 0"
            )


# --------------------------------------------------------------------------- load


def _scalars(toml: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Each scalar setting from the environment (non-empty) or ``config.toml``, parsed."""
    out: dict[str, Any] = {}
    for spec in _SPECS:
        env_value = os.environ.get(spec.env, "") if spec.env else ""
        if env_value != "":
            out[spec.attr] = spec.parse(str(spec.env), env_value)
        elif spec.key is not None and spec.key in toml:
            try:
                out[spec.attr] = spec.parse(spec.key, toml[spec.key])
            except InputError as exc:
                raise InputError(f"{exc} (key of {str(path)!r})") from None
    return out


def load_settings(
    home: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> Settings:
    """Resolve and validate settings from arguments, environment and ``config.toml``.

    Parameters
    ----------
    home : path-like, optional
        Overrides ``CAPSIZE_HOME``.
    data_dir : path-like, optional
        Overrides ``CAPSIZE_DATA_DIR``.

    Returns
    -------
    Settings

    Raises
    ------
    InputError
        One line naming the variable or key and the accepted values, when a setting is
        out of range or of the wrong kind, ``config.toml`` cannot be read as UTF-8 TOML,
        or it has an unknown key.
    """
    home_path = data_home(home)
    path = home_path / "config.toml"
    toml = _read_toml(path)
    _check_keys(toml, path)
    values = _scalars(toml, path)
    if data_dir is not None:
        values["data_dir"] = _folder("data_dir", str(data_dir))
    segments = _check_segments(toml["segments"], path) if "segments" in toml else {}
    if "rotation" in toml:
        _check_rotation(toml["rotation"], path)
    no_numba = _flag("CAPSIZE_NO_NUMBA", os.environ.get("CAPSIZE_NO_NUMBA", ""))
    return Settings(home=home_path, use_numba=not no_numba, segments=segments, **values)
