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
``max_cap`` (USD) and ``proxies``, or a list of fund tickers), ``[rotation.weights]``
(component = weight >= 0), ``[alerts]`` (delivery of alerts, see below) and ``[dask]``
(``scheduler``: the address of a running Dask scheduler, ``tcp://host:8786``; or
``workers``: start a local cluster of that many processes, 1 to 256). Commands that can
run on Dask use it unless ``--scheduler`` or ``--workers`` is given.

Alert delivery (``[alerts]``, ``[alerts.smtp]``, ``[alerts.webhook]``)
-----------------------------------------------------------------
``[alerts]`` ``base_url`` (the dashboard's address, for the link every alert carries),
``attempts`` (tries per delivery, 1 to 10, default 5), ``backoff`` (seconds before the
second try, doubled after each, default 1) and ``max_backoff`` (longest wait, default 60).
``[alerts.smtp]`` ``host``, ``port`` (default 587), ``user`` and ``password_env`` (the
name of the environment variable holding the password; never the password itself),
``from`` (sender address), ``tls`` (``starttls`` (default), ``implicit`` or ``none``;
``none`` is refused with a user, as it would send the password in clear), ``timeout``
(seconds, default 20) and ``ca_file`` (a PEM bundle to trust instead of the system's).
``[alerts.webhook]`` ``secret_env`` (the variable holding the HMAC secret) and
``timeout`` (seconds, default 10).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capsize.errors import InputError

__all__ = [
    "AlertSettings",
    "DaskSettings",
    "Settings",
    "SmtpSettings",
    "WebhookSettings",
    "check_scheduler_address",
    "data_home",
    "load_settings",
]

MAX_HTTP_TIMEOUT = 600.0
"""Largest accepted ``http_timeout``, seconds."""

MAX_HTTP_RETRIES = 10
"""Largest accepted ``http_retries`` (attempts per request)."""

MAX_HTTP_DEADLINE = 86400.0
"""Largest accepted ``http_deadline``, seconds (a day)."""

MAX_DASK_WORKERS = 256
"""Largest accepted ``[dask] workers`` (local worker processes)."""

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
class SmtpSettings:
    """How alert emails are sent (``[alerts.smtp]``).

    Attributes
    ----------
    host : str
        SMTP server.
    port : int
        Its port (587 for STARTTLS, 465 for implicit TLS).
    sender : str
        The ``From`` address (key ``from``).
    tls : {"starttls", "implicit", "none"}
        How the connection is encrypted.
    user : str or None
        Login name (None: no login).
    password_env : str or None
        Name of the environment variable holding the password.
    timeout : float
        Seconds per SMTP operation.
    ca_file : Path or None
        PEM certificates to trust instead of the system's.
    """

    host: str
    sender: str
    port: int = 587
    tls: str = "starttls"
    user: str | None = None
    password_env: str | None = None
    timeout: float = 20.0
    ca_file: Path | None = None


@dataclass(frozen=True)
class WebhookSettings:
    """How alert webhooks are signed and sent (``[alerts.webhook]``).

    Attributes
    ----------
    secret_env : str or None
        Name of the environment variable holding the HMAC-SHA256 secret.
    timeout : float
        Seconds per request (connect and read).
    """

    secret_env: str | None = None
    timeout: float = 10.0


@dataclass(frozen=True)
class AlertSettings:
    """Delivery of alerts (``[alerts]``).

    Attributes
    ----------
    base_url : str
        The dashboard's address; an alert's link is relative to it.
    attempts : int
        Tries per delivery before it goes to the dead-letter record.
    backoff : float
        Seconds before the second try, doubled after each try.
    max_backoff : float
        Longest wait between tries, seconds.
    smtp : SmtpSettings or None
        Email delivery (None: email channels fail with a message naming the table).
    webhook : WebhookSettings
        Webhook delivery.
    """

    base_url: str = "http://127.0.0.1:8000"
    attempts: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    smtp: SmtpSettings | None = None
    webhook: WebhookSettings = field(default_factory=WebhookSettings)


@dataclass(frozen=True)
class DaskSettings:
    """Where commands that can run on Dask run (``[dask]``); both None: in process.

    Attributes
    ----------
    scheduler : str or None
        Address of a running scheduler (``tcp://host:8786``).
    workers : int or None
        Worker processes of a LocalCluster started for the command.
    """

    scheduler: str | None = None
    workers: int | None = None


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
    alerts : AlertSettings
        Delivery of alerts (``[alerts]``).
    dask : DaskSettings
        Default Dask scheduler or local workers (``[dask]``).
    """

    home: Path
    data_dir: Path | None = None
    sec_user_agent: str | None = None
    http_timeout: float = 20.0
    http_retries: int = 3
    http_deadline: float = 120.0
    use_numba: bool = True
    segments: dict[str, object] = field(default_factory=dict)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    dask: DaskSettings = field(default_factory=DaskSettings)

    @property
    def store_path(self) -> Path:
        """Path of the DuckDB store file."""
        return self.home / "capsize.duckdb"

    @property
    def cache_dir(self) -> Path:
        """Directory of the on-disk HTTP cache."""
        return self.home / "cache"


# --------------------------------------------------------------------------- values


def _shown(raw: object) -> str:
    """``raw`` as written in config.toml: a boolean as ``true``/``false``, else its repr."""
    return str(raw).lower() if isinstance(raw, bool) else repr(raw)


def _number(label: str, raw: object, what: str) -> float:
    """``raw`` as a float (a TOML number or a text); booleans and other types refused."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise InputError(f"{label}={_shown(raw)} is not a number; {what}")
    try:
        return float(raw)
    except ValueError:
        raise InputError(f"{label}={_shown(raw)} is not a number; {what}") from None


def _bounded_seconds(upper: float, example: str) -> Callable[[str, object], float]:
    what = f"use seconds above 0 and at most {upper:g}, e.g. {example}"

    def parse(label: str, raw: object) -> float:
        value = _number(label, raw, what)
        if not math.isfinite(value) or not 0.0 < value <= upper:
            raise InputError(f"{label}={_shown(raw)} is out of range; {what}")
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
        raise InputError(f"{label}={_shown(raw)} is not a whole number; {what}")
    if not 1 <= value <= MAX_HTTP_RETRIES:
        raise InputError(f"{label}={_shown(raw)} is out of range; {what}")
    return value


def _folder(label: str, raw: object) -> Path:
    if not isinstance(raw, str) or not raw.strip() or "\x00" in raw:
        raise InputError(f"{label}={_shown(raw)} is not a folder path; give the path as text")
    return Path(raw).expanduser().resolve()


def _user_agent(label: str, raw: object) -> str:
    what = 'use one line of printable text, e.g. "Jane Doe jane@example.com"'
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(f"{label}={_shown(raw)} is not a user agent; {what}")
    if len(raw) > 256 or not raw.isprintable():
        raise InputError(f"{label}={_shown(raw)} has control characters or is too long; {what}")
    return raw.strip()


def _flag(label: str, raw: object) -> bool:
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(
        f"{label}={_shown(raw)} is not a yes/no value; use 1 or 0 (true/false, yes/no)"
    )


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

_TABLES = ("alerts", "dask", "segments", "rotation")
"""``config.toml`` tables, validated by :func:`_check_segments`, :func:`_check_rotation` and
:func:`_check_alerts`."""

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
        raise InputError(f"{where} must be a table of segment = {{...}}, not {_shown(raw)}")
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


# --------------------------------------------------------------------------- [alerts]
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]{1,253}$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def _text(label: str, raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or not raw.isprintable():
        raise InputError(f"{label}={_shown(raw)} must be one line of printable text")
    return raw.strip()


def _env_name(label: str, raw: object) -> str:
    if not isinstance(raw, str) or not _ENV_NAME.match(raw):
        raise InputError(
            f"{label}={_shown(raw)} is not an environment variable name; give the variable's "
            "name (e.g. CAPSIZE_SMTP_PASSWORD), never the secret itself"
        )
    return raw


def _host(label: str, raw: object) -> str:
    if not isinstance(raw, str) or not _HOST.match(raw):
        raise InputError(f"{label}={_shown(raw)} is not a host name; e.g. smtp.example.org")
    return raw


def _port(label: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 65535:
        raise InputError(
            f"{label}={_shown(raw)} is not a port; use a whole number 1 to 65535, e.g. 587"
        )
    return raw


def _sender(label: str, raw: object) -> str:
    text = _text(label, raw)
    inner = text.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in text else text
    if not _ADDRESS.match(inner):
        raise InputError(f"{label}={_shown(raw)} is not an email address; e.g. alerts@example.org")
    return text


def _tls(label: str, raw: object) -> str:
    if raw not in ("starttls", "implicit", "none"):
        raise InputError(f"{label}={_shown(raw)} must be one of starttls, implicit, none")
    return str(raw)


def _pem(label: str, raw: object) -> Path:
    path = _folder(label, raw)
    if not path.is_file():
        raise InputError(f"{label}={_shown(raw)} is not a file; give a PEM certificate bundle")
    return path


def _base_url(label: str, raw: object) -> str:
    text = _text(label, raw)
    if not re.match(r"^https?://[^\s/]+", text):
        raise InputError(
            f"{label}={_shown(raw)} is not an http(s) address; e.g. http://127.0.0.1:8000"
        )
    return text.rstrip("/")


_Field = tuple[str, str, Callable[[str, object], object]]
"""(``config.toml`` key, attribute, parser) of one key of an ``[alerts...]`` table."""

_SMTP_FIELDS: tuple[_Field, ...] = (
    ("host", "host", _host),
    ("port", "port", _port),
    ("user", "user", _text),
    ("password_env", "password_env", _env_name),
    ("from", "sender", _sender),
    ("tls", "tls", _tls),
    ("timeout", "timeout", _bounded_seconds(MAX_HTTP_TIMEOUT, "20")),
    ("ca_file", "ca_file", _pem),
)
_WEBHOOK_FIELDS: tuple[_Field, ...] = (
    ("secret_env", "secret_env", _env_name),
    ("timeout", "timeout", _bounded_seconds(MAX_HTTP_TIMEOUT, "10")),
)
_ALERT_FIELDS: tuple[_Field, ...] = (
    ("base_url", "base_url", _base_url),
    ("attempts", "attempts", _attempts),
    ("backoff", "backoff", _bounded_seconds(3600.0, "1")),
    ("max_backoff", "max_backoff", _bounded_seconds(3600.0, "60")),
)


def _fields(raw: object, table: str, fields: tuple[_Field, ...], path: Path) -> dict[str, Any]:
    """Parse the keys of table ``table``; unknown keys and bad values are one-line errors."""
    where = f"[{table}] in {str(path)!r}"
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be a table of key = value, not {_shown(raw)}")
    known = {key for key, _, _ in fields}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(
            f"unknown key(s) {', '.join(map(repr, unknown))} in {where}; "
            f"known keys: {', '.join(sorted(known))}"
        )
    out: dict[str, Any] = {}
    for key, attr, parse in fields:
        if key in raw:
            try:
                out[attr] = parse(f"{table}.{key}", raw[key])
            except InputError as exc:
                raise InputError(f"{exc} ({where})") from None
    return out


def _check_smtp(raw: object, path: Path) -> SmtpSettings:
    values = _fields(raw, "alerts.smtp", _SMTP_FIELDS, path)
    where = f"[alerts.smtp] in {str(path)!r}"
    missing = [key for key, attr in (("host", "host"), ("from", "sender")) if attr not in values]
    if missing:
        raise InputError(
            f'{where} needs {" and ".join(missing)}; e.g. host = "smtp.example.org", '
            'from = "alerts@example.org"'
        )
    if values.get("tls") == "none" and ("user" in values or "password_env" in values):
        raise InputError(
            f'{where}: tls = "none" would send the password in clear; '
            'use tls = "starttls" or "implicit"'
        )
    if ("user" in values) != ("password_env" in values):
        raise InputError(f"{where}: give both user and password_env, or neither")
    return SmtpSettings(**values)


def _check_alerts(raw: object, path: Path) -> AlertSettings:
    """Validate ``[alerts]`` with its ``smtp`` and ``webhook`` tables."""
    if not isinstance(raw, dict):
        raise InputError(f"[alerts] in {str(path)!r} must be a table, not {_shown(raw)}")
    scalars = {k: v for k, v in raw.items() if k not in ("smtp", "webhook")}
    values = _fields(scalars, "alerts", _ALERT_FIELDS, path)
    if values.get("backoff", 1.0) > values.get("max_backoff", 60.0):
        raise InputError(f"[alerts] in {str(path)!r}: backoff must not exceed max_backoff")
    smtp = _check_smtp(raw["smtp"], path) if "smtp" in raw else None
    webhook = WebhookSettings(
        **_fields(raw.get("webhook", {}), "alerts.webhook", _WEBHOOK_FIELDS, path)
    )
    return AlertSettings(smtp=smtp, webhook=webhook, **values)


# --------------------------------------------------------------------------- [dask]
_SCHEDULER = re.compile(
    r"^(tcp|tls|ucx|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,251}[A-Za-z0-9])?)"
    r":(\d{1,5})$"
)


def check_scheduler_address(label: str, raw: object) -> str:
    """Return ``raw`` stripped when it is a Dask scheduler address (``tcp://host:8786``).

    Parameters
    ----------
    label : str
        Where the value came from (``--scheduler``, ``dask.scheduler``), for the error.
    raw : object
        The value given.

    Raises
    ------
    InputError
        One line naming ``label`` and an example, for anything but
        ``<tcp|tls|ucx|ws|wss>://host:port`` with a port from 1 to 65535.

    Examples
    --------
    >>> check_scheduler_address("--scheduler", " tcp://10.0.0.5:8786 ")
    'tcp://10.0.0.5:8786'
    """
    text = raw.strip() if isinstance(raw, str) else ""
    m = _SCHEDULER.match(text)
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise InputError(
            f"{label}={_shown(raw)} is not a Dask scheduler address; use protocol://host:port, "
            "e.g. tcp://127.0.0.1:8786 (the address 'dask scheduler' prints)"
        )
    return text


def _workers(label: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_DASK_WORKERS:
        raise InputError(
            f"{label}={_shown(raw)} is not a number of workers; use a whole number from 1 to "
            f"{MAX_DASK_WORKERS}, e.g. 2"
        )
    return raw


_DASK_FIELDS: tuple[_Field, ...] = (
    ("scheduler", "scheduler", check_scheduler_address),
    ("workers", "workers", _workers),
)


def _check_dask(raw: object, path: Path) -> DaskSettings:
    """Validate ``[dask]``: ``scheduler`` or ``workers`` (not both)."""
    values = _fields(raw, "dask", _DASK_FIELDS, path)
    if len(values) == 2:
        raise InputError(
            f"[dask] in {str(path)!r} has both scheduler and workers; keep scheduler to use "
            "a running cluster, or workers to start a local one"
        )
    return DaskSettings(**values)


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
    alerts = _check_alerts(toml["alerts"], path) if "alerts" in toml else AlertSettings()
    dask = _check_dask(toml["dask"], path) if "dask" in toml else DaskSettings()
    no_numba = _flag("CAPSIZE_NO_NUMBA", os.environ.get("CAPSIZE_NO_NUMBA", ""))
    return Settings(
        home=home_path,
        use_numba=not no_numba,
        segments=segments,
        alerts=alerts,
        dask=dask,
        **values,
    )
