"""Shared core of the quality checks: validate, parse, reject, sort and deduplicate.

:func:`run_core` applies the row rules (rejecting rows), sorts by key and date,
reports unsorted keys and resolves duplicate dates; :func:`split_frames` builds the
``clean`` and ``rejected`` frames. Used by :mod:`capsize.data.quality._checks`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from capsize._format import fmt_num
from capsize.data.quality._findings import (
    NAT,
    NS_PER_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    ObjArray,
    findings_frame,
    fmt_px,
    iso_days,
)
from capsize.errors import InputError, SchemaError

__all__ = [
    "Accepted",
    "Parsed",
    "Rule",
    "base_rules",
    "const_reason",
    "parse_frame",
    "run_core",
    "split_frames",
    "validate_frame",
    "valued_reason",
]


def validate_frame(frame: object, name: str, required: Sequence[str]) -> pd.DataFrame:
    """Return ``frame`` if it is a DataFrame with the ``required`` columns, else raise.

    Raises
    ------
    InputError
        If ``frame`` is not a DataFrame.
    SchemaError
        If a required column is missing (or in the index) or a column name repeats.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing and set(missing) <= set(frame.index.names):
        raise SchemaError(
            f"{name} has {missing} in its index, not as column(s); pass {name}.reset_index()"
        )
    if missing:
        raise SchemaError(
            f"{name} lacks column(s) {missing}; expected a long frame with columns "
            f"{list(required)} (one row per key and date)"
        )
    if frame.columns.duplicated().any():
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise SchemaError(f"{name} has duplicated column names {dup}; rename them")
    return frame


def _parse_dates(col: pd.Series, name: str) -> tuple[IntArray, np.dtype[np.datetime64]]:
    """Dates as int64 ns with NaT = iNaT; unparseable values become NaT."""
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        raise SchemaError(
            f"{name}['date'] is timezone-aware ({dtype.tz}); pass tz-naive exchange-local "
            "calendar dates (e.g. .dt.tz_localize(None))"
        )
    if pd.api.types.is_datetime64_dtype(dtype):
        parsed = col
    else:
        parsed = pd.to_datetime(col, errors="coerce", format="ISO8601")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            raise SchemaError(
                f"{name}['date'] holds timezone offsets; pass tz-naive calendar dates"
            )
    pdt = parsed.dtype
    unit = cast(
        "np.dtype[np.datetime64]",
        pdt if isinstance(pdt, np.dtype) and pdt.kind == "M" else np.dtype("M8[ns]"),
    )
    return np.asarray(parsed.to_numpy(dtype="datetime64[ns]")).view(np.int64), unit


Rule = tuple[str, str, BoolArray, Callable[[IntArray], list[str]]]
"""A row rule: ``(check, severity, mask of failing rows, reasons of given rows)``."""


@dataclass
class Parsed:
    """The input frame with keys coded, dates as int64 ns and numeric columns parsed."""

    frame: pd.DataFrame
    code: IntArray  # -1 = missing key
    keys: ObjArray  # sorted unique keys
    ns: IntArray  # NAT = missing date
    vals: dict[str, FloatArray]
    unparseable: dict[str, BoolArray]
    date_dtype: np.dtype[np.datetime64]

    def key_of(self, idx: IntArray) -> ObjArray:
        """Keys of input rows ``idx`` (``"(missing key)"`` where absent)."""
        out = np.full(len(idx), "(missing key)", dtype=object)
        c = self.code[idx]
        ok = c >= 0
        out[ok] = self.keys[c[ok]]
        return out


@dataclass
class Accepted:
    """Accepted rows, sorted by key then date (one per key and date), and the rejected rows."""

    keys: ObjArray  # sorted unique keys; code i -> keys[i]
    code: IntArray  # clean rows, sorted by key then date
    ns: IntArray  # clean dates, int64 ns
    day: IntArray  # clean dates, days since 1970-01-01
    row: IntArray  # input position of each clean row
    vals: dict[str, FloatArray]  # parsed numeric columns aligned with clean rows
    rej_rows: IntArray
    rej_reason: ObjArray
    findings: list[pd.DataFrame]
    date_dtype: np.dtype[np.datetime64]
    identity: bool  # clean rows are exactly the input rows in input order

    def key_at(self, i: IntArray) -> ObjArray:
        """Keys of accepted rows ``i``."""
        return self.keys[self.code[i]]


def parse_frame(frame: pd.DataFrame, name: str, numeric: Sequence[str]) -> Parsed:
    """Code the keys, parse the dates and the ``numeric`` columns present in ``frame``."""
    kser = frame["key"]
    if not (pd.api.types.is_string_dtype(kser.dtype) or kser.dtype == object):
        kser = kser.astype(object).where(kser.notna(), None).astype(str)
    try:
        codes, uniques = pd.factorize(kser, sort=True)
    except TypeError:  # mixed key types in an object column
        codes, uniques = pd.factorize(kser.where(kser.isna(), kser.astype(str)), sort=True)
    code = np.asarray(codes, dtype=np.int64)
    keys = np.array([str(u) for u in uniques], dtype=object)
    blank = np.array([k.strip() == "" for k in keys], dtype=bool)
    if blank.any():
        remap = np.cumsum(~blank) - 1
        remap[blank] = -1
        code = np.where(code >= 0, remap[np.maximum(code, 0)], -1)
        keys = keys[~blank]
    ns, date_dtype = _parse_dates(frame["date"], name)
    vals: dict[str, FloatArray] = {}
    bad: dict[str, BoolArray] = {}
    for col in numeric:
        if col not in frame.columns:
            continue
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            vals[col] = s.to_numpy(dtype=np.float64, na_value=np.nan)
            bad[col] = np.zeros(len(s), dtype=bool)
        else:
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            b = s.notna().to_numpy() & np.isnan(v)
            if b.any():  # blank strings are missing values, not garbage
                idx = np.flatnonzero(b)
                b[idx] = s.iloc[idx].astype(str).str.strip().to_numpy() != ""
            vals[col] = v
            bad[col] = b
    return Parsed(frame, code, keys, ns, vals, bad, date_dtype)


def const_reason(text: str) -> Callable[[IntArray], list[str]]:
    """Reason builder giving ``text`` for every row."""

    def f(i: IntArray) -> list[str]:
        return [text] * len(i)

    return f


def valued_reason(
    template: str, x: FloatArray, fmt: Callable[[float], str]
) -> Callable[[IntArray], list[str]]:
    """Reason builder filling ``template`` with each row's value of ``x``, formatted."""

    def f(i: IntArray) -> list[str]:
        return [template.format(fmt(float(x[j]))) for j in i.tolist()]

    return f


def _raw_valued(template: str, col: pd.Series) -> Callable[[IntArray], list[str]]:
    def f(i: IntArray) -> list[str]:
        return [template.format(repr(str(v))) for v in col.iloc[i].tolist()]

    return f


def base_rules(p: Parsed) -> list[Rule]:
    """Rules of every check: missing key or date, unparseable or infinite numbers."""
    rules: list[Rule] = []
    frame = p.frame
    rules.append(("missing_key", "error", p.code < 0, const_reason("key missing or empty")))
    raw_dates = frame["date"]

    def _date_reason(i: IntArray) -> list[str]:
        raw = raw_dates.iloc[i]
        return [
            "date missing" if pd.isna(v) else f"date {str(v)!r} unparseable" for v in raw.tolist()
        ]

    rules.append(("missing_date", "error", p.ns == NAT, _date_reason))
    for col, b in p.unparseable.items():
        if b.any():
            rules.append(
                (
                    "unparseable_value",
                    "error",
                    b,
                    _raw_valued(f"{col} {{}} is not a number", frame[col]),
                )
            )
    for col, v in p.vals.items():
        inf = np.isinf(v)
        if inf.any():
            rules.append(
                (
                    "non_finite_value",
                    "error",
                    inf,
                    valued_reason(f"{col} {{}} is not finite", v, str),
                )
            )
    return rules


def _dup_text(col: str, a: object, b: object) -> str:
    def f(x: object) -> str:
        if isinstance(x, float | np.floating):
            v = float(x)
            return fmt_num(v, 0) if col == "volume" and math.isfinite(v) else fmt_px(v)
        return "missing" if pd.isna(x) else str(x)  # type: ignore[call-overload]

    return f"{col} {f(a)} vs {f(b)}"


def _composite(code: IntArray, ns: IntArray, n_keys: int) -> IntArray | None:
    """One int64 sort key ``code * span + day`` when dates are whole days, else None."""
    if bool(np.any(ns % NS_PER_DAY)):
        return None
    day = ns // NS_PER_DAY
    lo, hi = int(day.min()), int(day.max())
    span = hi - lo + 1
    if span * max(n_keys, 1) >= 2**62:
        return None
    out: IntArray = code * span + (day - lo)
    return out


def _order_findings(keys: ObjArray, code: IntArray, ns: IntArray, row: IntArray) -> pd.DataFrame:
    """One ``unsorted`` finding per key whose rows were not in ascending date order in the file.

    ``code, ns, row`` are already sorted by key, date and file position: a key was in
    order iff its file positions increase along the sorted rows.
    """
    same = code[1:] == code[:-1]
    back = same & (row[1:] < row[:-1])
    fwd = same & (row[1:] > row[:-1]) & (ns[1:] > ns[:-1])
    n_back = np.bincount(code[1:][back], minlength=len(keys))
    n_fwd = np.bincount(code[1:][fwd], minlength=len(keys))
    pos = np.flatnonzero(back)
    uk, fi = np.unique(code[1:][pos], return_index=True)
    at = pos[fi]
    det = []
    for k, a in zip(uk.tolist(), at.tolist(), strict=True):
        d_a, d_b = iso_days(ns[[a, a + 1]])
        r_a, r_b = int(row[a]), int(row[a + 1])
        if n_fwd[k] == 0:
            det.append(
                f"rows are in descending date order (row {r_b} dated {d_b} comes before row "
                f"{r_a} dated {d_a}); sorted ascending"
            )
        else:
            det.append(
                f"rows are not in date order: {n_back[k]:,} row(s) out of place (first: row {r_a} "
                f"dated {d_a} comes after row {r_b} dated {d_b}); sorted by date"
            )
    return findings_frame(keys[uk], ns[at], "unsorted", "info", det)


def run_core(p: Parsed, rules: Sequence[Rule], name: str) -> Accepted:
    """Reject rows failing ``rules``, sort the rest by key and date, resolve duplicate dates.

    Parameters
    ----------
    p : Parsed
        The parsed input.
    rules : sequence of Rule
        ``(check, severity, mask, reason)``: rows where ``mask`` is True are rejected.
    name : str
        Name of the input in messages.

    Returns
    -------
    Accepted
        The accepted rows (sorted, one per key and date), the rejected rows with their
        reasons, and the findings so far.
    """
    rej, rej_idx, reason, findings = _apply_rules(p, rules)
    s_row, s_code, s_ns, order = _sort_rows(p, rej)
    findings += order
    rej_rows, rej_reason = [rej_idx], [reason]
    dup = _duplicates(p, s_row, s_code, s_ns)
    if dup is not None:
        findings += dup.findings
        rej_rows.append(dup.rows)
        rej_reason.append(dup.reasons)
        s_row, s_code, s_ns = s_row[dup.keep], s_code[dup.keep], s_ns[dup.keep]
    all_rej = np.concatenate(rej_rows)
    all_reason = np.concatenate(rej_reason)
    o = np.argsort(all_rej, kind="stable")
    n = len(p.frame)
    identity = len(s_row) == n and (n < 2 or bool(np.all(s_row[1:] > s_row[:-1])))
    return Accepted(
        keys=p.keys,
        code=s_code,
        ns=s_ns,
        day=np.floor_divide(s_ns, NS_PER_DAY),
        row=s_row,
        vals=dict(p.vals) if identity else {c: a[s_row] for c, a in p.vals.items()},
        rej_rows=all_rej[o],
        rej_reason=all_reason[o],
        findings=findings,
        date_dtype=p.date_dtype,
        identity=identity,
    )


def _apply_rules(
    p: Parsed, rules: Sequence[Rule]
) -> tuple[BoolArray, IntArray, ObjArray, list[pd.DataFrame]]:
    """Rows failing any rule: mask, positions, reasons (every rule failed) and findings.

    Reasons are built for rejected rows only; each row's finding is filed under the
    first rule it fails.
    """
    rej = np.zeros(len(p.frame), dtype=bool)
    for _c, _s, mask, _f in rules:
        rej |= mask
    rej_idx = np.flatnonzero(rej)
    reason = np.full(len(rej_idx), "", dtype=object)
    first = np.full(len(rej_idx), -1, dtype=np.int64)  # first rule each rejected row fails
    for r_i, (_check, _sev, mask, fn) in enumerate(rules):
        sub = np.flatnonzero(mask[rej_idx])
        if not len(sub):
            continue
        texts = fn(rej_idx[sub])
        old = reason[sub]
        reason[sub] = [t if not o else f"{o}; {t}" for o, t in zip(old, texts, strict=True)]
        first[sub[first[sub] < 0]] = r_i
    findings: list[pd.DataFrame] = []
    for r_i, (check, severity, _mask, _fn) in enumerate(rules):
        sub = np.flatnonzero(first == r_i)
        if len(sub):
            i = rej_idx[sub]
            det = [
                f"row {r}: {t}; row rejected" for r, t in zip(i.tolist(), reason[sub], strict=True)
            ]
            findings.append(findings_frame(p.key_of(i), p.ns[i], check, severity, det))
    return rej, rej_idx, reason, findings


def _sort_rows(
    p: Parsed, rej: BoolArray
) -> tuple[IntArray, IntArray, IntArray, list[pd.DataFrame]]:
    """Rows kept, sorted by key, date and file position: input rows, key codes, dates.

    The findings list one ``unsorted`` finding per key whose rows were out of order.
    """
    if rej.any():
        v = np.flatnonzero(~rej)
        code_v, ns_v = p.code[v], p.ns[v]
    else:
        v, code_v, ns_v = np.arange(len(rej), dtype=np.int64), p.code, p.ns
    perm = _sort_permutation(v, code_v, ns_v, len(p.keys)) if len(v) >= 2 else None
    if perm is None:
        return v, code_v, ns_v, []
    s_row, s_code, s_ns = v[perm], code_v[perm], ns_v[perm]
    return s_row, s_code, s_ns, [_order_findings(p.keys, s_code, s_ns, s_row)]


def _sort_permutation(row: IntArray, code: IntArray, ns: IntArray, n_keys: int) -> IntArray | None:
    """Permutation sorting rows by key, date and file position; None when already sorted."""
    comp = _composite(code, ns, n_keys)
    if comp is None:
        up = (code[1:] > code[:-1]) | ((code[1:] == code[:-1]) & (ns[1:] >= ns[:-1]))
        return None if bool(np.all(up)) else np.lexsort((row, ns, code))
    if bool(np.all(comp[1:] >= comp[:-1])):
        return None
    m = len(row)
    if int(comp.max()) < 2**62 // m:  # make keys unique: a fast unstable sort is enough
        out: IntArray = np.argsort(comp * m + np.arange(m, dtype=np.int64))
        return out
    return np.argsort(comp, kind="stable")


@dataclass
class _Duplicates:
    keep: IntArray  # positions, among the sorted rows, of the rows kept
    rows: IntArray  # input positions of the rows rejected as duplicates
    reasons: ObjArray
    findings: list[pd.DataFrame]


def _duplicates(p: Parsed, s_row: IntArray, s_code: IntArray, s_ns: IntArray) -> _Duplicates | None:
    """Resolve rows sharing a key and date: keep the last in file order (None: no duplicate)."""
    dsame = (s_code[1:] == s_code[:-1]) & (s_ns[1:] == s_ns[:-1])
    nonlast = np.r_[dsame, False]
    if not nonlast.any():
        return None
    d = np.flatnonzero(nonlast)
    lastpos = np.flatnonzero(~nonlast)
    kept = lastpos[np.searchsorted(lastpos, d)]
    ri, rk = s_row[d], s_row[kept]
    diffs = _row_differences(p, ri, rk)
    reasons, texts = _duplicate_texts(ri, rk, iso_days(s_ns[d]), diffs)
    ident = np.array([not x for x in diffs], dtype=bool)
    keys_d = p.keys[s_code[d]]
    findings = [
        findings_frame(keys_d[mask], s_ns[d][mask], "duplicate_date", sev, texts[mask])
        for mask, sev in ((ident, "warning"), (~ident, "error"))
        if mask.any()
    ]
    return _Duplicates(lastpos, ri, reasons, findings)


def _row_differences(p: Parsed, ri: IntArray, rk: IntArray) -> list[list[str]]:
    """For each pair of input rows ``(ri[j], rk[j])``, the columns that differ, as text."""
    diffs: list[list[str]] = [[] for _ in range(len(ri))]
    for col in p.frame.columns:
        if col in ("key", "date"):
            continue
        a_arr, b_arr, a_na, b_na = _pair_values(p, col, ri, rk)
        with np.errstate(invalid="ignore"):
            eq = (a_na & b_na) | (~a_na & ~b_na & (a_arr == b_arr))
        for j in np.flatnonzero(~eq).tolist():
            diffs[j].append(_dup_text(col, a_arr[j], b_arr[j]))
    return diffs


def _pair_values(
    p: Parsed, col: object, ri: IntArray, rk: IntArray
) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.generic], BoolArray, BoolArray]:
    """Values of column ``col`` in rows ``ri`` and ``rk``, and where each is missing."""
    if col in p.vals:
        a_num, b_num = p.vals[str(col)][ri], p.vals[str(col)][rk]
        return a_num, b_num, np.isnan(a_num), np.isnan(b_num)
    a_obj = p.frame[col].iloc[ri].to_numpy(dtype=object)
    b_obj = p.frame[col].iloc[rk].to_numpy(dtype=object)
    return a_obj, b_obj, np.asarray(pd.isna(a_obj)), np.asarray(pd.isna(b_obj))


def _duplicate_texts(
    ri: IntArray, rk: IntArray, dates: list[str], diffs: list[list[str]]
) -> tuple[ObjArray, ObjArray]:
    """Rejection reason and finding text of each duplicate row ``ri[j]`` (kept: ``rk[j]``)."""
    reasons = np.empty(len(ri), dtype=object)
    texts = np.empty(len(ri), dtype=object)
    for j, (r1, r2, day, diff) in enumerate(
        zip(ri.tolist(), rk.tolist(), dates, diffs, strict=True)
    ):
        if not diff:
            reasons[j] = f"duplicate of row {r2} for {day} (identical); one copy kept"
            texts[j] = f"row {r1} repeats row {r2} for {day} exactly; kept one copy (row {r2})"
            continue
        what = ", ".join(diff)
        reasons[j] = f"duplicate date {day} conflicting with row {r2} ({what}); kept row {r2}"
        texts[j] = (
            f"2 rows dated {day} disagree: {what} (row {r1} vs row {r2}); kept row {r2}, "
            f"the last in file order; rejected row {r1}"
        )
    return reasons, texts


def split_frames(frame: pd.DataFrame, core: Accepted) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the ``clean`` and ``rejected`` frames of a check from its accepted rows."""
    if core.identity:
        clean = frame.reset_index(drop=True)
        clean["date"] = core.ns.view("datetime64[ns]").astype(core.date_dtype)
        for c, a in core.vals.items():
            clean[c] = a
    else:
        cols: dict[object, object] = {}
        for c in frame.columns:
            if c == "date":
                cols[c] = core.ns.view("datetime64[ns]").astype(core.date_dtype)
            elif c in core.vals:
                cols[c] = core.vals[str(c)]
            else:
                cols[c] = frame[c].take(core.row).reset_index(drop=True)
        clean = pd.DataFrame(cols)
    if not (pd.api.types.is_string_dtype(clean["key"].dtype) or clean["key"].dtype == object):
        clean["key"] = core.keys[core.code]
    rejected = frame.iloc[core.rej_rows].reset_index(drop=True)
    rejected["reason"] = pd.Series(core.rej_reason, dtype=object)
    rejected["row"] = core.rej_rows
    return clean, rejected
