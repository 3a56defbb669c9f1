"""Writing one account's refresh: everything in ONE transaction, on a connection of its own.

The refresh decides what is true (:class:`AccountUpdate`); this module only stores it. A refresh killed at
any point before ``COMMIT`` leaves the previous snapshot whole: SQLite rolls the open transaction back
(on the spot for an exception, on the next open for a killed process).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from imtui.core.api.models import Customer, Order, Subscription, SubscriptionDetail
from imtui.core.snapshot.records import (
    Change,
    iso_date,
    iso_instant,
    money_columns,
    period_text,
    quantity_column,
)

#: an inactive mark: (since, reason); ``None`` clears it (the row is back upstream)
Mark = tuple[date, str] | None


@dataclass
class AccountUpdate:
    """What one refresh of one account found, ready to be stored."""

    account: str
    started_at: datetime
    finished_at: datetime
    full: bool
    first: bool
    sync_day: date  # the next incremental refresh reads details modified on or after this day
    orders_cursor: datetime | None
    customers: list[Customer] = field(default_factory=list)  # every customer read
    customer_marks: dict[str, Mark] = field(default_factory=dict)  # only the marks that change
    subscriptions: list[Subscription] = field(default_factory=list)  # list rows, or the detail where read
    details: set[str] = field(default_factory=set)  # ids whose detail was read in this refresh
    details_due: set[str] = field(default_factory=set)  # ids whose needed detail could not be read
    subscription_marks: dict[str, Mark] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)  # list rows, or the detail where read
    order_details: set[str] = field(default_factory=set)
    changes: list[Change] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: committed if the block ends normally, rolled back whatever interrupts it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def write_update(conn: sqlite3.Connection, update: AccountUpdate) -> int:
    """Store ``update`` in one transaction; returns the run id."""
    with transaction(conn):
        write_customers(conn, update)
        write_subscriptions(conn, update)
        write_subscription_details(conn, update)
        write_orders(conn, update)
        return write_run(conn, update)


def write_live(conn: sqlite3.Connection, update: AccountUpdate, linked_to: str | None = None) -> None:
    """Store what one action read (a subscription's detail, its orders) between refreshes, in one transaction:
    no run, no changes, no sync state (the next refresh still reads everything it would have read).
    ``linked_to``: the orders were listed for that subscription."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        write_subscriptions(conn, update)
        write_subscription_details(conn, update)
        store_orders(conn, update.account, update.orders, update.order_details, update.started_at, linked_to)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def write_failure(conn: sqlite3.Connection, account: str, started_at: datetime, finished_at: datetime,
                  full: bool, error: str, summary: dict[str, Any]) -> int:
    """Record a failed attempt (the run and the account's last error); the account's data is left as it was."""
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO runs (account, started_at, finished_at, full, first, ok, error, summary) VALUES (?,?,?,?,0,0,?,?)",
            (account, iso_instant(started_at), iso_instant(finished_at), int(full), error, json.dumps(summary)),
        )
        conn.execute(
            "INSERT INTO sync_state (account, last_attempt_at, last_error) VALUES (?,?,?) "
            "ON CONFLICT(account) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error",
            (account, iso_instant(started_at), error),
        )
    return int(cursor.lastrowid)


# ---------------------------------------------------------------- customers

_CUSTOMER_COLUMNS = ("name", "status", "external_id", "city", "country", "data")


def write_customers(conn: sqlite3.Connection, u: AccountUpdate) -> None:
    today = iso_date(u.started_at.date())
    rows = [
        (u.account, c.id, c.name, c.status, c.external_id, c.city or None, c.country or None,
         json.dumps(c.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False), today)
        for c in u.customers
    ]
    conn.executemany(_upsert("customers", _CUSTOMER_COLUMNS), rows)
    _write_marks(conn, "customers", u.account, u.customer_marks)


# ---------------------------------------------------------------- subscriptions

_SUBSCRIPTION_COLUMNS = (
    "customer_id", "name", "status", "auto_renew", "term", "billing", "billing_model",
    "creation_date", "renewal_date", "expiration_date", "last_modified",
)


def write_subscriptions(conn: sqlite3.Connection, u: AccountUpdate) -> None:
    today = iso_date(u.started_at.date())
    rows = [
        (u.account, s.id, s.customer_id or "", s.name, s.status,
         None if s.renewal_status is None else int(s.renewal_status),
         period_text(s.subscription_period), period_text(s.billing_period), s.billing_model,
         iso_date(s.creation_date), iso_date(s.renewal_date), iso_date(s.expiration_date),
         iso_date(s.last_modified_date), today)
        for s in u.subscriptions
    ]
    conn.executemany(_upsert("subscriptions", _SUBSCRIPTION_COLUMNS), rows)
    _write_marks(conn, "subscriptions", u.account, u.subscription_marks)
    conn.executemany(
        "UPDATE subscriptions SET details_due = 1 WHERE account = ? AND id = ?",
        [(u.account, sid) for sid in sorted(u.details_due)],
    )


def write_subscription_details(conn: sqlite3.Connection, u: AccountUpdate) -> None:
    at = iso_instant(u.started_at)
    updates, lines = [], []
    for s in u.subscriptions:
        if s.id not in u.details or not isinstance(s, SubscriptionDetail):
            continue
        main = s.products[0] if s.products else None
        price, price_cur = money_columns(main.unit_price if main else None)
        cost, cost_cur = money_columns(main.unit_cost if main else None)
        total, total_cur = money_columns(s.total_price)
        parameters = [{"kind": "order", "name": p.name, "value": p.value} for p in s.order_parameters]
        parameters += [{"kind": "fulfillment", "name": p.name, "value": p.value} for p in s.fulfillment_parameters]
        updates.append((
            at, main.mpn if main else None, main.vendor if main else None,
            quantity_column(main.quantity) if main else None, price, price_cur, cost, cost_cur, total, total_cur,
            json.dumps(parameters, ensure_ascii=False, default=str), u.account, s.id,
        ))
        for n, line in enumerate(s.products):
            lines.append((
                u.account, s.id, n, line.id, line.mpn, line.vendor, line.name, quantity_column(line.quantity),
                *money_columns(line.unit_price), *money_columns(line.unit_cost), *money_columns(line.extended_price),
                line.vendor_subscription_id,
            ))
    conn.executemany(
        "UPDATE subscriptions SET details_at = ?, details_due = 0, mpn = ?, vendor = ?, seats = ?, unit_price = ?, "
        "unit_price_cur = ?, unit_cost = ?, unit_cost_cur = ?, total_price = ?, total_price_cur = ?, parameters = ? "
        "WHERE account = ? AND id = ?",
        updates,
    )
    conn.executemany(
        "DELETE FROM subscription_lines WHERE account = ? AND subscription_id = ?", [(u.account, r[-1]) for r in updates]
    )
    conn.executemany("INSERT INTO subscription_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", lines)


# ---------------------------------------------------------------- orders

_ORDER_COLUMNS = (
    "order_number", "type", "customer_id", "status", "status_code", "created_at", "provisioned_at", "total",
    "total_cur", "finished",
)


def write_orders(conn: sqlite3.Connection, u: AccountUpdate) -> None:
    store_orders(conn, u.account, u.orders, u.order_details, u.started_at)


def store_orders(conn: sqlite3.Connection, account: str, orders: list[Order], detail_ids: set[str], at: datetime,
                 subscription_id: str | None = None) -> None:
    """Upsert order rows (and the details among them); ``subscription_id``: the rows were listed for it."""
    today = iso_date(at.date())
    rows = [
        (account, o.id, o.order_number, o.type, o.customer_id, o.status, o.status_code,
         iso_instant(o.creation_date), iso_instant(o.provisioning_date), *money_columns(o.total), int(o.finished), today)
        for o in orders
    ]
    conn.executemany(_upsert("orders", _ORDER_COLUMNS), rows)
    if subscription_id is not None:
        conn.executemany(
            "UPDATE orders SET subscription_id = ? WHERE account = ? AND id = ? AND subscription_id IS NULL",
            [(subscription_id, account, o.id) for o in orders],
        )
    stamp = iso_instant(at)
    details, lines = [], []
    for o in orders:
        if o.id not in detail_ids:
            continue
        linked = o.subscription_id or next((line.subscription_id for line in o.products if line.subscription_id), None)
        details.append((linked or subscription_id, o.po_number, stamp, account, o.id))
        for n, line in enumerate(o.products):
            lines.append((
                account, o.id, n, line.mpn, line.vendor, line.name, quantity_column(line.quantity),
                *money_columns(line.extended_price), line.subscription_id,
                line.subscription_period.iso if line.subscription_period else None,
                line.billing_period.iso if line.billing_period else None,
            ))
    conn.executemany(
        "UPDATE orders SET subscription_id = ?, po_number = ?, details_at = ? WHERE account = ? AND id = ?", details
    )
    conn.executemany("DELETE FROM order_lines WHERE account = ? AND order_id = ?", [(account, d[-1]) for d in details])
    conn.executemany("INSERT INTO order_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", lines)


def write_linked_orders(conn: sqlite3.Connection, account: str, orders: list[Order], subscription_id: str,
                        at: datetime) -> None:
    """The orders of one subscription, as listed for it, in their own transaction."""
    with transaction(conn):
        store_orders(conn, account, orders, {o.id for o in orders if o.products}, at, subscription_id)


# ---------------------------------------------------------------- the run, its changes, the sync state


def write_run(conn: sqlite3.Connection, u: AccountUpdate) -> int:
    cursor = conn.execute(
        "INSERT INTO runs (account, started_at, finished_at, full, first, ok, error, summary) VALUES (?,?,?,?,?,1,NULL,?)",
        (u.account, iso_instant(u.started_at), iso_instant(u.finished_at), int(u.full), int(u.first),
         json.dumps(u.summary, default=str)),
    )
    run_id = int(cursor.lastrowid)
    conn.executemany(
        "INSERT INTO changes VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            (run_id, n, c.account, c.kind, c.subscription_id, c.customer_id, c.order_id, c.name, c.customer_name,
             c.before, c.after)
            for n, c in enumerate(u.changes)
        ],
    )
    started = iso_instant(u.started_at)
    conn.execute(
        "INSERT INTO sync_state (account, last_sync_at, last_sync_day, orders_cursor, last_full_at, last_run, "
        "last_attempt_at, last_error) VALUES (?,?,?,?,?,?,?,NULL) ON CONFLICT(account) DO UPDATE SET "
        "last_sync_at = excluded.last_sync_at, last_sync_day = excluded.last_sync_day, "
        "orders_cursor = COALESCE(excluded.orders_cursor, sync_state.orders_cursor), "
        "last_full_at = COALESCE(excluded.last_full_at, sync_state.last_full_at), last_run = excluded.last_run, "
        "last_attempt_at = excluded.last_attempt_at, last_error = NULL",
        (u.account, started, iso_date(u.sync_day), iso_instant(u.orders_cursor), started if u.full or u.first else None,
         run_id, started),
    )
    return run_id


# ---------------------------------------------------------------- helpers


def _upsert(table: str, columns: tuple[str, ...]) -> str:
    """Insert a row keyed by (account, id) with ``first_seen``; on conflict update only what differs."""
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in range(len(columns) + 3))
    assign = ", ".join(f"{c} = excluded.{c}" for c in columns)
    new = ", ".join(f"excluded.{c}" for c in columns)
    return (
        f"INSERT INTO {table} (account, id, {names}, first_seen) VALUES ({marks}) "
        f"ON CONFLICT(account, id) DO UPDATE SET {assign} WHERE ({names}) IS NOT ({new})"
    )


def _write_marks(conn: sqlite3.Connection, table: str, account: str, marks: dict[str, Mark]) -> None:
    conn.executemany(
        f"UPDATE {table} SET inactive_since = ?, inactive_reason = ? WHERE account = ? AND id = ?",
        [
            (iso_date(mark[0]) if mark else None, mark[1] if mark else None, account, key)
            for key, mark in sorted(marks.items())
        ],
    )
