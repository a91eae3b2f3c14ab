"""Settings: home directory, data directory, provider options.

Resolution order for each setting: explicit argument > environment variable >
``$CAPSIZE_HOME/config.toml`` > default.

Environment variables
---------------------
CAPSIZE_HOME
    Where the store, caches and reports live (default ``~/.capsize``).
CAPSIZE_DATA_DIR
    A local folder laid out like ``shared/data`` to import from instead of live providers.
CAPSIZE_SEC_USER_AGENT
    User-Agent for SEC EDGAR (required by the SEC: ``"Name email@example.com"``).
CAPSIZE_HTTP_TIMEOUT
    Seconds before an HTTP request times out (default 20).
CAPSIZE_HTTP_RETRIES
    Attempts per HTTP request on 429/5xx/timeouts (default 3).
CAPSIZE_NO_NUMBA
    Set to 1 to disable numba kernels.
CAPSIZE_NUMBA_MIN_CELLS
    Panels smaller than this (cells) use the numpy kernels (default 4,000,000; 0: numba
    whenever available). See :data:`capsize.analytics.engine.NUMBA_MIN_CELLS`.
CAPSIZE_NO_CACHE
    Set to 1 to build the report without its cache (:mod:`capsize.report.cache`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from capsize.errors import InputError

__all__ = ["Settings", "data_home", "load_settings"]


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
    """
    raw = home if home is not None else os.environ.get("CAPSIZE_HOME", "~/.capsize")
    path = Path(raw).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create capsize home {str(path)!r}: {exc.strerror}; "
            "set CAPSIZE_HOME to a writable folder"
        ) from exc
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


def _read_toml(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"config file {str(path)!r} is not valid TOML: {exc}; fix or remove it"
        ) from exc


def _as_float(name: str, value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise InputError(f"{name}={value!r} is not a number; set it to seconds, e.g. 20") from None


def _as_int(name: str, value: object) -> int:
    try:
        out = int(str(value))
    except ValueError:
        raise InputError(f"{name}={value!r} is not a whole number; e.g. 3") from None
    if out < 1:
        raise InputError(f"{name}={value!r} must be at least 1")
    return out


def load_settings(
    home: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> Settings:
    """Resolve settings from arguments, environment and ``config.toml``.

    Parameters
    ----------
    home : path-like, optional
        Overrides ``CAPSIZE_HOME``.
    data_dir : path-like, optional
        Overrides ``CAPSIZE_DATA_DIR``.

    Returns
    -------
    Settings
    """
    home_path = data_home(home)
    toml = _read_toml(home_path / "config.toml")
    env = os.environ

    def pick(env_name: str, key: str) -> object | None:
        if env_name in env and env[env_name] != "":
            return env[env_name]
        return toml.get(key)

    dd = data_dir if data_dir is not None else pick("CAPSIZE_DATA_DIR", "data_dir")
    data_path = Path(str(dd)).expanduser().resolve() if dd else None
    ua = pick("CAPSIZE_SEC_USER_AGENT", "sec_user_agent")
    timeout = pick("CAPSIZE_HTTP_TIMEOUT", "http_timeout")
    retries = pick("CAPSIZE_HTTP_RETRIES", "http_retries")
    no_numba = str(env.get("CAPSIZE_NO_NUMBA", "")).strip().lower() in {"1", "true", "yes"}
    segs = toml.get("segments", {})
    return Settings(
        home=home_path,
        data_dir=data_path,
        sec_user_agent=str(ua) if ua else None,
        http_timeout=_as_float("CAPSIZE_HTTP_TIMEOUT", timeout) if timeout is not None else 20.0,
        http_retries=_as_int("CAPSIZE_HTTP_RETRIES", retries) if retries is not None else 3,
        use_numba=not no_numba,
        segments=dict(segs) if isinstance(segs, dict) else {},
    )
