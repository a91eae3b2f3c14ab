"""The crypto size analogy: whether the biggest coins lead the rest, as large caps do.

Small-cap writing often points at crypto ("bitcoin and ether against the rest")
as the same "big beats small" pattern. This module measures it with the same
tools used for stocks:

* :func:`dominance`: market-cap share of the largest coins vs the rest, from a
  market-cap snapshot (CoinGecko ``/coins/markets``).
* :func:`basket_index` and :func:`majors_vs_alts`: an equal-weight alt basket
  against the majors, as a relative-strength line.
* :func:`leadership_side_by_side`: the calendar-year leadership and streak
  tables of :mod:`capsize.analytics.performance`, computed for several
  small-vs-large pairs (e.g. IWM/SPY next to ETH/BTC or alts/majors).

Units: prices and market caps in USD; returns and shares are fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "DEFAULT_EXCLUDE",
    "STABLECOINS",
    "WRAPPED",
    "Dominance",
    "Leadership",
    "alt_universe",
    "basket_index",
    "dominance",
    "leadership_side_by_side",
    "majors_vs_alts",
]

STABLECOINS: tuple[str, ...] = (
    "tether",
    "usd-coin",
    "dai",
    "binance-usd",
    "true-usd",
    "first-digital-usd",
    "paxos-standard",
    "pax-dollar",
    "frax",
    "usdd",
    "gemini-dollar",
    "paypal-usd",
    "ethena-usde",
    "liquity-usd",
)
"""CoinGecko ids of US-dollar stablecoins: their "market cap" is cash parked, not size."""

WRAPPED: tuple[str, ...] = (
    "wrapped-bitcoin",
    "staked-ether",
    "wrapped-steth",
    "weth",
    "rocket-pool-eth",
    "coinbase-wrapped-staked-eth",
)
"""Wrapped or staked copies of BTC/ETH: counting them would count the majors twice."""

DEFAULT_EXCLUDE: tuple[str, ...] = STABLECOINS + WRAPPED
"""Excluded from dominance by default (both lists above)."""


@dataclass(frozen=True)
class Dominance:
    """Market-cap share of the largest coins against the rest of a snapshot.

    Attributes
    ----------
    majors : tuple of str
        Ids of the ``top`` largest coins after exclusions.
    majors_share, rest_share : float
        Fractions of ``total_cap`` (sum to 1).
    shares : Series
        Share of each major, indexed by id.
    total_cap, majors_cap, rest_cap : float
        USD.
    n_coins : int
        Coins counted (after exclusions, with a market cap).
    excluded : tuple of str
        Ids left out (in ``exclude`` and present in the snapshot).
    excluded_cap : float
        Their market cap, USD.
    missing_cap : tuple of str
        Ids without a market cap (left out).
    as_of : Timestamp or None
        Newest ``last_updated`` in the snapshot (None when not given).
    coverage : str
        What the total covers.
    """

    majors: tuple[str, ...]
    majors_share: float
    rest_share: float
    shares: pd.Series
    total_cap: float
    majors_cap: float
    rest_cap: float
    n_coins: int
    excluded: tuple[str, ...]
    excluded_cap: float
    missing_cap: tuple[str, ...]
    as_of: pd.Timestamp | None
    coverage: str


def dominance(
    markets: pd.DataFrame,
    *,
    top: int = 2,
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
) -> Dominance:
    """Compute the market-cap dominance of the ``top`` largest coins.

    Parameters
    ----------
    markets : DataFrame
        ``crypto_markets`` frame: columns ``id`` and ``market_cap`` (USD),
        optionally ``last_updated``.
    top : int
        How many of the largest coins count as "majors" (2 = BTC and ETH).
    exclude : sequence of str
        Ids left out of both sides (default stablecoins and wrapped copies).

    Returns
    -------
    Dominance

    Notes
    -----
    The total is the sum over the coins *in the snapshot* (e.g. the 250
    largest), not CoinGecko's whole-market figure; ``coverage`` says so.
    Coins with a missing market cap are left out and listed.

    Examples
    --------
    >>> m = pd.DataFrame({"id": ["bitcoin", "ethereum", "tether", "x"],
    ...                   "market_cap": [60.0, 20.0, 10.0, 20.0]})
    >>> round(dominance(m).majors_share, 4)
    0.8
    """
    if not isinstance(markets, pd.DataFrame) or not {"id", "market_cap"} <= set(markets.columns):
        raise InputError("markets must be a DataFrame with columns 'id' and 'market_cap'")
    if top < 1:
        raise InputError(f"top={top} must be >= 1")
    m = markets.copy()
    m["market_cap"] = pd.to_numeric(m["market_cap"], errors="coerce")
    ex = set(exclude)
    excluded = m[m["id"].isin(ex)]
    kept = m[~m["id"].isin(ex)]
    missing = kept[kept["market_cap"].isna()]
    kept = kept.dropna(subset=["market_cap"]).sort_values(
        "market_cap", ascending=False, kind="stable"
    )
    if len(kept) <= top:
        raise InputError(
            f"markets has {len(kept)} coins with a market cap after exclusions; "
            f"need more than top={top} to compare majors with the rest"
        )
    total = float(kept["market_cap"].sum())
    majors = kept.head(top)
    majors_cap = float(majors["market_cap"].sum())
    as_of: pd.Timestamp | None = None
    newest = pd.to_datetime(m["last_updated"]).max() if "last_updated" in m else None
    if newest is not None and pd.notna(newest):
        as_of = pd.Timestamp(newest)
    return Dominance(
        majors=tuple(str(x) for x in majors["id"]),
        majors_share=majors_cap / total,
        rest_share=(total - majors_cap) / total,
        shares=pd.Series(
            majors["market_cap"].to_numpy() / total, index=majors["id"].to_numpy(), name="share"
        ),
        total_cap=total,
        majors_cap=majors_cap,
        rest_cap=total - majors_cap,
        n_coins=len(kept),
        excluded=tuple(str(x) for x in excluded["id"]),
        excluded_cap=float(excluded["market_cap"].sum()),
        missing_cap=tuple(str(x) for x in missing["id"]),
        as_of=as_of,
        coverage=(
            f"share of the {len(kept)} coins in the snapshot with a market cap, "
            f"{len(excluded)} stablecoins/wrapped coins excluded; not the whole crypto market"
        ),
    )


def alt_universe(
    markets: pd.DataFrame,
    *,
    n: int = 10,
    top: int = 2,
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
) -> list[str]:
    """Pick the alt basket: the ``n`` largest coins after the ``top`` majors.

    Parameters
    ----------
    markets : DataFrame
        ``crypto_markets`` frame (``id``, ``market_cap``).
    n : int
        Basket size.
    top : int
        Majors skipped (2 = BTC and ETH).
    exclude : sequence of str
        Ids never in the basket (stablecoins, wrapped copies).

    Returns
    -------
    list of str
        CoinGecko ids, largest first.

    Examples
    --------
    >>> m = pd.DataFrame({"id": ["bitcoin", "ethereum", "tether", "solana", "x"],
    ...                   "market_cap": [60.0, 20.0, 10.0, 5.0, 1.0]})
    >>> alt_universe(m, n=5)
    ['solana', 'x']
    """
    if n < 1:
        raise InputError(f"n={n} must be >= 1")
    m = markets[~markets["id"].isin(set(exclude))].copy()
    m["market_cap"] = pd.to_numeric(m["market_cap"], errors="coerce")
    m = m.dropna(subset=["market_cap"]).sort_values("market_cap", ascending=False, kind="stable")
    return [str(x) for x in m["id"].iloc[top : top + n]]


def basket_index(closes: pd.DataFrame, *, min_members: int = 1) -> pd.Series:
    """Build an equal-weight, daily-rebalanced index from several price series.

    Parameters
    ----------
    closes : DataFrame of shape (n_days, n_assets), USD
        Closing prices; NaN where an asset has no price.
    min_members : int
        Days with fewer assets having a return are NaN.

    Returns
    -------
    Series
        Index level, 1.0 on the first date; named ``"basket"``.

    Notes
    -----
    Each day's basket return is the mean of the simple returns of the assets
    with a price on that day and the previous row; an asset enters when its
    history starts and leaves when it stops (no forward fill).

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=3)
    >>> c = pd.DataFrame({"a": [1.0, 1.1, 1.21], "b": [1.0, 0.9, 0.9]}, index=idx)
    >>> basket_index(c).round(4).tolist()
    [1.0, 1.0, 1.05]
    """
    if not isinstance(closes, pd.DataFrame) or closes.shape[1] == 0:
        raise InputError("closes must be a DataFrame with one column per asset")
    if not isinstance(closes.index, pd.DatetimeIndex):
        raise InputError("closes must be indexed by date")
    c = closes.sort_index().astype("float64")
    rets = c / c.shift(1) - 1.0
    count = rets.notna().sum(axis=1)
    mean = rets.mean(axis=1, skipna=True)
    mean[count < min_members] = np.nan
    mean.iloc[0] = 0.0
    level = (1.0 + mean.fillna(0.0)).cumprod()
    level[(count < min_members) & (level.index != level.index[0])] = np.nan
    return level.rename("basket")


def majors_vs_alts(majors: pd.DataFrame, alts: pd.DataFrame) -> pd.DataFrame:
    """Equal-weight majors against an equal-weight alt basket.

    Parameters
    ----------
    majors, alts : DataFrame of shape (n_days, n), USD
        Closing prices (e.g. BTC-USD and ETH-USD; a list of alt coins).

    Returns
    -------
    DataFrame
        Columns ``majors``, ``alts`` (index levels, 1.0 at the first common
        date) and ``alts_vs_majors`` (ratio, rising = alts lead), on the dates
        both exist.
    """
    a = basket_index(majors)
    b = basket_index(alts)
    both = pd.concat([a.rename("majors"), b.rename("alts")], axis=1, join="inner", sort=True)
    both = both.dropna()
    if both.empty:
        raise InputError("majors and alts have no dates in common")
    both = both / both.iloc[0]
    both["alts_vs_majors"] = both["alts"] / both["majors"]
    return both


@dataclass(frozen=True)
class Leadership:
    """Leadership and streak tables for several small-vs-large pairs.

    Attributes
    ----------
    table : DataFrame
        One row per pair: ``small``, ``large``, ``years``, ``small_led``,
        ``small_led_share``, ``current_leader``, ``current_streak``,
        ``longest_small``, ``longest_large``, ``rel_<k>m`` (trailing relative
        return of small vs large over k months), ``start``, ``end``.
    years : dict of str to DataFrame
        The :func:`~capsize.analytics.performance.calendar_year_table` of each pair.
    windows : tuple of int
        Months of the trailing columns.
    convention : str
        How years and windows are measured.
    """

    table: pd.DataFrame
    years: dict[str, pd.DataFrame] = field(default_factory=dict)
    windows: tuple[int, ...] = (1, 3, 6, 12)
    convention: str = ""


def _trailing(small: pd.Series, large: pd.Series, months: int) -> float:
    both = pd.concat([small, large], axis=1, join="inner", sort=True).dropna()
    if both.empty:
        return float("nan")
    end = both.index[-1]
    start = end - pd.DateOffset(months=months)
    pos = int(both.index.searchsorted(start, side="right")) - 1
    if pos < 0:
        return float("nan")
    r = both.iloc[-1] / both.iloc[pos]
    return float(r.iloc[0] / r.iloc[1] - 1.0)


def leadership_side_by_side(
    pairs: Mapping[str, tuple[pd.Series, pd.Series]],
    *,
    windows: Sequence[int] = (1, 3, 6, 12),
) -> Leadership:
    """Build the same leadership/streak table for each small-vs-large pair.

    Parameters
    ----------
    pairs : Mapping
        Label -> ``(small, large)`` closing-price Series (named by symbol),
        e.g. ``{"stocks": (iwm, spy), "crypto": (eth, btc)}``.
    windows : sequence of int
        Trailing windows, months.

    Returns
    -------
    Leadership

    Notes
    -----
    Years follow :func:`~capsize.analytics.performance.calendar_year_table`
    (each series on its own calendar, partial years labelled and not counted
    in streaks). A trailing window runs from the last common close on or
    before ``end - k months`` to the last common close; NaN when the history
    is shorter.
    """
    from capsize.analytics.performance import calendar_year_table, streaks

    if not pairs:
        raise InputError("pairs is empty; pass at least one (small, large) pair")
    rows = []
    years: dict[str, pd.DataFrame] = {}
    ws = tuple(int(w) for w in windows)
    for label, (small, large) in pairs.items():
        tab = calendar_year_table(small, large)
        years[label] = tab
        st = streaks(tab)
        ns, nl = str(tab.attrs["a"]), str(tab.attrs["b"])
        full = tab[tab["status"] == "full"]
        led = int((full["winner"] == ns).sum())
        row: dict[str, object] = {
            "pair": label,
            "small": ns,
            "large": nl,
            "years": st.years_counted,
            "small_led": led,
            "small_led_share": led / st.years_counted if st.years_counted else float("nan"),
            "current_leader": st.current.leader if st.current else "",
            "current_streak": st.current.length if st.current else 0,
            "longest_small": st.longest[ns].length if ns in st.longest else 0,
            "longest_large": st.longest[nl].length if nl in st.longest else 0,
        }
        for w in ws:
            row[f"rel_{w}m"] = _trailing(small.dropna(), large.dropna(), w)
        both = pd.concat([small, large], axis=1, join="inner", sort=True).dropna()
        row["start"] = both.index[0] if len(both) else pd.NaT
        row["end"] = both.index[-1] if len(both) else pd.NaT
        rows.append(row)
    table = pd.DataFrame(rows).set_index("pair")
    return Leadership(
        table=table,
        years=years,
        windows=ws,
        convention=(
            "calendar-year leadership on full years only; trailing windows: relative return "
            "(small/large) from the last common close on or before end - k months"
        ),
    )
