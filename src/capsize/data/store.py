"""The embedded DuckDB store: schema, transactional idempotent writes, as-of reads.

The store is one DuckDB file (``$CAPSIZE_HOME/capsize.duckdb``). Every write
runs in a single transaction: a crash or ``SIGKILL`` mid-write leaves the
previous state, and writing the same data again changes nothing (rows are
replaced by key, never appended twice). An import or an update is one transaction
as a whole (see :mod:`capsize.data.ingest`).

One process may write the file, or several read it. A process refused because
another holds the file gets one line naming that process's command and pid (each
:meth:`Store.open` records its holder, see :mod:`capsize.data._holders`);
``Store.open(wait=seconds)`` waits for it, up to that long.

Reads return pandas frames with a tz-naive ``DatetimeIndex`` named ``date``
and accept ``as_of=``: only rows dated on or before it are returned.

Price bases
-----------
``adjusted``
    Split- and dividend-adjusted close (a total-return series). ETFs and stocks.
``raw``
    Split-adjusted but not dividend-adjusted close, as quoted (price return).
``level``
    Index levels (``^GSPC``, ``^RUT``, ...) and crypto prices: no adjustment applies.
``auto`` (reads only)
    ``adjusted`` where the symbol has it, else ``level``.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from capsize._typing import DateLike
from capsize.config import load_settings
from capsize.data._holders import describe as describe_holder
from capsize.data._holders import register as register_holder
from capsize.data._holders import release as release_holder
from capsize.data._schema import MIGRATIONS, SCHEMA_VERSION
from capsize.data.stamp import discard_stamp
from capsize.errors import DataNotFound, InputError, StoreError

__all__ = [
    "BAR_FIELDS",
    "BASES",
    "Basis",
    "IntegrityReport",
    "Provenance",
    "Store",
    "as_timestamp",
    "first_row",
    "pivot_days",
]

Basis = Literal["adjusted", "raw", "level", "auto"]
BASES: tuple[str, ...] = ("adjusted", "raw", "level")
BAR_FIELDS = ("open", "high", "low", "close", "adj_close", "volume")
log = logging.getLogger(__name__)

_FACTOR_DATASETS_HINT = "FF3, FF5_2x3, Momentum, ME_portfolios_VW, ME_portfolios_EW"


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """Return the first row of an executed query (``None`` when empty), consuming it all.

    DuckDB 2 keeps a result open until a fetch returns no rows, and refuses other work
    on the connection (``register``) meanwhile; ``fetchone()`` would leave it open.
    """
    rows = result.fetchall()
    return tuple(rows[0]) if rows else None


@dataclass(frozen=True)
class Provenance:
    """Where a dataset came from and what it covers.

    Attributes
    ----------
    dataset : str
        Kind of data (``bars``, ``macro``, ``factors``, ...).
    key : str
        Symbol, series id, dataset or fund.
    source : str
        Source file(s) or provider URL(s), ``"; "``-separated.
    first_date, last_date : Timestamp or None
        Date range held.
    rows : int
        Rows held.
    ingested_at : Timestamp or None
        Last time the data was written.
    """

    dataset: str
    key: str
    source: str
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    rows: int
    ingested_at: pd.Timestamp | None

    def describe(self) -> str:
        """One line: ``"IWM: prices/IWM.csv, 2000-05-26..2026-08-21"``."""
        first = self.first_date.strftime("%Y-%m-%d") if self.first_date is not None else "?"
        last = self.last_date.strftime("%Y-%m-%d") if self.last_date is not None else "?"
        return f"{self.key}: {self.source}, {first}..{last}"


def as_timestamp(value: DateLike | None, name: str) -> pd.Timestamp | None:
    """Return ``value`` as a tz-naive midnight Timestamp (None stays None).

    Raises
    ------
    InputError
        When ``value`` is not a date; the message names the argument ``name``.
    """
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise InputError(f"{name}={value!r} is not a date; use YYYY-MM-DD") from None
    if pd.isna(ts):
        raise InputError(f"{name}={value!r} is not a date; use YYYY-MM-DD")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    return ts.normalize()


def _date_index(frame: pd.DataFrame, column: str = "date") -> pd.DataFrame:
    frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame.set_index(column)


def _date_bounds(column: str, start: pd.Timestamp | None, as_of: pd.Timestamp | None) -> str:
    """Return SQL ``AND`` terms for the bounds given (none for a missing one: DuckDB prunes)."""
    lower = f" AND {column} >= ?::DATE" if start is not None else ""
    upper = f" AND {column} <= ?::DATE" if as_of is not None else ""
    return lower + upper


def _bounds(start: pd.Timestamp | None, as_of: pd.Timestamp | None) -> list[pd.Timestamp]:
    """Return the parameters of :func:`_date_bounds`, in its order."""
    return [x for x in (start, as_of) if x is not None]


def _day_index(days: np.ndarray) -> pd.DatetimeIndex:
    """Days since 1970-01-01 as a ``date``-named datetime64[ns] index."""
    return pd.DatetimeIndex(
        np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[ns]"),
        name="date",
    )


def _pivot(got: dict[str, Any], n_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Pivot the ``d, j, v`` arrays of a ``fetchnumpy`` result (:func:`pivot_days`)."""
    return pivot_days(np.asarray(got["d"]), np.asarray(got["j"]), got["v"], n_cols)


def pivot_days(
    days: np.ndarray, cols: np.ndarray, values: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pivot long rows (day number, column code, value) to a dense day x column matrix.

    Parameters
    ----------
    days : ndarray of int, shape (n_rows,)
        Days since 1970-01-01.
    cols : ndarray of int, shape (n_rows,)
        Column codes in ``[0, n_cols)``.
    values : ndarray of float, shape (n_rows,)
        Values (a masked array's masked entries become NaN).
    n_cols : int
        Columns of the matrix.

    Returns
    -------
    tuple of ndarray
        The sorted distinct days (n_days,) and the values (n_days, n_cols), NaN where
        a column has no row that day. One pass over a day-presence table instead of a
        sort: a store's days span a few ten thousand at most.

    Examples
    --------
    >>> d, v = pivot_days(np.array([3, 1, 3]), np.array([0, 1, 1]), np.array([1.0, 2.0, 3.0]), 2)
    >>> d.tolist(), v.tolist()
    ([1, 3], [[nan, 2.0], [1.0, 3.0]])
    """
    d = np.asarray(days, dtype="int64")
    v = np.ma.filled(values, np.nan) if np.ma.isMaskedArray(values) else np.asarray(values)
    if len(d) == 0:
        return d, np.full((0, n_cols), np.nan)
    lo = int(d.min())
    present = np.zeros(int(d.max()) - lo + 1, dtype=bool)
    present[d - lo] = True
    rows = (np.cumsum(present) - 1)[d - lo]
    out = np.full((int(present.sum()), n_cols), np.nan)
    out[rows, np.asarray(cols, dtype="int64")] = v
    return np.flatnonzero(present) + lo, out


_UNIQUE_KEYS: dict[str, str] = {
    "bars": "symbol, basis, date",
    "macro": "series_id, date",
    "factors": "dataset, frequency, date, name",
    "holdings": "fund, as_of, position",
    "membership": "index_name, snapshot_date, ticker",
    "fund_shares": "fund, date, source",
    "actions": "symbol, date, kind",
}
"""Key of each data table: two rows with the same key are an integrity problem."""

_FINITE = "NOT isfinite(coalesce({c}, 0))"
_ROW_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "bars: {n} rows with a non-positive, missing or non-finite close",
        "SELECT count(*) FROM bars WHERE close IS NULL OR NOT isfinite(close) OR close <= 0",
    ),
    (
        "bars: {n} rows with a non-finite open, high, low, adj_close or volume",
        "SELECT count(*) FROM bars WHERE "
        + " OR ".join(_FINITE.format(c=c) for c in ("open", "high", "low", "adj_close", "volume")),
    ),
    (
        "macro: {n} non-finite values",
        "SELECT count(*) FROM macro WHERE NOT isfinite(value)",
    ),
    (
        "factors: {n} non-finite values",
        "SELECT count(*) FROM factors WHERE NOT isfinite(value)",
    ),
    (
        "fund_shares: {n} rows with non-finite shares outstanding or NAV",
        "SELECT count(*) FROM fund_shares WHERE NOT isfinite(shares_outstanding) OR "
        + _FINITE.format(c="nav"),
    ),
    (
        "symbols: {n} symbol rows from data files that hold no bars (orphan symbols)",
        "SELECT count(*) FROM symbols s WHERE NOT EXISTS (SELECT 1 FROM bars b "
        "WHERE b.symbol = s.symbol) AND s.source NOT IN "
        "(SELECT dataset_key FROM catalog WHERE kind = 'reference')",
    ),
    (
        "catalog: {n} bar datasets listed but holding no rows",
        "SELECT count(*) FROM catalog c WHERE c.kind = 'bars' AND c.rows > 0 AND NOT EXISTS "
        "(SELECT 1 FROM bars b WHERE b.symbol = c.subject AND b.basis = c.variant)",
    ),
)
"""(problem template, SQL counting the offending rows) of every row-level integrity check."""


@dataclass(frozen=True)
class IntegrityReport:
    """Result of :meth:`Store.check_integrity`.

    Attributes
    ----------
    ok : bool
        True when no problem was found.
    problems : tuple of str
        Human-readable problems (duplicate keys, catalog mismatches, ...).
    """

    ok: bool
    problems: tuple[str, ...]


def _lock_refusal(db: Path, read_only: bool, error: str, waited: float) -> StoreError:
    who = describe_holder(db, error)
    if waited > 0:
        hint = f" after waiting {waited:g} s; try again later or pass a longer --wait"
    elif read_only:
        hint = "; wait for it to finish and try again"
    else:
        hint = "; wait for it to finish and try again, or pass --wait SECONDS to wait for it"
    return StoreError(f"store {db} is in use by {who}{hint}")


def _connect(db: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Connect to ``db``, retrying for ``wait`` seconds while another process holds it."""
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            con = duckdb.connect(str(db), read_only=read_only)
            con.execute("SET enable_progress_bar = false")  # never draw over the CLI's output
            return con
        except duckdb.Error as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise StoreError(
                    f"cannot open store {db}: {text.splitlines()[0]}; if the file is damaged, "
                    "rename it and run 'capsize data import DIR' to build a new store"
                ) from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise _lock_refusal(db, read_only, text, wait) from None
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.5)


def _forget_version(db: Path) -> None:
    """Remove the recorded data version of ``db`` before a writer may change it.

    Readers that skip DuckDB (:mod:`capsize.data.stamp`) then ask DuckDB again. A stamp
    that cannot be removed is left: its file identity no longer matches once written.
    """
    try:
        discard_stamp(db)
    except OSError as exc:
        log.warning("cannot remove the data version stamp of %s (%s)", db, exc)


class Store:
    """Handle on the capsize DuckDB store.

    Use :meth:`open`; close with :meth:`close` or as a context manager. Writes are
    transactional upserts; reads return frames limited to rows dated on or before
    ``as_of``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection.
    path : Path
        The database file.
    read_only : bool
        Whether the connection is read-only.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only
        self._in_tx = False
        self._record: Path | None = None
        # symbol -> bases held; only kept on a read-only store (its data cannot change
        # while it is open: DuckDB admits no writer beside a reader).
        self._bases: dict[str, frozenset[str]] = {}

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        wait: float = 0.0,
        holder: str | None = None,
    ) -> Store:
        """Open (and create or migrate) the store.

        Parameters
        ----------
        path : path-like, optional
            Database file; defaults to ``$CAPSIZE_HOME/capsize.duckdb``.
        read_only : bool
            Open without write access (several readers may share the file).
        wait : float
            Seconds to wait while another process holds the file (0: fail at once).
        holder : str, optional
            What this process is, for the message another process gets while this one
            holds the store (default: the command line, e.g. ``capsize data import DIR``).

        Returns
        -------
        Store

        Raises
        ------
        StoreError
            If the file cannot be opened (held by another process for longer than
            ``wait`` seconds, the message naming its command and pid; corrupt; or
            written by a newer capsize).
        """
        db = Path(path) if path is not None else load_settings().store_path
        if read_only and not db.exists():
            raise DataNotFound(
                f"no capsize store at {db}; run 'capsize data import DIR' or 'capsize data update' first"
            )
        if not math.isfinite(wait) or wait < 0:
            raise InputError(f"wait={wait!r} is not a number of seconds >= 0; use e.g. --wait 30")
        db.parent.mkdir(parents=True, exist_ok=True)
        con = _connect(db, read_only, wait)
        if not read_only:
            _forget_version(db)
        store = cls(con, db, read_only)
        if read_only and store.needs_migration():
            # A reader of an older store: migrate once with a short write connection (one
            # transaction per step), then read. Fails cleanly when a writer holds the file.
            store.close()
            cls.open(db, read_only=False, wait=wait, holder=holder).close()
            return cls.open(db, read_only=True, wait=wait, holder=holder)
        try:
            store._migrate()
        except BaseException:
            store.close()
            raise
        store._record = register_holder(db, "reading" if read_only else "writing", holder)
        return store

    def needs_migration(self) -> bool:
        """Return True when the file's schema is older than this capsize's."""
        return 0 < self.schema_version() < SCHEMA_VERSION

    def close(self) -> None:
        """Close the connection (and withdraw this process's holder record)."""
        self.con.close()
        release_holder(self._record)
        self._record = None

    def cursor(self) -> Store:
        """Return a store on a new cursor of this read-only connection, for another thread.

        It shares what this store remembers of the file (the bases held per symbol: the
        data of a read-only store cannot change while it is open). Close it when done; the
        connection stays open until this store is closed.

        Raises
        ------
        StoreError
            When this store is not read-only.
        """
        if not self.read_only:
            raise StoreError(f"store {self.path} is open for writing; cursors are for readers")
        other = Store(self.con.cursor(), self.path, read_only=True)
        other._bases = self._bases
        return other

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, newer than this capsize "
                f"({SCHEMA_VERSION}); upgrade capsize"
            )
        if version == SCHEMA_VERSION:
            return
        if self.read_only:
            raise StoreError(f"store {self.path} needs a migration; open it once for writing")
        for target in range(version, SCHEMA_VERSION):
            with self.transaction():
                self.con.execute(MIGRATIONS[target])
                self.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(target + 1)]
                )

    def schema_version(self) -> int:
        """Return the store's schema version (0 for an empty file)."""
        exists = first_row(
            self.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
            )
        )
        if not exists or exists[0] == 0:
            return 0
        row = first_row(self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'"))
        return int(row[0]) if row else 0

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction; roll back on any exception.

        Nested use joins the outer transaction.
        """
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only; cannot write")
        if self._in_tx:
            yield self.con
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._in_tx = False

    # ------------------------------------------------------------------ writes
    def write_bars(self, frame: pd.DataFrame, *, source: str | None = None) -> int:
        """Upsert daily bars; rows are keyed by (symbol, basis, date).

        Parameters
        ----------
        frame : DataFrame
            Long frame with columns ``symbol, basis, date, close`` and any of
            ``open, high, low, adj_close, volume``, ``source`` (other columns
            are ignored). Incoming NaN
            fields keep the stored value (so an OHLCV file can complete a
            close-only series without erasing it).
        source : str, optional
            Source for rows without a ``source`` column.

        Returns
        -------
        int
            Rows written.
        """
        df = frame.copy()
        for col in BAR_FIELDS:
            if col not in df.columns:
                df[col] = float("nan")
        if "source" not in df.columns:
            if source is None:
                raise InputError("write_bars needs a 'source' column or source=")
            df["source"] = source
        bad = sorted(set(df["basis"].unique()) - set(BASES))
        if bad:
            raise InputError(f"basis {bad[0]!r} is not one of {', '.join(BASES)}")
        df = df[["symbol", "basis", "date", *BAR_FIELDS, "source"]]
        df["date"] = pd.to_datetime(df["date"]).dt.date
        with self.transaction() as con:
            con.register("_in_bars", df)
            try:
                con.execute(
                    """
                    CREATE OR REPLACE TEMP TABLE _merged AS
                    SELECT s.symbol, s.basis, s.date,
                           coalesce(s.open, b.open) AS open, coalesce(s.high, b.high) AS high,
                           coalesce(s.low, b.low) AS low, coalesce(s.close, b.close) AS close,
                           coalesce(s.adj_close, b.adj_close) AS adj_close,
                           coalesce(s.volume, b.volume) AS volume,
                           CASE WHEN b.source IS NULL THEN s.source
                                WHEN list_contains(string_split(b.source, '; '), s.source)
                                THEN b.source
                                ELSE b.source || '; ' || s.source END AS source,
                           now()::TIMESTAMP AS ingested_at
                    FROM _in_bars s LEFT JOIN bars b
                      ON b.symbol = s.symbol AND b.basis = s.basis AND b.date = s.date
                    """
                )
                con.execute(
                    "DELETE FROM bars USING _merged m WHERE bars.symbol = m.symbol "
                    "AND bars.basis = m.basis AND bars.date = m.date"
                )
                con.execute("INSERT INTO bars SELECT * FROM _merged")
                con.execute("DROP TABLE _merged")
            finally:
                con.unregister("_in_bars")
        return len(df)

    def _replace_rows(self, table: str, frame: pd.DataFrame, keys: Sequence[str]) -> int:
        """Delete rows matching ``frame`` on ``keys`` and insert ``frame`` (one transaction)."""
        cols = [c[0] for c in self.con.execute(f"DESCRIBE {table}").fetchall()]
        df = frame.copy()
        if "ingested_at" in cols and "ingested_at" not in df.columns:
            df["ingested_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise InputError(f"{table} rows lack column(s) {', '.join(missing)}")
        df = df[cols]
        cond = " AND ".join(f"{table}.{k} IS NOT DISTINCT FROM i.{k}" for k in keys)
        with self.transaction() as con:
            con.register("_in_rows", df)
            try:
                con.execute(
                    f"DELETE FROM {table} USING (SELECT DISTINCT {', '.join(keys)} FROM _in_rows) i "
                    f"WHERE {cond}"
                )
                con.execute(f"INSERT INTO {table} SELECT * FROM _in_rows")
            finally:
                con.unregister("_in_rows")
        return len(df)

    def write_macro(self, frame: pd.DataFrame) -> int:
        """Upsert macro observations (columns ``series_id, date, value, source``)."""
        return self._replace_rows("macro", frame, ("series_id", "date"))

    def write_factors(self, frame: pd.DataFrame) -> int:
        """Upsert factor values (``dataset, frequency, date, name, value, source``)."""
        return self._replace_rows("factors", frame, ("dataset", "frequency", "date", "name"))

    def write_actions(self, frame: pd.DataFrame) -> int:
        """Upsert corporate actions (``symbol, date, kind, value, source``)."""
        return self._replace_rows("actions", frame, ("symbol", "date", "kind"))

    def write_holdings(self, frame: pd.DataFrame) -> int:
        """Replace whole holdings snapshots (keyed by ``fund, as_of``)."""
        return self._replace_rows("holdings", frame, ("fund", "as_of"))

    def write_membership(self, frame: pd.DataFrame) -> int:
        """Replace membership snapshots (keyed by ``index_name, snapshot_date``)."""
        return self._replace_rows("membership", frame, ("index_name", "snapshot_date"))

    def write_fund_shares(self, frame: pd.DataFrame) -> int:
        """Upsert shares outstanding (``fund, date, shares_outstanding, nav, source``)."""
        return self._replace_rows("fund_shares", frame, ("fund", "date", "source"))

    def write_symbols(self, frame: pd.DataFrame) -> int:
        """Upsert symbol metadata (``symbol, kind, name, note, source``)."""
        df = frame.copy()
        if "updated_at" not in df.columns:
            df["updated_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None)
        return self._replace_rows("symbols", df, ("symbol",))

    def write_quality(self, dataset_keys: Sequence[str], findings: pd.DataFrame) -> int:
        """Replace the quality findings of the given datasets.

        Parameters
        ----------
        dataset_keys : sequence of str
            Catalog keys whose previous findings are replaced (also those with
            no new finding).
        findings : DataFrame
            Columns ``dataset_key``, ``symbol``, ``date``, ``check``,
            ``severity``, ``detail``.

        Returns
        -------
        int
            Findings written.
        """
        df = pd.DataFrame(
            {
                "dataset_key": findings["dataset_key"].astype("object"),
                "symbol": findings["symbol"].astype("object"),
                "date": pd.to_datetime(findings["date"]).dt.date,
                "check_name": findings["check"].astype("object"),
                "severity": findings["severity"].astype("object"),
                "detail": findings["detail"].astype("object"),
            }
        )
        df["logged_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None)
        keys = pd.DataFrame({"dataset_key": list(dataset_keys)})
        with self.transaction() as con:
            con.register("_q_keys", keys)
            con.register("_in_q", df)
            try:
                con.execute(
                    "DELETE FROM quality_log WHERE dataset_key IN (SELECT dataset_key FROM _q_keys)"
                )
                if len(df):
                    con.execute("INSERT INTO quality_log SELECT * FROM _in_q")
            finally:
                con.unregister("_q_keys")
                con.unregister("_in_q")
        return len(df)

    def write_catalog(self, entries: pd.DataFrame) -> int:
        """Upsert catalog entries (one per file or fetched dataset)."""
        return self._replace_rows("catalog", entries, ("dataset_key",))

    def catalog_hashes(self) -> dict[str, str]:
        """Return ``{dataset_key: content_hash}`` for every catalogued dataset."""
        rows = self.con.execute(
            "SELECT dataset_key, content_hash FROM catalog WHERE content_hash IS NOT NULL"
        ).fetchall()
        return {str(k): str(h) for k, h in rows}

    # ------------------------------------------------------------------ integrity
    def check_integrity(self) -> IntegrityReport:
        """Check keys are unique, values finite and every row belongs to something.

        Returns
        -------
        IntegrityReport
            One line per problem: duplicated keys, non-positive, missing or non-finite
            values, orphan rows (symbol rows of a data file without bars, catalog
            entries without rows).
        """
        problems: list[str] = []
        for table, key in _UNIQUE_KEYS.items():
            row = first_row(
                self.con.execute(
                    f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1)"
                )
            )
            if row and row[0]:
                problems.append(f"{table}: {row[0]} duplicated keys ({key})")
        for what, sql in _ROW_CHECKS:
            row = first_row(self.con.execute(sql))
            if row and row[0]:
                problems.append(what.format(n=row[0]))
        return IntegrityReport(ok=not problems, problems=tuple(problems))

    # ------------------------------------------------------------------ reads
    def _resolve_basis(self, symbols: Sequence[str], basis: str) -> dict[str, str]:
        if basis not in (*BASES, "auto"):
            raise InputError(f"basis={basis!r} is not one of adjusted, raw, level, auto")
        if not symbols:
            raise InputError("no symbols given; name at least one, e.g. IWM")
        by_symbol = self._held_bases(symbols)
        out: dict[str, str] = {}
        for sym in symbols:
            have = by_symbol.get(sym)
            if not have:
                raise DataNotFound(
                    f"no price data for symbol {sym!r} in the store; check the spelling "
                    "(indices start with ^, e.g. ^RUT) or run 'capsize data import DIR'"
                )
            if basis == "auto":
                out[sym] = (
                    "adjusted" if "adjusted" in have else ("level" if "level" in have else "raw")
                )
            elif basis in have:
                out[sym] = basis
            else:
                raise DataNotFound(
                    f"symbol {sym!r} has no {basis} prices in the store (it has: "
                    f"{', '.join(sorted(have))}); use basis='auto' or import {basis} data"
                )
        return out

    def _held_bases(self, symbols: Sequence[str]) -> dict[str, frozenset[str]]:
        """Bases held per symbol (each symbol asked once per read-only store)."""
        unknown = [x for x in dict.fromkeys(symbols) if x not in self._bases]
        found: dict[str, set[str]] = {x: set() for x in unknown}
        if unknown:
            held = self.con.execute(
                "SELECT DISTINCT symbol, basis FROM bars WHERE symbol IN (SELECT unnest(?))",
                [unknown],
            ).fetchall()
            for sym, bas in held:
                found.setdefault(str(sym), set()).add(str(bas))
        out = {x: frozenset(v) for x, v in found.items()}
        if self.read_only:
            self._bases.update(out)
        return {x: self._bases[x] if x in self._bases else out[x] for x in symbols}

    def closes(
        self,
        symbols: Sequence[str] | str,
        *,
        basis: Basis = "auto",
        start: DateLike | None = None,
        as_of: DateLike | None = None,
    ) -> pd.DataFrame:
        """Return closing prices, one column per symbol.

        Parameters
        ----------
        symbols : str or sequence of str
            Symbols (``"IWM"``, ``"^RUT"``, ``"BTC-USD"``).
        basis : {"auto", "adjusted", "raw", "level"}
            Price basis (see module docstring).
        start, as_of : date-like, optional
            Keep rows dated on or after ``start`` and on or before ``as_of``.

        Returns
        -------
        DataFrame of shape (n_dates, n_symbols), USD or index points
            Union of the symbols' dates; NaN where a symbol has no bar.
            ``attrs["basis"]`` maps each symbol to the basis returned.
        """
        syms = [symbols] if isinstance(symbols, str) else list(symbols)
        resolved = self._resolve_basis(syms, basis)
        s, a = as_timestamp(start, "start"), as_timestamp(as_of, "as_of")
        names = list(resolved)
        got = self.con.execute(
            f"""
            SELECT (b.date - DATE '1970-01-01')::INTEGER AS d, w.j AS j, b.close::DOUBLE AS v
            FROM bars b
            JOIN (SELECT unnest(?::VARCHAR[]) AS symbol, unnest(?::VARCHAR[]) AS basis,
                         unnest(?::INTEGER[]) AS j) w
              ON b.symbol = w.symbol AND b.basis = w.basis
            WHERE b.symbol IN (SELECT unnest(?::VARCHAR[])){_date_bounds("b.date", s, a)}
            """,
            [names, list(resolved.values()), list(range(len(names))), names, *_bounds(s, a)],
        ).fetchnumpy()
        days, values = _pivot(got, len(names))
        wide = pd.DataFrame(values, index=_day_index(days), columns=names)
        if names != syms:
            wide = wide.reindex(columns=syms)
        wide.attrs["basis"] = dict(resolved)
        return wide

    def bars(
        self,
        symbol: str,
        *,
        basis: Basis = "auto",
        start: DateLike | None = None,
        as_of: DateLike | None = None,
    ) -> pd.DataFrame:
        """Daily bars of one symbol.

        Returns
        -------
        DataFrame of shape (n_dates, 6)
            Columns ``open, high, low, close, adj_close, volume`` (NaN = unknown);
            ``attrs["basis"]`` and ``attrs["source"]`` set.
        """
        resolved = self._resolve_basis([symbol], basis)[symbol]
        s, a = as_timestamp(start, "start"), as_timestamp(as_of, "as_of")
        df = self.con.execute(
            f"""
            SELECT date, open, high, low, close, adj_close, volume FROM bars
            WHERE symbol = ? AND basis = ?{_date_bounds("date", s, a)}
            ORDER BY date
            """,
            [symbol, resolved, *_bounds(s, a)],
        ).df()
        out = _date_index(df).astype("float64")
        out.attrs["basis"] = resolved
        out.attrs["source"] = self.provenance("bars", symbol).source
        return out

    def panel(
        self,
        symbols: Sequence[str] | None = None,
        *,
        field: str = "close",
        basis: Basis = "adjusted",
        kind: str | None = "stock",
        start: DateLike | None = None,
        as_of: DateLike | None = None,
    ) -> pd.DataFrame:
        """Return a wide date x symbol frame of one bar field (for universe analytics).

        Parameters
        ----------
        symbols : sequence of str, optional
            Symbols; default all symbols of ``kind``.
        field : {"close", "open", "high", "low", "volume", "adj_close"}
            Bar field.
        basis : {"adjusted", "raw", "level"}
            Price basis.
        kind : str or None
            With ``symbols=None``: symbol kind to include (``stock``); None for all.
        start, as_of : date-like, optional
            Date bounds (inclusive).

        Returns
        -------
        DataFrame of shape (n_dates, n_symbols)
        """
        if field not in BAR_FIELDS:
            raise InputError(f"field={field!r} is not one of {', '.join(BAR_FIELDS)}")
        s, a = as_timestamp(start, "start"), as_timestamp(as_of, "as_of")
        if symbols is None:
            names = self.symbols(kind) if kind else self.symbols()
        else:
            names = sorted({str(x) for x in symbols})
        # Symbols go in with small integer codes (their sorted order): the rows come back
        # as three numeric arrays, so no per-row string is built (3x faster than pivoting
        # a frame of strings on a 2,000-member universe).
        got = self.con.execute(
            f"""
            SELECT (b.date - DATE '1970-01-01')::INTEGER AS d, w.j AS j, b.{field}::DOUBLE AS v
            FROM bars b
            JOIN (SELECT unnest(?::VARCHAR[]) AS symbol, unnest(?::INTEGER[]) AS j) w
              ON b.symbol = w.symbol
            WHERE b.basis = ?{_date_bounds("b.date", s, a)}
            """,
            [names, list(range(len(names))), basis, *_bounds(s, a)],
        ).fetchnumpy()
        if len(got["d"]) == 0:
            raise DataNotFound(
                f"no {basis} {field} data for the requested symbols; run 'capsize data import DIR'"
            )
        days, values = _pivot(got, len(names))
        held = np.flatnonzero(np.bincount(np.asarray(got["j"]), minlength=len(names)))
        return pd.DataFrame(
            values[:, held], index=_day_index(days), columns=pd.Index([names[k] for k in held])
        )

    def macro(self, series: Sequence[str] | str, *, as_of: DateLike | None = None) -> pd.DataFrame:
        """Macro series (FRED), one column per series id, values as published (percent)."""
        ids = [series] if isinstance(series, str) else list(series)
        a = as_timestamp(as_of, "as_of")
        long = self.con.execute(
            "SELECT date, series_id, value FROM macro WHERE series_id IN (SELECT unnest(?)) "
            "AND (?::DATE IS NULL OR date <= ?::DATE) ORDER BY date",
            [ids, a, a],
        ).df()
        found = set(long["series_id"].unique())
        for sid in ids:
            if sid not in found:
                raise DataNotFound(
                    f"no macro series {sid!r} in the store; import it (e.g. DGS2, DGS10, DFF, FEDFUNDS)"
                )
        wide = long.pivot(index="date", columns="series_id", values="value").reindex(columns=ids)
        wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index), name="date").astype(
            "datetime64[ns]"
        )
        wide.columns.name = None
        return wide.astype("float64")

    def factors(
        self, dataset: str, frequency: str = "monthly", *, as_of: DateLike | None = None
    ) -> pd.DataFrame:
        """Return a Ken French dataset: one column per factor/portfolio, percent as published.

        Missing-value codes (-99.99, -999) are NaN. ``as_of`` filters by period end
        date; publication lag is the caller's concern (see analytics.factors).
        """
        if frequency not in ("daily", "monthly", "annual"):
            raise InputError(f"frequency={frequency!r} is not one of daily, monthly, annual")
        a = as_timestamp(as_of, "as_of")
        long = self.con.execute(
            "SELECT date, name, value FROM factors WHERE dataset = ? AND frequency = ? "
            "AND (?::DATE IS NULL OR date <= ?::DATE)",
            [dataset, frequency, a, a],
        ).df()
        if long.empty:
            raise DataNotFound(
                f"no {frequency} data for factor dataset {dataset!r}; known: {_FACTOR_DATASETS_HINT}"
            )
        order = self.con.execute(
            "SELECT name FROM factors WHERE dataset = ? AND frequency = ? GROUP BY name "
            "ORDER BY min(rowid)",
            [dataset, frequency],
        ).fetchall()
        wide = long.pivot(index="date", columns="name", values="value")
        wide = wide.reindex(columns=[str(r[0]) for r in order]).sort_index()
        wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index), name="date").astype(
            "datetime64[ns]"
        )
        wide.columns.name = None
        return wide.astype("float64")

    def holdings(self, fund: str, *, as_of: DateLike | None = None) -> pd.DataFrame:
        """Return the latest holdings snapshot of ``fund`` dated on or before ``as_of``.

        Returns
        -------
        DataFrame
            Columns ``ticker, name, sector, asset_class, weight, shares,
            market_value, price`` (weight as a fraction); ``attrs["as_of"]``
            (Timestamp) and ``attrs["source"]``.
        """
        a = as_timestamp(as_of, "as_of")
        row = first_row(
            self.con.execute(
                "SELECT max(as_of) FROM holdings WHERE fund = ? AND (?::DATE IS NULL OR as_of <= ?::DATE)",
                [fund, a, a],
            )
        )
        if not row or row[0] is None:
            raise DataNotFound(
                f"no holdings for fund {fund!r} dated on or before {a.date() if a is not None else 'today'}; "
                "import an iShares holdings file"
            )
        snap = row[0]
        df = self.con.execute(
            "SELECT ticker, name, sector, asset_class, weight, shares, market_value, price, source "
            "FROM holdings WHERE fund = ? AND as_of = ? ORDER BY position",
            [fund, snap],
        ).df()
        source = str(df["source"].iloc[0]) if len(df) else ""
        df = df.drop(columns="source")
        df.attrs["as_of"] = pd.Timestamp(snap)
        df.attrs["source"] = source
        return df

    def membership(self, index_name: str = "IWM", *, as_of: DateLike | None = None) -> pd.DataFrame:
        """Index membership snapshots dated on or before ``as_of``.

        Returns
        -------
        DataFrame
            Columns ``snapshot_date, ticker, weight``.
        """
        a = as_timestamp(as_of, "as_of")
        df = self.con.execute(
            "SELECT snapshot_date, ticker, weight FROM membership WHERE index_name = ? "
            "AND (?::DATE IS NULL OR snapshot_date <= ?::DATE) ORDER BY snapshot_date, ticker",
            [index_name, a, a],
        ).df()
        if df.empty:
            raise DataNotFound(f"no membership history for {index_name!r} on or before that date")
        df["snapshot_date"] = pd.to_datetime(df["snapshot_date"]).astype("datetime64[ns]")
        return df

    def fund_shares(
        self, fund: str | None = None, *, as_of: DateLike | None = None
    ) -> pd.DataFrame:
        """Shares-outstanding history: columns ``date, fund, shares_outstanding, nav, source``."""
        a = as_timestamp(as_of, "as_of")
        df = self.con.execute(
            "SELECT date, fund, shares_outstanding, nav, source FROM fund_shares "
            "WHERE (?::VARCHAR IS NULL OR fund = ?) AND (?::DATE IS NULL OR date <= ?::DATE) "
            "ORDER BY fund, date",
            [fund, fund, a, a],
        ).df()
        df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
        return df

    def symbols(self, kind: str | None = None) -> list[str]:
        """Symbols with bars in the store (optionally of one ``kind``)."""
        if kind is None:
            rows = self.con.execute("SELECT DISTINCT symbol FROM bars ORDER BY symbol").fetchall()
        else:
            rows = self.con.execute(
                "SELECT symbol FROM symbols WHERE kind = ? ORDER BY symbol", [kind]
            ).fetchall()
        return [str(r[0]) for r in rows]

    def provenance(self, dataset: str, key: str) -> Provenance:
        """Source and coverage of a dataset (``bars``/``macro``/``factors``/... and its key)."""
        row = first_row(
            self.con.execute(
                "SELECT string_agg(DISTINCT source, '; ' ORDER BY source), min(first_date), "
                "max(last_date), sum(rows), max(ingested_at) FROM catalog WHERE kind = ? AND subject = ?",
                [dataset, key],
            )
        )
        if (not row or row[0] is None) and dataset == "bars":
            # Bars written directly (not through an import) carry their source per row.
            row = first_row(
                self.con.execute(
                    "SELECT string_agg(DISTINCT source, '; ' ORDER BY source), min(date), max(date), "
                    "count(*), max(ingested_at) FROM bars WHERE symbol = ?",
                    [key],
                )
            )
        if not row or row[0] is None:
            raise DataNotFound(f"no {dataset} dataset {key!r} in the store")
        first = pd.Timestamp(row[1]) if row[1] is not None else None
        last = pd.Timestamp(row[2]) if row[2] is not None else None
        ing = pd.Timestamp(row[4]) if row[4] is not None else None
        return Provenance(dataset, key, str(row[0]), first, last, int(row[3] or 0), ing)

    def catalog(self) -> pd.DataFrame:
        """Every catalogued dataset with its coverage, source and quality flag counts."""
        return self.con.execute(
            """
            SELECT c.dataset_key, c.kind, c.subject, c.variant, c.first_date, c.last_date, c.rows,
                   c.rejected, c.source, c.ingested_at,
                   coalesce(q.errors, 0) AS errors, coalesce(q.warnings, 0) AS warnings,
                   coalesce(q.infos, 0) AS infos
            FROM catalog c LEFT JOIN (
                SELECT dataset_key, count(*) FILTER (severity = 'error') AS errors,
                       count(*) FILTER (severity = 'warning') AS warnings,
                       count(*) FILTER (severity = 'info') AS infos
                FROM quality_log GROUP BY dataset_key) q USING (dataset_key)
            ORDER BY c.kind, c.dataset_key
            """
        ).df()

    def quality_counts(self, dataset_keys: Sequence[str] | None = None) -> dict[str, int]:
        """Count the quality findings held in the store, by severity.

        This is the one count of findings: ``capsize data import`` reports it for the
        files of the imported folder, ``capsize data check`` for the whole store.

        Parameters
        ----------
        dataset_keys : sequence of str, optional
            Only the findings of these catalog keys (default: all).

        Returns
        -------
        dict
            ``{"error": n, "warning": n, "info": n}``, every severity present.
        """
        keys = None if dataset_keys is None else list(dataset_keys)
        rows = self.con.execute(
            "SELECT severity, count(*) FROM quality_log "
            "WHERE ?::VARCHAR[] IS NULL OR dataset_key IN (SELECT unnest(?::VARCHAR[])) "
            "GROUP BY severity",
            [keys, keys],
        ).fetchall()
        found = {str(sev): int(n) for sev, n in rows}
        return {sev: found.get(sev, 0) for sev in ("error", "warning", "info")}

    def quality(self, severity: str | None = None) -> pd.DataFrame:
        """Return the quality log (optionally one severity)."""
        return self.con.execute(
            "SELECT dataset_key, symbol, date, check_name, severity, detail FROM quality_log "
            "WHERE (?::VARCHAR IS NULL OR severity = ?) ORDER BY dataset_key, date",
            [severity, severity],
        ).df()

    def last_date(self) -> pd.Timestamp | None:
        """Return the latest bar date in the store (None when empty)."""
        row = first_row(self.con.execute("SELECT max(date) FROM bars"))
        return pd.Timestamp(row[0]) if row and row[0] is not None else None

    def is_empty(self) -> bool:
        """Return True when the store holds no bars."""
        row = first_row(self.con.execute("SELECT count(*) FROM bars"))
        return not row or row[0] == 0
