"""Exchange-calendar sessions and the session checks (non-session dates, gaps).

Re-exported by :mod:`capsize.data.quality`.
"""

from __future__ import annotations

import functools
import warnings
from typing import Final

import numpy as np
import pandas as pd

from capsize.data._quality_core import _Core
from capsize.data._quality_findings import _NS_PER_DAY, IntArray, _dstr, _findings
from capsize.errors import InputError

__all__ = ["calendar_start"]

_RELIABLE_START: Final[dict[str, str]] = {"XNYS": "1970-01-01"}
# exchange_calendars 4.13 models XNYS regular holidays only from 1970 on: checked against
# ^GSPC, 8-9 holidays a year (New Year, Good Friday, Thanksgiving, ...) are listed as
# sessions for 1960-1969 and none from 1970 to 2026.
_WEEKDAYS: Final[tuple[str, ...]] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@functools.lru_cache(maxsize=8)
def _sessions(name: str) -> tuple[IntArray, int, int]:
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
    _, first, _ = _sessions(name)
    return pd.Timestamp(np.datetime64(first, "D"))


def _calendar_checks(core: _Core, name: str, gap_info_max: int) -> list[pd.DataFrame]:
    sess, first, last = _sessions(name)
    out: list[pd.DataFrame] = []
    day, code = core.day, core.code
    nk = len(core.keys)
    first_s = str(np.datetime64(first, "D"))
    last_s = str(np.datetime64(last, "D"))
    for mask, text in (
        (
            day < first,
            f"dated before {first_s} not checked against {name}: exchange_calendars does "
            "not model its holidays before then",
        ),
        (
            day > last,
            f"dated after {last_s} not checked against {name}: beyond the calendar's last session",
        ),
    ):
        if mask.any():
            m_idx = np.flatnonzero(mask)
            ks, fi = np.unique(code[m_idx], return_index=True)
            cnt = np.bincount(code[m_idx], minlength=nk)
            ns0 = core.ns[m_idx[fi]]
            det = [f"{n:,} row(s) {text}" for n in cnt[ks].tolist()]
            out.append(_findings(core.keys[ks], ns0, "calendar_not_checked", "info", det))
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
    ns_i = np.flatnonzero(~is_sess)
    if len(ns_i):
        wd = ((di[ns_i] + 3) % 7).tolist()
        det = [
            f"dated {d} ({_WEEKDAYS[w]}{'' if w >= 5 else ', an exchange holiday'}), "
            f"not a session of {name}; row kept"
            for d, w in zip(_dstr(core.ns[inr[ns_i]]), wd, strict=True)
        ]
        out.append(
            _findings(
                core.key_at(inr[ns_i]), core.ns[inr[ns_i]], "non_session_date", "warning", det
            )
        )
    same = ci[1:] == ci[:-1]
    a, b = di[:-1], di[1:]
    a_after = (pos + is_sess)[:-1]  # = searchsorted(sess, a, side="right")
    b_before = pos[1:]  # = searchsorted(sess, b, side="left")
    between = np.where(same, b_before - a_after, 0)
    gp = np.flatnonzero(between > 0)
    if not len(gp):
        return out
    kk = ci[1:][gp]
    miss = np.bincount(kk, weights=between[gp], minlength=nk).astype(np.int64)
    o = np.lexsort((-between[gp], kk))
    uk, fi = np.unique(kk[o], return_index=True)
    g = gp[o][fi]  # longest gap per key (earliest if tied)
    starts = np.r_[0, np.flatnonzero(ci[1:] != ci[:-1]) + 1]
    ends = np.r_[starts[1:] - 1, len(ci) - 1]
    kfirst = np.full(nk, -1, dtype=np.int64)
    klast = np.full(nk, -1, dtype=np.int64)
    kfirst[ci[starts]] = di[starts]
    klast[ci[ends]] = di[ends]
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
        _dstr(gs * _NS_PER_DAY),
        _dstr(ge * _NS_PER_DAY),
        _dstr(a[g] * _NS_PER_DAY),
        _dstr(b[g] * _NS_PER_DAY),
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
    f = _findings(core.keys[uk], gs * _NS_PER_DAY, "calendar_gap", "info", det)
    f["severity"] = np.asarray(sev, dtype=object)
    out.append(f)
    return out
