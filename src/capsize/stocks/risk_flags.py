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
    from collections.abc import Sequence

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
    rules = {k: v.format(**th.__dict__) for k, v in FLAG_RULES.items()}
    c = close.loc[:at].dropna() if close is not None else None
    v = volume.loc[:at].dropna() if volume is not None else None
    if c is not None and c.empty:
        c = None
    if v is not None and (v.empty or not (v > 0).any()):
        v = None
    ev = None
    if events is not None:
        ev = events.loc[events["date"] <= at] if not events.empty else events
    have_8k = (events is not None) if filings_available is None else filings_available
    ev8 = ev if have_8k else None  # events usable as an 8-K filing list
    flags: list[RiskFlag] = []

    # 1. unexplained spike --------------------------------------------------------------
    start = at - pd.Timedelta(days=th.lookback_days)
    if c is None or v is None:
        why = "no prices" if c is None else "no volume data"
        flags.append(
            RiskFlag(
                "unexplained_spike",
                NOT_ASSESSED,
                rules["unexplained_spike"],
                (Evidence("price/volume history", f"n/a ({why})", None, price_source),),
            )
        )
    else:
        spikes = find_spikes(c, v, spike_return=th.spike_return, volume_multiple=th.volume_multiple)
        spikes = spikes.loc[spikes.index >= start]
        v_win = v.loc[v.index >= start]
        window_ev = Evidence(
            "window examined",
            f"{fmt_date(v_win.index.min())} to {fmt_date(v_win.index.max())}"
            if len(v_win)
            else f"n/a (volume ends {fmt_date(v.index.max())})",
            at,
            price_source,
        )
        if len(v_win) == 0:
            flags.append(
                RiskFlag(
                    "unexplained_spike", NOT_ASSESSED, rules["unexplained_spike"], (window_ev,)
                )
            )
        elif spikes.empty:
            flags.append(
                RiskFlag("unexplained_spike", CLEAR, rules["unexplained_spike"], (window_ev,))
            )
        elif ev8 is None:
            items = tuple(
                Evidence(
                    "price spike",
                    f"{fmt_pct(ret_d)} on {fmt_num(vr_d, 1)}x volume",
                    d,
                    price_source,
                )
                for d, ret_d, vr_d in zip(
                    spikes.index, spikes["ret"].tolist(), spikes["vol_ratio"].tolist(), strict=True
                )
            )
            flags.append(
                RiskFlag(
                    "unexplained_spike",
                    NOT_ASSESSED,
                    rules["unexplained_spike"],
                    (
                        *items,
                        Evidence(
                            "filing list",
                            "n/a (no SEC filing list to explain the spike)",
                            None,
                            filings_source,
                        ),
                    ),
                )
            )
        else:
            filing_dates = (
                pd.DatetimeIndex(ev8.loc[ev8["form"].astype(str).str.startswith("8-K"), "date"])
                if not ev8.empty
                else pd.DatetimeIndex([])
            )
            unexplained = []
            for d, ret_d, vr_d in zip(
                spikes.index, spikes["ret"].tolist(), spikes["vol_ratio"].tolist(), strict=True
            ):
                near = filing_dates[
                    (filing_dates >= d - pd.Timedelta(days=3))
                    & (filing_dates <= d + pd.Timedelta(days=1))
                ]
                if len(near) == 0:
                    unexplained.append(
                        Evidence(
                            "price spike with no 8-K",
                            f"{fmt_pct(ret_d)} on {fmt_num(vr_d, 1)}x volume",
                            pd.Timestamp(d),
                            price_source,
                        )
                    )
            status = RAISED if unexplained else CLEAR
            evid = tuple(unexplained) or (
                Evidence("spikes explained by 8-Ks", str(len(spikes)), at, filings_source),
            )
            flags.append(
                RiskFlag(
                    "unexplained_spike", status, rules["unexplained_spike"], (window_ev, *evid)
                )
            )

    # 2. penny or tiny ----------------------------------------------------------------
    if c is None:
        flags.append(
            RiskFlag(
                "penny_or_tiny",
                NOT_ASSESSED,
                rules["penny_or_tiny"],
                (Evidence("last price", "n/a (no prices)", None, price_source),),
            )
        )
    else:
        last_d, last_p = c.index[-1], float(c.iloc[-1])
        pev: list[Evidence] = [
            Evidence("last price", fmt_money(last_p), pd.Timestamp(last_d), price_source)
        ]
        hit = last_p < th.min_price
        if market_cap is not None and math.isfinite(market_cap):
            pev.append(
                Evidence(
                    "market cap",
                    fmt_money(market_cap, compact=True),
                    pd.Timestamp(last_d),
                    market_cap_label or "market cap",
                )
            )
            hit = hit or market_cap < th.min_market_cap
        else:
            pev.append(
                Evidence("market cap", "n/a (no share count)", None, market_cap_label or "n/a")
            )
        if public_float is not None and math.isfinite(public_float[0]):
            pev.append(
                Evidence(
                    "public float",
                    fmt_money(public_float[0], compact=True),
                    public_float[1],
                    public_float[2],
                )
            )
            hit = hit or public_float[0] < th.min_public_float
        flags.append(
            RiskFlag("penny_or_tiny", RAISED if hit else CLEAR, rules["penny_or_tiny"], tuple(pev))
        )

    # 3. repeated reverse splits ------------------------------------------------------
    have_sh = shares is not None and len(shares) > 0
    if ev is None and not have_sh:
        flags.append(
            RiskFlag(
                "repeated_reverse_splits",
                NOT_ASSESSED,
                rules["repeated_reverse_splits"],
                (
                    Evidence(
                        "filings", "n/a (no SEC filing list or share history)", None, filings_source
                    ),
                ),
            )
        )
    else:
        since = at - pd.DateOffset(years=th.split_years)
        split_frames = [f for f in (ev,) if f is not None and not f.empty]
        if have_sh and shares is not None:
            drops = share_count_events(shares, ticker=ticker, as_of=at)
            if not drops.empty:
                split_frames.append(drops)
        merged = pd.concat(split_frames, ignore_index=True) if split_frames else None
        dates = [d for d in reverse_split_dates(merged) if d >= since]
        evid = tuple(
            Evidence("reverse split", "8-K 3.03+5.03 or share drop > 50%", d, filings_source)
            for d in dates
        )
        status = RAISED if len(dates) >= 2 else (CLEAR if have_8k else NOT_ASSESSED)
        if not evid:
            evid = (Evidence("reverse splits found", "0", at, filings_source),)
        if not have_8k:
            evid = (
                *evid,
                Evidence("8-K filing list", "n/a (XBRL share counts only)", None, filings_source),
            )
        flags.append(
            RiskFlag("repeated_reverse_splits", status, rules["repeated_reverse_splits"], evid)
        )

    # 4. dilution after spike ---------------------------------------------------------
    have_shares = shares is not None and len(shares) >= 2
    if c is None or (not have_shares and ev8 is None):
        why = "no prices" if c is None else "no share history or filing list"
        flags.append(
            RiskFlag(
                "dilution_after_spike",
                NOT_ASSESSED,
                rules["dilution_after_spike"],
                (Evidence("inputs", f"n/a ({why})", None, filings_source),),
            )
        )
    else:
        r1 = c / c.shift(1) - 1
        r5 = c / c.shift(5) - 1
        spike_days = c.index[((r1 >= th.spike_return) | (r5 >= th.spike_5d_return)).to_numpy()]
        spike_days = spike_days[spike_days >= at - pd.Timedelta(days=th.lookback_days * 3)]
        spike_list = _clusters([pd.Timestamp(d) for d in spike_days], days=10)
        hits: list[Evidence] = []
        for d in spike_list:
            end = d + pd.Timedelta(days=th.dilution_days)
            if have_shares and shares is not None:
                h = shares.loc[shares["filed"] <= at].sort_values("end")
                before = h.loc[h["end"] <= d]
                after = h.loc[(h["end"] > d) & (h["end"] <= end)]
                if len(before) and len(after):
                    s0, s1 = float(before["shares"].iloc[-1]), float(after["shares"].max())
                    if s0 > 0 and s1 / s0 - 1 > th.dilution:
                        hits.append(
                            Evidence(
                                "shares after spike",
                                f"{fmt_pct(s1 / s0 - 1)} ({fmt_num(s0, 0)} -> "
                                f"{fmt_num(s1, 0)}) after spike on {fmt_date(d)}",
                                pd.Timestamp(after["end"].iloc[-1]),
                                filings_source,
                            )
                        )
            if ev8 is not None and not ev8.empty:
                sales = ev8.loc[
                    (ev8["event"] == "equity_sale") & (ev8["date"] > d) & (ev8["date"] <= end)
                ]
                for _, row in sales.iterrows():
                    hits.append(
                        Evidence(
                            "8-K 3.02 equity sale after spike",
                            f"spike on {fmt_date(d)}",
                            pd.Timestamp(row["date"]),
                            f"SEC 8-K {row['accession']}",
                        )
                    )
        status = RAISED if hits else CLEAR
        evid = tuple(hits) or (Evidence("spikes examined", str(len(spike_list)), at, price_source),)
        if not have_shares:
            evid = (
                *evid,
                Evidence("share history", "n/a (only 8-K 3.02 checked)", None, filings_source),
            )
        flags.append(RiskFlag("dilution_after_spike", status, rules["dilution_after_spike"], evid))

    # 5. listing deficiency -----------------------------------------------------------
    if ev8 is None:
        flags.append(
            RiskFlag(
                "listing_deficiency",
                NOT_ASSESSED,
                rules["listing_deficiency"],
                (Evidence("filing list", "n/a (no SEC filing list)", None, filings_source),),
            )
        )
    else:
        since = at - pd.DateOffset(years=th.deficiency_years)
        lst = (
            ev8.loc[(ev8["event"] == "listing") & (ev8["date"] >= since)] if not ev8.empty else ev8
        )
        evid = tuple(
            Evidence(
                "8-K item 3.01",
                "listing deficiency / delisting notice",
                pd.Timestamp(r["date"]),
                f"SEC 8-K {r['accession']}",
            )
            for _, r in lst.iterrows()
        ) or (Evidence("8-K item 3.01 notices", "0", at, filings_source),)
        flags.append(
            RiskFlag(
                "listing_deficiency",
                RAISED if len(lst) else CLEAR,
                rules["listing_deficiency"],
                evid,
            )
        )
    return flags
