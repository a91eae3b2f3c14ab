"""Local-folder provider: CSV and Parquet files laid out like ``shared/data``.

Layout understood (every other file is reported, never silently ignored)::

    prices/<SYM>.csv             daily bars; ETFs adjusted, GSPC/RUT/IXIC/VIX index levels,
                                 BTC-USD/ETH-USD crypto levels
    prices/raw/<SYM>_raw_*.csv   raw (split-adjusted, not dividend-adjusted) bars
    universe/<SYM>.csv           adjusted closes of index members
    universe_ohlcv/<SYM>.csv     adjusted OHLC and volume of index members
    macro/<SERIES>.csv           FRED series (date,value)
    macro/<FF file>.csv          tidy Ken French files (FF3_*, FF5_2x3_*, Momentum_*, Portfolios_*)
    macro/french_original/       French originals (annual sections are read from here)
    macro/fred_original/         FRED originals (checked against the tidy series)
    holdings/<FUND>_holdings_<date>.csv   iShares holdings CSVs as downloaded
    holdings/<IDX>_membership_history*.csv snapshot_date,ticker,weight_pct
    flows/*.csv                  date,ticker,shares_outstanding[,nav]

Bars files are read in bulk with DuckDB's CSV reader (all columns as text,
then strict casts), so one bad file or row never aborts the rest: a file
that cannot be read is rejected with a reason, a row with an unparseable
value is rejected with a reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from capsize.data.validate import NUMBER_PATTERN, parse_iso_dates
from capsize.errors import InputError, SchemaError

__all__ = [
    "BAR_COLUMNS",
    "FileSpec",
    "RejectedFile",
    "file_hash",
    "read_bar_files",
    "read_generic_csv",
    "scan_folder",
    "sniff_csv",
]

BAR_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")
INDEX_FILES = {"GSPC": "^GSPC", "RUT": "^RUT", "IXIC": "^IXIC", "VIX": "^VIX", "DJI": "^DJI"}
CRYPTO = {"BTC-USD", "ETH-USD"}
_DATA_SUFFIXES = {".csv", ".parquet", ".txt"}
_YEAR_MIN, _YEAR_MAX = 1678, 2261  # years pandas' datetime64[ns] holds
_FACTOR_TIDY = {
    "FF3_daily": ("FF3", "daily"),
    "FF3_monthly": ("FF3", "monthly"),
    "FF5_2x3_daily": ("FF5_2x3", "daily"),
    "FF5_2x3_monthly": ("FF5_2x3", "monthly"),
    "Momentum_daily": ("Momentum", "daily"),
    "Portfolios_Formed_on_ME_VW_monthly": ("ME_portfolios_VW", "monthly"),
    "Portfolios_Formed_on_ME_EW_monthly": ("ME_portfolios_EW", "monthly"),
}


@dataclass(frozen=True)
class FileSpec:
    """One file of a data folder and what it holds.

    Attributes
    ----------
    path : Path
        Absolute path.
    rel : str
        Path relative to the folder root (the catalog key).
    kind : str
        ``bars``, ``macro``, ``factors``, ``french_original``, ``fred_original``,
        ``holdings``, ``membership``, ``fund_shares``, ``reference``, ``document``
        or ``unknown``.
    subject : str
        Symbol, series id, dataset or fund.
    variant : str
        Price basis (bars), frequency (factors), or ``""``.
    group : str
        Import group (files of one group are written in one transaction).
    symbol_kind : str
        For bars: ``etf``, ``index``, ``stock`` or ``crypto``.
    """

    path: Path
    rel: str
    kind: str
    subject: str
    variant: str = ""
    group: str = ""
    symbol_kind: str = ""


@dataclass(frozen=True)
class RejectedFile:
    """A file that could not be imported, and why."""

    rel: str
    reason: str


def file_hash(path: Path) -> str:
    """Return a BLAKE2b digest of the file's bytes (used to skip unchanged files)."""
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _raw_prices(path: Path, rel: str, parts: list[str], stem: str) -> FileSpec | None:
    if len(parts) != 3 or parts[1] != "raw":
        return None
    m = re.match(r"^([A-Z0-9.\-^]+?)_raw(?:_.*)?$", stem)
    return FileSpec(path, rel, "bars", m.group(1), "raw", "prices_raw", "etf") if m else None


def _prices(path: Path, rel: str, parts: list[str], stem: str) -> FileSpec | None:
    if len(parts) != 2:
        return None
    if stem in INDEX_FILES:
        return FileSpec(path, rel, "bars", INDEX_FILES[stem], "level", "prices", "index")
    if stem in CRYPTO:
        return FileSpec(path, rel, "bars", stem, "level", "prices", "crypto")
    return FileSpec(path, rel, "bars", stem, "adjusted", "prices", "etf")


def _universe(path: Path, rel: str, parts: list[str], stem: str) -> FileSpec | None:
    if len(parts) != 2:
        return None
    return FileSpec(path, rel, "bars", stem, "adjusted", parts[0], "stock")


def _macro(path: Path, rel: str, parts: list[str], stem: str) -> FileSpec | None:
    if len(parts) == 2 and stem in _FACTOR_TIDY:
        dataset, freq = _FACTOR_TIDY[stem]
        return FileSpec(path, rel, "factors", dataset, freq, "macro")
    if len(parts) == 2:
        return FileSpec(path, rel, "macro", stem.upper(), group="macro")
    if len(parts) == 3 and parts[1] == "french_original":
        return FileSpec(path, rel, "french_original", stem, group="macro_original")
    if len(parts) == 3 and parts[1] == "fred_original":
        series = stem.split("_from_")[0].upper()
        return FileSpec(path, rel, "fred_original", series, group="macro_original")
    return None


def _holdings(path: Path, rel: str, parts: list[str], stem: str) -> FileSpec | None:
    if len(parts) != 2:
        return None
    m = re.match(r"^([A-Z]+)_holdings_(\d{4}-\d{2}-\d{2})$", stem)
    if m:
        return FileSpec(path, rel, "holdings", m.group(1), m.group(2), "holdings")
    if re.match(r"^([A-Z]+)_membership_history_commits$", stem):
        return FileSpec(path, rel, "reference", stem, group="reference")
    m = re.match(r"^([A-Z]+)_membership_history", stem)
    return FileSpec(path, rel, "membership", m.group(1), group="holdings") if m else None


def _flows(path: Path, rel: str, parts: list[str], stem: str) -> FileSpec | None:
    return FileSpec(path, rel, "fund_shares", stem, group="flows") if len(parts) == 2 else None


def _root_reference(path: Path, rel: str, parts: list[str], stem: str) -> FileSpec | None:
    if stem in ("universe_index", "universe_missing_tickers", "universe_ohlcv_index"):
        return FileSpec(path, rel, "reference", stem, group="reference")
    return None


_Rule = Callable[[Path, str, list[str], str], FileSpec | None]
_RULES: Mapping[str, tuple[_Rule, ...]] = {
    "prices": (_raw_prices, _prices),
    "universe": (_universe,),
    "universe_ohlcv": (_universe,),
    "macro": (_macro,),
    "holdings": (_holdings,),
    "flows": (_flows,),
    "": (_root_reference,),
}
"""Top folder ('' for the root) -> classifiers tried in turn; the first match wins."""


def _classify(root: Path, path: Path) -> FileSpec:
    rel = path.relative_to(root).as_posix()
    parts = rel.split("/")
    stem, suffix = path.stem, path.suffix.lower()
    if suffix not in _DATA_SUFFIXES:
        return FileSpec(path, rel, "document", stem, group="documents")
    top = parts[0] if len(parts) > 1 else ""
    for rule in _RULES.get(top, ()):
        spec = rule(path, rel, parts, stem)
        if spec is not None:
            return spec
    return FileSpec(path, rel, "unknown", stem, group="unknown")


def scan_folder(root: str | Path) -> list[FileSpec]:
    """List and classify every file below ``root``.

    Parameters
    ----------
    root : path-like
        A folder laid out like ``shared/data``.

    Returns
    -------
    list of FileSpec
        Sorted by relative path.

    Raises
    ------
    InputError
        If ``root`` is not a folder or holds no files.
    """
    base = Path(root).expanduser()
    if not base.is_dir():
        raise InputError(
            f"data folder {str(root)!r} does not exist or is not a folder; pass a folder laid out like shared/data"
        )
    base = base.resolve()
    # Every entry that is not a folder: dangling links and FIFOs are listed too (the
    # importer refuses them with a reason instead of skipping them unseen).
    files = sorted(p for p in base.rglob("*") if not p.name.startswith(".") and not p.is_dir())
    if not files:
        raise InputError(f"data folder {str(base)!r} is empty; nothing to import")
    return [_classify(base, p) for p in files]


def _sniff_content(head: bytes) -> str | None:
    """Why the first bytes of a file are not CSV text (None if they may be)."""
    if not head.strip():
        return "empty file"
    if b"\x00" in head:
        return "binary content (NUL bytes), not a CSV text file"
    low = head.decode("utf-8-sig", errors="replace").lstrip().lower()
    if low.startswith(("<!doctype", "<html", "<?xml", "<head")) or "<html" in low[:500]:
        return "an HTML/XML page, not CSV (a provider error page saved as data?)"
    return None


def _wrong_delimiter(header: str) -> str | None:
    for delim in (";", "\t", "|"):
        if delim in header:
            return f"delimiter {delim!r} instead of ',' in the header line {header[:60]!r}"
    return None


def _sniff_header(header: str, required: Sequence[str], min_columns: int) -> str | None:
    """Why a header line is unusable (None if it has the required columns)."""
    cols = [c.strip().strip('"').lower() for c in header.split(",")]
    wrong = _wrong_delimiter(header)
    if len(cols) < min_columns:
        return wrong or (
            f"header line {header[:60]!r} has a single column; expected comma-separated columns"
        )
    if min_columns < 2 and wrong:
        return wrong
    missing = [c for c in required if c not in cols]
    if missing:
        return f"missing column(s) {', '.join(missing)} (header: {header[:80]!r})"
    return None


def sniff_csv(
    path: Path, required: Sequence[str] = ("date", "close"), *, min_columns: int = 2
) -> str | None:
    """Check a CSV file's first bytes; return a rejection reason or None if it looks usable.

    Detects empty files, binary content, HTML error pages saved as CSV, a
    delimiter other than comma, and missing required columns.
    """
    try:
        head = path.read_bytes()[:4096]
    except OSError as exc:
        return f"cannot read file: {exc.strerror}"
    reason = _sniff_content(head)
    if reason is not None:
        return reason
    lines = head.decode("utf-8-sig", errors="replace").splitlines()
    return _sniff_header(lines[0] if lines else "", required, min_columns)


def _header(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        return fh.readline().strip().lower()


def read_bar_files(
    files: Sequence[Path], con: duckdb.DuckDBPyConnection | None = None
) -> tuple[pd.DataFrame, list[RejectedFile]]:
    """Read many bar files at once.

    Parameters
    ----------
    files : sequence of Path
        CSV or Parquet files with columns ``date, open, high, low, close,
        adj_close, volume`` (all but ``date`` and ``close`` optional; extra
        columns ignored).
    con : duckdb connection, optional
        Connection to use (a private in-memory one by default).

    Returns
    -------
    rows : DataFrame
        Long frame, file order preserved: ``file_id`` (int32, the position of
        the file in ``files``), ``date`` (datetime64, NaT where unparseable),
        the six bar columns (float64, NaN where empty or unparseable),
        ``bad_reason`` (str or None: why a row must be rejected).
    rejected : list of RejectedFile
        Files refused before reading (see :func:`sniff_csv`) or that DuckDB
        could not parse; ``rel`` is the file name.
    """
    own = con is None
    db = con if con is not None else duckdb.connect()
    rejected: list[RejectedFile] = []
    groups: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(files):
        if f.suffix.lower() == ".parquet":
            groups.setdefault(("parquet", ""), []).append(i)
            continue
        reason = sniff_csv(f)
        if reason:
            rejected.append(RejectedFile(f.name, reason))
        else:
            fmt = "csv-strict" if _needs_strict_read(f) else "csv"
            groups.setdefault((fmt, _header(f)), []).append(i)
    frames: list[pd.DataFrame] = []
    try:
        for (fmt, header), idx in groups.items():
            if fmt == "csv":
                fast = _typed_fast(db, [files[i] for i in idx], idx, header)
                if fast is not None:
                    frames.append(fast)
                    continue
            ids = _readable(db, [files[i] for i in idx], idx, fmt == "parquet", rejected)
            if ids:
                frames.append(_cast(db, ids))
    finally:
        if own:
            db.close()
    if not frames:
        return _empty_rows(), rejected
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return out, rejected


_STRICT_BYTES = re.compile(rb"[_nN]")


def _needs_strict_read(path: Path) -> bool:
    """Whether a CSV holds text DuckDB's typed reader would accept too leniently.

    ``1_000`` (read as 1000 by a DOUBLE cast) and ``nan``/``inf`` words go through the
    all-text reader, where every cell is checked against a plain number pattern.
    """
    data = path.read_bytes()
    body = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
    return _STRICT_BYTES.search(body) is not None


def _empty_rows() -> pd.DataFrame:
    cols: dict[str, object] = {
        "file_id": pd.Series(dtype="int32"),
        "date": pd.Series(dtype="datetime64[ns]"),
    }
    cols.update({c: pd.Series(dtype="float64") for c in BAR_COLUMNS})
    cols["bad_reason"] = pd.Series(dtype="object")
    return pd.DataFrame(cols)


def _typed_fast(
    db: duckdb.DuckDBPyConnection, paths: list[Path], ids: list[int], header: str
) -> pd.DataFrame | None:
    """Read clean files with declared types in one pass; None when any value does not parse.

    The slow path (all text, strict casts, a reason per bad row) then takes over.
    """
    names = [c.strip().strip('"') for c in header.split(",")]
    if len(set(names)) != len(names) or "date" not in names or "close" not in names:
        return None
    types = {n: ("DOUBLE" if n in BAR_COLUMNS else "VARCHAR") for n in names}
    # Dates are read as text and cast only when ISO (DuckDB's DATE cast also takes
    # '2024/01/05' and drops a time of day); any other date sends the files to the
    # slow path, where it gets a stated reason.
    iso = "CASE WHEN regexp_full_match(date, '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN TRY_CAST(date AS DATE) END"
    cols = ", ".join(c if c in names else f"NULL::DOUBLE AS {c}" for c in BAR_COLUMNS)
    cur = db.cursor()  # a failed read must not leave the shared connection busy
    try:
        # No join: a plain scan keeps file and row order (needed to spot unsorted files and
        # to keep the last of duplicated dates); file names are dictionary-encoded in Arrow.
        tbl = cur.sql(
            f"""
            SELECT filename, {iso} AS date, {cols}
            FROM read_csv($files, header = true, filename = true, delim = ',', quote = '"',
                          columns = $types, strict_mode = true, auto_detect = false)
            """,
            params={"files": [str(p) for p in paths], "types": types},
        ).to_arrow_table()
    except duckdb.Error:
        return None
    finally:
        cur.close()
    enc = pc.dictionary_encode(tbl.column("filename")).combine_chunks()
    id_of = {str(p): i for p, i in zip(paths, ids, strict=True)}
    codes = np.array([id_of[str(f)] for f in enc.dictionary.to_pylist()], dtype=np.int32)
    if not _dates_representable(tbl.column("date")):
        return None  # dates pandas cannot hold get a stated reason on the slow path
    df: pd.DataFrame = tbl.drop(["filename"]).to_pandas(date_as_object=False)
    df.insert(0, "file_id", codes[enc.indices.to_numpy(zero_copy_only=False)])
    df["bad_reason"] = None
    if df["date"].isna().any() or df["close"].isna().any():
        return None  # rows without date or close need a stated reason: slow path
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    return df


def _dates_representable(dates: pa.ChunkedArray) -> bool:
    """Whether every date lies in the years pandas' datetime64[ns] holds (1678..2261)."""
    years = pc.year(dates)
    low, high = pc.min(years).as_py(), pc.max(years).as_py()
    return low is None or (low >= _YEAR_MIN and high <= _YEAR_MAX)


def _readable(
    db: duckdb.DuckDBPyConnection,
    paths: list[Path],
    ids: list[int],
    parquet: bool,
    rejected: list[RejectedFile],
) -> dict[str, int]:
    """Load ``paths`` into ``_raw_bars``; on failure retry file by file, rejecting bad ones.

    Returns the ``{path: file_id}`` map of the files loaded.
    """
    mapping = {str(p): i for p, i in zip(paths, ids, strict=True)}
    try:
        _load_raw(db, list(mapping), parquet=parquet)
        return mapping
    except duckdb.Error:
        pass
    good: dict[str, int] = {}
    for p, i in mapping.items():
        try:
            _load_raw(db, [p], parquet=parquet)
            good[p] = i
        except duckdb.Error as exc:
            msg = str(exc).splitlines()[0][:160]
            what = "Parquet file" if parquet else "CSV"
            rejected.append(RejectedFile(Path(p).name, f"not a readable {what}: {msg}"))
    if good:
        _load_raw(db, list(good), parquet=parquet)
    return good


def _load_raw(db: duckdb.DuckDBPyConnection, paths: list[str], *, parquet: bool) -> None:
    if parquet:
        rel = db.read_parquet(paths, filename=True, union_by_name=True)  # noqa: F841
        db.execute("CREATE OR REPLACE TEMP TABLE _raw_bars AS SELECT * FROM rel")
        cols = [c[0] for c in db.execute("DESCRIBE _raw_bars").fetchall()]
        casts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in cols if c != "filename")
        db.execute(
            f"CREATE OR REPLACE TEMP TABLE _raw_bars AS SELECT {casts}, filename FROM _raw_bars"
        )
        return
    db.execute(
        "CREATE OR REPLACE TEMP TABLE _raw_bars AS SELECT * FROM read_csv(?, all_varchar = true, "
        "header = true, filename = true, delim = ',', quote = '\"', strict_mode = true)",
        [paths],
    )


def _cast(db: duckdb.DuckDBPyConnection, ids: dict[str, int]) -> pd.DataFrame:
    present = {c[0].lower(): c[0] for c in db.execute("DESCRIBE _raw_bars").fetchall()}
    if "date" not in present or "close" not in present:
        raise SchemaError(f"bar files lack a date or close column: {next(iter(ids))}")
    casts, bad = [], []
    for col in BAR_COLUMNS:
        if col in present:
            src = f'"{present[col]}"'
            plain = f"regexp_full_match(trim({src}), '{NUMBER_PATTERN}')"
            num = f"CASE WHEN {plain} THEN TRY_CAST(trim({src}) AS DOUBLE) END"
            casts.append(f"{num} AS {col}")
            bad.append(
                f"WHEN nullif(trim({src}), '') IS NOT NULL AND {num} IS NULL "
                f"THEN 'unparseable {col} ''' || {src} || ''': not a plain number'"
            )
        else:
            casts.append(f"NULL::DOUBLE AS {col}")
    d = f'"{present["date"]}"'
    sql = f"""
        SELECT f.file_id::INTEGER AS file_id,
               {d} AS date,
               {", ".join(casts)},
               CASE
                   {" ".join(bad)}
                   ELSE NULL
               END AS bad_reason
        FROM _raw_bars r JOIN _files f ON r.filename = f.path
        ORDER BY f.file_id, r.rowid
    """
    files = pd.DataFrame({"path": list(ids), "file_id": list(ids.values())})
    db.register("_files", files)
    try:
        df = db.execute(sql).df()
    finally:
        db.unregister("_files")
        db.execute("DROP TABLE IF EXISTS _raw_bars")
    dates, why = parse_iso_dates(df["date"])
    df["date"] = dates
    df["bad_reason"] = why.where(why.notna(), df["bad_reason"])
    return df


def read_generic_csv(
    path: str | Path,
    mapping: Mapping[str, str],
    *,
    date_format: str | None = None,
    thousands: str | None = None,
    delimiter: str = ",",
) -> pd.DataFrame:
    """Read a CSV of daily bars with arbitrary column names.

    Parameters
    ----------
    path : path-like
        The file.
    mapping : Mapping[str, str]
        File column -> standard column (``date``, ``open``, ``high``, ``low``,
        ``close``, ``adj_close``, ``volume``). ``date`` and ``close`` are required.
    date_format : str, optional
        strftime format of the date column (inferred when omitted).
    thousands : str, optional
        Thousands separator in numbers (e.g. ``","``).
    delimiter : str
        Field delimiter.

    Returns
    -------
    DataFrame
        Long frame like :func:`read_bar_files` (``file_id`` 0, ``date``, bar columns,
        ``bad_reason``).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"CSV file {str(path)!r} does not exist")
    targets = set(mapping.values())
    unknown = targets - {"date", *BAR_COLUMNS}
    if unknown:
        raise InputError(
            f"mapping targets {sorted(unknown)} are not standard columns (date, {', '.join(BAR_COLUMNS)})"
        )
    if not {"date", "close"} <= targets:
        raise InputError("mapping must map one column to 'date' and one to 'close'")
    try:
        raw = pd.read_csv(p, sep=delimiter, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"cannot parse {p.name} as CSV: {str(exc).splitlines()[0]}") from None
    missing = [c for c in mapping if c not in raw.columns]
    if missing:
        raise SchemaError(
            f"{p.name} lacks column(s) {', '.join(missing)}; it has {', '.join(raw.columns[:10])}"
        )
    out = pd.DataFrame({"file_id": 0}, index=raw.index).astype("int32")
    dates = pd.to_datetime(
        raw[_inv(mapping, "date")].str.strip(), format=date_format, errors="coerce"
    )
    out["date"] = dates.astype("datetime64[ns]")
    reasons = pd.Series([None] * len(raw), index=raw.index, dtype="object")
    reasons[dates.isna()] = "unparseable date " + raw[_inv(mapping, "date")][dates.isna()]
    for col in BAR_COLUMNS:
        if col not in targets:
            out[col] = float("nan")
            continue
        text = raw[_inv(mapping, col)].str.strip()
        if thousands:
            text = text.str.replace(thousands, "", regex=False)
        num = pd.to_numeric(text.replace("", None), errors="coerce")
        bad = num.isna() & text.ne("")
        reasons[bad & reasons.isna()] = f"unparseable {col} " + text[bad & reasons.isna()]
        out[col] = num.astype("float64")
    out["bad_reason"] = reasons
    return out


def _inv(mapping: Mapping[str, str], target: str) -> str:
    return next(k for k, v in mapping.items() if v == target)
