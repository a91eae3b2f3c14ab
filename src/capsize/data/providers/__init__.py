"""Data providers: one module per source, query -> fetch -> standard frame.

Each provider is a :class:`Fetcher` (``transform_query`` -> ``extract`` ->
``transform``) returning :class:`ProviderResult` objects with source and
retrieval time; :func:`get_fetcher` builds one by dataset and provider name.
Every live provider (Yahoo, FRED, French, iShares, CoinGecko, SEC EDGAR and
N-PORT) talks HTTP through the one stack of :func:`make_client`: one retry
policy, one rate limiter per host, one cache that stores a response only once
its fetcher parsed it. Pure parsers are exported for reuse on local files.

Names are loaded lazily (importing one provider module does not import the others).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capsize.data.providers._base import Clock, Fetcher, ProviderResult, utc_now
    from capsize.data.providers._http import HttpFetcher, make_client
    from capsize.data.providers.fred import (
        FredApiFetcher,
        FredFetcher,
        parse_fred_observations_json,
        parse_fredgraph_csv,
    )
    from capsize.data.providers.french import (
        FrenchFetcher,
        normalize_french_column,
        parse_french_csv,
    )
    from capsize.data.providers.ishares import ISharesHoldingsFetcher, parse_ishares_holdings
    from capsize.data.providers.registry import FETCHERS, get_fetcher
    from capsize.data.providers.yahoo import YahooChartFetcher, parse_yahoo_chart

# name -> module below capsize.data.providers: loaded on first use, so that importing one
# provider module (local files, say) does not load httpx, hishel and every other provider
_LAZY: dict[str, str] = {
    "Clock": "_base",
    "Fetcher": "_base",
    "ProviderResult": "_base",
    "utc_now": "_base",
    "HttpFetcher": "_http",
    "make_client": "_http",
    "FredApiFetcher": "fred",
    "FredFetcher": "fred",
    "parse_fred_observations_json": "fred",
    "parse_fredgraph_csv": "fred",
    "FrenchFetcher": "french",
    "normalize_french_column": "french",
    "parse_french_csv": "french",
    "ISharesHoldingsFetcher": "ishares",
    "parse_ishares_holdings": "ishares",
    "FETCHERS": "registry",
    "get_fetcher": "registry",
    "YahooChartFetcher": "yahoo",
    "parse_yahoo_chart": "yahoo",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'capsize.data.providers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"capsize.data.providers.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "FETCHERS",
    "Clock",
    "Fetcher",
    "FredApiFetcher",
    "FredFetcher",
    "FrenchFetcher",
    "HttpFetcher",
    "ISharesHoldingsFetcher",
    "ProviderResult",
    "YahooChartFetcher",
    "get_fetcher",
    "make_client",
    "normalize_french_column",
    "parse_fred_observations_json",
    "parse_fredgraph_csv",
    "parse_french_csv",
    "parse_ishares_holdings",
    "parse_yahoo_chart",
    "utc_now",
]
