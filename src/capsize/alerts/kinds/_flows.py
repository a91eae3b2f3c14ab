"""Flow records: a size segment's largest weekly or monthly inflow or outflow in its history.

Flows are the daily net creations/redemptions of the segment's funds estimated from
their shares outstanding (:mod:`capsize.analytics.flows`: ``Δshares x NAV``; flagged
rows left out), summed per calendar week (ending Friday) or month. A period counts
once it is over: on its last calendar day when data is held that day, else on the
first day with data after it (so a live run and a replay agree). It fires when the
period's flow is a new record: above (below) every earlier complete period of the
segment and positive (negative), with at least ``min_periods`` earlier periods.
"Record" means the largest in the history held, not all-time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.alerts._kind import AlertInputs, Kind, Signal
from capsize.alerts._rule import Param
from capsize.alerts.kinds._common import make_signal, unavailable_signal
from capsize.errors import DataNotFound

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = ["FLOW_RECORD", "SEGMENTS", "period_flows", "period_records", "records"]

SEGMENTS = ("micro", "small", "mid", "large", "mega")
"""Size segments a flow rule can watch."""


def period_flows(daily: pd.Series, period: str) -> pd.Series | None:
    """Return each complete period's flow (USD), dated the day it becomes known.

    Parameters
    ----------
    daily : Series
        Usable daily flows, USD, dated (ascending; one value per date).
    period : {"W", "M"}
        Calendar week ending Friday, or month.

    Returns
    -------
    Series or None
        None when ``daily`` holds no value. Shared by both sides of a record
        (:func:`period_records`).
    """
    s = daily.dropna().sort_index()
    if s.empty:
        return None
    sums = s.resample("W-FRI" if period == "W" else "ME").sum(min_count=1)
    obs = pd.DatetimeIndex(s.index)
    pos = obs.searchsorted(pd.DatetimeIndex(sums.index), side="left")
    known = pos < len(obs)  # a period is complete once a day on or after its end is held
    sums, when = sums[known], obs[pos[known]]
    flow = pd.Series(sums.to_numpy(dtype=float), index=when)
    return flow[~flow.index.duplicated(keep="last")].dropna()


def records(
    flow: pd.Series | None, side: str, min_periods: int
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (fire, flow, previous record) from :func:`period_flows`' periods.

    Parameters
    ----------
    flow : Series or None
        Period flows, USD (None: no flow).
    side : {"inflow", "outflow"}
    min_periods : int
        Earlier complete periods needed before a record counts.
    """
    if flow is None:
        empty = pd.Series(dtype=float, index=pd.DatetimeIndex([], name="date"))
        return empty.astype(bool), empty, empty
    prev = (flow.cummax() if side == "inflow" else flow.cummin()).shift(1)
    count = pd.Series(np.arange(len(flow)), index=flow.index)
    beat = flow > prev if side == "inflow" else flow < prev
    signed = flow > 0 if side == "inflow" else flow < 0
    fire = beat & signed & (count >= min_periods)
    return fire.astype(bool), flow, prev


def period_records(
    daily: pd.Series, period: str, side: str, min_periods: int
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (fire, flow, previous record) on the days each complete period becomes known.

    Parameters
    ----------
    daily : Series
        Usable daily flows, USD, dated (ascending; one value per date).
    period : {"W", "M"}
        Calendar week ending Friday, or month.
    side : {"inflow", "outflow"}
    min_periods : int
        Earlier complete periods needed before a record counts.
    """
    return records(period_flows(daily, period), side, min_periods)


def _kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    seg = str(rule.param("segment"))
    try:
        daily = inputs.memo(("segment_flows", seg), lambda: inputs.segment_flows(seg))
    except DataNotFound as exc:
        return unavailable_signal({seg: str(exc).split(";")[0]})
    period, side = "W" if rule.param("period") == "week" else "M", str(rule.param("side"))
    least = int(rule.number("min_periods"))
    flows = inputs.memo(("flow_periods", seg, period), lambda: period_flows(daily, period))
    fire, flow, prev = inputs.memo(
        ("flow_records", seg, period, side, least), lambda: records(flows, side, least)
    )
    what = "week" if period == "W" else "month"
    return make_signal(
        pd.DatetimeIndex(flow.index, name="date"),
        [seg],
        fire.to_numpy().reshape(-1, 1),
        {
            "flow": (
                flow.to_numpy().reshape(-1, 1),
                f"{seg}-cap fund flow of the {what}",
                "usd",
                f"sum over the {what} of Δshares x NAV of the segment's funds",
            ),
            "record": (
                prev.to_numpy().reshape(-1, 1),
                f"previous record {side}",
                "usd",
                f"{'max' if side == 'inflow' else 'min'} of the earlier complete {what}s",
            ),
        },
        symbols={seg: (f"{seg}-cap funds",)},
        sources={seg: inputs.source("fund_shares", seg)},
    )


def _message(rule: Rule, subject: str, v: Mapping[str, Any]) -> str:
    what = "weekly" if rule.param("period") == "week" else "monthly"
    return (
        f"record {what} {rule.param('side')} from {subject}-cap funds: "
        f"{v.get('flow', np.nan) / 1e9:+,.2f}B USD (previous record {v.get('record', np.nan) / 1e9:+,.2f}B)"
    )


FLOW_RECORD = Kind(
    name="flow_record",
    summary="a segment's largest weekly or monthly inflow (outflow) in the history held",
    subjects="segment",
    params=(
        Param("segment", "choice", "small", choices=SEGMENTS, help="size segment, e.g. small"),
        Param("period", "choice", "week", choices=("week", "month"), help="week or month"),
        Param("side", "choice", "outflow", choices=("inflow", "outflow"), help="inflow or outflow"),
        Param("min_periods", "int", 26, 1, 5000, help="earlier periods needed, e.g. 26"),
    ),
    kernel=_kernel,
    message=_message,
    link="/flows?as_of={day}",
    default_cooldown=0,
)
