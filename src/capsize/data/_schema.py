"""DuckDB schema of the capsize store and its migrations.

The schema version lives in the ``meta`` table. Each entry of
:data:`MIGRATIONS` upgrades the store by one version inside a transaction.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1 = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
-- Daily bars. basis: 'adjusted' (split+dividend adjusted close, a total-return series),
-- 'raw' (split-adjusted only, as exchanges quote), 'level' (index levels, crypto prices).
-- Unique on (symbol, basis, date): enforced by the writer (delete-then-insert in one transaction).
CREATE TABLE IF NOT EXISTS bars (
    symbol VARCHAR NOT NULL,
    basis VARCHAR NOT NULL,
    date DATE NOT NULL,
    open DOUBLE, high DOUBLE, low DOUBLE,
    close DOUBLE NOT NULL,
    adj_close DOUBLE,
    volume DOUBLE,
    source VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
    symbol VARCHAR NOT NULL,
    date DATE NOT NULL,
    kind VARCHAR NOT NULL,          -- 'split' (value = new shares per old share) or 'dividend' (cash per share)
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS macro (
    series_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL
);
-- Ken French datasets, values in percent as published; missing codes stored as NULL.
CREATE TABLE IF NOT EXISTS factors (
    dataset VARCHAR NOT NULL,
    frequency VARCHAR NOT NULL,     -- 'daily' | 'monthly' | 'annual'
    date DATE NOT NULL,             -- period end
    name VARCHAR NOT NULL,
    value DOUBLE,
    source VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS holdings (
    fund VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    position INTEGER NOT NULL,
    ticker VARCHAR,
    name VARCHAR,
    sector VARCHAR,
    asset_class VARCHAR,
    weight DOUBLE,                  -- fraction of fund (0.0193 = 1.93%)
    shares DOUBLE,
    market_value DOUBLE,
    price DOUBLE,
    source VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS membership (
    index_name VARCHAR NOT NULL,
    snapshot_date DATE NOT NULL,
    ticker VARCHAR NOT NULL,
    weight DOUBLE,                  -- fraction, NULL where unknown
    source VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS fund_shares (
    fund VARCHAR NOT NULL,
    date DATE NOT NULL,
    shares_outstanding DOUBLE NOT NULL,
    nav DOUBLE,
    source VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS symbols (
    symbol VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,          -- 'etf' | 'index' | 'stock' | 'crypto'
    name VARCHAR,
    note VARCHAR,
    source VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS quality_log (
    dataset_key VARCHAR NOT NULL,   -- catalog key of the file/dataset checked
    symbol VARCHAR,
    date DATE,
    check_name VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,      -- 'error' | 'warning' | 'info'
    detail VARCHAR NOT NULL,
    logged_at TIMESTAMP NOT NULL
);
-- One row per imported file or fetched dataset: what it holds and where it came from.
CREATE TABLE IF NOT EXISTS catalog (
    dataset_key VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,          -- bars | macro | factors | holdings | membership | fund_shares | reference
    subject VARCHAR NOT NULL,       -- symbol, series id, dataset name or fund
    variant VARCHAR NOT NULL,       -- basis, frequency, snapshot date ...
    first_date DATE,
    last_date DATE,
    rows BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    content_hash VARCHAR,
    ingested_at TIMESTAMP NOT NULL
);
"""

# User data (issue 15): named symbol lists the web and the API edit. Not market data: no
# point-in-time filter applies; ``symbols`` keeps the user's order.
_V2 = """
CREATE SEQUENCE IF NOT EXISTS watchlist_ids START 1;
CREATE TABLE IF NOT EXISTS watchlists (
    id INTEGER PRIMARY KEY DEFAULT nextval('watchlist_ids'),
    name VARCHAR NOT NULL UNIQUE,
    symbols VARCHAR[] NOT NULL,
    note VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
"""

# Alerts (issue 18): rules (user data, like watchlists) and the events they fired. An event's
# id is a stable hash of (rule id, day, subject): inserting it twice does nothing, so a
# second `capsize alerts run` records nothing twice. ``channels`` is copied from the rule
# when it fires (delivery reads it). ``evaluated_through``: the last day a scheduled run
# recorded the rule's fires (NULL: never run; the first run records only its own day).
_V3 = """
CREATE TABLE IF NOT EXISTS alert_rules (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    symbols VARCHAR[] NOT NULL,
    watchlist VARCHAR,
    params JSON NOT NULL,
    cooldown INTEGER NOT NULL,
    channels VARCHAR[] NOT NULL,
    enabled BOOLEAN NOT NULL,
    evaluated_through DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_events (
    event_id VARCHAR PRIMARY KEY,
    rule_id VARCHAR NOT NULL,
    rule_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    day DATE NOT NULL,
    subject VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    evidence JSON NOT NULL,
    link VARCHAR NOT NULL,
    channels VARCHAR[] NOT NULL,
    created_at TIMESTAMP NOT NULL
);
"""

# Alert delivery outbox (issue 18): one row per alert event and channel (``email:ADDR``,
# ``webhook:URL``); the ``log`` channel is the event row itself and has none. ``status``
# pending -> sent, or dead (the dead-letter record) after the last failed try.
# ``in_flight``: a send began and its outcome is not recorded yet (the sender died if it is
# still set when the next run starts: that run sends again with the same idempotency key).
_V4_OUTBOX = """
CREATE TABLE IF NOT EXISTS alert_deliveries (
    event_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL,        -- 'pending' | 'sent' | 'dead'
    attempts INTEGER NOT NULL,      -- tries made, over all runs
    last_error VARCHAR NOT NULL,    -- '' when none
    in_flight BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    PRIMARY KEY (event_id, channel)
);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4_OUTBOX)
"""SQL scripts; ``MIGRATIONS[i]`` upgrades a store from version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this code writes."""
