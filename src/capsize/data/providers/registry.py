"""Which fetcher serves which dataset.

:data:`FETCHERS` maps a standard dataset name to ``{provider: "module:Class"}``;
classes are imported on first use so one broken optional provider does not
break the others. :func:`get_fetcher` builds a fetcher instance.

Examples
--------
>>> fetcher_class("fred", "macro").__name__
'FredFetcher'
>>> sorted(FETCHERS["bars"])
['yahoo']
"""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any

from capsize.data.providers._base import Fetcher
from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DEFAULT_PROVIDER", "FETCHERS", "fetcher_class", "fetcher_classes", "get_fetcher"]

_P = "capsize.data.providers."

FETCHERS: Mapping[str, Mapping[str, str]] = {
    "bars": {"yahoo": _P + "yahoo:YahooChartFetcher"},
    "actions": {"yahoo": _P + "yahoo:YahooChartFetcher"},
    "macro": {"fred": _P + "fred:FredFetcher", "fred_api": _P + "fred:FredApiFetcher"},
    "factors": {"french": _P + "french:FrenchFetcher"},
    "holdings": {"ishares": _P + "ishares:ISharesHoldingsFetcher"},
    "shares_outstanding": {"ishares": _P + "ishares:ISharesHoldingsFetcher"},
    "crypto_markets": {"coingecko": _P + "coingecko:CoinGeckoFetcher"},
    "crypto_chart": {"coingecko": _P + "coingecko:CoinGeckoFetcher"},
    "sec_tickers": {"sec": _P + "sec:TickersFetcher"},
    "sec_facts": {"sec": _P + "sec:CompanyFactsFetcher"},
    "sec_filings": {"sec": _P + "sec:SubmissionsFetcher"},
    "fund_flows_monthly": {"sec": _P + "nport:NportFetcher"},
}
"""Dataset -> provider -> ``"module:Class"`` of its fetcher."""

DEFAULT_PROVIDER: Mapping[str, str] = {ds: next(iter(p)) for ds, p in FETCHERS.items()}
"""Dataset -> the provider used when none is named."""


def fetcher_class(provider: str | None, dataset: str) -> type[Fetcher[Any, Any]]:
    """Return the fetcher class serving ``dataset`` from ``provider``.

    Parameters
    ----------
    provider : str or None
        Provider name (``yahoo``, ``fred``, ...); None picks :data:`DEFAULT_PROVIDER`.
    dataset : str
        Standard dataset name (``bars``, ``macro``, ``factors``, ...).

    Returns
    -------
    type
        A :class:`~capsize.data.providers.Fetcher` subclass.

    Raises
    ------
    InputError
        Unknown dataset or provider (the message lists the choices).
    """
    if dataset not in FETCHERS:
        raise InputError(f"dataset={dataset!r} is not one of {sorted(FETCHERS)}")
    name = provider if provider is not None else DEFAULT_PROVIDER[dataset]
    choices = FETCHERS[dataset]
    if name not in choices:
        raise InputError(
            f"provider={name!r} does not serve {dataset!r}; use one of {sorted(choices)}"
        )
    module_name, _, cls_name = choices[name].partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    if not (isinstance(cls, type) and issubclass(cls, Fetcher)):  # pragma: no cover - registry bug
        raise TypeError(f"{choices[name]} is not a Fetcher subclass")
    return cls


def fetcher_classes() -> dict[str, dict[str, type[Fetcher[Any, Any]]]]:
    """Return ``{dataset: {provider: Fetcher class}}`` with every class imported."""
    return {ds: {p: fetcher_class(p, ds) for p in provs} for ds, provs in FETCHERS.items()}


def get_fetcher(provider: str | None, dataset: str, **kwargs: Any) -> Fetcher[Any, Any]:
    """Build the fetcher for ``dataset`` from ``provider``.

    Parameters
    ----------
    provider : str or None
        Provider name; None picks the default for ``dataset``.
    dataset : str
        Standard dataset name.
    **kwargs
        Constructor arguments (``client=``, ``clock=``, ``settings=``; SEC
        fetchers take ``edgar=``). Unknown names raise, they are never ignored.

    Returns
    -------
    Fetcher

    Raises
    ------
    InputError
        Unknown dataset/provider, or constructor arguments the fetcher does not take.
    """
    cls = fetcher_class(provider, dataset)
    try:
        inspect.signature(cls).bind(**kwargs)
    except TypeError as exc:
        raise InputError(f"{cls.__name__}: {exc}") from None
    return cls(**kwargs)
