"""CoinGecko provider: market-cap snapshots and coin histories (keyless by default).

Two endpoints of the public API v3 are used:

``/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=N&page=P``
    dataset ``crypto_markets``: one row per coin, largest first.
``/coins/{id}/market_chart?vs_currency=usd&days=D``
    dataset ``crypto_chart``: price, market cap and volume history of one coin.

Without a key the public host ``api.coingecko.com`` is used (rate limits are
low: a few calls per minute; the shared HTTP client retries 429 with
back-off and caches bodies). A Demo key (``api_key=``, plan ``demo``) is sent
as ``x-cg-demo-api-key`` to the same host; a paid key (plan ``pro``) goes to
``pro-api.coingecko.com`` as ``x-cg-pro-api-key``. Keyless history is limited
by CoinGecko to the last 365 days.

Standard frames
---------------
``crypto_markets``
    RangeIndex; ``id, symbol, name, rank, price, market_cap, volume,
    last_updated`` (USD; ``last_updated`` tz-naive UTC); ``meta["as_of"]`` is
    the newest ``last_updated``.
``crypto_chart``
    DatetimeIndex ``date`` (tz-naive UTC); ``price, market_cap, volume`` (USD).
    With ``daily=True`` the last point of each UTC day is kept, dated that day.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.data.providers._base import Clock, ProviderResult
from capsize.data.providers._http import HttpFetcher, Payload, fetch, reject_unknown
from capsize.errors import CapsizeError, EmptyDataError, InputError, SchemaError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    import httpx

    from capsize.config import Settings

__all__ = [
    "PRO_URL",
    "PUBLIC_URL",
    "CoinGeckoFetcher",
    "CoinGeckoQuery",
    "parse_market_chart",
    "parse_markets",
]

PROVIDER = "coingecko"
PUBLIC_URL = "https://api.coingecko.com/api/v3"
PRO_URL = "https://pro-api.coingecko.com/api/v3"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MARKET_COLUMNS = ["id", "symbol", "name", "rank", "price", "market_cap", "volume", "last_updated"]


def _load(raw: bytes | str | Any, what: str) -> Any:
    if isinstance(raw, (bytes, str)):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise SchemaError(f"CoinGecko {what} is not valid JSON: {exc}") from None
    return raw


def _float(value: Any) -> float:
    if value is None:
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def parse_markets(raw: bytes | str | list[Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a ``/coins/markets`` body.

    Parameters
    ----------
    raw : bytes, str or list
        JSON array of coin objects.

    Returns
    -------
    frame : DataFrame
        ``crypto_markets`` frame, sorted by market cap (largest first).
    meta : dict
        ``as_of`` (newest ``last_updated``, Timestamp), ``n_coins``,
        ``missing_market_cap`` (ids without a market cap).

    Raises
    ------
    SchemaError
        Not a JSON array of objects with ``id`` and ``market_cap``.
    EmptyDataError
        An empty array.

    Notes
    -----
    A null market cap is NaN (kept, listed in ``meta``), never zero.
    """
    data = _load(raw, "markets list")
    if isinstance(data, dict) and "status" in data:
        raise SchemaError(f"CoinGecko answered an error object instead of a list: {data}")
    if not isinstance(data, list):
        raise SchemaError("CoinGecko markets body is not a JSON array")
    if not data:
        raise EmptyDataError("CoinGecko returned no coins for /coins/markets", provider=PROVIDER)
    rows = []
    for i, c in enumerate(data):
        if not isinstance(c, dict) or "id" not in c or "market_cap" not in c:
            raise SchemaError(f"CoinGecko markets item {i} has no id/market_cap: {str(c)[:80]}")
        rows.append(
            {
                "id": str(c["id"]),
                "symbol": str(c.get("symbol") or "").upper(),
                "name": str(c.get("name") or ""),
                "rank": _float(c.get("market_cap_rank")),
                "price": _float(c.get("current_price")),
                "market_cap": _float(c.get("market_cap")),
                "volume": _float(c.get("total_volume")),
                "last_updated": c.get("last_updated"),
            }
        )
    frame = pd.DataFrame(rows, columns=_MARKET_COLUMNS)
    ts = pd.to_datetime(frame["last_updated"], utc=True, errors="coerce")
    frame["last_updated"] = ts.dt.tz_convert(None)
    frame = frame.sort_values("market_cap", ascending=False, na_position="last", kind="stable")
    frame = frame.reset_index(drop=True)
    meta = {
        "as_of": frame["last_updated"].max(),
        "n_coins": len(frame),
        "missing_market_cap": frame.loc[frame["market_cap"].isna(), "id"].tolist(),
    }
    return frame, meta


def parse_market_chart(raw: bytes | str | dict[str, Any], *, daily: bool = False) -> pd.DataFrame:
    """Parse a ``/coins/{id}/market_chart`` body.

    Parameters
    ----------
    raw : bytes, str or dict
        JSON object with ``prices``, ``market_caps``, ``total_volumes`` lists of
        ``[epoch_ms, value]`` pairs.
    daily : bool
        Keep the last point of each UTC calendar day.

    Returns
    -------
    DataFrame
        ``crypto_chart`` frame.
    """
    data = _load(raw, "market chart")
    if not isinstance(data, dict) or "prices" not in data:
        raise SchemaError("CoinGecko market_chart body has no 'prices' list")
    cols = {"prices": "price", "market_caps": "market_cap", "total_volumes": "volume"}
    series = []
    for key, name in cols.items():
        pairs = data.get(key) or []
        try:
            arr = np.array([[float(p[0]), _float(p[1])] for p in pairs], dtype=float).reshape(-1, 2)
        except (TypeError, ValueError, IndexError):
            raise SchemaError(
                f"CoinGecko market_chart '{key}' is not a list of [ms, value]"
            ) from None
        idx = pd.to_datetime(arr[:, 0].astype("int64"), unit="ms")
        s = pd.Series(arr[:, 1], index=idx, name=name)
        series.append(s[~s.index.duplicated(keep="last")])
    frame = pd.concat(series, axis=1, sort=True)
    if frame.empty:
        raise EmptyDataError("CoinGecko market_chart has no points", provider=PROVIDER)
    frame.index.name = "date"
    if daily:
        frame = frame.groupby(pd.DatetimeIndex(frame.index).floor("D")).last()
        frame.index.name = "date"
    return frame


@dataclass(frozen=True)
class CoinGeckoQuery:
    """A validated CoinGecko request.

    Attributes
    ----------
    kind : str
        ``"markets"`` or ``"chart"``.
    coin : str or None
        Coin id for ``chart`` (e.g. ``bitcoin``).
    per_page, page : int
        Paging of ``markets`` (per_page at most 250).
    days : int
        History length for ``chart``.
    daily : bool
        Reduce ``chart`` to one point per UTC day.
    """

    kind: str
    coin: str | None = None
    per_page: int = 250
    page: int = 1
    days: int = 365
    daily: bool = True


class CoinGeckoFetcher(HttpFetcher[CoinGeckoQuery, Payload]):
    """Fetch CoinGecko snapshots and histories.

    Parameters
    ----------
    client : httpx.Client, optional
        Injected client (tests replay recorded bodies through
        ``httpx.MockTransport``); defaults to the shared client.
    api_key : str, optional
        CoinGecko key; none (default) uses the keyless public API.
    plan : {"demo", "pro"}
        Which kind of key ``api_key`` is.
    clock : callable, optional
        Current UTC time.
    settings : Settings, optional
        Used to build the default client.

    Examples
    --------
    >>> CoinGeckoFetcher().transform_query({"kind": "chart", "coin": "bitcoin"}).days
    365
    """

    provider = PROVIDER
    cache_ttl = 900.0  # prices and market caps move by the minute

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        api_key: str | None = None,
        plan: str = "demo",
        clock: Clock | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(client, clock=clock, settings=settings)
        if plan not in ("demo", "pro"):
            raise InputError(f"plan={plan!r} must be 'demo' or 'pro'")
        self.api_key = api_key or None
        self.plan = plan

    @property
    def base_url(self) -> str:
        """API root: the pro host only for a pro key."""
        return PRO_URL if self.api_key and self.plan == "pro" else PUBLIC_URL

    def _headers(self) -> dict[str, str]:
        if not self.api_key:
            return {"accept": "application/json"}
        name = "x-cg-pro-api-key" if self.plan == "pro" else "x-cg-demo-api-key"
        return {"accept": "application/json", name: self.api_key}

    def transform_query(self, params: Mapping[str, Any]) -> CoinGeckoQuery:
        """Validate ``kind`` and its parameters."""
        reject_unknown(
            params,
            {"kind", "coin", "per_page", "page", "days", "daily"},
            fetcher="CoinGeckoFetcher",
        )
        kind = str(params.get("kind", "markets"))
        if kind == "markets":
            per_page = int(params.get("per_page", 250))
            page = int(params.get("page", 1))
            if not 1 <= per_page <= 250:
                raise InputError(f"per_page={per_page} must be between 1 and 250")
            if page < 1:
                raise InputError(f"page={page} must be >= 1")
            return CoinGeckoQuery("markets", per_page=per_page, page=page)
        if kind == "chart":
            coin = str(params.get("coin") or "").strip().lower()
            if not _ID.match(coin):
                raise InputError(
                    f"coin={params.get('coin')!r} is not a CoinGecko id "
                    "like 'bitcoin' or 'ethereum'"
                )
            days = int(params.get("days", 365))
            if days < 1:
                raise InputError(f"days={days} must be >= 1")
            return CoinGeckoQuery(
                "chart", coin=coin, days=days, daily=bool(params.get("daily", True))
            )
        raise InputError(f"kind={kind!r} must be 'markets' or 'chart'")

    def extract(self, query: CoinGeckoQuery) -> Payload:
        """Download the JSON body."""
        if query.kind == "markets":
            url = f"{self.base_url}/coins/markets"
            params = {
                "vs_currency": "usd",
                "order": "market_cap_desc",
                "per_page": str(query.per_page),
                "page": str(query.page),
                "sparkline": "false",
            }
            what = f"CoinGecko market caps (page {query.page})"
        else:
            url = f"{self.base_url}/coins/{query.coin}/market_chart"
            params = {"vs_currency": "usd", "days": str(query.days)}
            if query.daily and query.days > 90:
                params["interval"] = "daily"
            what = f"CoinGecko history of {query.coin}"
        return fetch(
            self.client,
            url,
            provider=PROVIDER,
            what=what,
            expect="json",
            params=params,
            headers=self._headers(),
            not_found=f"CoinGecko has no coin {query.coin!r}; check the id on coingecko.com",
            cache_ttl=self.cache_ttl,
        )

    def transform(
        self, query: CoinGeckoQuery, raw: Payload, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse into ``crypto_markets`` or ``crypto_chart``."""
        if query.kind == "markets":
            frame, meta = parse_markets(raw.body)
            return [
                ProviderResult(
                    "crypto_markets", "markets", frame, f"coingecko {raw.url}", retrieved_at, meta
                )
            ]
        chart = parse_market_chart(raw.body, daily=query.daily)
        meta = {"coin": query.coin, "days": query.days, "daily": query.daily}
        return [
            ProviderResult(
                "crypto_chart", str(query.coin), chart, f"coingecko {raw.url}", retrieved_at, meta
            )
        ]


def fetch_histories(
    fetcher: CoinGeckoFetcher, coins: list[str], *, days: int = 365
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Fetch daily USD prices of several coins; failures are reported, not raised.

    Parameters
    ----------
    fetcher : CoinGeckoFetcher
        Provider (keyless by default: history limited to 365 days).
    coins : list of str
        CoinGecko ids.
    days : int
        History length.

    Returns
    -------
    closes : DataFrame of shape (n_days, n_coins), USD
        One column per coin fetched (NaN before a coin's history starts).
    failed : dict
        Coin id -> reason, for coins that could not be fetched.
    """
    cols: dict[str, pd.Series] = {}
    failed: dict[str, str] = {}
    for coin in coins:
        try:
            res = fetcher.fetch({"kind": "chart", "coin": coin, "days": days, "daily": True})[0]
        except CapsizeError as exc:
            failed[coin] = str(exc)
            continue
        cols[coin] = res.frame["price"]
    frame = pd.concat(cols, axis=1, sort=True) if cols else pd.DataFrame()
    if cols:
        frame.index.name = "date"
    return frame, failed
