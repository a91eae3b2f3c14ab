"""Data-quality checks for price bars and value series.

The importer calls :func:`check_bars` and :func:`check_series` on LONG frames
holding many symbols (``key``) at once. Every check is vectorized over the whole
frame (numpy on sorted arrays; no Python loop over keys), so the whole
small-cap universe (~5 million rows) is checked in seconds.

Nothing is dropped silently: every input row ends up either in ``clean``
(accepted, possibly with a warning finding) or in ``rejected`` (with a
``reason``), so ``len(clean) + len(rejected) == len(input)``. Findings are a
frame with :data:`FINDING_COLUMNS`; ``severity`` is ``"error"`` (a row was
refused), ``"warning"`` (a row was kept but looks wrong) or ``"info"``.

Checks on bars
--------------
=====================  ========  ===================================================
check                  severity  rule
=====================  ========  ===================================================
missing_key            error     key missing or empty: row rejected
missing_date           error     date missing or unparseable: row rejected
unparseable_value      error     a price/volume cell is not a number: row rejected
missing_close          error     close missing (NaN): row rejected
non_finite_value       error     a price/volume is +/-inf: row rejected
non_positive_price     error     open/high/low/close <= 0: row rejected
negative_volume        error     volume < 0: row rejected
duplicate_date         error     same key and date, different values: the last
                                 occurrence in file order is kept, others rejected
duplicate_date         warning   same key and date, identical values: one kept
unsorted               info      rows of a key not in ascending date order (sorted)
high_below_low         warning   high < low (row kept)
close_outside_range    warning   close outside [low, high] (row kept)
open_outside_range     warning   open outside [low, high] (row kept)
stale_close            warning   ``stale_run`` or more consecutive identical closes
zero_volume_run        warning   ``stale_run`` or more consecutive zero volumes
split_jump             warning   close-to-close ratio within ``split_tolerance`` of a
                                 split ratio (k or 1/k for k in ``split_ratios``)
large_move             info      abs(close ratio - 1) > ``large_move``, not near a split
calendar_gap           info/     exchange sessions missing between a key's first and
                       warning   last date (one finding per key)
non_session_date       warning   a row dated on a weekend or exchange holiday
calendar_not_checked   info      rows outside the range the calendar models
=====================  ========  ===================================================

:func:`check_series` applies the key/date/number rules and duplicates as above, plus
``missing_value`` (info: a NaN value, row rejected), ``stale_value`` (warning) and,
when given a calendar, the calendar checks.

Examples
--------
>>> import pandas as pd
>>> bars = pd.DataFrame({"key": ["IWM", "IWM", "IWM"],
...     "date": pd.to_datetime(["2024-03-11", "2024-03-08", "2024-03-11"]),
...     "close": [12.40, 1.24, 12.10]})
>>> res = check_bars(bars, basis="raw", calendar=None)
>>> res.clean[["date", "close"]]
        date  close
0 2024-03-08   1.24
1 2024-03-11  12.10
>>> res.findings["check"].tolist()
['unsorted', 'duplicate_date', 'split_jump']
"""

from __future__ import annotations

from capsize.data.quality._calendar import calendar_start
from capsize.data.quality._checks import check_bars, check_series, summarize
from capsize.data.quality._findings import (
    BASES,
    DEFAULT_SPLIT_RATIOS,
    FINDING_COLUMNS,
    SEVERITIES,
    BarsCheck,
    CheckResult,
    SeriesCheck,
)

__all__ = [
    "BASES",
    "DEFAULT_SPLIT_RATIOS",
    "FINDING_COLUMNS",
    "SEVERITIES",
    "BarsCheck",
    "CheckResult",
    "SeriesCheck",
    "calendar_start",
    "check_bars",
    "check_series",
    "summarize",
]
