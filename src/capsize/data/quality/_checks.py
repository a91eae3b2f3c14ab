"""Public quality checks: :func:`check_bars`, :func:`check_series` and :func:`summarize`.

Re-exported by :mod:`capsize.data.quality` (see its docstring for the list of checks).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from capsize._format import fmt_num
from capsize.data.quality._bars import (
    PRICE_COLS,
    jump_checks,
    ohlc_checks,
    stale_checks,
    zero_volume_checks,
)
from capsize.data.quality._calendar import calendar_checks, calendar_sessions
from capsize.data.quality._core import (
    Accepted,
    Parsed,
    Rule,
    base_rules,
    const_reason,
    parse_frame,
    run_core,
    split_frames,
    validate_frame,
    valued_reason,
)
from capsize.data.quality._findings import (
    BASES,
    DEFAULT_SPLIT_RATIOS,
    FINDING_COLUMNS,
    SEVERITIES,
    BarsCheck,
    SeriesCheck,
    finalize_findings,
    fmt_px,
)
from capsize.errors import InputError, SchemaError

__all__ = ["check_bars", "check_series", "summarize"]

AcceptedCheck = Callable[[Accepted], list[pd.DataFrame]]
"""A check on the accepted rows (sorted by key and date): one findings frame per finding."""


def _check_params(stale_run: int | None, max_per_check: int | None, calendar: str | None) -> None:
    if stale_run is not None and (
        isinstance(stale_run, bool) or not isinstance(stale_run, int) or stale_run < 2
    ):
        raise InputError(
            f"stale_run={stale_run!r} must be an integer >= 2 (rows in a run), or None to skip"
        )
    if max_per_check is not None and (not isinstance(max_per_check, int) or max_per_check < 1):
        raise InputError(f"max_per_check={max_per_check!r} must be a positive integer or None")
    if calendar is not None and not isinstance(calendar, str):
        raise InputError(f"calendar={calendar!r} must be an exchange_calendars name or None")
    if calendar is not None:
        calendar_sessions(calendar)  # fail early on a bad name


def check_bars(
    bars: pd.DataFrame,
    *,
    basis: Literal["adjusted", "raw", "level"] | str,
    calendar: str | None = "XNYS",
    stale_run: int | None = 5,
    split_ratios: Sequence[float] = DEFAULT_SPLIT_RATIOS,
    split_tolerance: float = 0.03,
    large_move: float = 0.5,
    gap_info_max: int = 5,
    max_per_check: int | None = 25,
) -> BarsCheck:
    """Check daily OHLCV bars of many symbols at once; reject or flag bad rows.

    Parameters
    ----------
    bars : DataFrame of shape (n_rows, >= 3)
        Long frame, rows in file order: ``key`` (symbol), ``date`` (tz-naive
        datetime64, or ISO strings), ``close`` and optionally ``open``, ``high``,
        ``low`` (prices, > 0) and ``volume`` (shares, >= 0); float, NaN = unknown.
        Other columns are carried along (and compared when spotting duplicates).
    basis : {"adjusted", "raw", "level"}
        What the prices are: split+dividend adjusted, unadjusted (raw) or an
        index/crypto level. Only changes how a split-sized jump is explained.
    calendar : str or None
        exchange_calendars name for the session checks (``"XNYS"``); None skips
        them (crypto trades every day).
    stale_run : int or None
        Minimum number of consecutive rows with an identical close (or zero
        volume) reported as stale; None skips both checks.
    split_ratios : sequence of float > 1
        Split factors k: a close ratio near 1/k is a k:1 split, near k a 1:k
        reverse split.
    split_tolerance : float
        Relative tolerance of the split match (0.03 = 3%).
    large_move : float
        Close-to-close moves with abs(ratio - 1) above it (0.5 = 50%) that are not
        split-like are reported as ``info``.
    gap_info_max : int
        A key missing at most this many sessions gets an ``info`` finding, more
        gets a ``warning``.
    max_per_check : int or None
        At most this many findings per key and check, then one summary finding
        ("... and N more"); None lists all.

    Returns
    -------
    BarsCheck
        ``clean`` (accepted rows sorted by key and date), ``rejected`` (with
        ``reason`` and ``row``) and ``findings``; ``len(clean) + len(rejected) ==
        len(bars)``.

    Raises
    ------
    SchemaError
        If ``key``, ``date`` or ``close`` is missing, or dates carry a timezone.
    InputError
        If a parameter is invalid or ``calendar`` is unknown.

    Notes
    -----
    Rejected (``error``): missing key or date, unparseable or infinite numbers,
    missing close, a price <= 0, volume < 0, and all but the last occurrence (in
    file order, among rows that passed the rules before) of a key and date whose
    rows conflict. Identical duplicates keep one row (``warning``).
    Kept with a ``warning``: high < low, open/close outside [low, high] (relative
    slack 1e-6), stale runs, split-sized jumps, non-session dates, many missing
    sessions. NaN in open/high/low/volume is allowed and skips the checks that
    need the value. Overnight ratios use consecutive accepted rows of a key.

    Examples
    --------
    >>> df = pd.DataFrame({"key": ["A", "A", "A"],
    ...     "date": pd.to_datetime(["2024-03-08", "2024-03-11", "2024-03-11"]),
    ...     "close": [1.24, 12.40, -1.0]})
    >>> res = check_bars(df, basis="raw")
    >>> len(res.clean), len(res.rejected)
    (2, 1)
    >>> d = res.findings.set_index("check").loc["split_jump", "detail"]
    >>> d.split("; ")  # doctest: +NORMALIZE_WHITESPACE
    ['close 12.40 on 2024-03-11 vs 1.24 on 2024-03-08: ×10.00, near a 1:10 reverse split',
     'possible unadjusted split']
    """
    frame = validate_frame(bars, "bars", ("key", "date", "close"))
    if basis not in BASES:
        raise InputError(f"basis={basis!r} must be one of {list(BASES)}")
    _check_params(stale_run, max_per_check, calendar)
    ratios = _split_params(split_ratios, split_tolerance, large_move)
    checks: list[AcceptedCheck] = [ohlc_checks]
    if stale_run is not None:
        checks += [_stale_check("close", stale_run), partial(zero_volume_checks, min_run=stale_run)]
    checks.append(
        partial(jump_checks, basis=basis, ratios=ratios, tol=split_tolerance, large=large_move)
    )
    checks += _calendar_check(calendar, gap_info_max)
    p = parse_frame(frame, "bars", ("open", "high", "low", "close", "volume"))
    rules = base_rules(p) + _bar_rules(p)
    return BarsCheck(*_run_checks(frame, p, rules, checks, "bars", max_per_check))


def _stale_check(col: str, min_run: int) -> AcceptedCheck:
    """Return the ``stale_<col>`` check: a warning per run of ``min_run`` identical values."""
    return partial(
        stale_checks, col=col, label=col, check=f"stale_{col}", min_run=min_run, severity="warning"
    )


def _calendar_check(calendar: str | None, gap_info_max: int) -> list[AcceptedCheck]:
    """Return the session checks of ``calendar`` (none when it is None)."""
    if calendar is None:
        return []
    return [partial(calendar_checks, name=calendar, gap_info_max=gap_info_max)]


def _run_checks(
    frame: pd.DataFrame,
    p: Parsed,
    rules: Sequence[Rule],
    checks: Sequence[AcceptedCheck],
    name: str,
    max_per_check: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Apply the row ``rules``, then each of ``checks`` to the accepted rows, in order.

    Returns the clean rows, the rejected rows and the findings (rules first, then the
    checks in the order given, at most ``max_per_check`` per key and check).
    """
    core = run_core(p, rules, name)
    findings = core.findings
    for check in checks:
        findings += check(core)
    clean, rejected = split_frames(frame, core)
    return clean, rejected, finalize_findings(findings, max_per_check)


def _split_params(
    split_ratios: Sequence[float], split_tolerance: float, large_move: float
) -> tuple[float, ...]:
    """Validate the jump parameters of :func:`check_bars`; return the split ratios as floats."""
    ratios = tuple(float(k) for k in split_ratios)
    if any(not math.isfinite(k) or k <= 1 for k in ratios):
        raise InputError(f"split_ratios={split_ratios!r} must all be finite numbers > 1")
    if not 0 < split_tolerance < 0.25:
        raise InputError(f"split_tolerance={split_tolerance!r} must be in (0, 0.25)")
    if not large_move > 0:
        raise InputError(f"large_move={large_move!r} must be > 0 (a fraction, 0.5 = 50%)")
    return ratios


def _bar_rules(p: Parsed) -> list[Rule]:
    """Row rules of bars beyond the base rules: missing close, prices <= 0, volume < 0."""
    close = p.vals["close"]
    rules: list[Rule] = [
        (
            "missing_close",
            "error",
            np.isnan(close) & ~p.unparseable["close"],
            const_reason("close missing"),
        )
    ]
    with np.errstate(invalid="ignore"):
        for col in PRICE_COLS:
            if col in p.vals:
                x = p.vals[col]
                rules.append(
                    (
                        "non_positive_price",
                        "error",
                        x <= 0,
                        valued_reason(f"{col} {{}} <= 0", x, fmt_px),
                    )
                )
        if "volume" in p.vals:
            v = p.vals["volume"]
            rules.append(
                (
                    "negative_volume",
                    "error",
                    v < 0,
                    valued_reason("volume {} < 0", v, lambda y: fmt_num(y, 0)),
                )
            )
    return rules


def check_series(
    values: pd.DataFrame,
    *,
    calendar: str | None = None,
    stale_run: int | None = 10,
    gap_info_max: int = 5,
    max_per_check: int | None = 25,
) -> SeriesCheck:
    """Check value series (macro rates, factor returns) of many keys at once.

    Parameters
    ----------
    values : DataFrame of shape (n_rows, >= 3)
        Long frame ``key, date, value`` in file order (value: float, any sign,
        NaN = missing). Other columns are carried along.
    calendar : str or None
        exchange_calendars name for the session checks; None (default) skips
        them: FRED and Ken French series follow their own calendars.
    stale_run : int or None
        Minimum number of consecutive identical values reported as stale; None
        skips the check (e.g. for a risk-free rate quoted to 0.01%).
    gap_info_max : int
        See :func:`check_bars`.
    max_per_check : int or None
        See :func:`check_bars`.

    Returns
    -------
    SeriesCheck
        ``clean``, ``rejected`` and ``findings`` as for :func:`check_bars`.

    Raises
    ------
    SchemaError
        If ``key``, ``date`` or ``value`` is missing.
    InputError
        If a parameter is invalid.

    Notes
    -----
    Rejected: missing key or date (``error``), unparseable or infinite value
    (``error``), missing value (``info``: sources mark holidays that way),
    conflicting duplicates (``error``; the last occurrence is kept). Identical
    duplicates keep one row (``warning``). Runs of ``stale_run`` or more identical
    values get a ``warning`` (a rate held for months is legitimate; read the dates).

    Examples
    --------
    >>> df = pd.DataFrame({"key": "DGS2", "date": ["2024-01-02", "2024-01-03", "2024-01-03"],
    ...                    "value": [4.33, 4.38, 4.38]})
    >>> res = check_series(df)
    >>> len(res.clean), res.rejected["reason"].iloc[0]
    (2, 'duplicate of row 2 for 2024-01-03 (identical); one copy kept')
    """
    frame = validate_frame(values, "values", ("key", "date", "value"))
    _check_params(stale_run, max_per_check, calendar)
    p = parse_frame(frame, "values", ("value",))
    rules = base_rules(p)
    rules.append(
        (
            "missing_value",
            "info",
            np.isnan(p.vals["value"]) & ~p.unparseable["value"],
            const_reason("value missing"),
        )
    )
    checks = [_stale_check("value", stale_run)] if stale_run is not None else []
    checks += _calendar_check(calendar, gap_info_max)
    return SeriesCheck(*_run_checks(frame, p, rules, checks, "values", max_per_check))


def summarize(findings: pd.DataFrame) -> pd.DataFrame:
    """Count findings per key and severity.

    Parameters
    ----------
    findings : DataFrame
        A findings frame (columns :data:`FINDING_COLUMNS`), possibly concatenated
        from several checks.

    Returns
    -------
    DataFrame
        One row per key, sorted by key: ``key``, ``error``, ``warning``, ``info``,
        ``total`` (int64) and ``checks`` (the distinct check names, comma-separated).

    Examples
    --------
    >>> f = pd.DataFrame({"key": ["A", "A", "B"], "date": pd.NaT,
    ...     "check": ["split_jump", "large_move", "unsorted"],
    ...     "severity": ["warning", "info", "info"], "detail": ["", "", ""]})
    >>> summarize(f)
      key  error  warning  info  total                  checks
    0   A      0        1     1      2  large_move, split_jump
    1   B      0        0     1      1                unsorted
    """
    validate_frame(findings, "findings", FINDING_COLUMNS)
    bad = sorted(set(findings["severity"].dropna().unique()) - set(SEVERITIES))
    if bad:
        raise SchemaError(
            f"findings['severity'] has unknown value(s) {bad}; allowed: {list(SEVERITIES)}"
        )
    cols = ["key", *SEVERITIES, "total", "checks"]
    if findings.empty:
        out = pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
        out["key"] = out["key"].astype(object)
        out["checks"] = out["checks"].astype(object)
        return out
    ct = pd.crosstab(findings["key"], findings["severity"]).reindex(
        columns=list(SEVERITIES), fill_value=0
    )
    checks = findings.groupby("key")["check"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    out = ct.astype("int64")
    out["total"] = out.sum(axis=1).astype("int64")
    out["checks"] = checks.reindex(out.index).astype(object)
    out = out.sort_index().reset_index()
    out.columns.name = None
    out["key"] = out["key"].astype(object)
    return out[cols]
