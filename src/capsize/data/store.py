"""The embedded DuckDB store: schema, transactional idempotent writes, as-of reads.

The store is one DuckDB file (``$CAPSIZE_HOME/capsize.duckdb``). Every write
runs in a single transaction: a crash or ``SIGKILL`` mid-write leaves the
previous state, and writing the same data again changes nothing (rows are
replaced by key, never appended twice).

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

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from capsize.config import load_settings
from capsize.data._schema import MIGRATIONS, SCHEMA_VERSION
from capsize.data._store_read import BAR_FIELDS, BASES, Basis, Provenance, StoreReads
from capsize.errors import DataNotFound, InputError, StoreError

__all__ = ["BASES", "Basis", "IntegrityReport", "Provenance", "Store"]


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


class Store(StoreReads):
    """Handle on the capsize DuckDB store.

    Use :meth:`open`; close with :meth:`close` or as a context manager.

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

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
        """Open (and create or migrate) the store.

        Parameters
        ----------
        path : path-like, optional
            Database file; defaults to ``$CAPSIZE_HOME/capsize.duckdb``.
        read_only : bool
            Open without write access (several readers may share the file).

        Returns
        -------
        Store

        Raises
        ------
        StoreError
            If the file cannot be opened (locked by another writer, corrupt,
            or written by a newer capsize).
        """
        db = Path(path) if path is not None else load_settings().store_path
        if read_only and not db.exists():
            raise DataNotFound(
                f"no capsize store at {db}; run 'capsize data import DIR' or 'capsize data update' first"
            )
        db.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(db), read_only=read_only)
        except duckdb.Error as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"store {db} is in use by another capsize process (an import or update?); "
                    "wait for it to finish and try again"
                ) from exc
            raise StoreError(
                f"cannot open store {db}: {str(exc).splitlines()[0]}; if the file is damaged, "
                "rename it and run 'capsize data import DIR' to build a new store"
            ) from exc
        store = cls(con, db, read_only)
        store._migrate()
        return store

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

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
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ).fetchone()
        if not exists or exists[0] == 0:
            return 0
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
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
                           CASE WHEN b.source IS NULL OR b.source = s.source THEN s.source
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
        """Check keys are unique and the catalog agrees with the tables."""
        problems: list[str] = []
        checks = {
            "bars": "symbol, basis, date",
            "macro": "series_id, date",
            "factors": "dataset, frequency, date, name",
            "holdings": "fund, as_of, position",
            "membership": "index_name, snapshot_date, ticker",
            "fund_shares": "fund, date, source",
            "actions": "symbol, date, kind",
        }
        for table, key in checks.items():
            row = self.con.execute(
                f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1)"
            ).fetchone()
            if row and row[0]:
                problems.append(f"{table}: {row[0]} duplicated keys ({key})")
        row = self.con.execute(
            "SELECT count(*) FROM bars WHERE close <= 0 OR close IS NULL"
        ).fetchone()
        if row and row[0]:
            problems.append(f"bars: {row[0]} rows with a non-positive or missing close")
        orphans = self.con.execute(
            "SELECT count(*) FROM catalog c WHERE c.kind = 'bars' AND c.rows > 0 AND NOT EXISTS "
            "(SELECT 1 FROM bars b WHERE b.symbol = c.subject AND b.basis = c.variant)"
        ).fetchone()
        if orphans and orphans[0]:
            problems.append(f"catalog: {orphans[0]} bar datasets listed but holding no rows")
        return IntegrityReport(ok=not problems, problems=tuple(problems))
