"""Exchange-calendar sessions and the session checks (non-session dates, gaps).

Re-exported by :mod:`capsize.data.quality`.
"""

from __future__ import annotations

import functools
import warnings
from typing import Final

import numpy as np
import pandas as pd

from capsize.data.quality._core import Accepted
from capsize.data.quality._findings import NS_PER_DAY, BoolArray, IntArray, findings_frame, iso_days
from capsize.errors import InputError

__all__ = ["calendar_checks", "calendar_sessions", "calendar_start"]

_RELIABLE_START: Final[dict[str, str]] = {"XNYS": "1970-01-01"}
# exchange_calendars 4.13 models XNYS regular holidays only from 1970 on: checked against
# ^GSPC, 8-9 holidays a year (New Year, Good Friday, Thanksgiving, ...) are listed as
# sessions for 1960-1969 and none from 1970 to 2026.
_WEEKDAYS: Final[tuple[str, ...]] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@functools.lru_cache(maxsize=8)
def calendar_sessions(name: str) -> tuple[IntArray, int, int]:
    """Sessions of calendar ``name`` as days since 1970-01-01, with first and last day."""
    import exchange_calendars as xcals

    if name not in xcals.get_calendar_names(include_aliases=True):
        raise InputError(
            f"calendar={name!r} is not an exchange_calendars name; use e.g. 'XNYS', "
            "or calendar=None to skip the session checks"
        )
    start = _RELIABLE_START.get(name)
    with warnings.catch_warnings():
        # exchange_calendars 4.x trips pandas deprecation warnings; not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        cal = xcals.get_calendar(name, start=start) if start else xcals.get_calendar(name)
    days = cal.sessions.values.astype("datetime64[D]").astype(np.int64)
    days.setflags(write=False)
    return days, int(days[0]), int(days[-1])


def calendar_start(name: str = "XNYS") -> pd.Timestamp:
    """First session of exchange calendar ``name`` used by the session checks.

    Parameters
    ----------
    name : str
        exchange_calendars name.

    Returns
    -------
    Timestamp
        Rows dated before it are not checked against the calendar (a finding says so).

    Examples
    --------
    >>> calendar_start("XNYS")
    Timestamp('1970-01-02 00:00:00')
    """
    _, first, _ = calendar_sessions(name)
    return pd.Timestamp(np.datetime64(first, "D"))


def calendar_checks(core: Accepted, name: str, gap_info_max: int) -> list[pd.DataFrame]:
    """Session checks of accepted rows against exchange calendar ``name``.

    Rows outside the calendar's range get one ``calendar_not_checked`` finding per key;
    rows within it dated on a weekend or holiday are ``non_session_date`` warnings, and
    each key missing sessions between its first and last row gets one ``calendar_gap``
    finding (a warning past ``gap_info_max`` missing sessions).
    """
    sess, first, last = calendar_sessions(name)
    out = _outside_calendar(core, name, first, last)
    day, code = core.day, core.code
    in_range = (day >= first) & (day <= last)
    if in_range.all():
        inr, di, ci = np.arange(len(day), dtype=np.int64), day, code
    else:
        inr = np.flatnonzero(in_range)
        if not len(inr):
            return out
        di, ci = day[inr], code[inr]
    pos = np.searchsorted(sess, di)  # sessions before each date
    is_sess = sess[np.minimum(pos, len(sess) - 1)] == di
    out += _non_sessions(core, name, inr[~is_sess], di[~is_sess])
    out += _gaps(core, name, sess, ci, di, pos, is_sess, gap_info_max)
    return out


def _outside_calendar(core: Accepted, name: str, first: int, last: int) -> list[pd.DataFrame]:
    """One ``calendar_not_checked`` finding per key with rows before or after the calendar."""
    out: list[pd.DataFrame] = []
    first_s = str(np.datetime64(first, "D"))
    last_s = str(np.datetime64(last, "D"))
    for mask, text in (
        (
            core.day < first,
            f"dated before {first_s} not checked against {name}: exchange_calendars does "
            "not model its holidays before then",
        ),
        (
            core.day > last,
            f"dated after {last_s} not checked against {name}: beyond the calendar's last session",
        ),
    ):
        if mask.any():
            m_idx = np.flatnonzero(mask)
            ks, fi = np.unique(core.code[m_idx], return_index=True)
            cnt = np.bincount(core.code[m_idx], minlength=len(core.keys))
            det = [f"{n:,} row(s) {text}" for n in cnt[ks].tolist()]
            out.append(
                findings_frame(
                    core.keys[ks], core.ns[m_idx[fi]], "calendar_not_checked", "info", det
                )
            )
    return out


def _non_sessions(core: Accepted, name: str, rows: IntArray, days: IntArray) -> list[pd.DataFrame]:
    """``non_session_date`` warnings for accepted rows ``rows`` dated ``days`` (no session)."""
    if not len(rows):
        return []
    wd = ((days + 3) % 7).tolist()  # 1970-01-01 was a Thursday
    det = [
        f"dated {d} ({_WEEKDAYS[w]}{'' if w >= 5 else ', an exchange holiday'}), "
        f"not a session of {name}; row kept"
        for d, w in zip(iso_days(core.ns[rows]), wd, strict=True)
    ]
    return [findings_frame(core.key_at(rows), core.ns[rows], "non_session_date", "warning", det)]


def _gaps(
    core: Accepted,
    name: str,
    sess: IntArray,
    ci: IntArray,
    di: IntArray,
    pos: IntArray,
    is_sess: BoolArray,
    gap_info_max: int,
) -> list[pd.DataFrame]:
    """One ``calendar_gap`` finding per key missing sessions between consecutive rows.

    ``ci``, ``di``: key codes and days of the rows within the calendar; ``pos``: sessions
    before each day; ``is_sess``: whether each day is a session.
    """
    nk = len(core.keys)
    a_after = (pos + is_sess)[:-1]  # = searchsorted(sess, a, side="right")
    b_before = pos[1:]  # = searchsorted(sess, b, side="left")
    between = np.where(ci[1:] == ci[:-1], b_before - a_after, 0)
    gp = np.flatnonzero(between > 0)
    if not len(gp):
        return []
    kk = ci[1:][gp]
    miss = np.bincount(kk, weights=between[gp], minlength=nk).astype(np.int64)
    o = np.lexsort((-between[gp], kk))
    uk, fi = np.unique(kk[o], return_index=True)
    g = gp[o][fi]  # longest gap per key (earliest if tied)
    kfirst, klast = _key_spans(ci, di, nk)
    expected = np.searchsorted(sess, klast[uk], side="right") - np.searchsorted(
        sess, kfirst[uk], side="left"
    )
    gs = sess[a_after[g]]
    ge = sess[b_before[g] - 1]
    det = []
    sev = []
    for k, m, e, gl, s0, s1, x0, x1 in zip(
        uk.tolist(),
        miss[uk].tolist(),
        expected.tolist(),
        between[g].tolist(),
        iso_days(gs * NS_PER_DAY),
        iso_days(ge * NS_PER_DAY),
        iso_days(di[:-1][g] * NS_PER_DAY),
        iso_days(di[1:][g] * NS_PER_DAY),
        strict=True,
    ):
        f0 = str(np.datetime64(int(kfirst[k]), "D"))
        f1 = str(np.datetime64(int(klast[k]), "D"))
        span = f"{s0}" if gl == 1 else f"{s0}..{s1}"
        det.append(
            f"{m:,} of {e:,} {name} sessions missing between {f0} and {f1}; longest gap "
            f"{gl:,} session(s), {span} (no rows between {x0} and {x1})"
        )
        sev.append("info" if m <= gap_info_max else "warning")
    f = findings_frame(core.keys[uk], gs * NS_PER_DAY, "calendar_gap", "info", det)
    f["severity"] = np.asarray(sev, dtype=object)
    return [f]


def _key_spans(ci: IntArray, di: IntArray, nk: int) -> tuple[IntArray, IntArray]:
    """First and last day of each key code (-1 for a key without rows); rows sorted by key."""
    starts = np.r_[0, np.flatnonzero(ci[1:] != ci[:-1]) + 1]
    ends = np.r_[starts[1:] - 1, len(ci) - 1]
    kfirst = np.full(nk, -1, dtype=np.int64)
    klast = np.full(nk, -1, dtype=np.int64)
    kfirst[ci[starts]] = di[starts]
    klast[ci[ends]] = di[ends]
    return kfirst, klast
