"""The snapshot's SQLite schema, and opening the file.

One file, ``snapshot.db``, in WAL mode (readers never wait for the writer). ``PRAGMA user_version`` holds the
schema version: 0 means a new file (the schema is created), a version above ours was written by a newer
imtui and is refused rather than guessed at. Every value is text in a fixed form: ids as the API sends them,
dates ``YYYY-MM-DD``, instants ``YYYY-MM-DDTHH:MM:SS+00:00`` (UTC), money as exact decimal text beside its
currency (never a float, never a sum), quantities as integers or, for fractional ones, decimal text.
Nothing is deleted: rows gone upstream get ``inactive_since`` and ``inactive_reason``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    account         TEXT NOT NULL,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    external_id     TEXT,
    city            TEXT,
    country         TEXT,
    data            TEXT NOT NULL,          -- the customer as the API sent it (JSON: address, contacts)
    first_seen      TEXT NOT NULL,
    inactive_since  TEXT,                   -- set when it vanished upstream
    inactive_reason TEXT,
    PRIMARY KEY (account, id)
);
CREATE INDEX IF NOT EXISTS customers_by_name ON customers (account, name);

CREATE TABLE IF NOT EXISTS subscriptions (
    account         TEXT NOT NULL,
    id              TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    auto_renew      INTEGER,                -- renewalStatus: 1, 0 or NULL (not sent)
    term            TEXT NOT NULL,          -- ISO 8601: P1M, P1Y
    billing         TEXT NOT NULL,
    billing_model   TEXT,
    creation_date   TEXT,
    renewal_date    TEXT,
    expiration_date TEXT,
    last_modified   TEXT,
    -- from GET /subscriptions/{id}; NULL until the detail was loaded once
    details_at      TEXT,
    details_due     INTEGER NOT NULL DEFAULT 0,   -- a needed detail could not be read: read it next time
    mpn             TEXT,                   -- main (first) product line
    vendor          TEXT,
    seats,                                  -- main line quantity: INTEGER, or decimal TEXT if fractional
    unit_price      TEXT, unit_price_cur TEXT,
    unit_cost       TEXT, unit_cost_cur  TEXT,
    total_price     TEXT, total_price_cur TEXT,
    parameters      TEXT,                   -- JSON [{"kind", "name", "value"}]
    first_seen      TEXT NOT NULL,
    inactive_since  TEXT,                   -- terminated / removed / vanished upstream, and since when
    inactive_reason TEXT,
    PRIMARY KEY (account, id)
);
CREATE INDEX IF NOT EXISTS subscriptions_by_customer ON subscriptions (account, customer_id);
CREATE INDEX IF NOT EXISTS subscriptions_by_status ON subscriptions (status);
CREATE INDEX IF NOT EXISTS subscriptions_by_renewal ON subscriptions (renewal_date);

CREATE TABLE IF NOT EXISTS subscription_lines (
    account         TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    line_no         INTEGER NOT NULL,
    product_id      TEXT,
    mpn             TEXT NOT NULL,
    vendor          TEXT,
    name            TEXT NOT NULL,
    quantity,
    unit_price      TEXT, unit_price_cur TEXT,
    unit_cost       TEXT, unit_cost_cur  TEXT,
    extended_price  TEXT, extended_price_cur TEXT,
    vendor_subscription_id TEXT,
    PRIMARY KEY (account, subscription_id, line_no)
);

CREATE TABLE IF NOT EXISTS orders (
    account         TEXT NOT NULL,
    id              TEXT NOT NULL,
    order_number    TEXT,
    type            TEXT NOT NULL,
    customer_id     TEXT,
    subscription_id TEXT,                   -- from the detail (list rows do not name it)
    status          TEXT NOT NULL,
    status_code     TEXT,
    created_at      TEXT,
    provisioned_at  TEXT,
    total           TEXT, total_cur TEXT,
    po_number       TEXT,                   -- from the detail
    finished        INTEGER NOT NULL,       -- completed, error or cancelled
    details_at      TEXT,
    first_seen      TEXT NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (account, customer_id);
CREATE INDEX IF NOT EXISTS orders_by_subscription ON orders (account, subscription_id);
CREATE INDEX IF NOT EXISTS orders_unfinished ON orders (account) WHERE finished = 0;

CREATE TABLE IF NOT EXISTS order_lines (
    account         TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    line_no         INTEGER NOT NULL,
    mpn             TEXT,
    vendor          TEXT,
    name            TEXT,
    quantity,                               -- change orders: the signed delta (+2, -1)
    extended_price  TEXT, extended_price_cur TEXT,
    subscription_id TEXT,
    term            TEXT,
    billing         TEXT,
    PRIMARY KEY (account, order_id, line_no)
);
CREATE INDEX IF NOT EXISTS order_lines_by_subscription ON order_lines (account, subscription_id);

CREATE TABLE IF NOT EXISTS sync_state (
    account         TEXT PRIMARY KEY,
    last_sync_at    TEXT,                   -- when the last successful refresh started
    last_sync_day   TEXT,                   -- details modified on or after this day are read again
    orders_cursor   TEXT,                   -- newest order creation time seen
    last_full_at    TEXT,
    last_run        INTEGER,
    last_attempt_at TEXT,
    last_error      TEXT                    -- the last failed attempt, in words; NULL after a success
);

CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account         TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    full            INTEGER NOT NULL,
    first           INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    error           TEXT,
    summary         TEXT NOT NULL           -- JSON: counts, requests, details, warnings
);
CREATE INDEX IF NOT EXISTS runs_by_account ON runs (account, id);

CREATE TABLE IF NOT EXISTS changes (
    run_id          INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    account         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    subscription_id TEXT,
    customer_id     TEXT,
    order_id        TEXT,
    name            TEXT NOT NULL,
    customer_name   TEXT NOT NULL,
    before          TEXT,
    after           TEXT,
    PRIMARY KEY (run_id, seq)
);
"""


class SnapshotError(Exception):
    """The snapshot file cannot be used (written by a newer imtui, unreadable); said in words."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (and on first use create) the snapshot; autocommit mode, transactions are explicit."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: a crash never corrupts, a commit is atomic
        conn.execute("PRAGMA foreign_keys=OFF")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SnapshotError(
                f"the snapshot {path} was written by a newer imtui (schema {version}, this one reads {SCHEMA_VERSION}); "
                "update imtui or move the file away"
            )
        if version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(SCHEMA):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise SnapshotError(f"the snapshot {path} is busy: {exc}") from None
        raise SnapshotError(f"the snapshot {path} cannot be read ({exc}); move it away and refresh") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _statements(script: str) -> list[str]:
    """The schema's statements one by one (``executescript`` would commit the open transaction)."""
    out, current = [], []
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        current.append(code)
        if code.rstrip().endswith(";"):
            text = "\n".join(current).strip()
            if text:
                out.append(text)
            current = []
    return out
