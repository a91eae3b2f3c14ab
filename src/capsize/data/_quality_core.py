"""Shared core of the quality checks: validate, parse, reject, sort and deduplicate.

:func:`_core` applies the row rules (rejecting rows), sorts by key and date,
reports unsorted keys and resolves duplicate dates; :func:`_frames` builds the
``clean`` and ``rejected`` frames. Used by :mod:`capsize.data._quality_checks`.
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
from capsize.data._quality_findings import (
    _NAT,
    _NS_PER_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    ObjArray,
    _dstr,
    _findings,
    _px,
)
from capsize.errors import InputError, SchemaError


def _validate_common(frame: object, name: str, required: Sequence[str]) -> pd.DataFrame:
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


_Rule = tuple[str, str, BoolArray, Callable[[IntArray], list[str]]]


@dataclass
class _Parsed:
    frame: pd.DataFrame
    code: IntArray  # -1 = missing key
    keys: ObjArray  # sorted unique keys
    ns: IntArray  # _NAT = missing date
    vals: dict[str, FloatArray]
    unparseable: dict[str, BoolArray]
    date_dtype: np.dtype[np.datetime64]

    def key_of(self, idx: IntArray) -> ObjArray:
        out = np.full(len(idx), "(missing key)", dtype=object)
        c = self.code[idx]
        ok = c >= 0
        out[ok] = self.keys[c[ok]]
        return out


@dataclass
class _Core:
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
        return self.keys[self.code[i]]


def _parse(frame: pd.DataFrame, name: str, numeric: Sequence[str]) -> _Parsed:
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
    return _Parsed(frame, code, keys, ns, vals, bad, date_dtype)


def _const(text: str) -> Callable[[IntArray], list[str]]:
    def f(i: IntArray) -> list[str]:
        return [text] * len(i)

    return f


def _valued(
    template: str, x: FloatArray, fmt: Callable[[float], str]
) -> Callable[[IntArray], list[str]]:
    def f(i: IntArray) -> list[str]:
        return [template.format(fmt(float(x[j]))) for j in i.tolist()]

    return f


def _raw_valued(template: str, col: pd.Series) -> Callable[[IntArray], list[str]]:
    def f(i: IntArray) -> list[str]:
        return [template.format(repr(str(v))) for v in col.iloc[i].tolist()]

    return f


def _base_rules(p: _Parsed) -> list[_Rule]:
    rules: list[_Rule] = []
    frame = p.frame
    rules.append(("missing_key", "error", p.code < 0, _const("key missing or empty")))
    raw_dates = frame["date"]

    def _date_reason(i: IntArray) -> list[str]:
        raw = raw_dates.iloc[i]
        return [
            "date missing" if pd.isna(v) else f"date {str(v)!r} unparseable" for v in raw.tolist()
        ]

    rules.append(("missing_date", "error", p.ns == _NAT, _date_reason))
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
                    _valued(f"{col} {{}} is not finite", v, str),
                )
            )
    return rules


def _dup_text(col: str, a: object, b: object) -> str:
    def f(x: object) -> str:
        if isinstance(x, float | np.floating):
            v = float(x)
            return fmt_num(v, 0) if col == "volume" and math.isfinite(v) else _px(v)
        return "missing" if pd.isna(x) else str(x)  # type: ignore[call-overload]

    return f"{col} {f(a)} vs {f(b)}"


def _composite(code: IntArray, ns: IntArray, n_keys: int) -> IntArray | None:
    """One int64 sort key ``code * span + day`` when dates are whole days, else None."""
    if bool(np.any(ns % _NS_PER_DAY)):
        return None
    day = ns // _NS_PER_DAY
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
        d_a, d_b = _dstr(ns[[a, a + 1]])
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
    return _findings(keys[uk], ns[at], "unsorted", "info", det)


def _core(p: _Parsed, rules: Sequence[_Rule], name: str) -> _Core:
    frame = p.frame
    n = len(frame)
    findings: list[pd.DataFrame] = []
    # --- row rules -> rejected (reasons built for rejected rows only)
    rej = np.zeros(n, dtype=bool)
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
    for r_i, (check, severity, _mask, _fn) in enumerate(rules):
        sub = np.flatnonzero(first == r_i)
        if len(sub):
            i = rej_idx[sub]
            det = [
                f"row {r}: {t}; row rejected" for r, t in zip(i.tolist(), reason[sub], strict=True)
            ]
            findings.append(_findings(p.key_of(i), p.ns[i], check, severity, det))
    rej_rows = [rej_idx]
    rej_reason = [reason]
    # --- sort by key, date, file position; report keys whose rows were out of order
    if len(rej_idx):
        v = np.flatnonzero(~rej)
        code_v, ns_v = p.code[v], p.ns[v]
    else:
        v, code_v, ns_v = np.arange(n, dtype=np.int64), p.code, p.ns
    s_row, s_code, s_ns = v, code_v, ns_v
    if len(v) >= 2:
        comp = _composite(code_v, ns_v, len(p.keys))
        perm: IntArray | None = None
        if comp is not None:
            if not bool(np.all(comp[1:] >= comp[:-1])):
                m = len(v)
                if int(comp.max()) < 2**62 // m:  # make keys unique: a fast unstable sort is enough
                    perm = np.argsort(comp * m + np.arange(m, dtype=np.int64))
                else:
                    perm = np.argsort(comp, kind="stable")
        else:
            up = (code_v[1:] > code_v[:-1]) | (
                (code_v[1:] == code_v[:-1]) & (ns_v[1:] >= ns_v[:-1])
            )
            if not bool(np.all(up)):
                perm = np.lexsort((v, ns_v, code_v))
        if perm is not None:
            s_row, s_code, s_ns = v[perm], code_v[perm], ns_v[perm]
            findings.append(_order_findings(p.keys, s_code, s_ns, s_row))
    # --- duplicate dates: keep the last occurrence in file order
    dsame = (s_code[1:] == s_code[:-1]) & (s_ns[1:] == s_ns[:-1])
    nonlast = np.r_[dsame, False]
    if nonlast.any():
        d = np.flatnonzero(nonlast)
        lastpos = np.flatnonzero(~nonlast)
        kept = lastpos[np.searchsorted(lastpos, d)]
        ri, rk = s_row[d], s_row[kept]
        cols = [c for c in frame.columns if c not in ("key", "date")]
        diffs: list[list[str]] = [[] for _ in range(len(d))]
        for col in cols:
            if col in p.vals:
                a_arr: npt.NDArray[np.generic] = p.vals[col][ri]
                b_arr: npt.NDArray[np.generic] = p.vals[col][rk]
                a_na, b_na = np.isnan(p.vals[col][ri]), np.isnan(p.vals[col][rk])
            else:
                a_arr = frame[col].iloc[ri].to_numpy(dtype=object)
                b_arr = frame[col].iloc[rk].to_numpy(dtype=object)
                a_na, b_na = pd.isna(a_arr), pd.isna(b_arr)
            with np.errstate(invalid="ignore"):
                eq = (a_na & b_na) | (~a_na & ~b_na & (a_arr == b_arr))
            for j in np.flatnonzero(~eq).tolist():
                diffs[j].append(_dup_text(col, a_arr[j], b_arr[j]))
        ident = np.array([not x for x in diffs], dtype=bool)
        dates = _dstr(s_ns[d])
        reasons = np.empty(len(d), dtype=object)
        dup_texts = np.empty(len(d), dtype=object)
        for j, (r1, r2, dt_, df_) in enumerate(
            zip(ri.tolist(), rk.tolist(), dates, diffs, strict=True)
        ):
            if not df_:
                reasons[j] = f"duplicate of row {r2} for {dt_} (identical); one copy kept"
                dup_texts[j] = (
                    f"row {r1} repeats row {r2} for {dt_} exactly; kept one copy (row {r2})"
                )
            else:
                what = ", ".join(df_)
                reasons[j] = (
                    f"duplicate date {dt_} conflicting with row {r2} ({what}); kept row {r2}"
                )
                dup_texts[j] = (
                    f"2 rows dated {dt_} disagree: {what} (row {r1} vs row {r2}); kept row {r2}, "
                    f"the last in file order; rejected row {r1}"
                )
        keys_d = p.keys[s_code[d]]
        for mask, sev in ((ident, "warning"), (~ident, "error")):
            if mask.any():
                findings.append(
                    _findings(keys_d[mask], s_ns[d][mask], "duplicate_date", sev, dup_texts[mask])
                )
        rej_rows.append(ri)
        rej_reason.append(reasons)
        keep = lastpos
        s_row, s_code, s_ns = s_row[keep], s_code[keep], s_ns[keep]
    all_rej = np.concatenate(rej_rows)
    all_reason = np.concatenate(rej_reason)
    o = np.argsort(all_rej, kind="stable")
    identity = len(s_row) == n and (n < 2 or bool(np.all(s_row[1:] > s_row[:-1])))
    return _Core(
        keys=p.keys,
        code=s_code,
        ns=s_ns,
        day=np.floor_divide(s_ns, _NS_PER_DAY),
        row=s_row,
        vals=dict(p.vals) if identity else {c: a[s_row] for c, a in p.vals.items()},
        rej_rows=all_rej[o],
        rej_reason=all_reason[o],
        findings=findings,
        date_dtype=p.date_dtype,
        identity=identity,
    )


def _frames(frame: pd.DataFrame, core: _Core) -> tuple[pd.DataFrame, pd.DataFrame]:
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
