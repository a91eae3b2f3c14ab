"""Parsing SEC EDGAR JSON into the ``sec_tickers``, ``sec_facts`` and ``sec_filings`` frames.

Re-exported by :mod:`capsize.data.providers.sec`, which documents the standard frames.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from capsize.data.providers.sec._access import PROVIDER, normalize_cik
from capsize.errors import EmptyDataError, SchemaError

__all__ = ["parse_company_tickers", "parse_companyfacts", "parse_submissions"]


def _json(raw: bytes | str | Mapping[str, Any], what: str) -> Any:
    if isinstance(raw, Mapping):
        return raw
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SchemaError(
            f"{what} is not JSON ({exc}); the SEC may have sent an error page"
        ) from exc


def parse_company_tickers(raw: bytes | str | Mapping[str, Any]) -> pd.DataFrame:
    """Parse ``company_tickers.json`` into the ``sec_tickers`` frame.

    Parameters
    ----------
    raw : bytes, str or Mapping
        The body, ``{"0": {"cik_str": 789019, "ticker": "MSFT", "title": ...}, ...}``.

    Returns
    -------
    DataFrame
        Columns ``ticker, cik, title``; one row per ticker (a CIK can have
        several tickers, e.g. share classes).
    """
    data = _json(raw, "company_tickers.json")
    if not isinstance(data, Mapping) or not data:
        raise SchemaError("company_tickers.json is empty or not an object keyed by row number")
    rows = []
    for entry in data.values():
        try:
            rows.append(
                (str(entry["ticker"]).upper(), int(entry["cik_str"]), str(entry.get("title", "")))
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SchemaError(f"company_tickers.json row {entry!r} lacks cik_str/ticker") from exc
    return pd.DataFrame(rows, columns=["ticker", "cik", "title"])


_FACT_COLUMNS = [
    "taxonomy",
    "concept",
    "unit",
    "start",
    "end",
    "val",
    "accn",
    "fy",
    "fp",
    "form",
    "filed",
    "frame",
]


def parse_companyfacts(raw: bytes | str | Mapping[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a companyfacts body into the long ``sec_facts`` frame.

    Parameters
    ----------
    raw : bytes, str or Mapping
        ``{"cik", "entityName", "facts": {taxonomy: {concept: {"units": {unit: [...]}}}}}``.

    Returns
    -------
    frame : DataFrame
        One row per reported fact (duplicates across filings are kept; see
        :mod:`capsize.stocks.fundamentals` for de-duplication).
    meta : dict
        ``cik`` (int; the live API sends an int, some copies a zero-padded
        string) and ``entity_name``.

    Raises
    ------
    EmptyDataError
        When the body holds no facts (a company that files no XBRL).
    """
    data = _json(raw, "companyfacts")
    if not isinstance(data, Mapping):
        raise SchemaError("companyfacts body is not a JSON object")
    meta = {
        "cik": normalize_cik(data.get("cik") or 0) if data.get("cik") else None,
        "entity_name": str(data.get("entityName", "")),
    }
    rows: list[tuple[Any, ...]] = []
    facts = data.get("facts") or {}
    for taxonomy, concepts in facts.items():
        for concept, body in (concepts or {}).items():
            for unit, items in (body.get("units") or {}).items():
                for it in items:
                    rows.append(
                        (
                            taxonomy,
                            concept,
                            unit,
                            it.get("start"),
                            it.get("end"),
                            it.get("val"),
                            it.get("accn"),
                            it.get("fy"),
                            it.get("fp"),
                            it.get("form"),
                            it.get("filed"),
                            it.get("frame"),
                        )
                    )
    if not rows:
        raise EmptyDataError(
            f"CIK {meta['cik']} ({meta['entity_name'] or 'unknown'}) has no XBRL company facts; "
            "fundamentals cannot be assessed for it",
            provider=PROVIDER,
        )
    frame = pd.DataFrame(rows, columns=_FACT_COLUMNS)
    for col in ("start", "end", "filed"):
        frame[col] = pd.to_datetime(frame[col], errors="coerce")
    frame["val"] = pd.to_numeric(frame["val"], errors="coerce").astype("float64")
    return frame, meta


_FILING_COLUMNS = ["accession", "filing_date", "report_date", "form", "items", "primary_document"]


def _items(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or not value.strip():
        return ()
    return tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))


def _columnar(block: Mapping[str, Any], what: str) -> pd.DataFrame:
    acc = block.get("accessionNumber")
    if acc is None:
        raise SchemaError(f"{what} has no accessionNumber column")
    n = len(acc)

    def col(name: str) -> list[Any]:
        values = block.get(name)
        return list(values) if values is not None and len(values) == n else [None] * n

    frame = pd.DataFrame(
        {
            "accession": acc,
            "filing_date": pd.to_datetime(col("filingDate"), errors="coerce"),
            "report_date": pd.to_datetime(col("reportDate"), errors="coerce"),
            "form": [str(f) if f is not None else "" for f in col("form")],
            "items": [_items(v) for v in col("items")],
            "primary_document": col("primaryDocument"),
        }
    )
    return frame


def parse_submissions(
    raw: bytes | str | Mapping[str, Any],
    pages: Iterable[bytes | str | Mapping[str, Any]] = (),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a submissions body (plus overflow pages) into the ``sec_filings`` frame.

    Parameters
    ----------
    raw : bytes, str or Mapping
        Main body with ``filings.recent`` in columnar form.
    pages : iterable
        Overflow pages (``CIK##########-submissions-###.json``), flat columnar.

    Returns
    -------
    frame : DataFrame
        Filings newest first, duplicates (same accession) dropped.
    meta : dict
        ``cik``, ``name``, ``tickers``, ``sic``, ``sic_description``,
        ``fiscal_year_end``, ``category``, ``pages`` (names listed in
        ``filings.files``).
    """
    data = _json(raw, "submissions")
    if not isinstance(data, Mapping) or "filings" not in data:
        raise SchemaError("submissions body has no 'filings' block")
    filings = data["filings"]
    frames = [_columnar(filings.get("recent") or {"accessionNumber": []}, "filings.recent")]
    for page in pages:
        frames.append(_columnar(_json(page, "submissions page"), "submissions page"))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = frame.drop_duplicates("accession").sort_values(
        ["filing_date", "accession"], ascending=False, kind="stable"
    )
    frame = frame.reset_index(drop=True)[_FILING_COLUMNS]
    meta = {
        "cik": normalize_cik(data["cik"]) if data.get("cik") else None,
        "name": str(data.get("name", "")),
        "tickers": [str(t).upper() for t in data.get("tickers") or []],
        "sic": str(data.get("sic") or ""),
        "sic_description": str(data.get("sicDescription") or ""),
        "fiscal_year_end": str(data.get("fiscalYearEnd") or ""),
        "category": str(data.get("category") or ""),
        "pages": [str(f.get("name")) for f in filings.get("files") or [] if f.get("name")],
    }
    return frame, meta
