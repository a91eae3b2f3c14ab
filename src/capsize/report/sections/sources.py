"""Report section on sources: the data used, its dates and its quality flags."""

from __future__ import annotations

import pandas as pd

from capsize.errors import CapsizeError
from capsize.report._inputs import Inputs, num
from capsize.report._model import Figure, Section, Table
from capsize.report.sections.common import day_text

__all__ = ["sources_section"]


def _quality_figs(
    inp: Inputs, key: str, files: list[str], q: pd.DataFrame
) -> tuple[Figure, Figure]:
    qs = q[q["dataset_key"].isin(files)] if len(q) else q
    out = []
    for sev, word in (("warning", "warnings"), ("info", "notes")):
        out.append(
            inp.book.add(
                f"quality.{key}.{word}",
                int((qs["severity"] == sev).sum()) if len(qs) else 0,
                num("n/a", 0),
                f"{key} quality {word}",
                source=f"store quality log ({'; '.join(files)})",
                symbols=(key,),
                window=f"findings dated on or before {inp.day}",
                formula=f"count of import quality {word} dated on or before the report day",
            )
        )
    return out[0], out[1]


def _source_files(inp: Inputs, dataset: str, key: str) -> list[str]:
    try:
        return inp.store.provenance(dataset, key).source.split("; ")
    except CapsizeError:
        return [f"{dataset} {key} (store)"]


def _internals_source_rows(
    inp: Inputs, q: pd.DataFrame, figs: dict[str, Figure]
) -> list[tuple[Figure | str, ...]]:
    """Source rows of the universe panel and the shares-outstanding history, when read."""
    rows: list[tuple[Figure | str, ...]] = []
    wide = inp.cache.get("universe_closes")
    if wide is not None and len(wide):
        members = {str(c) for c in wide.columns}
        keys = q["dataset_key"].astype(str) if len(q) else pd.Series([], dtype=str)
        stem = keys.str.rsplit("/", n=1).str[-1].str.removesuffix(".csv")
        mine = q[keys.str.startswith(("universe/", "universe_ohlcv/")) & stem.isin(members)]
        out = []
        for sev, word in (("warning", "warnings"), ("info", "notes")):
            out.append(
                inp.book.add(
                    f"quality.universe.{word}",
                    int((mine["severity"] == sev).sum()) if len(mine) else 0,
                    num("n/a", 0),
                    f"universe members quality {word}",
                    source="store quality log (universe/<ticker>.csv, universe_ohlcv/<ticker>.csv)",
                    symbols=("IWM members",),
                    window=f"findings dated on or before {inp.day}",
                    formula=f"count of import quality {word} of the members' files",
                )
            )
        figs["universe.warnings"] = out[0]
        rows.append(
            (
                "IWM members",
                "universe/<ticker>.csv; universe_ohlcv/<ticker>.csv",
                "adjusted",
                day_text(wide.index[0]),
                day_text(wide.index[-1]),
                out[0],
                out[1],
            )
        )
    shares = inp.cache.get("fund_shares")
    if shares is not None and len(shares):
        for src, sub in shares.groupby("source_family"):
            files = sorted(sub["source"].astype(str).unique())
            w, n = _quality_figs(inp, f"shares.{src}", files, q)
            rows.append(
                (
                    "Shares outstanding ("
                    + ", ".join(sorted(sub["fund"].astype(str).unique()))
                    + ")",
                    str(src),
                    "shares",
                    day_text(sub["date"].min()),
                    day_text(sub["date"].max()),
                    w,
                    n,
                )
            )
    return rows


def sources_section(inp: Inputs) -> Section:
    """List the data used (source, first date, last date used), quality flags up to the report day."""
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    try:
        q = inp.store.quality()
    except CapsizeError:
        q = pd.DataFrame(columns=["dataset_key", "symbol", "date", "severity"])
    if len(q):
        dates = pd.to_datetime(q["date"])
        q = q[(dates <= inp.as_of).fillna(False).astype(bool)]
    for sym in sorted(inp.used):
        if sym in inp.closes.columns:
            s = inp.closes[sym].dropna()
        elif sym in inp.bars and len(inp.bars[sym]):
            s = inp.bars[sym]["close"].dropna()  # read for one section only (e.g. DIA volume)
        else:
            continue
        files = inp.source(sym).split("; ")
        w, n = _quality_figs(inp, sym, files, q)
        figs[f"{sym}.warnings"] = w
        basis = inp.bases.get(sym) or str(
            inp.bars[sym].attrs.get("basis", "auto") if sym in inp.bars else "auto"
        )
        rows.append(
            (sym, "; ".join(files), basis, day_text(s.index[0]), day_text(s.index[-1]), w, n)
        )
    extra: list[tuple[str, str, pd.DataFrame]] = []
    macro = inp.cache.get("macro")
    if macro is not None:
        extra += [("macro", sid, macro[[sid]].dropna()) for sid in macro.columns]
    ff = inp.cache.get("FF3")
    if ff is not None:
        extra.append(("factors", "FF3", ff))
    for dataset, key, frame in extra:
        if frame.empty:
            continue
        files = _source_files(inp, dataset, key)
        if dataset == "factors":
            files = [f for f in files if "monthly" in f] or files
        w, n = _quality_figs(inp, key, files, q)
        kind = "percent (FRED)" if dataset == "macro" else "percent (French, monthly)"
        rows.append(
            (key, "; ".join(files), kind, day_text(frame.index[0]), day_text(frame.index[-1]), w, n)
        )
    rows += _internals_source_rows(inp, q, figs)
    t = Table(
        ("Series", "Source", "Basis", "First date", "Last date used", "Warnings", "Notes"),
        tuple(rows),
        "Last date used: the latest row on or before the report day. Quality findings come from "
        "the checks run when the data were imported (gaps, stale values, jumps); only findings "
        "dated on or before the report day are counted.",
    )
    return Section("sources", "Sources and method", figures=figs, tables=(t,))
