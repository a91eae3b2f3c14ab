"""Data providers: one module per source, query -> fetch -> standard frame.

Each provider is a :class:`Fetcher` (``transform_query`` -> ``extract`` ->
``transform``) returning :class:`ProviderResult` objects with source and
retrieval time; :func:`get_fetcher` builds one by dataset and provider name.
Every live provider (Yahoo, FRED, French, iShares, CoinGecko, SEC EDGAR and
N-PORT) talks HTTP through the one stack of :func:`make_client`: one retry
policy, one rate limiter per host, one cache that stores a response only once
its fetcher parsed it. Pure parsers are exported for reuse on local files.
"""

from __future__ import annotations

from capsize.data.providers._base import Clock, Fetcher, ProviderResult, utc_now
from capsize.data.providers._http import HttpFetcher, make_client
from capsize.data.providers.fred import (
    FredApiFetcher,
    FredFetcher,
    parse_fred_observations_json,
    parse_fredgraph_csv,
)
from capsize.data.providers.french import FrenchFetcher, normalize_french_column, parse_french_csv
from capsize.data.providers.ishares import ISharesHoldingsFetcher, parse_ishares_holdings
from capsize.data.providers.registry import FETCHERS, get_fetcher
from capsize.data.providers.yahoo import YahooChartFetcher, parse_yahoo_chart

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
