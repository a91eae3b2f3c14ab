"""The store as a hive-partitioned Parquet dataset, and reading bars back from one.

Layout of a dataset folder (written by :func:`export_dataset`)::

    DIR/
      capsize_dataset.json                  what is inside (format, tables, row counts)
      bars/bucket=<0-f>/year=<YYYY>/*.parquet   daily bars, by ticker bucket and year
      membership/year=<YYYY>/*.parquet      index member lists, by snapshot year
      macro/year=<YYYY>/*.parquet           macro series, by year

The ticker bucket is the first hex digit of the MD5 of the symbol (16 buckets, stable
across tools and versions: :func:`ticker_bucket`). DuckDB writes Parquet with min/max
statistics per row group, so readers prune by bucket and year from the paths and by date
or symbol inside the files. The export is written to a hidden temporary folder beside
``DIR`` and renamed into place at the end (the manifest written last), so a partial
export never looks complete. To an fsspec URL (``s3://bucket/capsize``) the dataset is
written to a local temporary folder and uploaded file by file, the manifest last (an
earlier dataset there loses its manifest first), so readers never take a partial upload
for a dataset. :func:`read_bars` reads from a local folder or any URL fsspec understands
(``s3://``, ``gs://``, ``memory://`` ...); credentials and endpoints come from the
filesystem's own configuration (for S3: the AWS variables, or ``fsspec.config.conf``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize._atomic import write_text
from capsize.errors import (
    CapsizeError,
    DataNotFound,
    InputError,
    MissingDependencyError,
    OutputError,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import duckdb

    from capsize._typing import DateLike

__all__ = [
    "DATASET_FORMAT",
    "MANIFEST",
    "export_dataset",
    "read_bars",
    "read_bars_index",
    "ticker_bucket",
]

DATASET_FORMAT = 1
"""Version of the dataset layout, in the manifest."""

MANIFEST = "capsize_dataset.json"
"""Name of the manifest file at the top of a dataset."""

_BUCKET_SQL = "substr(md5(symbol), 1, 1)"

# table -> (SELECT of the rows, partition columns)
_TABLES: dict[str, tuple[str, str]] = {
    "bars": (
        "SELECT symbol, basis, date, open, high, low, close, adj_close, volume, source, "
        f"{_BUCKET_SQL} AS bucket, year(date) AS year FROM bars ORDER BY symbol, basis, date",
        "bucket, year",
    ),
    "membership": (
        "SELECT index_name, snapshot_date, ticker, weight, source, year(snapshot_date) AS year "
        "FROM membership ORDER BY index_name, snapshot_date, ticker",
        "year",
    ),
    "macro": (
        "SELECT series_id, date, value, source, year(date) AS year FROM macro "
        "ORDER BY series_id, date",
        "year",
    ),
}


def ticker_bucket(symbol: str) -> str:
    """Return the bucket (one hex digit) of ``symbol``: the first digit of its MD5.

    Examples
    --------
    >>> ticker_bucket("IWM")
    '6'
    """
    return hashlib.md5(symbol.encode()).hexdigest()[0]  # a bucket, not a security hash


def _write_tables(con: duckdb.DuckDBPyConnection, tmp: Path) -> dict[str, int]:
    rows: dict[str, int] = {}
    for table, (select, parts) in _TABLES.items():
        n = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
        rows[table] = n
        if n == 0:
            continue
        target = str(tmp / table).replace("'", "''")
        con.execute(
            f"COPY ({select}) TO '{target}' (FORMAT PARQUET, PARTITION_BY ({parts}), "
            "COMPRESSION ZSTD)"
        )
    return rows


def _replace_dir(tmp: Path, dest: Path) -> None:
    """Rename ``tmp`` to ``dest``; an earlier capsize dataset at ``dest`` is replaced."""
    old: Path | None = None
    if dest.exists():
        if not (dest / MANIFEST).is_file():
            raise OutputError(
                f"{dest} exists and is not a capsize dataset; choose an empty or new folder"
            )
        old = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(dest, old)
    os.replace(tmp, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_dataset(con: duckdb.DuckDBPyConnection, tmp: Path) -> dict[str, Any]:
    """Write the tables and then the manifest into the folder ``tmp``; return the manifest."""
    rows = _write_tables(con, tmp)
    last = con.execute("SELECT max(date) FROM bars").fetchone()
    manifest: dict[str, Any] = {
        "format": DATASET_FORMAT,
        "tables": rows,
        "buckets": 16,
        "bucket_rule": "first hex digit of md5(symbol)",
        "last_date": str(last[0]) if last and last[0] is not None else None,
    }
    write_text(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


def _remote_root(url: str) -> tuple[Any, str, bool]:
    """Return (filesystem, root, whether a capsize dataset is there); foreign files: error."""
    fs, root = _filesystem(url)
    root = root.rstrip("/")
    old = [str(p).rstrip("/") for p in fs.find(root)]
    if old and not any(p.endswith(f"/{MANIFEST}") for p in old):
        raise OutputError(f"{url} holds files and is not a capsize dataset; choose a new path")
    return fs, root, bool(old)


def _upload(tmp: Path, fs: Any, root: str, replace: bool) -> None:
    """Upload the dataset folder ``tmp`` to ``root``: data files first, the manifest last."""
    if replace:
        fs.rm(f"{root}/{MANIFEST}")  # the old dataset stops looking complete first
        fs.rm(root, recursive=True)
    for p in sorted(q for q in tmp.rglob("*") if q.is_file() and q.name != MANIFEST):
        fs.put_file(str(p), f"{root}/{p.relative_to(tmp).as_posix()}")
    fs.put_file(str(tmp / MANIFEST), f"{root}/{MANIFEST}")


def remote_failure(url: str, exc: BaseException) -> OutputError:
    """One-line error for a remote filesystem that failed (credentials, bucket, permission).

    fsspec back ends raise their own exceptions (botocore's ``NoCredentialsError`` is not
    an ``OSError``), so the message names the exception's type and what to check.
    """
    detail = " ".join(str(exc).split())[:200] or "no detail"
    scheme = url.split("://", 1)[0].lower()
    what = {
        "s3": "s3fs (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials)",
        "s3a": "s3fs (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials)",
        "gs": "gcsfs (GOOGLE_APPLICATION_CREDENTIALS)",
        "gcs": "gcsfs (GOOGLE_APPLICATION_CREDENTIALS)",
    }.get(scheme, f"the {scheme}:// filesystem")
    return OutputError(
        f"cannot write the Parquet dataset at {url} ({type(exc).__name__}: {detail}); "
        f"check that the bucket exists and you may write to it, and configure credentials "
        f"for {what}"
    )


def _export_remote(con: duckdb.DuckDBPyConnection, url: str) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="capsize-export-"))
    try:
        fs, root, replace = _remote_root(url)
        manifest = _write_dataset(con, tmp)
        _upload(tmp, fs, root, replace)
    except CapsizeError:
        raise
    except Exception as exc:  # any failure of the remote filesystem, whatever its type
        raise remote_failure(url, exc) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def export_dataset(con: duckdb.DuckDBPyConnection, dest: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the store's bars, membership and macro series as a Parquet dataset at ``dest``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection of an open store (``Store.con``; read-only is enough).
    dest : path-like or str
        Local folder to create (or an earlier capsize dataset to replace), or an fsspec
        URL (``s3://bucket/capsize``; uploaded with the manifest last).

    Returns
    -------
    dict
        The manifest: ``format``, ``tables`` (row counts), ``buckets``, ``last_date``.

    Raises
    ------
    OutputError
        When ``dest`` is a folder that is not a capsize dataset or cannot be written.
    """
    text = os.fspath(dest)
    if "://" in text and not text.startswith("file://"):
        return _export_remote(con, text)
    out = Path(text.removeprefix("file://")).expanduser().absolute()
    if out.exists() and not (out / MANIFEST).is_file():
        raise OutputError(f"{out} exists and is not a capsize dataset; choose a new folder")
    tmp = out.with_name(f".{out.name}.part-{uuid.uuid4().hex[:8]}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        manifest = _write_dataset(con, tmp)
        _replace_dir(tmp, out)
    except OSError as exc:
        raise OutputError(f"cannot write the Parquet dataset at {out}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def _filesystem(path: str) -> tuple[Any, str]:
    """Return (fsspec filesystem or None, path inside it) for a local path or an fsspec URL."""
    if "://" not in path:
        return None, str(Path(path).expanduser())
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            f'reading {path!r} needs fsspec; install it with pip install "capsize[scale]"'
        ) from exc
    fs, inner = fsspec.core.url_to_fs(path)
    return fs, inner


def _filter(
    tickers: Sequence[str] | None, basis: str, start: DateLike | None, end: DateLike | None
) -> Any:
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    expr = ds.field("basis") == basis
    if tickers is not None:
        syms = sorted({str(t) for t in tickers})
        expr &= ds.field("bucket").isin(sorted({ticker_bucket(t) for t in syms}))
        expr &= ds.field("symbol").isin(syms)
    if start is not None:
        ts = pd.Timestamp(start)
        expr &= (ds.field("year") >= ts.year) & (ds.field("date") >= pc.scalar(ts.date()))
    if end is not None:
        ts = pd.Timestamp(end)
        expr &= (ds.field("year") <= ts.year) & (ds.field("date") <= pc.scalar(ts.date()))
    return expr


def read_bars(
    path: str | os.PathLike[str],
    *,
    tickers: Sequence[str] | None = None,
    basis: str = "adjusted",
    columns: Sequence[str] = ("close",),
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> pd.DataFrame:
    """Read daily bars from a dataset written by :func:`export_dataset`, as a long frame.

    Parameters
    ----------
    path : path-like or str
        The dataset folder, local or an fsspec URL (``s3://bucket/capsize``).
    tickers : sequence of str, optional
        Symbols to read (default all); only their buckets' files are opened.
    basis : str
        ``"adjusted"``, ``"raw"`` or ``"level"``, as in the store.
    columns : sequence of str
        Bar columns besides ``date`` and ``symbol`` (``close``, ``adj_close``, ``volume``...).
    start, end : date-like, optional
        First and last day to read; the year partitions outside are skipped.

    Returns
    -------
    DataFrame
        Columns ``date`` (datetime64, tz-naive), ``symbol`` and ``columns``, sorted by
        symbol and date.

    Raises
    ------
    DataNotFound
        When ``path`` holds no capsize dataset.
    """
    cols = ["date", "symbol", *[str(c) for c in columns]]
    table = _scan(path, cols, _filter(tickers, basis, start, end))
    df: pd.DataFrame = table.to_pandas()
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    return df.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)


def _scan(
    path: str | os.PathLike[str], cols: list[str], expr: Any, dictionary: Sequence[str] = ()
) -> Any:
    """Return the Arrow table of ``cols`` of the bars matching ``expr``.

    Columns in ``dictionary`` are read dictionary-encoded (no string decoding per row).
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    fs, root = _filesystem(os.fspath(path))
    bars = f"{root.rstrip('/')}/bars"
    exists = fs.exists(f"{root.rstrip('/')}/{MANIFEST}") if fs else Path(root, MANIFEST).is_file()
    if not exists:
        raise DataNotFound(f"no capsize Parquet dataset at {path!s}; write one with export")
    part = ds.partitioning(
        pa.schema([("bucket", pa.string()), ("year", pa.int32())]), flavor="hive"
    )
    try:
        fmt = ds.ParquetFileFormat(
            read_options=ds.ParquetReadOptions(dictionary_columns=list(dictionary))
        )
        dataset = ds.dataset(bars, format=fmt, partitioning=part, filesystem=fs)
        return dataset.to_table(columns=cols, filter=expr)
    except (pa.ArrowInvalid, KeyError) as exc:
        raise InputError(f"cannot read bars {cols} from {path!s}: {exc}") from exc


def read_bars_index(
    path: str | os.PathLike[str],
    *,
    tickers: Sequence[str] | None = None,
    basis: str = "adjusted",
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> tuple[pd.DatetimeIndex, list[str]]:
    """Return the distinct days and symbols of the bars :func:`read_bars` would read.

    The unique values are taken in Arrow, so the rows are never sorted or turned into
    Python objects (what a ``read_bars(..., columns=())`` of a large dataset costs).

    Returns
    -------
    dates : DatetimeIndex
        Sorted, tz-naive, named ``date``.
    symbols : list of str
        Sorted.
    """
    import pyarrow.compute as pc

    expr = _filter(tickers, basis, start, end)
    table = _scan(path, ["date", "symbol"], expr, dictionary=("symbol", "basis"))
    days = pd.to_datetime(pc.unique(table["date"]).to_pandas()).astype("datetime64[ns]")
    dates = pd.DatetimeIndex(days.sort_values().to_numpy(), name="date")
    symbols: set[str] = set()
    for chunk in table["symbol"].chunks:  # the values present, not the whole dictionary
        symbols.update(chunk.dictionary.take(pc.unique(chunk.indices)).to_pylist())
    return dates, sorted(symbols)
