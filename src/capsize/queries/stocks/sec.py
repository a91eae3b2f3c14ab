"""Where the stock queries read SEC filings from: recorded responses, live EDGAR or the cache.

The order (configuration policy, applied here once for every front end):

1. a folder of recorded SEC responses (``sec_dir``, or ``CAPSIZE_SEC_DIR``), replayed offline;
2. live EDGAR when ``CAPSIZE_SEC_USER_AGENT`` is set (cached under ``$CAPSIZE_HOME/cache/sec``),
   unless ``offline``;
3. otherwise the on-disk cache only (whatever earlier live runs fetched).

Prices, volumes and holdings always come from the store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capsize.config import Settings, load_settings

__all__ = ["SecSource", "sec_source"]


@dataclass(frozen=True)
class SecSource:
    """An SEC client and a one-line description of where its answers come from.

    Attributes
    ----------
    client : SecEdgar or None
        The client (None: filings are not used).
    label : str
        What the answers rest on, e.g. ``"recorded SEC responses in DIR"``.
    live : bool
        True when the client may call SEC EDGAR over the network.
    """

    client: Any | None
    label: str
    live: bool = False


def sec_source(
    sec_dir: str | os.PathLike[str] | None = None,
    *,
    offline: bool = False,
    enabled: bool = True,
    settings: Settings | None = None,
) -> SecSource:
    """Build the SEC source by the configured order (see the module docstring).

    Parameters
    ----------
    sec_dir : path-like, optional
        Folder of recorded SEC responses (default: ``CAPSIZE_SEC_DIR`` when set).
    offline : bool
        Never call SEC EDGAR; use the cache only.
    enabled : bool
        False: no filings at all (prices and holdings only).
    settings : Settings, optional
        Loaded from the home when omitted.

    Returns
    -------
    SecSource

    Raises
    ------
    InputError
        When ``sec_dir`` does not exist.
    """
    if not enabled:
        return SecSource(None, "no filings (SEC not used)")
    import httpx

    from capsize.data.providers.sec import SecEdgar, recorded_transport

    cfg = settings if settings is not None else load_settings()
    env_dir = os.environ.get("CAPSIZE_SEC_DIR")
    folder = Path(sec_dir) if sec_dir is not None else (Path(env_dir) if env_dir else None)
    if folder is not None:
        client = httpx.Client(transport=recorded_transport(folder))
        edgar = SecEdgar(cfg, client=client, offline=True)
        return SecSource(edgar, f"recorded SEC responses in {folder}")
    if cfg.sec_user_agent and not offline:
        return SecSource(SecEdgar(cfg), "live SEC EDGAR (cached)", live=True)
    why = "--offline" if offline else "CAPSIZE_SEC_USER_AGENT not set"
    return SecSource(SecEdgar(cfg, offline=True), f"SEC on-disk cache only ({why})")
