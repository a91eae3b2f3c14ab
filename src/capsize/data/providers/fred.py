"""FRED (Federal Reserve Bank of St. Louis) economic series.

Two payloads are understood:

* the keyless ``fredgraph.csv`` download
  (``https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS10`` or
  ``?id=FEDFUNDS,MORTGAGE30US``), in its legacy layout (header ``DATE,<ID>``,
  missing values written ``.``) and its current layout (header
  ``observation_date,<ID>``, missing values left empty);
* the FRED API ``series/observations`` JSON (``"value": "."`` when missing).

:func:`parse_fredgraph_csv` and :func:`parse_fred_observations_json` are pure
(reused by the local importer); :class:`FredFetcher` downloads the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from capsize.errors import InputError, SchemaError

__all__ = [
    "FREDGRAPH_URL",
    "parse_fred_observations_json",
    "parse_fredgraph_csv",
]

FREDGRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
_DATE_HEADERS = {"date", "observation_date"}
_MISSING = {"", "."}


def _to_float(token: str, *, name: str, where: str) -> float:
    token = token.strip()
    if token in _MISSING:
        return math.nan
    try:
        return float(token)
    except ValueError:
        raise SchemaError(f"{name}: {where} has a non-numeric value {token!r}") from None


def _dates(tokens: list[str], name: str) -> pd.DatetimeIndex:
    try:
        index = pd.DatetimeIndex(pd.to_datetime(tokens, format="%Y-%m-%d"))
    except ValueError as exc:
        raise SchemaError(f"{name}: dates are not ISO YYYY-MM-DD: {exc}") from None
    index.name = "date"
    if index.has_duplicates:
        dup = index[index.duplicated()][0].date()
        raise SchemaError(f"{name}: date {dup} appears twice")
    return index


def parse_fredgraph_csv(text: str, *, name: str = "<fredgraph CSV>") -> pd.DataFrame:
    r"""Parse a FRED ``fredgraph.csv`` download.

    Parameters
    ----------
    text : str
        CSV text: header ``DATE,<ID>[,<ID>...]`` (legacy) or
        ``observation_date,<ID>[,...]`` (current), then ISO-dated rows.
    name : str, optional
        Source name used in error messages.

    Returns
    -------
    DataFrame of shape (n_dates, n_series), float64, units as published (percent for rates)
        One column per series id, tz-naive ``DatetimeIndex`` named ``date``,
        sorted ascending.

    Raises
    ------
    SchemaError
        If the header is not a FRED header (e.g. an HTML error page), a row's
        width differs from the header, a date is not ISO or repeats, or a
        value is not numeric.

    Notes
    -----
    NaN policy: ``.`` (legacy) and empty cells (current) become NaN; rows are
    kept so several series stay aligned. Callers that drop them must count
    them (as :class:`FredFetcher` does in ``meta["n_missing"]``).

    Examples
    --------
    >>> frame = parse_fredgraph_csv("DATE,DGS10\n1962-02-09,4.05\n1962-02-12,.\n")
    >>> float(frame.loc["1962-02-09", "DGS10"]), bool(frame["DGS10"].isna().iloc[1])
    (4.05, True)
    """
    if not isinstance(text, str):
        raise InputError(f"text must be str, got {type(text).__name__}; decode the download first")
    text = text.removeprefix("\ufeff")
    if text.lstrip()[:1] == "<":
        raise SchemaError(f"{name}: got an HTML/XML page, not a fredgraph CSV")
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if not rows:
        raise SchemaError(f"{name}: empty file; expected a header like 'observation_date,DGS10'")
    header = [c.strip() for c in rows[0]]
    if len(header) < 2 or header[0].casefold() not in _DATE_HEADERS or not all(header[1:]):
        raise SchemaError(
            f"{name}: header {','.join(header)[:60]!r} is not a FRED header "
            "('DATE,<SERIES>' or 'observation_date,<SERIES>')"
        )
    series = header[1:]
    if len(set(series)) != len(series):
        raise SchemaError(f"{name}: series ids repeat in header {header}")
    tokens: list[str] = []
    values: list[list[float]] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise SchemaError(
                f"{name}: row {lineno} has {len(row)} fields, header has {len(header)}"
            )
        tokens.append(row[0].strip())
        values.append([_to_float(c, name=name, where=f"row {lineno}") for c in row[1:]])
    index = _dates(tokens, name)
    return pd.DataFrame(values, index=index, columns=series, dtype="float64").sort_index()


def parse_fred_observations_json(
    payload: str | bytes | Mapping[str, Any], *, series_id: str, name: str = "<FRED API JSON>"
) -> pd.DataFrame:
    r"""Parse a FRED API ``series/observations`` JSON response.

    Parameters
    ----------
    payload : str, bytes or Mapping
        The JSON body (raw or already decoded).
    series_id : str
        Column name of the result (the API body does not repeat it).
    name : str, optional
        Source name used in error messages.

    Returns
    -------
    DataFrame of shape (n_dates, 1), float64
        Column ``series_id``, tz-naive ``DatetimeIndex`` named ``date``.

    Raises
    ------
    SchemaError
        If the body is not JSON or has no ``observations`` list of
        ``{"date", "value"}`` objects.

    Notes
    -----
    NaN policy: ``"."`` becomes NaN; rows are kept.

    Examples
    --------
    >>> body = (
    ...     '{"observations":[{"date":"2023-01-02","value":"."},'
    ...     '{"date":"2023-01-03","value":"-0.74"}]}'
    ... )
    >>> parse_fred_observations_json(body, series_id="T10Y3M")["T10Y3M"].tolist()
    [nan, -0.74]
    """
    if isinstance(payload, (str, bytes)):
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise SchemaError(f"{name}: body is not valid JSON ({exc})") from None
    else:
        data = payload
    obs = data.get("observations") if isinstance(data, Mapping) else None
    if not isinstance(obs, list):
        raise SchemaError(f"{name}: no 'observations' list in the FRED API response")
    tokens: list[str] = []
    values: list[float] = []
    for i, item in enumerate(obs):
        if not isinstance(item, Mapping) or "date" not in item or "value" not in item:
            raise SchemaError(f"{name}: observation {i} lacks 'date'/'value'")
        tokens.append(str(item["date"]))
        values.append(_to_float(str(item["value"]), name=name, where=f"observation {i}"))
    index = _dates(tokens, name)
    return pd.DataFrame({series_id: values}, index=index, dtype="float64").sort_index()
