"""ETF fund flows by size segment, estimated from shares outstanding.

"Money is leaving small-cap funds" is measured here, not repeated. An ETF's
creations and redemptions change its shares outstanding, so the daily net flow
is estimated as::

    flow_t = (shares_outstanding_t - shares_outstanding_prev) * NAV_t    (USD)

where ``prev`` is the fund's previous observation. When NAV is missing the raw
(not dividend-adjusted) closing price is used instead and the row says so
(``price_kind="close"``).

Honesty rules (each row carries a ``flag``; only rows with ``flag == ""`` are
ever summed):

* ``first``     the fund's first observation: nothing to difference against.
* ``gap``       more than ``max_gap_days`` calendar days since the previous
                observation: the change spans an unknown number of days and is
                never turned into one day's (giant) flow.
* ``stale``     part of a run of at least ``stale_run`` identical share counts:
                the series may not have been updated. The change that ends such
                a run (``after_stale``) may lump several days and is excluded too.
* ``spike``     a change undone by the next observation (the count jumps by at
                least ``spike_share`` of itself and comes back exactly): a one-day
                data error such as IWM on 2001-09-21 (38.2M shares to 76.4M and
                back); both changes are left out.
* ``no_price``  neither NAV nor a closing price on that date.

Month-end series (every observation of the fund on a month end, such as iShares'
month-end history of IVV or N-PORT report dates) give **month-over-month** flows:
a change between consecutive month ends is the month's flow (``period="M"``,
valued at the month-end NAV); only a change across a missing month is a ``gap``.

One source per fund: if a fund's history comes from several sources, the one
with the most rows is used (or ``prefer=``), never a mix. Sources are compared
by :func:`source_family` (dates in file names removed), so the daily files of
one issuer feed are one source.

Monthly flows from SEC Form N-PORT (sales + reinvestments - redemptions) come in
as a long frame with a ``flow`` column and are aggregated with the same
functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capsize.errors import InputError
from capsize.rules.flow_funds import FLOW_EXTRAS, segment_funds

__all__ = [
    "DEFAULT_SEGMENTS",
    "FLAGS",
    "FLOW_EXTRAS",
    "FlowRecords",
    "daily_flows",
    "flow_records",
    "fund_status",
    "resolve_segments",
    "segment_flows",
    "source_family",
    "ytd_flows",
]

DEFAULT_SEGMENTS: dict[str, tuple[str, ...]] = segment_funds()
"""Funds per size segment by default (:func:`capsize.rules.flow_funds.segment_funds`): the
ETF proxies of :mod:`capsize.segments` plus :data:`FLOW_EXTRAS` (indices such as ``^RUT``
have no flows)."""

FLAGS: dict[str, str] = {
    "": "used",
    "first": "first observation of the fund (no previous value)",
    "gap": "previous observation too far back: change not attributed to one day",
    "stale": "inside a run of identical share counts (possibly not updated)",
    "after_stale": "change ending a stale run (may lump several days)",
    "spike": "change undone exactly by the next observation (a one-day data error)",
    "no_price": "no NAV and no closing price on that date",
}
"""Row flags of :func:`daily_flows` and what they mean."""

_SHARES_COLUMNS = ("date", "fund", "shares_outstanding", "nav", "source")


def resolve_segments(config: Mapping[str, object] | None = None) -> dict[str, tuple[str, ...]]:
    """Return the funds of each size segment, with ``config`` applied.

    The one rule of :func:`capsize.rules.flow_funds.segment_funds` (kept here for callers
    of the analytics).

    Parameters
    ----------
    config : Mapping, optional
        The ``[segments]`` table of ``config.toml``: ``{segment: {proxies = [...], ...}}``
        (the ETFs, indices dropped, plus the segment's :data:`FLOW_EXTRAS`) or
        ``{segment: [fund, ...]}`` (the funds exactly).

    Returns
    -------
    dict
        Segment name -> tuple of upper-case fund tickers.

    Examples
    --------
    >>> resolve_segments({"small": ["iwm", "ijr"]})["small"]
    ('IWM', 'IJR')
    >>> resolve_segments({"micro": {"proxies": ["IWC", "FDM"]}})["micro"]
    ('IWC', 'FDM')
    """
    return segment_funds(config)


def _check_shares(shares: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(shares, pd.DataFrame):
        raise InputError("shares must be a DataFrame with columns " + ", ".join(_SHARES_COLUMNS))
    missing = [c for c in ("date", "fund", "shares_outstanding") if c not in shares.columns]
    if missing:
        raise InputError(f"shares is missing columns {missing}; expected {list(_SHARES_COLUMNS)}")
    out = shares.copy()
    out["date"] = pd.to_datetime(out["date"]).dt.normalize()
    out["fund"] = out["fund"].astype(str).str.upper()
    out["shares_outstanding"] = pd.to_numeric(out["shares_outstanding"], errors="coerce")
    out["nav"] = pd.to_numeric(out["nav"], errors="coerce") if "nav" in out else np.nan
    out["source"] = out["source"].astype(str) if "source" in out else "unknown"
    out["family"] = out["source"].map(source_family)
    out = out.dropna(subset=["shares_outstanding"])
    if (out["shares_outstanding"] < 0).any():
        raise InputError("shares has negative shares_outstanding; check the source file")
    return out


_DATE_IN_NAME = re.compile(r"\d{4}-?\d{2}-?\d{2}")


def source_family(source: str) -> str:
    """Return the source with ISO dates replaced by ``<date>``.

    The daily files of one issuer feed (``holdings/IWM_holdings_2025-05-13.csv``,
    ``..._2025-11-05.csv``) are one source, not one source per file.

    Examples
    --------
    >>> source_family("holdings/IWM_holdings_2025-05-13.csv")
    'holdings/IWM_holdings_<date>.csv'
    """
    return _DATE_IN_NAME.sub("<date>", str(source))


def _pick_source(counts: dict[str, int], prefer: Sequence[str]) -> tuple[str, list[str]]:
    sources = sorted(counts, key=lambda s: (-counts[s], s))
    for p in prefer:
        if source_family(p) in counts:
            chosen = source_family(p)
            break
    else:
        chosen = sources[0]
    return chosen, [s for s in sources if s != chosen]


def _check_prices(prices: pd.DataFrame | None) -> pd.DataFrame | None:
    if prices is None:
        return None
    if not isinstance(prices, pd.DataFrame) or not isinstance(prices.index, pd.DatetimeIndex):
        raise InputError("prices must be a DataFrame indexed by date with one column per fund")
    px = prices.copy()
    px.columns = [str(c).upper() for c in px.columns]
    return px


def _one_source_per_fund(
    data: pd.DataFrame, prefer: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Keep one source family per fund (the most rows, or ``prefer``); rows sorted, deduplicated."""
    fam_counts: dict[str, dict[str, int]] = {}
    sizes = data.groupby(["fund", "family"], sort=True).size()
    for fund_name, family, n in zip(
        sizes.index.get_level_values(0), sizes.index.get_level_values(1), sizes, strict=True
    ):
        fam_counts.setdefault(str(fund_name), {})[str(family)] = int(n)
    chosen: dict[str, str] = {}
    dropped: dict[str, list[str]] = {}
    for fund, fc in fam_counts.items():
        chosen[fund], others = _pick_source(fc, prefer)
        if others:
            dropped[fund] = others
    keep = data["family"].to_numpy() == data["fund"].map(chosen).to_numpy()
    f = data[keep].sort_values(["fund", "date"], kind="stable")
    return f.drop_duplicates(["fund", "date"], keep="last").reset_index(drop=True), dropped


def _month_end_funds(f: pd.DataFrame) -> set[str]:
    """Funds with at least two observations, every one of them on a calendar month end."""
    dates = pd.DatetimeIndex(f["date"])
    on_end = dates.is_month_end | (dates == dates + pd.offsets.BMonthEnd(0))
    by_fund = pd.DataFrame({"fund": f["fund"].to_numpy(), "end": on_end}).groupby("fund")["end"]
    ok = by_fund.all() & (by_fund.size() >= 2)
    return {str(k) for k, v in ok.items() if v}


def _stale_flags(so: np.ndarray, first: np.ndarray, stale_run: int) -> np.ndarray:
    """``stale`` inside runs of identical counts, ``after_stale`` on the change ending one."""
    flag = np.full(len(so), "", dtype=object)
    if not len(so):
        return flag
    change = first | np.r_[True, np.diff(so) != 0]
    run_id = np.cumsum(change)
    stale = np.bincount(run_id)[run_id] >= stale_run
    flag[stale] = "stale"
    flag[np.r_[False, stale[:-1]] & ~stale & ~first] = "after_stale"
    return flag


def _spikes(so: np.ndarray, d_shares: np.ndarray, spike_share: float) -> np.ndarray:
    """Rows of a change and of its exact reversal when the change is large (see ``spike``)."""
    out = np.zeros(len(so), dtype=bool)
    if len(so) < 2:
        return out
    d = np.nan_to_num(d_shares, nan=0.0)
    prev = so - d
    big = (d != 0) & (np.abs(d) >= spike_share * np.maximum(prev, 1.0))
    undone = np.r_[(d[1:] == -d[:-1]) & ~np.isnan(d_shares[1:]), False]
    hit = big & undone
    out[hit] = True
    out[np.r_[False, hit[:-1]]] = True
    return out


def _gaps(
    f: pd.DataFrame, first: np.ndarray, monthly: set[str], max_gap_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Calendar days since the previous observation, and where the change spans a gap."""
    dates = pd.DatetimeIndex(f["date"])
    day_num = dates.to_numpy().astype("datetime64[D]").astype("int64")
    days = np.r_[np.nan, np.diff(day_num).astype(float)] if len(f) else np.array([], dtype=float)
    days[first] = np.nan
    month_num = (dates.year * 12 + dates.month).to_numpy()
    months = np.r_[0, np.diff(month_num)] if len(f) else np.array([], dtype=int)
    is_month = f["fund"].isin(sorted(monthly)).to_numpy()
    gap = np.where(is_month, months != 1, days > max_gap_days)
    return days, gap & ~first


def _row_prices(f: pd.DataFrame, px: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """NAV per row, the raw close where NAV is missing; and which one was used."""
    price = f["nav"].to_numpy(dtype=float).copy()
    kind = np.where(np.isnan(price), "none", "nav").astype(object)
    if px is None or not len(f):
        return price, kind
    long = px.reset_index(names="date").melt(id_vars="date", var_name="fund", value_name="p")
    long["date"] = pd.to_datetime(long["date"]).dt.normalize()
    long = long.dropna(subset=["p"]).drop_duplicates(["date", "fund"], keep="last")
    looked = f[["date", "fund"]].merge(long, on=["date", "fund"], how="left")
    close = looked["p"].to_numpy(dtype=float)
    use = np.isnan(price) & ~np.isnan(close)
    price[use] = close[use]
    kind[use] = "close"
    return price, kind


def daily_flows(
    shares: pd.DataFrame,
    prices: pd.DataFrame | None = None,
    *,
    max_gap_days: int = 5,
    stale_run: int = 10,
    spike_share: float = 0.25,
    month_end: bool = True,
    prefer: Sequence[str] = (),
) -> pd.DataFrame:
    """Estimate creations/redemptions from shares outstanding, per observation.

    Parameters
    ----------
    shares : DataFrame
        Long frame with columns ``date, fund, shares_outstanding, nav, source``
        (``Store.fund_shares()``); ``nav`` (USD per share) may be NaN.
    prices : DataFrame of shape (n_days, n_funds), USD, optional
        Raw (split-adjusted, not dividend-adjusted) closing prices, one column
        per fund; used where NAV is missing.
    max_gap_days : int
        Largest calendar-day distance to the previous observation for which
        the change is taken as one day's flow (5 covers a weekend plus a holiday).
    stale_run : int
        Runs of at least this many identical consecutive share counts are
        flagged ``stale``.
    spike_share : float
        A change of at least this fraction of the previous count, undone exactly
        by the next observation, is flagged ``spike`` (both changes).
    month_end : bool
        Treat a fund whose observations are all month ends as a month-end series:
        consecutive month ends give month-over-month flows (``period="M"``).
        False: every fund is daily (month-end changes are gaps).
    prefer : sequence of str
        Sources (or source families) to prefer, in order, when a fund has several.

    Returns
    -------
    DataFrame
        One row per fund and date: ``date, fund, shares_outstanding, d_shares``
        (change since the previous observation, shares), ``days`` (calendar
        days since it), ``period`` (``D`` daily or ``M`` month over month),
        ``price`` (USD), ``price_kind`` (``nav``, ``close`` or ``none``),
        ``flow`` (USD, NaN unless ``flag == ""``), ``flag`` (see :data:`FLAGS`),
        ``source`` (the row's own source). ``attrs["dropped_sources"]`` maps funds
        to the source families not used.

    Notes
    -----
    NaN policy: rows without a share count are dropped on entry; a flow is
    NaN whenever the row is flagged, so ``flow.sum()`` only adds usable rows.
    Duplicate dates of one source keep the last row.
    """
    _check_flow_params(max_gap_days, stale_run, spike_share)
    data = _check_shares(shares)
    px = _check_prices(prices)
    f, dropped = _one_source_per_fund(data, prefer)
    monthly = _month_end_funds(f) if month_end else set()
    out = _flow_rows(f, px, monthly, max_gap_days, stale_run, spike_share)
    out.attrs.update(
        dropped_sources=dropped,
        formula=(
            "flow_t = (shares_outstanding_t - shares_outstanding_prev) * NAV_t"
            " (raw close where NAV is missing)"
        ),
        max_gap_days=max_gap_days,
        stale_run=stale_run,
        spike_share=spike_share,
        month_end_funds=sorted(monthly),
    )
    return out


def _check_flow_params(max_gap_days: int, stale_run: int, spike_share: float) -> None:
    """Validate the flagging parameters of :func:`daily_flows`."""
    if max_gap_days < 1:
        raise InputError(f"max_gap_days={max_gap_days} must be >= 1")
    if stale_run < 2:
        raise InputError(f"stale_run={stale_run} must be >= 2")
    if spike_share <= 0:
        raise InputError(f"spike_share={spike_share} must be > 0 (a fraction of the count)")


def _flow_rows(
    f: pd.DataFrame,
    px: pd.DataFrame | None,
    monthly: set[str],
    max_gap_days: int,
    stale_run: int,
    spike_share: float,
) -> pd.DataFrame:
    """Return the change, flag, price and flow of each row (one source per fund, sorted).

    The flags are set in order of precedence (a later one overwrites): ``stale`` /
    ``after_stale``, ``spike``, ``gap`` (only on rows not flagged yet), ``first``, then
    ``no_price`` (only on rows not flagged yet).
    """
    funds = f["fund"].to_numpy()
    so = f["shares_outstanding"].to_numpy(dtype=float)
    first = np.ones(len(f), dtype=bool)
    first[1:] = funds[1:] != funds[:-1]
    d_shares = np.r_[np.nan, np.diff(so)] if len(f) else np.array([], dtype=float)
    d_shares[first] = np.nan
    days, gap = _gaps(f, first, monthly, max_gap_days)
    flag = _stale_flags(so, first, stale_run)
    flag[_spikes(so, d_shares, spike_share)] = "spike"
    flag[gap & (flag == "")] = "gap"
    flag[first] = "first"
    price, kind = _row_prices(f, px)
    flag[(kind == "none") & (flag == "")] = "no_price"
    return pd.DataFrame(
        {
            "date": f["date"].to_numpy(),
            "fund": funds.astype(str) if len(f) else np.array([], dtype=object),
            "shares_outstanding": so,
            "d_shares": d_shares,
            "days": days,
            "period": np.where(f["fund"].isin(sorted(monthly)), "M", "D"),
            "price": price,
            "price_kind": kind,
            "flow": np.where(flag == "", d_shares * price, np.nan),
            "flag": flag,
            "source": f["source"].to_numpy(),
        }
    )


def fund_status(flows: pd.DataFrame, funds: Sequence[str]) -> pd.DataFrame:
    """Say, per fund, what history is held.

    Parameters
    ----------
    flows : DataFrame
        Output of :func:`daily_flows` (or any long frame with ``date, fund,
        flow``).
    funds : sequence of str
        The funds asked about.

    Returns
    -------
    DataFrame
        Index ``fund``; columns ``status`` (``"ok"``, ``"no data"`` when the
        fund has no shares history at all, ``"no usable rows"`` when every
        row is flagged), ``rows``, ``usable``, ``first``, ``last``, ``source``.
    """
    rows = []
    for fund in [str(f).upper() for f in funds]:
        sub = flows[flows["fund"] == fund]
        if sub.empty:
            rows.append({"fund": fund, "status": "no data", "rows": 0, "usable": 0})
            continue
        usable = int(sub["flow"].notna().sum())
        rows.append(
            {
                "fund": fund,
                "status": "ok" if usable else "no usable rows",
                "rows": len(sub),
                "usable": usable,
                "first": pd.Timestamp(sub["date"].min()),
                "last": pd.Timestamp(sub["date"].max()),
                "source": ", ".join(sorted(sub["source"].astype(str).unique()))
                if "source" in sub
                else "",
            }
        )
    out = pd.DataFrame(rows).set_index("fund")
    for c in ("first", "last"):
        if c not in out:
            out[c] = pd.NaT
    out["source"] = out["source"].fillna("") if "source" in out else ""
    return out[["status", "rows", "usable", "first", "last", "source"]]


def segment_flows(
    flows: pd.DataFrame,
    segments: Mapping[str, Sequence[str]],
    *,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Sum usable flows by size segment over a window.

    Parameters
    ----------
    flows : DataFrame
        Long frame with ``date, fund, flow`` (USD; NaN = not usable), e.g.
        from :func:`daily_flows` or the N-PORT provider; ``shares_outstanding``
        and ``price`` are used for assets when present.
    segments : Mapping
        Segment -> funds (see :func:`resolve_segments`).
    start, end : date-like, optional
        Inclusive window.

    Returns
    -------
    DataFrame
        Index ``segment``; columns ``flow`` (USD sum of usable rows; NaN when
        no fund of the segment has a usable row), ``usable_rows``,
        ``excluded_rows``, ``funds_with_data``, ``funds_no_data`` (comma list),
        ``assets_start`` (USD, shares x price of each fund's first row in the
        window, or its ``net_assets`` for N-PORT rows, summed over funds that
        have it), ``flow_pct_assets`` (fraction),
        ``first``, ``last``.
    """
    if not {"date", "fund", "flow"} <= set(flows.columns):
        raise InputError("flows must have columns date, fund, flow")
    f = flows.copy()
    f["date"] = pd.to_datetime(f["date"])
    if start is not None:
        f = f[f["date"] >= pd.Timestamp(start)]
    if end is not None:
        f = f[f["date"] <= pd.Timestamp(end)]
    rows = []
    for seg, funds in segments.items():
        members = [str(x).upper() for x in funds]
        sub = f[f["fund"].isin(members)]
        have = sorted(sub["fund"].unique())
        usable = sub["flow"].notna()
        assets = float("nan")
        if not sub.empty:
            firsts = sub.sort_values("date").groupby("fund").first()
            if {"shares_outstanding", "price"} <= set(sub.columns):
                val = (firsts["shares_outstanding"] * firsts["price"]).dropna()
            elif "net_assets" in sub.columns:
                val = firsts["net_assets"].dropna()
            else:
                val = pd.Series(dtype=float)
            assets = float(val.sum()) if len(val) else float("nan")
        total = float(sub.loc[usable, "flow"].sum()) if usable.any() else float("nan")
        rows.append(
            {
                "segment": seg,
                "flow": total,
                "usable_rows": int(usable.sum()),
                "excluded_rows": int((~usable).sum()),
                "funds_with_data": ", ".join(have),
                "funds_no_data": ", ".join(m for m in members if m not in have),
                "assets_start": assets,
                "flow_pct_assets": total / assets if assets and np.isfinite(assets) else np.nan,
                "first": sub["date"].min() if not sub.empty else pd.NaT,
                "last": sub["date"].max() if not sub.empty else pd.NaT,
            }
        )
    return pd.DataFrame(rows).set_index("segment")


def ytd_flows(
    flows: pd.DataFrame, segments: Mapping[str, Sequence[str]], year: int
) -> pd.DataFrame:
    """Cumulative year-to-date usable flows per segment.

    Parameters
    ----------
    flows : DataFrame
        Long frame with ``date, fund, flow``.
    segments : Mapping
        Segment -> funds.
    year : int
        Calendar year.

    Returns
    -------
    DataFrame
        Index: dates in ``year`` with at least one row; one column per segment,
        the running sum of usable flows (USD), NaN before a segment's first
        usable row.
    """
    f = flows.copy()
    f["date"] = pd.to_datetime(f["date"])
    f = f[f["date"].dt.year == int(year)]
    out = {}
    for seg, funds in segments.items():
        sub = f[f["fund"].isin([str(x).upper() for x in funds]) & f["flow"].notna()]
        daily = sub.groupby("date")["flow"].sum()
        out[seg] = daily.cumsum()
    frame = pd.DataFrame(out).sort_index()
    frame = frame.ffill()
    frame.index.name = "date"
    frame.attrs["year"] = int(year)
    return frame


@dataclass(frozen=True)
class FlowRecords:
    """Largest inflow and outflow in the history held.

    Attributes
    ----------
    table : DataFrame
        Index ``key`` (fund or segment); columns ``max_inflow``,
        ``max_inflow_date``, ``max_outflow``, ``max_outflow_date``,
        ``latest``, ``latest_date``, ``latest_is_record`` (``"inflow"``,
        ``"outflow"`` or ``""``), ``periods``, ``history_years``.
    period : str
        ``D``, ``W`` or ``M``: what one flow sums.
    statement : str
        What "record" means here, with the years of history stated.
    """

    table: pd.DataFrame
    period: str
    statement: str


def flow_records(
    flows: pd.DataFrame,
    *,
    segments: Mapping[str, Sequence[str]] | None = None,
    period: str = "D",
) -> FlowRecords:
    """Find record inflows/outflows against the history actually held.

    Parameters
    ----------
    flows : DataFrame
        Long frame with ``date, fund, flow`` (NaN rows are ignored).
    segments : Mapping, optional
        When given, records are per segment (funds summed); else per fund.
    period : {"D", "W", "M"}
        Sum flows per day, week or month before ranking.

    Returns
    -------
    FlowRecords

    Notes
    -----
    "Record" means the largest in the ``history_years`` years spanned by the
    usable rows of that key, never "all-time": the statement says so. A week or
    month is dated by its calendar end, except a last one the data end inside:
    it is dated by its last flow (never after the data). With no
    negative period there is no record outflow (NaN), and vice versa.
    """
    if period not in ("D", "W", "M"):
        raise InputError(f"period={period!r} is not one of 'D', 'W', 'M'")
    f = flows[flows["flow"].notna()].copy()
    f["date"] = pd.to_datetime(f["date"])
    groups: dict[str, pd.DataFrame] = {}
    if segments is None:
        for fund, sub in f.groupby("fund"):
            groups[str(fund)] = sub
    else:
        for seg, funds in segments.items():
            groups[seg] = f[f["fund"].isin([str(x).upper() for x in funds])]
    rows = []
    for key, sub in groups.items():
        s = sub.groupby("date")["flow"].sum().sort_index()
        if period != "D" and not s.empty:
            last = s.index[-1]
            s = s.resample({"W": "W-FRI", "M": "ME"}[period]).sum(min_count=1).dropna()
            # a period the data end inside is dated by its last flow, never after the data
            s.index = s.index.where(s.index <= last, last)
        if s.empty:
            rows.append({"key": key, "periods": 0, "history_years": 0.0})
            continue
        years = (s.index[-1] - sub["date"].min()).days / 365.25
        imax, imin = s.idxmax(), s.idxmin()
        latest_is = ""
        if s.index[-1] == imax and s.iloc[-1] > 0:
            latest_is = "inflow"
        elif s.index[-1] == imin and s.iloc[-1] < 0:
            latest_is = "outflow"
        has_in, has_out = bool(s.max() > 0), bool(s.min() < 0)
        rows.append(
            {
                "key": key,
                "max_inflow": float(s.max()) if has_in else float("nan"),
                "max_inflow_date": imax if has_in else pd.NaT,
                "max_outflow": float(s.min()) if has_out else float("nan"),
                "max_outflow_date": imin if has_out else pd.NaT,
                "latest": float(s.iloc[-1]),
                "latest_date": s.index[-1],
                "latest_is_record": latest_is,
                "periods": len(s),
                "history_years": float(years),
            }
        )
    table = pd.DataFrame(rows).set_index("key") if rows else pd.DataFrame()
    span = ", ".join(
        f"{k}: {r['history_years']:.1f} years ({int(r['periods'])} periods)"
        for k, r in table.iterrows()
    )
    statement = "record = largest in the history held, not all-time; history held per key: " + (
        span or "none"
    )
    return FlowRecords(table=table, period=period, statement=statement)
