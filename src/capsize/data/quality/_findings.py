"""Findings frames and check results shared by the quality checks.

Holds the constants (:data:`FINDING_COLUMNS`, :data:`SEVERITIES`, ...), the result
classes (:class:`CheckResult` and its subclasses) and the helpers that build,
order and cap findings frames. Re-exported by :mod:`capsize.data.quality`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from capsize._format import fmt_num

__all__ = [
    "BASES",
    "DEFAULT_SPLIT_RATIOS",
    "FINDING_COLUMNS",
    "NAT",
    "NS_PER_DAY",
    "SEVERITIES",
    "BarsCheck",
    "BoolArray",
    "CheckResult",
    "FloatArray",
    "IntArray",
    "ObjArray",
    "SeriesCheck",
    "empty_findings",
    "finalize_findings",
    "findings_frame",
    "fmt_px",
    "iso_days",
    "true_runs",
]

FINDING_COLUMNS: Final[list[str]] = ["key", "date", "check", "severity", "detail"]
"""Columns of every findings frame."""

SEVERITIES: Final[tuple[str, ...]] = ("error", "warning", "info")
"""Severities, most serious first."""

BASES: Final[tuple[str, ...]] = ("adjusted", "raw", "level")
"""Allowed ``basis`` values of :func:`check_bars`."""

DEFAULT_SPLIT_RATIOS: Final[tuple[float, ...]] = (2, 3, 4, 5, 8, 10, 15, 20, 25, 50, 100)
"""Split factors k: a k:1 split divides a raw close by k, a 1:k reverse split multiplies it."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a quality check.

    Attributes
    ----------
    clean : DataFrame
        Accepted rows, same columns as the input, sorted by ``key, date``, one row
        per key and date, fresh RangeIndex; ``date`` is datetime64 (the input's
        unit, or parsed from strings) and the checked numeric columns are float64.
    rejected : DataFrame
        Refused rows exactly as given (input order), plus ``reason`` (str) and
        ``row`` (0-based position in the input).
    findings : DataFrame
        Columns :data:`FINDING_COLUMNS`; ``date`` is the date the finding is about
        (NaT when unknown), sorted by ``key, date, check``.
    """

    clean: pd.DataFrame
    rejected: pd.DataFrame
    findings: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Return the number of findings per severity (all three keys present)."""
        vc = self.findings["severity"].value_counts()
        return {s: int(vc.get(s, 0)) for s in SEVERITIES}

    @property
    def ok(self) -> bool:
        """True when there is no ``error`` finding."""
        return not bool((self.findings["severity"] == "error").any())


@dataclass(frozen=True)
class BarsCheck(CheckResult):
    """Outcome of :func:`check_bars` (see :class:`CheckResult`)."""


@dataclass(frozen=True)
class SeriesCheck(CheckResult):
    """Outcome of :func:`check_series` (see :class:`CheckResult`)."""


# ----------------------------------------------------------------------------- helpers


def fmt_px(v: float) -> str:
    """Format a price/value with enough digits to be read: 12.4 -> '12.40', 0.00123 -> '0.00123'."""
    if not math.isfinite(v) or v == 0:
        return fmt_num(v, 2, reason="missing")
    digits = max(2, 2 - math.floor(math.log10(abs(v))))
    return fmt_num(v, min(digits, 10))


NAT: Final[int] = int(np.iinfo(np.int64).min)
"""Unknown date, as int64 nanoseconds (numpy's NaT)."""
NS_PER_DAY: Final[int] = 86_400_000_000_000
"""Nanoseconds in a day."""


def iso_days(ns: IntArray) -> list[str]:
    """ISO dates of int64 nanoseconds (``'NaT'`` for unknown)."""
    return [
        str(x)
        for x in np.asarray(ns, dtype=np.int64).view("datetime64[ns]").astype("datetime64[D]")
    ]


def findings_frame(
    keys: Sequence[str] | ObjArray,
    ns: IntArray,
    check: str,
    severity: str,
    details: Sequence[str] | ObjArray,
) -> pd.DataFrame:
    """Build a findings frame; ``ns`` are int64 nanoseconds (``NAT`` = unknown date)."""
    n = len(details)
    return pd.DataFrame(
        {
            "key": np.asarray(keys, dtype=object),
            "date": np.asarray(ns, dtype=np.int64).view("datetime64[ns]"),
            "check": np.full(n, check, dtype=object),
            "severity": np.full(n, severity, dtype=object),
            "detail": np.asarray(list(details), dtype=object),
        }
    )


def empty_findings() -> pd.DataFrame:
    """Return a findings frame with no rows."""
    return findings_frame([], np.zeros(0, dtype=np.int64), "", "info", [])


def finalize_findings(parts: list[pd.DataFrame], max_per_check: int | None) -> pd.DataFrame:
    """Concatenate findings, sort them by key, date and check, and cap each key's check.

    Past ``max_per_check`` findings of one key and check, the rest become one summary
    finding ("... and N more"), with the most serious severity among them.
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_findings()
    f = _sorted(pd.concat(parts, ignore_index=True))
    if max_per_check is not None:
        rank = f.groupby(["key", "check"], sort=False).cumcount().to_numpy()
        over = rank >= max_per_check
        if over.any():
            f = _sorted(pd.concat([f[~over], _overflow_summary(f[over])], ignore_index=True))
    for col in ("key", "check", "severity", "detail"):
        f[col] = f[col].astype(object)
    return f[FINDING_COLUMNS]


def _sorted(f: pd.DataFrame) -> pd.DataFrame:
    f = f.sort_values(["key", "date", "check"], kind="stable", na_position="first")
    return f.reset_index(drop=True)


def _overflow_summary(extra: pd.DataFrame) -> pd.DataFrame:
    """One finding per key and check standing for the findings past the cap."""
    sev_rank = extra["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    g = extra.assign(_s=sev_rank).groupby(["key", "check"], sort=False)
    agg = g.agg(n=("detail", "size"), first=("date", "min"), last=("date", "max"), s=("_s", "min"))
    agg = agg.reset_index()
    details = [
        f"... and {n:,} more {c} findings not listed"
        + (f" ({a:%Y-%m-%d}..{b:%Y-%m-%d})" if pd.notna(a) else "")
        + ("; all rows are in the rejected frame" if s == 0 else "")
        for n, c, a, b, s in zip(
            agg["n"], agg["check"], agg["first"], agg["last"], agg["s"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "key": agg["key"].to_numpy(dtype=object),
            "date": agg["first"].to_numpy(),
            "check": agg["check"].to_numpy(dtype=object),
            "severity": [SEVERITIES[s] for s in agg["s"]],
            "detail": details,
        }
    )


def true_runs(mask: BoolArray, code: IntArray) -> tuple[IntArray, IntArray]:
    """Start index and length of each run of True in ``mask`` not crossing a change of ``code``."""
    n = len(mask)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    prev = np.r_[False, mask[:-1] & (code[1:] == code[:-1])]
    start = mask & ~prev
    starts = np.flatnonzero(start)
    run_id = np.cumsum(start) - 1
    lengths = np.bincount(run_id[mask], minlength=len(starts))
    return starts.astype(np.int64), lengths.astype(np.int64)
