"""Which file may write which key: conflicts between the files of one import and the store.

Rules (each refused file gets a reason naming the other file):

1. **One file per dataset.** A dataset is (group, kind, subject, variant): a symbol's
   bars in one folder, a macro series, a factor file, a fund's holdings of one day, an
   index's membership history. Two files of one import for the same dataset
   (``prices/X.csv`` beside ``prices/X.parquet``, ``macro/dgs2.csv`` beside
   ``macro/DGS2.csv``; subjects compare case-insensitively) are a conflict, not a
   replacement: all are refused, except the file the store already holds the dataset
   from (it is imported as usual). A file for a dataset the store holds from another
   file is refused the same way. Exempt: ``prices/raw/`` (several named raw sources per
   symbol, see rule 3), ``flows/`` (keyed by source), reference tables and the
   French/FRED originals (read-only cross-checks or their own sections).
2. **Symbol ownership.** ``prices/`` owns ETF, index and crypto symbols; ``universe/``
   and ``universe_ohlcv/`` own stock symbols. A file may not write a symbol the other
   family holds, in the store or in the same import (there ``prices/`` wins):
   ``universe/SPY.csv`` never turns the SPY ETF into a stock.
3. **Same key, different values.** Two files of one import writing the same
   (symbol, basis, date) must agree on the close (relative difference <= 1e-6);
   otherwise every file involved is refused (:func:`row_conflicts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

import duckdb
import pandas as pd

if TYPE_CHECKING:
    from capsize.data.providers.local import FileSpec

__all__ = ["CLOSE_TOLERANCE", "file_conflicts", "group_of", "row_conflicts"]

CLOSE_TOLERANCE: Final[float] = 1e-6
"""Largest relative difference of two closes of one key that still counts as agreement."""

_MULTI_FILE: Final = frozenset({"prices_raw", "flows", "reference", "macro_original"})
_FAMILY: Final[Mapping[str, str]] = {
    "prices": "market",
    "prices_raw": "market",
    "universe": "stock",
    "universe_ohlcv": "stock",
}
_FAMILY_TEXT: Final = {"market": "an ETF/index/crypto symbol", "stock": "a stock symbol"}
_UNSLOTTED: Final = frozenset({"document", "unknown"})


def group_of(rel: str) -> str:
    """Return the import group of a catalog key (its place in the data layout)."""
    parts = rel.split("/")
    if len(parts) == 3 and parts[:2] == ["prices", "raw"]:
        return "prices_raw"
    if len(parts) == 3 and parts[0] == "macro":
        return "macro_original"
    if (
        parts[0] == "holdings"
        and "_holdings_" not in parts[-1]
        and parts[-1].endswith("_commits.csv")
    ):
        return "reference"
    return parts[0] if len(parts) > 1 else "reference"


def _slot(group: str, kind: str, subject: str, variant: str) -> tuple[str, str, str, str]:
    return (group, kind, subject.upper(), variant)


def _catalog_slots(catalog: pd.DataFrame) -> dict[tuple[str, str, str, str], str]:
    out: dict[tuple[str, str, str, str], str] = {}
    for key, kind, subject, variant in catalog[
        ["dataset_key", "kind", "subject", "variant"]
    ].itertuples(index=False):
        group = group_of(str(key))
        if group not in _MULTI_FILE:
            out.setdefault(_slot(group, str(kind), str(subject), str(variant)), str(key))
    return out


def _duplicate_files(
    specs: Sequence[FileSpec], owners: Mapping[tuple[str, str, str, str], str]
) -> dict[str, str]:
    by_slot: dict[tuple[str, str, str, str], list[str]] = {}
    for s in specs:
        if s.group not in _MULTI_FILE and s.kind not in _UNSLOTTED:
            by_slot.setdefault(_slot(s.group, s.kind, s.subject, s.variant), []).append(s.rel)
    out: dict[str, str] = {}
    for slot, rels in by_slot.items():
        owner = owners.get(slot)
        what = f"{slot[2]}{' (' + slot[3] + ')' if slot[3] else ''}"
        if len(rels) > 1:
            keep = owner if owner in rels else None
            for rel in rels:
                if rel != keep:
                    others = ", ".join(r for r in rels if r != rel)
                    out[rel] = (
                        f"conflict: {rel} and {others} both hold {what}; a second file for "
                        "the same data is a conflict, not a replacement: keep one"
                    )
        elif owner is not None and owner != rels[0]:
            out[rels[0]] = (
                f"conflict: the store already holds {what} from {owner}; a second file for "
                f"the same data is a conflict, not a replacement: rename or remove {rels[0]}"
            )
    return out


def _catalog_families(catalog: pd.DataFrame) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    bars = catalog[catalog["kind"] == "bars"]
    for key, subject in bars[["dataset_key", "subject"]].itertuples(index=False):
        family = _FAMILY.get(group_of(str(key)))
        if family is not None:
            out.setdefault(str(subject).upper(), (family, str(key)))
    return out


def _ownership(specs: Iterable[FileSpec], held: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    bars = [s for s in specs if s.kind == "bars" and s.group in _FAMILY]
    owner = dict(held)
    for s in sorted(bars, key=lambda s: _FAMILY[s.group] != "market"):  # prices/ first
        owner.setdefault(s.subject.upper(), (_FAMILY[s.group], s.rel))
    out: dict[str, str] = {}
    for s in bars:
        family, holder = owner[s.subject.upper()]
        if family != _FAMILY[s.group]:
            out[s.rel] = (
                f"conflict: {s.subject} is {_FAMILY_TEXT[family]} held by {holder}; "
                f"{s.rel.split('/')[0]}/ files may not write {_FAMILY_TEXT[_FAMILY[s.group]].split(' ', 1)[1]}s "
                f"over it"
            )
    return out


def file_conflicts(specs: Sequence[FileSpec], catalog: pd.DataFrame) -> dict[str, str]:
    """Files of one import refused by the one-file-per-dataset and ownership rules.

    Parameters
    ----------
    specs : sequence of FileSpec
        Every file of the import (classified by :func:`~capsize.data.providers.local.scan_folder`).
    catalog : DataFrame
        The store's catalog (columns ``dataset_key, kind, subject, variant``).

    Returns
    -------
    dict
        Relative path -> reason (plain text naming the other file).
    """
    out = _duplicate_files(specs, _catalog_slots(catalog))
    for rel, reason in _ownership(specs, _catalog_families(catalog)).items():
        out.setdefault(rel, reason)
    return out


def row_conflicts(rows: pd.DataFrame) -> dict[str, str]:
    """Files writing the same (symbol, basis, date) with closes that disagree.

    Parameters
    ----------
    rows : DataFrame
        Accepted rows: ``key`` (file), ``symbol``, ``basis``, ``date``, ``close``.

    Returns
    -------
    dict
        File -> reason naming the other file, the first date and both closes. Every file
        of a disagreeing pair is listed.
    """
    if not rows.duplicated(["symbol", "basis", "date"]).any():
        return {}
    con = duckdb.connect()
    try:
        con.register("_rows", rows[["key", "symbol", "basis", "date", "close"]])
        pairs = con.execute(
            """
            SELECT a.key, b.key AS key_b, a.symbol, arg_min(a.date, a.date) AS date,
                   arg_min(a.close, a.date) AS close, arg_min(b.close, a.date) AS close_b
            FROM _rows a JOIN _rows b
              ON a.symbol = b.symbol AND a.basis = b.basis AND a.date = b.date AND a.key < b.key
            WHERE abs(a.close / b.close - 1) > ?
            GROUP BY a.key, b.key, a.symbol
            ORDER BY date, a.key, b.key
            """,
            [CLOSE_TOLERANCE],
        ).fetchall()
    finally:
        con.close()
    out: dict[str, str] = {}
    for key, key_b, symbol, day, close, close_b in pairs:
        text = (
            f"conflict: {key} and {key_b} give {symbol} different closes for "
            f"{str(day)[:10]} ({close:g} vs {close_b:g}); a file in such a conflict is not imported"
        )
        out.setdefault(str(key), text)
        out.setdefault(str(key_b), text)
    return out
