"""The snapshot store: its file, its queries, money kept exact per currency, one writer at a time, and a
write killed half-way that leaves the previous snapshot whole."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from imtui.core.api.models import Customer, Order, SubscriptionDetail, totals_by_currency
from imtui.core.paths import Paths
from imtui.core.snapshot import (
    SCHEMA_VERSION,
    AccountUpdate,
    Change,
    ChangeKind,
    Snapshot,
    SnapshotBusyError,
    SnapshotError,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def customer(cid: str, name: str) -> Customer:
    return Customer.model_validate({"id": cid, "name": name, "status": "active", "address": {"city": "Leeds"}})


def detail(sid: str, cid: str, *, price=("10.00", "USD"), cost=("8.00", "USD"), seats=3, status="active",
           renewal="2026-12-20", lines=1) -> SubscriptionDetail:
    line = {"mpn": "MPN-1", "vendor": "Microsoft", "name": "Seats", "quantity": seats,
            "unitPrice": {"amount": price[0], "currency": price[1]}, "unitCost": {"amount": cost[0], "currency": cost[1]},
            "extendedPrice": {"amount": price[0], "currency": price[1]}, "vendorSubscriptionId": f"v-{sid}"}
    return SubscriptionDetail.model_validate({
        "id": sid, "customerId": cid, "name": f"Product {sid}", "status": status, "renewalStatus": True,
        "renewalDate": renewal, "lastModifiedDate": "2026-11-01", "creationDate": "2025-12-20",
        "subscriptionPeriod": {"type": "year", "duration": 1}, "billingPeriod": {"type": "month", "duration": 1},
        "products": [dict(line, mpn=f"MPN-{n}") for n in range(lines)],
        "totalPrice": {"amount": price[0], "currency": price[1]},
        "orderParameters": [{"name": "domain", "value": "example.com"}],
    })


def order(oid: str, cid: str, status: str, created: str, sid: str | None = None) -> Order:
    return Order.model_validate({
        "id": oid, "orderNumber": f"CH{oid}", "type": "change", "customerId": cid, "status": status,
        "creationDate": created, "total": {"amount": "20.00", "currency": "USD"}, "subscriptionId": sid,
        "poNumber": "PO-1", "products": [{"mpn": "MPN-0", "quantity": -2, "subscriptionId": sid}] if sid else [],
    })


def update(account: str, subscriptions, customers=(), orders=(), *, changes=(), first=True, marks=None) -> AccountUpdate:
    subscriptions = list(subscriptions)
    return AccountUpdate(
        account=account, started_at=NOW, finished_at=NOW, full=first, first=first, sync_day=NOW.date(),
        orders_cursor=NOW, customers=list(customers), subscriptions=subscriptions,
        details={s.id for s in subscriptions}, orders=list(orders), order_details={o.id for o in orders if o.products},
        changes=list(changes), summary={"requests": 3}, subscription_marks=marks or {},
    )


@pytest.fixture
def snapshot(tmp_path):
    with Snapshot(tmp_path / "snapshot") as snap:
        yield snap


class TestTheFile:
    def test_opening_is_free_until_the_first_query(self, tmp_path):
        snap = Snapshot(Paths.in_home(tmp_path).snapshot_dir)
        assert not snap.path.exists()
        assert snap.subscriptions() == [] and snap.sync_state() == {}
        conn = sqlite3.connect(snap.path)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        conn.close()
        snap.close()

    def test_a_snapshot_from_a_newer_imtui_is_refused_in_words(self, tmp_path):
        path = tmp_path / "snapshot.db"
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.close()
        with pytest.raises(SnapshotError, match="newer imtui"):
            Snapshot(tmp_path).subscriptions()

    def test_a_file_that_is_not_a_database_is_refused_in_words(self, tmp_path):
        (tmp_path / "snapshot.db").write_bytes(b"this is not sqlite" * 100)
        with pytest.raises(SnapshotError, match="cannot be read"):
            Snapshot(tmp_path).customers()


class TestQueries:
    def test_rows_carry_the_derived_values_the_browser_shows(self, snapshot):
        snapshot.commit(update("us", [detail("1", "c1", seats=7)], [customer("c1", "Acme")]))
        (row,) = snapshot.subscriptions(today=date(2026, 11, 20))
        assert (row.customer_name, row.seats, row.term, row.billing, row.mpn) == ("Acme", 7, "P1Y", "P1M", "MPN-0")
        assert (row.unit_price.amount, row.unit_cost.amount, row.margin.amount) == (
            Decimal("10.00"), Decimal("8.00"), Decimal("2.00"))
        assert row.currency == "USD" and row.days_to_renewal == 30 and row.details_loaded and row.active

    def test_margin_is_unknown_when_price_and_cost_are_in_different_currencies(self, snapshot):
        snapshot.commit(update("us", [detail("1", "c1", price=("10.00", "USD"), cost=("7.00", "EUR"))]))
        (row,) = snapshot.subscriptions()
        assert row.margin is None and row.unit_price.currency == "USD" and row.unit_cost.currency == "EUR"

    def test_money_stays_exact_and_per_currency(self, snapshot):
        snapshot.commit(update("us", [detail("1", "c1", price=("0.10", "USD"), cost=("0.07", "USD")),
                                      detail("2", "c1", price=("0.20", "USD"), cost=("0.07", "USD"))]))
        snapshot.commit(update("uk", [detail("3", "c9", price=("0.30", "GBP"), cost=("0.01", "GBP"))]))
        rows = snapshot.subscriptions()
        totals = totals_by_currency(r.unit_price for r in rows)
        assert {k: v.amount for k, v in totals.items()} == {"USD": Decimal("0.30"), "GBP": Decimal("0.30")}
        conn = sqlite3.connect(snapshot.path)
        assert conn.execute("SELECT DISTINCT typeof(unit_price) FROM subscriptions").fetchall() == [("text",)]
        assert conn.execute("SELECT unit_price FROM subscriptions WHERE id = '1'").fetchone() == ("0.10",)
        conn.close()

    def test_fractional_seats_stay_exact(self, snapshot):
        snapshot.commit(update("us", [detail("1", "c1", seats="2.5")]))
        assert snapshot.subscriptions()[0].seats == Decimal("2.5")

    def test_filters_by_account_customer_and_activity(self, snapshot):
        snapshot.commit(update("us", [detail("1", "c1"), detail("2", "c2"), detail("3", "c1", status="terminated")],
                               marks={"3": (NOW.date(), "terminated")}))
        snapshot.commit(update("uk", [detail("4", "c1")]))
        assert [r.id for r in snapshot.subscriptions("us", "c1")] == ["1", "3"]
        assert [r.id for r in snapshot.subscriptions("us", include_inactive=False)] == ["1", "2"]
        assert {r.account for r in snapshot.subscriptions()} == {"us", "uk"}

    def test_one_subscription_with_its_lines_parameters_and_orders_pending_first(self, snapshot):
        snapshot.commit(update("us", [detail("1", "c1", lines=2)], orders=[
            order("o1", "c1", "completed", "2026-11-01T10:00:00Z", "1"),
            order("o2", "c1", "processing", "2026-10-01T10:00:00Z", "1"),
            order("o3", "c1", "completed", "2026-11-10T10:00:00Z", "1"),
            order("o4", "c1", "completed", "2026-11-11T10:00:00Z", None),
        ]))
        record = snapshot.subscription("1")
        assert [line.mpn for line in record.lines] == ["MPN-0", "MPN-1"]
        assert record.lines[0].vendor_subscription_id == "v-1"
        assert record.parameters == [{"kind": "order", "name": "domain", "value": "example.com"}]
        assert [o.id for o in record.orders] == ["o2", "o3", "o1"]
        assert record.orders[0].pending and record.orders[1].lines[0].quantity == -2
        assert record.orders[1].po_number == "PO-1"
        assert [o.id for o in snapshot.orders(customer_id="c1")] == ["o2", "o4", "o3", "o1"]
        assert snapshot.subscription("nope") is None

    def test_an_id_in_two_accounts_needs_the_account(self, snapshot):
        snapshot.commit(update("us", [detail("1", "c1")]))
        snapshot.commit(update("uk", [detail("1", "c1", price=("9.00", "GBP"), cost=("1.00", "GBP"))]))
        with pytest.raises(LookupError, match="us, uk|uk, us"):
            snapshot.subscription("1")
        assert snapshot.subscription("1", "uk").row.currency == "GBP"

    def test_customers_with_their_active_subscription_count(self, snapshot):
        snapshot.commit(update("us", [detail("1", "c1"), detail("2", "c1", status="removed")],
                               [customer("c1", "Acme"), customer("c2", "Zed")], marks={"2": (NOW.date(), "removed")}))
        assert [(c.name, c.subscriptions, c.city) for c in snapshot.customers("us")] == [("Acme", 1, "Leeds"), ("Zed", 0, "Leeds")]
        assert snapshot.customer("us", "c1").address.city == "Leeds"

    def test_sync_state_runs_and_the_changes_of_each_run(self, snapshot):
        first = snapshot.commit(update("us", [detail("1", "c1")]))
        change = Change("us", ChangeKind.SEATS, "Product 1", "Acme", subscription_id="1", before="3", after="5")
        second = snapshot.commit(update("us", [detail("1", "c1", seats=5)], changes=[change], first=False))
        assert snapshot.changes() == [change] == snapshot.changes(second)
        assert snapshot.changes(first) == []
        state = snapshot.sync_state("us")["us"]
        assert (state.last_sync_at, state.last_run, state.last_error) == (NOW, second, None)
        assert snapshot.last_refreshed() == {"us": NOW} and snapshot.accounts() == ["us"]
        assert [r.id for r in snapshot.runs()] == [second, first] and snapshot.runs()[0].summary == {"requests": 3}


class TestOneWriterAtATime:
    def test_a_second_lock_on_the_same_dir_is_refused_even_in_one_process(self, tmp_path):
        one, two = Snapshot(tmp_path), Snapshot(tmp_path)
        with one.lock():
            with one.lock():  # re-entrant for its holder (a sync holding it across accounts)
                pass
            with pytest.raises(SnapshotBusyError, match=f"process {os.getpid()}"):
                with two.lock():
                    pass
        with two.lock():
            pass

    def test_a_lock_held_by_a_killed_process_is_free_again(self, tmp_path):
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(SnapshotBusyError, match=f"already running .*process {holder.pid}"):
                with Snapshot(tmp_path).lock():
                    pass
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.communicate(timeout=30)
        with Snapshot(tmp_path).lock():
            pass


HOLD_LOCK = """
import sys, time
from imtui.core.snapshot import Snapshot
with Snapshot(sys.argv[1]).lock():
    print("locked", flush=True)
    time.sleep(120)
"""

# A full refresh in a child process that stops dead in the middle of its one write transaction: after the
# subscription details are written and before the orders, the run and the commit.
KILLED_MID_WRITE = """
import asyncio, sys, time
from imtui.core.api import MarketplaceClient
from imtui.core.refresh import refresh_account
from imtui.core.snapshot import Snapshot, writer
from imtui.sandbox import Sandbox

written = writer.write_subscription_details

def write_then_stop(conn, update):
    written(conn, update)
    print(conn.execute("SELECT COUNT(*) FROM subscriptions WHERE seats = 999").fetchone()[0], flush=True)
    time.sleep(120)

writer.write_subscription_details = write_then_stop
sandbox = Sandbox(seed=7)
for sub in sandbox.state.account("us-demo").subscriptions.values():
    if sub.lines:
        sub.lines[0].quantity = 999
sandbox.clock.advance(86_400)
account = sandbox.account("us-demo")

async def main():
    async with MarketplaceClient(account.base_url, account.marketplace, account.username, account.password,
                                 account.subscription_key, transport=sandbox.transport()) as client:
        await refresh_account(client, "us-demo", Snapshot(sys.argv[1]), now=sandbox.clock.now(), full=True)

asyncio.run(main())
"""


async def test_a_refresh_killed_mid_write_leaves_the_previous_snapshot_whole(tmp_path, sandbox):
    from tests.unit.test_refresh import dump, refresh

    directory = tmp_path / "snapshot"
    with Snapshot(directory) as snap:
        await refresh(sandbox, snap)
        before = dump(snap)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_WRITE, str(directory)], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip().isdigit() and int(line) > 50, child.stderr.read()  # the new seats were written...
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with Snapshot(directory) as snap:  # ...and are gone: the previous snapshot, whole
        assert dump(snap) == before
        conn = sqlite3.connect(snap.path)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
        assert all(row.seats != 999 for row in snap.subscriptions())
        result = await refresh(sandbox, snap)  # the dead child's lock went with it
        assert not result.first


def test_change_records_are_plain_json():
    change = Change("us", ChangeKind.PRICE, "Seats", "Acme", subscription_id="1", before="10.00 USD", after="11.00 USD")
    assert json.loads(json.dumps(change.to_dict()))["after"] == "11.00 USD"
