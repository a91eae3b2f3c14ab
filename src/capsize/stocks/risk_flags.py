"""Manipulation-risk flags: the warning signs of pump-and-dump schemes.

Each flag is a published rule over dated evidence and has one of three
statuses: ``RAISED``, ``CLEAR`` or ``NOT ASSESSED`` (the data needed is
missing; never guessed). Every flag lists the evidence that decided it.

===========================  ==============================================================
flag                         rule (defaults)
===========================  ==============================================================
``unexplained_spike``        a daily close-to-close gain >= 50% on volume >= 5x its trailing
                             50-day median, with no 8-K filed from 3 days before to 1 day
                             after, within the last 365 days
``penny_or_tiny``            last price < $1 (Nasdaq/NYSE minimum bid), public float < $25M
                             (dei:EntityPublicFloat from the annual report) or market cap
                             < $50M
``repeated_reverse_splits``  >= 2 reverse splits within 5 years (8-K 3.03+5.03 pairs, or XBRL
                             share-count drops > 50%; events within 60 days count once)
``dilution_after_spike``     share count up > 20% within 180 days after a spike (daily gain
                             >= 50% or 5-day gain >= 100%), or an 8-K item 3.02 (unregistered
                             equity sale) in that window
``listing_deficiency``       an 8-K item 3.01 (listing deficiency / delisting notice) within
                             the last 2 years
===========================  ==============================================================

Notes
-----
Prices must be on one basis (adjusted closes are fine for returns). Adjusted
closes are scaled by later splits, so the penny-price test on a date before a
later reverse split understates how low the traded price was. Volumes
are consolidated share volumes. A spike check needs both close and volume;
the window actually examined is stated in the evidence, because volume may
end earlier than prices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize._format import fmt_date, fmt_money, fmt_num, fmt_pct
from capsize.errors import InputError
from capsize.stocks.catalysts import share_count_events
from capsize.stocks.evidence import NOT_ASSESSED, Evidence

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from capsize._typing import DateLike

__all__ = [
    "FLAG_RULES",
    "RiskFlag",
    "RiskThresholds",
    "assess_risk_flags",
    "find_spikes",
    "reverse_split_dates",
]

RAISED = "RAISED"
CLEAR = "CLEAR"

FLAG_RULES: dict[str, str] = {
    "unexplained_spike": "daily gain >= {spike_return:.0%} on volume >= {volume_multiple:g}x the "
    "50-day median, no 8-K from 3 days before to 1 day after, in the last {lookback_days} days",
    "penny_or_tiny": "last price < ${min_price:g}, public float < ${min_public_float:,.0f} "
    "or market cap < ${min_market_cap:,.0f}",
    "repeated_reverse_splits": ">= 2 reverse splits within {split_years} years "
    "(8-K 3.03+5.03 or XBRL share drop > 50%; 60-day clusters)",
    "dilution_after_spike": "shares +{dilution:.0%} or an 8-K 3.02 within {dilution_days} days "
    "after a spike",
    "listing_deficiency": "8-K item 3.01 within {deficiency_years} years",
}
"""Flag id -> rule text (formatted with :class:`RiskThresholds`)."""


@dataclass(frozen=True)
class RiskThresholds:
    """Parameters of the flag rules (defaults are the published ones)."""

    spike_return: float = 0.50
    spike_5d_return: float = 1.00
    volume_multiple: float = 5.0
    lookback_days: int = 365
    min_price: float = 1.0
    min_market_cap: float = 50e6
    min_public_float: float = 25e6
    split_years: int = 5
    dilution: float = 0.20
    dilution_days: int = 180
    deficiency_years: int = 2


@dataclass(frozen=True)
class RiskFlag:
    """One flag with its status and evidence.

    Attributes
    ----------
    id : str
        Key of :data:`FLAG_RULES`.
    status : str
        ``RAISED``, ``CLEAR`` or ``NOT ASSESSED``.
    rule : str
        The rule as applied (thresholds filled in).
    evidence : tuple of Evidence
        The data that raised or cleared it (or why it was not assessed).
    """

    id: str
    status: str
    rule: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    @property
    def raised(self) -> bool | None:
        """True/False, or None when not assessed."""
        return None if self.status == NOT_ASSESSED else self.status == RAISED

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-friendly dict."""
        return {
            "id": self.id,
            "status": self.status,
            "rule": self.rule,
            "evidence": [e.to_dict() for e in self.evidence],
        }


def find_spikes(
    close: pd.Series,
    volume: pd.Series | None = None,
    *,
    spike_return: float = 0.50,
    volume_multiple: float = 5.0,
    window: int = 50,
) -> pd.DataFrame:
    """Days with a daily gain >= ``spike_return`` (and, with volume, a volume surge).

    Parameters
    ----------
    close : Series, USD, DatetimeIndex
        Closing prices (one basis).
    volume : Series, shares, optional
        Daily volume; when given, the day's volume must be >= ``volume_multiple``
        times the median of the previous ``window`` days.
    spike_return : float
        Minimum daily return (fraction).
    volume_multiple : float
        Minimum volume ratio.
    window : int
        Days in the trailing volume median (at least 10 valid days needed).

    Returns
    -------
    DataFrame
        Index ``date``; columns ``ret`` (fraction), ``volume``, ``vol_ratio``
        (NaN without volume).

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=4)
    >>> find_spikes(pd.Series([1.0, 1.0, 2.0, 2.1], index=idx))["ret"].tolist()
    [1.0]
    """
    if not isinstance(close, pd.Series):
        raise InputError("close must be a Series of prices with a DatetimeIndex")
    c = close.astype("float64")
    ret = c / c.shift(1) - 1.0
    out = pd.DataFrame({"ret": ret})
    if volume is not None:
        v = volume.reindex(c.index).astype("float64")
        med = v.shift(1).rolling(window, min_periods=10).median()
        out["volume"] = v
        out["vol_ratio"] = v / med
        mask = (out["ret"] >= spike_return) & (out["vol_ratio"] >= volume_multiple)
    else:
        out["volume"] = np.nan
        out["vol_ratio"] = np.nan
        mask = out["ret"] >= spike_return
    res = out.loc[mask.fillna(False)]
    res.index.name = "date"
    return res


def _clusters(dates: Sequence[pd.Timestamp], days: int = 60) -> list[pd.Timestamp]:
    out: list[pd.Timestamp] = []
    for d in sorted(dates):
        if not out or (d - out[-1]).days > days:
            out.append(d)
    return out


def reverse_split_dates(events: pd.DataFrame | None) -> list[pd.Timestamp]:
    """Distinct reverse splits (60-day clusters) from catalyst events.

    Parameters
    ----------
    events : DataFrame or None
        :func:`capsize.stocks.catalysts.timeline` output.

    Returns
    -------
    list of Timestamp
        First date of each cluster, ascending.
    """
    if events is None or events.empty:
        return []
    rs = events.loc[events["event"].isin(["reverse_split", "share_drop"]), "date"]
    return _clusters([pd.Timestamp(d) for d in rs])


@dataclass(frozen=True)
class _Inputs:
    """One stock's inputs to the flag rules, cut to the evaluation date."""

    ticker: str
    at: pd.Timestamp
    th: RiskThresholds
    rules: dict[str, str]
    close: pd.Series | None
    volume: pd.Series | None
    events: pd.DataFrame | None
    events_8k: pd.DataFrame | None
    have_8k: bool
    shares: pd.DataFrame | None
    market_cap: float | None
    market_cap_label: str
    public_float: tuple[float, pd.Timestamp | None, str] | None
    price_source: str
    filings_source: str

    def flag(self, fid: str, status: str, evidence: Sequence[Evidence]) -> RiskFlag:
        return RiskFlag(fid, status, self.rules[fid], tuple(evidence))


# --------------------------------------------------------------------------- 1. spike


def _spike_evidence(spikes: pd.DataFrame, what: str, source: str) -> list[Evidence]:
    return [
        Evidence(what, f"{fmt_pct(r)} on {fmt_num(vr, 1)}x volume", pd.Timestamp(d), source)
        for d, r, vr in zip(
            spikes.index, spikes["ret"].tolist(), spikes["vol_ratio"].tolist(), strict=True
        )
    ]


def _unexplained(spikes: pd.DataFrame, ev8: pd.DataFrame) -> pd.DataFrame:
    """Return the spikes with no 8-K filed from 3 days before to 1 day after."""
    if ev8.empty:
        return spikes
    filed = pd.DatetimeIndex(ev8.loc[ev8["form"].astype(str).str.startswith("8-K"), "date"])
    keep = [
        not ((filed >= d - pd.Timedelta(days=3)) & (filed <= d + pd.Timedelta(days=1))).any()
        for d in spikes.index
    ]
    return spikes.loc[keep]


def _flag_spike(x: _Inputs) -> RiskFlag:
    fid = "unexplained_spike"
    if x.close is None or x.volume is None:
        why = "no prices" if x.close is None else "no volume data"
        return x.flag(
            fid,
            NOT_ASSESSED,
            [Evidence("price/volume history", f"n/a ({why})", None, x.price_source)],
        )
    start = x.at - pd.Timedelta(days=x.th.lookback_days)
    spikes = find_spikes(
        x.close, x.volume, spike_return=x.th.spike_return, volume_multiple=x.th.volume_multiple
    )
    spikes = spikes.loc[spikes.index >= start]
    v_win = x.volume.loc[x.volume.index >= start]
    window = Evidence(
        "window examined",
        f"{fmt_date(v_win.index.min())} to {fmt_date(v_win.index.max())}"
        if len(v_win)
        else f"n/a (volume ends {fmt_date(x.volume.index.max())})",
        x.at,
        x.price_source,
    )
    if len(v_win) == 0:
        return x.flag(fid, NOT_ASSESSED, [window])
    if spikes.empty:
        return x.flag(fid, CLEAR, [window])
    if x.events_8k is None:
        no_list = Evidence(
            "filing list", "n/a (no SEC filing list to explain the spike)", None, x.filings_source
        )
        return x.flag(
            fid, NOT_ASSESSED, [*_spike_evidence(spikes, "price spike", x.price_source), no_list]
        )
    bad = _unexplained(spikes, x.events_8k)
    evid = _spike_evidence(bad, "price spike with no 8-K", x.price_source) or [
        Evidence("spikes explained by 8-Ks", str(len(spikes)), x.at, x.filings_source)
    ]
    return x.flag(fid, RAISED if len(bad) else CLEAR, [window, *evid])


# --------------------------------------------------------------------------- 2. penny or tiny


def _flag_penny(x: _Inputs) -> RiskFlag:
    fid = "penny_or_tiny"
    if x.close is None:
        return x.flag(
            fid, NOT_ASSESSED, [Evidence("last price", "n/a (no prices)", None, x.price_source)]
        )
    last_d, last_p = pd.Timestamp(x.close.index[-1]), float(x.close.iloc[-1])
    evid = [Evidence("last price", fmt_money(last_p), last_d, x.price_source)]
    hit = last_p < x.th.min_price
    mc = x.market_cap
    if mc is not None and math.isfinite(mc):
        label = x.market_cap_label or "market cap"
        evid.append(Evidence("market cap", fmt_money(mc, compact=True), last_d, label))
        hit = hit or mc < x.th.min_market_cap
    else:
        evid.append(
            Evidence("market cap", "n/a (no share count)", None, x.market_cap_label or "n/a")
        )
    pf = x.public_float
    if pf is not None and math.isfinite(pf[0]):
        evid.append(Evidence("public float", fmt_money(pf[0], compact=True), pf[1], pf[2]))
        hit = hit or pf[0] < x.th.min_public_float
    return x.flag(fid, RAISED if hit else CLEAR, evid)


# --------------------------------------------------------------------------- 3. reverse splits


def _split_events(x: _Inputs) -> pd.DataFrame | None:
    frames = [f for f in (x.events,) if f is not None and not f.empty]
    if x.shares is not None and len(x.shares):
        drops = share_count_events(x.shares, ticker=x.ticker, as_of=x.at)
        if not drops.empty:
            frames.append(drops)
    return pd.concat(frames, ignore_index=True) if frames else None


def _flag_splits(x: _Inputs) -> RiskFlag:
    fid = "repeated_reverse_splits"
    have_sh = x.shares is not None and len(x.shares) > 0
    if x.events is None and not have_sh:
        why = "n/a (no SEC filing list or share history)"
        return x.flag(fid, NOT_ASSESSED, [Evidence("filings", why, None, x.filings_source)])
    since = x.at - pd.DateOffset(years=x.th.split_years)
    dates = [d for d in reverse_split_dates(_split_events(x)) if d >= since]
    evid = [
        Evidence("reverse split", "8-K 3.03+5.03 or share drop > 50%", d, x.filings_source)
        for d in dates
    ] or [Evidence("reverse splits found", "0", x.at, x.filings_source)]
    if not x.have_8k:
        evid.append(
            Evidence("8-K filing list", "n/a (XBRL share counts only)", None, x.filings_source)
        )
    status = RAISED if len(dates) >= 2 else (CLEAR if x.have_8k else NOT_ASSESSED)
    return x.flag(fid, status, evid)


# --------------------------------------------------------------------------- 4. dilution


def _spike_days(x: _Inputs, c: pd.Series) -> list[pd.Timestamp]:
    r1 = c / c.shift(1) - 1
    r5 = c / c.shift(5) - 1
    days = c.index[((r1 >= x.th.spike_return) | (r5 >= x.th.spike_5d_return)).to_numpy()]
    days = days[days >= x.at - pd.Timedelta(days=x.th.lookback_days * 3)]
    return _clusters([pd.Timestamp(d) for d in days], days=10)


def _share_jump_after(x: _Inputs, spike: pd.Timestamp) -> list[Evidence]:
    if x.shares is None or len(x.shares) < 2:
        return []
    end = spike + pd.Timedelta(days=x.th.dilution_days)
    h = x.shares.loc[x.shares["filed"] <= x.at].sort_values("end")
    before = h.loc[h["end"] <= spike]
    after = h.loc[(h["end"] > spike) & (h["end"] <= end)]
    if not (len(before) and len(after)):
        return []
    s0, s1 = float(before["shares"].iloc[-1]), float(after["shares"].max())
    if not (s0 > 0 and s1 / s0 - 1 > x.th.dilution):
        return []
    return [
        Evidence(
            "shares after spike",
            f"{fmt_pct(s1 / s0 - 1)} ({fmt_num(s0, 0)} -> {fmt_num(s1, 0)}) "
            f"after spike on {fmt_date(spike)}",
            pd.Timestamp(after["end"].iloc[-1]),
            x.filings_source,
        )
    ]


def _equity_sales_after(x: _Inputs, spike: pd.Timestamp) -> list[Evidence]:
    ev8 = x.events_8k
    if ev8 is None or ev8.empty:
        return []
    end = spike + pd.Timedelta(days=x.th.dilution_days)
    sales = ev8.loc[(ev8["event"] == "equity_sale") & (ev8["date"] > spike) & (ev8["date"] <= end)]
    return [
        Evidence(
            "8-K 3.02 equity sale after spike",
            f"spike on {fmt_date(spike)}",
            pd.Timestamp(row["date"]),
            f"SEC 8-K {row['accession']}",
        )
        for _, row in sales.iterrows()
    ]


def _flag_dilution(x: _Inputs) -> RiskFlag:
    fid = "dilution_after_spike"
    have_shares = x.shares is not None and len(x.shares) >= 2
    if x.close is None or (not have_shares and x.events_8k is None):
        why = "no prices" if x.close is None else "no share history or filing list"
        return x.flag(
            fid, NOT_ASSESSED, [Evidence("inputs", f"n/a ({why})", None, x.filings_source)]
        )
    spikes = _spike_days(x, x.close)
    hits = [e for d in spikes for e in (*_share_jump_after(x, d), *_equity_sales_after(x, d))]
    evid = hits or [Evidence("spikes examined", str(len(spikes)), x.at, x.price_source)]
    if not have_shares:
        evid.append(
            Evidence("share history", "n/a (only 8-K 3.02 checked)", None, x.filings_source)
        )
    return x.flag(fid, RAISED if hits else CLEAR, evid)


# --------------------------------------------------------------------------- 5. listing


def _flag_listing(x: _Inputs) -> RiskFlag:
    fid = "listing_deficiency"
    ev8 = x.events_8k
    if ev8 is None:
        return x.flag(
            fid,
            NOT_ASSESSED,
            [Evidence("filing list", "n/a (no SEC filing list)", None, x.filings_source)],
        )
    since = x.at - pd.DateOffset(years=x.th.deficiency_years)
    lst = ev8.loc[(ev8["event"] == "listing") & (ev8["date"] >= since)] if not ev8.empty else ev8
    evid = [
        Evidence(
            "8-K item 3.01",
            "listing deficiency / delisting notice",
            pd.Timestamp(r["date"]),
            f"SEC 8-K {r['accession']}",
        )
        for _, r in lst.iterrows()
    ] or [Evidence("8-K item 3.01 notices", "0", x.at, x.filings_source)]
    return x.flag(fid, RAISED if len(lst) else CLEAR, evid)


_FLAG_CHECKS: tuple[Callable[[_Inputs], RiskFlag], ...] = (
    _flag_spike,
    _flag_penny,
    _flag_splits,
    _flag_dilution,
    _flag_listing,
)
"""One check per flag, in the order of :data:`FLAG_RULES`."""


def _cut(series: pd.Series | None, at: pd.Timestamp, *, positive: bool) -> pd.Series | None:
    if series is None:
        return None
    s = series.loc[:at].dropna()
    if s.empty or (positive and not (s > 0).any()):
        return None
    return s


def assess_risk_flags(
    *,
    ticker: str,
    as_of: DateLike,
    close: pd.Series | None = None,
    volume: pd.Series | None = None,
    events: pd.DataFrame | None = None,
    shares: pd.DataFrame | None = None,
    market_cap: float | None = None,
    market_cap_label: str = "",
    public_float: tuple[float, pd.Timestamp | None, str] | None = None,
    filings_available: bool | None = None,
    price_source: str = "prices",
    filings_source: str = "SEC filings",
    thresholds: RiskThresholds | None = None,
) -> list[RiskFlag]:
    """Evaluate every flag of :data:`FLAG_RULES` for one stock.

    Parameters
    ----------
    ticker : str
    as_of : date-like
        Evaluation date; nothing after it is used.
    close, volume : Series, optional
        Daily closes (USD) and volumes (shares). Missing -> price flags NOT ASSESSED.
    events : DataFrame, optional
        Catalyst timeline (8-K and XBRL events). ``None`` means no filing list
        is available (filing-based flags NOT ASSESSED); an empty frame means a
        filing list with no events.
    shares : DataFrame, optional
        Share history (``end, shares, filed, accn``).
    market_cap : float, optional
        USD, with ``market_cap_label`` saying how it was obtained.
    public_float : tuple, optional
        ``(USD, date, source)`` of the company's reported public float.
    filings_available : bool, optional
        Whether ``events`` include an 8-K filing list (default: ``events is not
        None``). With only XBRL share events, filing-based flags are NOT
        ASSESSED and reverse splits can only be RAISED, never cleared.
    price_source, filings_source : str
        Provenance shown in evidence.
    thresholds : RiskThresholds, optional

    Returns
    -------
    list of RiskFlag
        In the order of :data:`FLAG_RULES`.
    """
    th = thresholds or RiskThresholds()
    at = pd.Timestamp(as_of)
    ev = None
    if events is not None:
        ev = events.loc[events["date"] <= at] if not events.empty else events
    have_8k = (events is not None) if filings_available is None else filings_available
    x = _Inputs(
        ticker=ticker,
        at=at,
        th=th,
        rules={k: v.format(**th.__dict__) for k, v in FLAG_RULES.items()},
        close=_cut(close, at, positive=False),
        volume=_cut(volume, at, positive=True),
        events=ev,
        events_8k=ev if have_8k else None,
        have_8k=have_8k,
        shares=shares,
        market_cap=market_cap,
        market_cap_label=market_cap_label,
        public_float=public_float,
        price_source=price_source,
        filings_source=filings_source,
    )
    return [check(x) for check in _FLAG_CHECKS]
