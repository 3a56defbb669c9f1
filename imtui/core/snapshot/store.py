"""The Snapshot: the local store of what was last loaded from the marketplace, and its queries.

Opening is cheap (nothing touches the disk until the first query). Reads share one connection behind a
lock, so any thread (a UI worker, the CLI) may call them; each refresh writes on a connection of its own
inside one transaction (see ``writer.py``), and WAL lets reads go on meanwhile.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from imtui.core.api.models import Customer, Order, SubscriptionDetail
from imtui.core.snapshot import schema
from imtui.core.snapshot.lock import SnapshotBusyError, SyncLock
from imtui.core.snapshot.records import (
    Change,
    CustomerRecord,
    MoneyCache,
    OrderLineRow,
    OrderRow,
    RunRecord,
    SubscriptionLine,
    SubscriptionRecord,
    SubscriptionRow,
    SyncState,
    parse_date,
    parse_instant,
    quantity_value,
)
from imtui.core.snapshot.writer import AccountUpdate, write_failure, write_linked_orders, write_live, write_update

FILE_NAME = "snapshot.db"
LOCK_NAME = "sync.lock"

_SUBSCRIPTION_SELECT = """
SELECT s.account, s.id, s.customer_id, COALESCE(c.name, ''), s.name, s.status, s.auto_renew, s.term, s.billing,
       s.creation_date, s.renewal_date, s.expiration_date, s.last_modified, s.mpn, s.vendor, s.seats,
       s.unit_price, s.unit_price_cur, s.unit_cost, s.unit_cost_cur, s.total_price, s.total_price_cur,
       s.details_at IS NOT NULL, s.details_due, s.inactive_since, s.inactive_reason
FROM subscriptions s LEFT JOIN customers c ON c.account = s.account AND c.id = s.customer_id
"""
_ORDER_SELECT = """
SELECT account, id, order_number, type, customer_id, subscription_id, status, status_code, created_at,
       provisioned_at, total, total_cur, po_number, finished, details_at IS NOT NULL FROM orders
"""


class Snapshot:
    """The snapshot of one data dir (``Paths.snapshot_dir``): ``snapshot.db`` and its ``sync.lock``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILE_NAME
        self._conn: sqlite3.Connection | None = None
        self._guard = threading.RLock()
        self._lock = SyncLock(self.directory / LOCK_NAME)
        self._claimed: set[str] = set()

    @classmethod
    def for_paths(cls, paths: Any) -> "Snapshot":
        """The snapshot of an ``imtui.core.paths.Paths``."""
        return cls(paths.snapshot_dir)

    def __repr__(self) -> str:
        return f"Snapshot({str(self.directory)!r})"

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._guard:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # ---------------------------------------------------------------- connections

    def _read(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._guard:
            if self._conn is None:
                self._conn = schema.connect(self.path)
            return self._conn.execute(sql, params).fetchall()

    # ---------------------------------------------------------------- one refresh at a time

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the data dir's sync lock (re-entrant for this object); ``SnapshotBusyError`` if another holds it."""
        self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def claim(self, account: str) -> Iterator[None]:
        """Mark ``account`` as being refreshed by this process; a second claim is refused."""
        with self._guard:
            if account in self._claimed:
                raise SnapshotBusyError(f"account {account} is already being refreshed; wait for it to finish")
            self._claimed.add(account)
        try:
            yield
        finally:
            with self._guard:
                self._claimed.discard(account)

    # ---------------------------------------------------------------- writes (each in one transaction)

    def commit(self, update: AccountUpdate) -> int:
        """Store one account's refresh atomically; returns the run id. Blocking: call it in a thread."""
        conn = schema.connect(self.path)
        try:
            return write_update(conn, update)
        except sqlite3.Error as exc:  # disk full, read-only file system...: the previous snapshot stays whole
            raise schema.SnapshotError(f"could not write the snapshot {self.path}: {exc}") from exc
        finally:
            conn.close()

    def record_failure(self, account: str, started_at: datetime, finished_at: datetime, *, full: bool,
                       error: str, summary: dict[str, Any] | None = None) -> int:
        conn = schema.connect(self.path)
        try:
            return write_failure(conn, account, started_at, finished_at, full, error, summary or {})
        except sqlite3.Error as exc:
            raise schema.SnapshotError(f"could not write the snapshot {self.path}: {exc}") from exc
        finally:
            conn.close()

    def link_orders(self, account: str, subscription_id: str, orders: list[Order], *, now: datetime) -> None:
        """Store the orders listed for one subscription (``GET /orders?subscriptionId=``), linked to it."""
        conn = schema.connect(self.path)
        try:
            write_linked_orders(conn, account, orders, subscription_id, now)
        finally:
            conn.close()

    def store_live(self, account: str, *, subscriptions: Sequence[SubscriptionDetail] = (),
                   orders: Sequence[Order] = (), at: datetime, linked_to: str | None = None) -> None:
        """Store details read by an action between refreshes (the subscription an order changed, the order
        itself, a new subscription), so the browser shows them now. Orders with ``products`` are stored as
        details (PO number, lines); ``linked_to``: they were listed for that subscription. Subscriptions that
        became terminated/removed are marked inactive as a refresh would. Blocking: call it in a thread."""
        from imtui.core.snapshot.diff import subscription_mark

        marks = {}
        for sub in subscriptions:
            old = self.subscription(sub.id, account)
            changed, mark = subscription_mark(sub, old.row if old else None, at.date())
            if changed:
                marks[sub.id] = mark
        update = AccountUpdate(
            account=account, started_at=at, finished_at=at, full=False, first=False, sync_day=at.date(),
            orders_cursor=None, subscriptions=list(subscriptions), details={s.id for s in subscriptions},
            subscription_marks=marks, orders=list(orders), order_details={o.id for o in orders if o.products},
        )
        conn = schema.connect(self.path)
        try:
            write_live(conn, update, linked_to)
        except sqlite3.Error as exc:
            raise schema.SnapshotError(f"could not write the snapshot {self.path}: {exc}") from exc
        finally:
            conn.close()

    # ---------------------------------------------------------------- subscriptions

    def subscriptions(self, account: str | None = None, customer_id: str | None = None, *,
                      today: date | None = None, include_inactive: bool = True) -> list[SubscriptionRow]:
        """Every subscription (of one account / customer), ordered by account, customer and name."""
        where, params = _filters(("s.account", account), ("s.customer_id", customer_id))
        if not include_inactive:
            where.append("s.inactive_since IS NULL")
        sql = _SUBSCRIPTION_SELECT + _where(where) + " ORDER BY s.account, 4, s.name, s.id"
        return _subscription_rows(self._read(sql, params), today or date.today())

    def subscription(self, subscription_id: str, account: str | None = None, *,
                     today: date | None = None) -> SubscriptionRecord | None:
        """One subscription with its lines, parameters and orders; ``LookupError`` if the id is ambiguous."""
        where, params = _filters(("s.account", account), ("s.id", subscription_id))
        rows = _subscription_rows(self._read(_SUBSCRIPTION_SELECT + _where(where), params), today or date.today())
        if not rows:
            return None
        if len(rows) > 1:
            raise LookupError(
                f"subscription {subscription_id} exists in several accounts ({', '.join(r.account for r in rows)}); "
                "name the account"
            )
        row = rows[0]
        extra = self._read(
            "SELECT billing_model, parameters, first_seen FROM subscriptions WHERE account = ? AND id = ?",
            (row.account, row.id),
        )[0]
        money = MoneyCache()
        lines = [
            SubscriptionLine(n, pid, mpn, vendor, name, quantity_value(q), money.get(p, pc), money.get(c, cc),
                             money.get(e, ec), vsid)
            for n, pid, mpn, vendor, name, q, p, pc, c, cc, e, ec, vsid in self._read(
                "SELECT line_no, product_id, mpn, vendor, name, quantity, unit_price, unit_price_cur, unit_cost, "
                "unit_cost_cur, extended_price, extended_price_cur, vendor_subscription_id FROM subscription_lines "
                "WHERE account = ? AND subscription_id = ? ORDER BY line_no",
                (row.account, row.id),
            )
        ]
        orders = self.orders(row.account, subscription_id=row.id)
        return SubscriptionRecord(row, extra[0], lines, json.loads(extra[1]) if extra[1] else [], orders,
                                  parse_date(extra[2]))

    def lines(self, account: str | None = None) -> dict[tuple[str, str], list[SubscriptionLine]]:
        """Every subscription's product lines, by (account, subscription id), in line order: for reports
        that need more than the main line (add-ons) without a query per subscription."""
        where, params = _filters(("account", account))
        money = MoneyCache()
        out: dict[tuple[str, str], list[SubscriptionLine]] = {}
        for a, sid, n, pid, mpn, vendor, name, q, p, pc, c, cc, e, ec, vsid in self._read(
            "SELECT account, subscription_id, line_no, product_id, mpn, vendor, name, quantity, unit_price, "
            "unit_price_cur, unit_cost, unit_cost_cur, extended_price, extended_price_cur, vendor_subscription_id "
            "FROM subscription_lines" + _where(where) + " ORDER BY account, subscription_id, line_no",
            params,
        ):
            out.setdefault((a, sid), []).append(SubscriptionLine(
                n, pid, mpn, vendor, name, quantity_value(q), money.get(p, pc), money.get(c, cc), money.get(e, ec), vsid
            ))
        return out

    # ---------------------------------------------------------------- customers

    def customers(self, account: str | None = None, *, include_inactive: bool = True) -> list[CustomerRecord]:
        where, params = _filters(("c.account", account))
        if not include_inactive:
            where.append("c.inactive_since IS NULL")
        sql = (
            "SELECT c.account, c.id, c.name, c.status, c.external_id, c.city, c.country, "
            "(SELECT COUNT(*) FROM subscriptions s WHERE s.account = c.account AND s.customer_id = c.id "
            "AND s.inactive_since IS NULL), c.first_seen, c.inactive_since, c.inactive_reason FROM customers c"
            + _where(where) + " ORDER BY c.account, c.name, c.id"
        )
        return [
            CustomerRecord(a, i, n, st, ext, city, country, count, parse_date(first), parse_date(since), why)
            for a, i, n, st, ext, city, country, count, first, since, why in self._read(sql, params)
        ]

    def customer(self, account: str, customer_id: str) -> Customer | None:
        """The customer as the API last sent it (address, contacts)."""
        rows = self._read("SELECT data FROM customers WHERE account = ? AND id = ?", (account, customer_id))
        return Customer.model_validate(json.loads(rows[0][0])) if rows else None

    # ---------------------------------------------------------------- orders

    def orders(self, account: str | None = None, *, customer_id: str | None = None,
               subscription_id: str | None = None, unfinished_only: bool = False) -> list[OrderRow]:
        """Orders, pending first, then newest first. By subscription: those whose detail names it."""
        where, params = _filters(("account", account), ("customer_id", customer_id))
        if subscription_id is not None:
            where.append(
                "(subscription_id = ? OR id IN (SELECT order_id FROM order_lines l WHERE l.account = orders.account "
                "AND l.subscription_id = ?))"
            )
            params += [subscription_id, subscription_id]
        if unfinished_only:
            where.append("finished = 0")
        sql = _ORDER_SELECT + _where(where) + " ORDER BY finished, created_at DESC, id DESC"
        money = MoneyCache()
        orders = [
            OrderRow(a, i, num, typ, cid, sid, st, code, parse_instant(created), parse_instant(prov),
                     money.get(total, cur), po, bool(fin), bool(det))
            for a, i, num, typ, cid, sid, st, code, created, prov, total, cur, po, fin, det in self._read(sql, params)
        ]
        with_lines = {(o.account, o.id): o for o in orders if o.details_loaded}
        keys = sorted(with_lines)
        for start in range(0, len(keys), 400):  # bound the number of SQL variables
            chunk = keys[start:start + 400]
            rows = self._read(
                "SELECT account, order_id, line_no, mpn, vendor, name, quantity, extended_price, extended_price_cur, "
                "subscription_id, term, billing FROM order_lines WHERE (account, order_id) IN (VALUES "
                + ", ".join("(?, ?)" for _ in chunk) + ") ORDER BY account, order_id, line_no",
                [part for key in chunk for part in key],
            )
            for a, oid, n, mpn, vendor, name, q, ext, ext_cur, sid, term, billing in rows:
                with_lines[(a, oid)].lines.append(
                    OrderLineRow(n, mpn, vendor, name, quantity_value(q), money.get(ext, ext_cur), sid, term, billing)
                )
        return orders

    def order_states(self, account: str) -> dict[str, tuple[str, bool, bool]]:
        """Every order of ``account``: id → (status, finished, details loaded). For the refresh."""
        return {
            i: (st, bool(fin), bool(det))
            for i, st, fin, det in self._read(
                "SELECT id, status, finished, details_at IS NOT NULL FROM orders WHERE account = ?", (account,)
            )
        }

    # ---------------------------------------------------------------- sync state, runs, changes

    def accounts(self) -> list[str]:
        """Accounts the snapshot holds anything of."""
        return [a for (a,) in self._read("SELECT account FROM sync_state UNION SELECT DISTINCT account FROM customers ORDER BY 1")]

    def sync_state(self, account: str | None = None) -> dict[str, SyncState]:
        where, params = _filters(("account", account))
        rows = self._read(
            "SELECT account, last_sync_at, last_sync_day, orders_cursor, last_full_at, last_run, last_attempt_at, "
            "last_error FROM sync_state" + _where(where) + " ORDER BY account",
            params,
        )
        return {
            a: SyncState(a, parse_instant(at), parse_date(day), parse_instant(cursor), parse_instant(full), run,
                         parse_instant(attempt), error)
            for a, at, day, cursor, full, run, attempt, error in rows
        }

    def last_refreshed(self) -> dict[str, datetime | None]:
        """When each account was last refreshed successfully: the staleness the UI shows."""
        return {a: s.last_sync_at for a, s in self.sync_state().items()}

    def runs(self, account: str | None = None, *, limit: int = 20) -> list[RunRecord]:
        """The most recent runs first (failed attempts included)."""
        where, params = _filters(("account", account))
        rows = self._read(
            "SELECT id, account, started_at, finished_at, full, first, ok, error, summary FROM runs"
            + _where(where) + " ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [
            RunRecord(i, a, parse_instant(s), parse_instant(f), bool(full), bool(first), bool(ok), err, json.loads(summ))
            for i, a, s, f, full, first, ok, err, summ in rows
        ]

    def changes(self, run_id: int | None = None, *, account: str | None = None) -> list[Change]:
        """The changes of run ``run_id``, or of each account's last successful run (one account if given)."""
        if run_id is not None:
            where, params = ["run_id = ?"], [run_id]
        else:
            inner, params = _filters(("account", account))
            where = ["run_id IN (SELECT last_run FROM sync_state" + _where(inner) + ")"]
        rows = self._read(
            "SELECT account, kind, name, customer_name, subscription_id, customer_id, order_id, before, after "
            "FROM changes" + _where(where) + " ORDER BY account, run_id, seq",
            params,
        )
        return [Change(*row) for row in rows]


# ---------------------------------------------------------------- helpers


def _filters(*pairs: tuple[str, Any]) -> tuple[list[str], list[Any]]:
    where, params = [], []
    for column, value in pairs:
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return where, params


def _where(where: list[str]) -> str:
    return (" WHERE " + " AND ".join(where)) if where else ""


def _subscription_rows(rows: list[tuple], today: date) -> list[SubscriptionRow]:
    """Rows → records; the hot loop of the browser's first paint (20,000 rows), so kept flat."""
    money = MoneyCache()
    get, margin, to_date, quantity = money.get, money.margin, date.fromisoformat, quantity_value
    out = []
    append = out.append
    for (account, sid, cid, cname, name, status, renew, term, billing, created, renewal, expires, modified, mpn,
         vendor, seats, price, price_cur, cost, cost_cur, total, total_cur, loaded, due, since, why) in rows:
        renewal_date = to_date(renewal) if renewal else None
        unit_price = get(price, price_cur)
        unit_cost = get(cost, cost_cur)
        append(SubscriptionRow(
            account, sid, cid, cname, name, status, None if renew is None else bool(renew), term, billing,
            to_date(created) if created else None, renewal_date, to_date(expires) if expires else None,
            to_date(modified) if modified else None, mpn, vendor,
            seats if seats is None or seats.__class__ is int else quantity(seats),
            unit_price, unit_cost, get(total, total_cur), margin(unit_price, unit_cost), price_cur or cost_cur,
            (renewal_date - today).days if renewal_date is not None else None,
            bool(loaded), bool(due), to_date(since) if since else None, why,
        ))
    return out
