"""Loading an account from the sandbox into the snapshot: what is read, what changed, what is kept."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import httpx
import pytest

from imtui.core.api import MarketplaceClient
from imtui.core.api.models import OrderRequest, Period
from imtui.core.refresh import (
    ORDER_MARGIN,
    Phase,
    RefreshError,
    refresh_account,
    refresh_subscription_orders,
    sync_day,
)
from imtui.core.snapshot import TERMINATED, VANISHED, ChangeKind, Snapshot, SnapshotBusyError
from imtui.sandbox import OrderTimings, Sandbox

ACCOUNT = "us-demo"


class YieldingTransport(httpx.AsyncBaseTransport):
    """The in-process sandbox, but every call gives the event loop a turn, as a network call does (no sleep)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.inner = sandbox.transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        return await self.inner.handle_async_request(request)


def client_for(sandbox: Sandbox, name: str = ACCOUNT, *, yielding: bool = False) -> MarketplaceClient:
    account = sandbox.account(name)

    async def waits_on_the_sandbox_clock(seconds: float) -> None:
        sandbox.clock.advance(seconds)

    return MarketplaceClient(
        account.base_url, account.marketplace, account.username, account.password, account.subscription_key,
        transport=YieldingTransport(sandbox) if yielding else sandbox.transport(), sleep=waits_on_the_sandbox_clock, clock=lambda: sandbox.clock.now().timestamp(),
    )


async def refresh(sandbox: Sandbox, snapshot: Snapshot, name: str = ACCOUNT, **kwargs):
    async with client_for(sandbox, name) as client:
        return await refresh_account(client, name, snapshot, now=sandbox.clock.now(), **kwargs)


def reads(sandbox: Sandbox, since: int = 0) -> list[str]:
    """The GET paths the sandbox answered since request number ``since`` (logins left out)."""
    return [r.path for r in sandbox.requests[since:] if r.method == "GET"]


def dump(snapshot: Snapshot) -> dict[str, list[tuple]]:
    """Every row of every data table, to compare a snapshot before and after."""
    conn = sqlite3.connect(snapshot.path)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


@pytest.fixture
def snapshot(tmp_path):
    with Snapshot(tmp_path / "snapshot") as snap:
        yield snap


def active_subscription(sandbox: Sandbox, *, annual: bool | None = None, but=None):
    state = sandbox.state.account(ACCOUNT)
    for sub in state.subscriptions.values():
        if sub is but:
            continue
        if (sub.status == "active" and sub.lines and sub.lines[0].product.maximum != sub.lines[0].quantity
                and state.customers[sub.customer_id]["status"] == "active"):
            if annual is None or (sub.subscription_period[0] == "year") == annual:
                return sub
    raise AssertionError("the seed has no such subscription")


class TestFirstRefresh:
    async def test_fills_the_snapshot_with_what_the_sandbox_holds(self, sandbox, snapshot):
        events = []
        result = await refresh(sandbox, snapshot, listener=events.append)

        state = sandbox.state.account(ACCOUNT)
        rows = {r.id: r for r in snapshot.subscriptions(ACCOUNT, today=sandbox.clock.now().date())}
        assert set(rows) == set(state.subscriptions)
        for sid, sub in state.subscriptions.items():
            row = rows[sid]
            assert (row.customer_id, row.status, row.auto_renew, row.renewal_date) == (
                sub.customer_id, sub.status, sub.renewal_status, sub.renewal_date)
            assert row.term == Period(type=sub.subscription_period[0], duration=sub.subscription_period[1]).iso
            assert row.details_loaded and row.seats == sub.quantity
            if sub.lines:
                product = sub.lines[0].product
                assert row.unit_price.amount == product.price("USD") and row.unit_price.currency == "USD"
                assert row.unit_cost.amount == product.cost("USD")
                assert row.margin.amount == product.price("USD") - product.cost("USD")
            assert row.customer_name == state.customers[sub.customer_id]["name"]
            assert row.active == (sub.status not in ("terminated", "removed"))
        assert {c.id for c in snapshot.customers(ACCOUNT)} == set(state.customers)
        assert result.first and result.full and result.changes == []
        assert result.details_fetched == len(state.subscriptions)
        assert result.requests == len(reads(sandbox))

        phases = [e.phase for e in events]
        listed = [item for e in events if e.phase == Phase.SUBSCRIPTIONS for item in e.items]
        assert {s.id for s in listed} == set(state.subscriptions)
        assert phases.index(Phase.SUBSCRIPTIONS) < phases.index(Phase.DETAILS)  # rows before details
        last_detail = [e for e in events if e.phase == Phase.DETAILS][-1]
        assert (last_detail.done, last_detail.total) == (len(state.subscriptions), len(state.subscriptions))
        assert phases[-2:] == [Phase.SAVING, Phase.DONE] and events[-1].items == (result,)

    async def test_terminated_and_removed_ones_are_inactive_with_their_date(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        state = sandbox.state.account(ACCOUNT)
        for row in snapshot.subscriptions(ACCOUNT):
            sub = state.subscriptions[row.id]
            if sub.status in ("terminated", "removed"):
                assert (row.inactive_since, row.inactive_reason) == (sub.last_modified, sub.status)
            else:
                assert row.inactive_since is None and row.inactive_reason is None


class TestIncremental:
    async def test_an_unchanged_account_costs_the_list_pages_and_the_details_the_rule_requires(self, sandbox, snapshot):
        first = await refresh(sandbox, snapshot)
        sandbox.clock.advance(3600)
        state = sandbox.state.account(ACCOUNT)
        cursor = max(o.created for o in state.orders.values())
        since = sync_day(first.started_at)
        due = {sid for sid, s in state.subscriptions.items() if s.last_modified >= since}
        unfinished_before_window = {
            oid for oid, o in state.orders.items()
            if o.pending_at(sandbox.clock.now()) and o.created < cursor - ORDER_MARGIN
        }
        assert 0 < len(due) < len(state.subscriptions)  # the rule has something to skip and something to read
        start = len(sandbox.requests)

        second = await refresh(sandbox, snapshot)

        got = reads(sandbox, start)
        assert sorted(p for p in got if p.startswith("/subscriptions/")) == sorted(f"/subscriptions/{s}" for s in due)
        assert [p for p in got if p.startswith("/orders/")] == []  # unfinished ones found in the status lists
        status_lists = 2 if unfinished_before_window else 0  # submitted, processing: one page each
        assert len(got) == 3 + status_lists + len(due)  # customers, subscriptions, new orders: one page each
        assert second.requests == len(got) and second.details_fetched == len(due)
        assert not second.first and not second.full and second.changes == []

    async def test_an_unfinished_order_is_followed_until_it_ends(self, snapshot):
        sandbox = Sandbox(seed=7, order_timings=OrderTimings(completed_after=7200))
        older = active_subscription(sandbox)
        newer = active_subscription(sandbox, but=older)
        async with client_for(sandbox) as client:
            first = await client.place_order(OrderRequest.cancellation(older.customer_id, older.id))
            sandbox.clock.advance(1800)
            second = await client.place_order(OrderRequest.cancellation(newer.customer_id, newer.id))
        await refresh(sandbox, snapshot)
        pending = snapshot.orders(ACCOUNT, unfinished_only=True)
        assert {first.id, second.id} <= {o.id for o in pending}
        assert snapshot.orders(ACCOUNT, subscription_id=older.id)[0].id == first.id  # linked through its detail
        sandbox.clock.advance(7200)
        start = len(sandbox.requests)

        result = await refresh(sandbox, snapshot)

        # the newer is in the list of new orders; the older is no longer in the unfinished lists: its detail says
        assert f"/orders/{first.id}" in reads(sandbox, start) and f"/orders/{second.id}" not in reads(sandbox, start)
        completed = {c.order_id: c for c in result.changes if c.kind == ChangeKind.ORDER_COMPLETED}
        assert set(completed) == {first.id, second.id}
        assert completed[first.id].before == "processing" and completed[first.id].subscription_id == older.id

    async def test_a_full_refresh_reads_every_detail_again(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        result = await refresh(sandbox, snapshot, full=True)
        assert result.details_fetched == len(sandbox.state.account(ACCOUNT).subscriptions)

    async def test_a_seat_change_through_an_order_is_a_seat_change(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        sub = active_subscription(sandbox)
        before = sub.quantity
        async with client_for(sandbox) as client:
            order = await client.place_order(
                OrderRequest.change(sub.customer_id, sub.id, sub.lines[0].product.mpn, before + 1))
        sandbox.clock.advance(600)  # ten minutes on: the order completed long ago (and no seeded pending change has yet)
        start = len(sandbox.requests)

        result = await refresh(sandbox, snapshot)

        assert f"/subscriptions/{sub.id}" in reads(sandbox, start)
        seats = [c for c in result.changes if c.kind == ChangeKind.SEATS]
        assert [(c.subscription_id, c.before, c.after) for c in seats] == [(sub.id, str(before), str(before + 1))]
        completed = [c for c in result.changes if c.kind == ChangeKind.ORDER_COMPLETED]
        assert [(c.order_id, c.name, c.after) for c in completed] == [(order.id, order.order_number, "completed")]
        assert snapshot.subscription(sub.id).row.seats == before + 1
        assert snapshot.changes(account=ACCOUNT) == result.changes  # kept for the "what changed" view

    async def test_a_cancellation_is_a_status_change_and_makes_it_inactive(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        sub = active_subscription(sandbox)
        async with client_for(sandbox) as client:
            order = await client.place_order(OrderRequest.cancellation(sub.customer_id, sub.id))
        sandbox.clock.advance(7)

        result = await refresh(sandbox, snapshot)

        kinds = {c.kind: c for c in result.changes if c.subscription_id == sub.id}
        assert (kinds[ChangeKind.STATUS].before, kinds[ChangeKind.STATUS].after) == ("active", "terminated")
        row = snapshot.subscription(sub.id).row
        assert (row.status, row.inactive_reason, row.inactive_since) == ("terminated", TERMINATED,
                                                                       sandbox.clock.now().date())
        assert [c.order_id for c in result.changes if c.kind == ChangeKind.ORDER_COMPLETED] == [order.id]

    async def test_a_renewal_moves_the_renewal_date(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        sub = active_subscription(sandbox, annual=True)
        old = sub.renewal_date
        async with client_for(sandbox) as client:
            await client.place_order(OrderRequest.renewal(sub.customer_id, sub.id))
        sandbox.clock.advance(7)
        result = await refresh(sandbox, snapshot)
        renewed = [c for c in result.changes if c.kind == ChangeKind.RENEWED]
        assert [(c.subscription_id, c.before, c.after) for c in renewed] == [
            (sub.id, old.isoformat(), sub.renewal_date.isoformat())]

    async def test_auto_renew_turned_off_elsewhere_is_reported(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        sub = active_subscription(sandbox)
        async with client_for(sandbox) as client:
            await client.set_renewal(sub.id, not sub.renewal_status)
        result = await refresh(sandbox, snapshot)
        assert [(c.kind, c.subscription_id) for c in result.changes] == [(ChangeKind.AUTO_RENEW, sub.id)]

    async def test_a_subscription_removed_upstream_is_kept_and_marked_inactive(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        state = sandbox.state.account(ACCOUNT)
        sub = active_subscription(sandbox)
        del state.subscriptions[sub.id]
        state.subs_by_customer[sub.customer_id].remove(sub.id)
        sandbox.clock.advance(86_400)

        result = await refresh(sandbox, snapshot)

        gone = [c for c in result.changes if c.kind == ChangeKind.SUBSCRIPTION_GONE]
        assert [(c.subscription_id, c.before, c.after) for c in gone] == [(sub.id, "active", VANISHED)]
        row = snapshot.subscription(sub.id).row
        assert (row.inactive_reason, row.inactive_since, row.seats) == (VANISHED, sandbox.clock.now().date(), sub.quantity)
        again = await refresh(sandbox, snapshot)  # reported once, still kept
        assert again.changes == [] and not snapshot.subscription(sub.id).row.active

    async def test_a_customer_that_vanishes_is_kept_and_marked(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        state = sandbox.state.account(ACCOUNT)
        lonely = next(cid for cid in state.customers if not state.subs_by_customer.get(cid))
        del state.customers[lonely]
        result = await refresh(sandbox, snapshot)
        assert [(c.kind, c.customer_id) for c in result.changes] == [(ChangeKind.CUSTOMER_GONE, lonely)]
        record = next(c for c in snapshot.customers(ACCOUNT) if c.id == lonely)
        assert (record.inactive_reason, record.inactive_since) == (VANISHED, sandbox.clock.now().date())


class TestNothingHalfWritten:
    async def test_a_refresh_cancelled_during_details_leaves_the_snapshot_whole(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        sub = active_subscription(sandbox)
        state = sandbox.state.account(ACCOUNT)
        sub.lines[0].quantity += 1
        del state.customers[next(cid for cid in state.customers if not state.subs_by_customer.get(cid))]
        before = dump(snapshot)
        details_seen = []

        def cancel_midway(event):
            if event.phase == Phase.DETAILS and event.items:
                details_seen.append(event)
                if len(details_seen) == 10:
                    task.cancel()

        async with client_for(sandbox, yielding=True) as client:
            task = asyncio.create_task(
                refresh_account(client, ACCOUNT, snapshot, now=sandbox.clock.now(), full=True, listener=cancel_midway))
            with pytest.raises(asyncio.CancelledError):
                await task
        assert 10 <= len(details_seen) < 40  # stopped among the details (120): the cancel reaches 8 in flight in a few turns
        assert dump(snapshot) == before
        result = await refresh(sandbox, snapshot, full=True)  # the lock was released; the next refresh sees it all
        assert {c.kind for c in result.changes} == {ChangeKind.SEATS, ChangeKind.CUSTOMER_GONE}

    async def test_an_api_failure_leaves_the_data_as_it_was_and_says_why(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        before = dump(snapshot)
        synced_at = snapshot.sync_state(ACCOUNT)[ACCOUNT].last_sync_at
        sandbox.clock.advance(60)
        sandbox.faults.fault_rate = 1.0
        with pytest.raises(RefreshError) as failure:
            await refresh(sandbox, snapshot)
        assert failure.value.account == ACCOUNT and "server error" in str(failure.value)
        after = dump(snapshot)
        for table in ("customers", "subscriptions", "subscription_lines", "orders", "order_lines", "changes"):
            assert after[table] == before[table], table
        state = snapshot.sync_state(ACCOUNT)[ACCOUNT]
        assert state.last_error == str(failure.value.cause)
        assert state.last_sync_at == synced_at
        assert [r.ok for r in snapshot.runs(ACCOUNT)] == [False, True]

    async def test_a_write_failing_half_way_rolls_back_to_the_previous_snapshot(self, sandbox, snapshot, monkeypatch):
        from imtui.core.snapshot import writer

        await refresh(sandbox, snapshot)
        active_subscription(sandbox).lines[0].quantity += 5
        before = dump(snapshot)

        def disk_full(conn, update):
            conn.execute("UPDATE subscriptions SET seats = 0")  # some of the write happened...
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(writer, "write_orders", disk_full)
        with pytest.raises(RefreshError, match="could not write the snapshot.*disk is full"):
            await refresh(sandbox, snapshot, full=True)
        assert dump(snapshot) == before  # ...and none of it stayed

    async def test_a_second_refresh_of_the_same_data_dir_is_refused(self, sandbox, snapshot, tmp_path):
        other = Snapshot(tmp_path / "snapshot")  # the app and `imtui sync`, say
        with other.lock():
            with pytest.raises(SnapshotBusyError, match="already running"):
                await refresh(sandbox, snapshot)
        await refresh(sandbox, snapshot)  # free again once released

    async def test_the_same_account_twice_at_once_is_refused(self, sandbox, snapshot):
        async with client_for(sandbox) as one, client_for(sandbox) as two:
            results = await asyncio.gather(
                refresh_account(one, ACCOUNT, snapshot, now=sandbox.clock.now()),
                refresh_account(two, ACCOUNT, snapshot, now=sandbox.clock.now()),
                return_exceptions=True,
            )
        assert results[0].first
        assert isinstance(results[1], SnapshotBusyError) and "already being refreshed" in str(results[1])


class TestTolerance:
    async def test_an_unreadable_row_is_skipped_with_a_warning_and_nothing_vanishes(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        state = sandbox.state.account(ACCOUNT)
        cid = next(iter(state.customers))
        state.customers[cid]["name"] = {"not": "a name"}
        result = await refresh(sandbox, snapshot)
        assert any("unreadable customers row" in w and cid in w for w in result.warnings)
        assert result.changes == []
        assert all(c.active for c in snapshot.customers(ACCOUNT))

    async def test_a_subscription_gone_between_list_and_detail_is_read_again_next_time(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        state = sandbox.state.account(ACCOUNT)
        sub = active_subscription(sandbox)
        sub.last_modified = sandbox.clock.now().date()  # so the rule wants its detail

        def delete_after_listing(event):
            if event.phase == Phase.SUBSCRIPTIONS and sub.id in state.subscriptions:
                del state.subscriptions[sub.id]

        result = await refresh(sandbox, snapshot, listener=delete_after_listing)
        assert any("disappeared" in w and sub.id in w for w in result.warnings)
        assert snapshot.subscription(sub.id).row.details_due
        result = await refresh(sandbox, snapshot)
        assert [(c.kind, c.subscription_id) for c in result.changes] == [(ChangeKind.SUBSCRIPTION_GONE, sub.id)]

    async def test_a_failing_detail_does_not_fail_the_account_and_is_read_next_time(self, sandbox, snapshot):
        await refresh(sandbox, snapshot)
        sub = active_subscription(sandbox)
        sub.lines = "broken"  # the sandbox answers 500 for this one detail
        sub.last_modified = sandbox.clock.now().date()
        result = await refresh(sandbox, snapshot)
        assert any("could not be read" in w for w in result.warnings)
        assert snapshot.subscription(sub.id).row.details_due
        sandbox.errors.clear()


class TestMoney:
    async def test_each_account_keeps_its_own_currency_as_exact_text(self, sandbox, snapshot):
        results = await asyncio.gather(*(refresh(sandbox, snapshot, a.name) for a in sandbox.accounts))  # at once
        assert sorted(r.account for r in results) == sorted(a.name for a in sandbox.accounts)
        rows = snapshot.subscriptions(today=sandbox.clock.now().date())
        by_account = {}
        for row in rows:
            for money in (row.unit_price, row.unit_cost, row.total_price, row.margin):
                if money is not None:
                    by_account.setdefault(row.account, set()).add(money.currency)
        assert by_account == {a.name: {a.currency} for a in sandbox.accounts}
        conn = sqlite3.connect(snapshot.path)
        kinds = conn.execute("SELECT DISTINCT typeof(unit_price), typeof(total_price) FROM subscriptions").fetchall()
        conn.close()
        assert set(kinds) <= {("text", "text"), ("null", "null"), ("null", "text")}


async def test_a_subscriptions_order_history_is_linked_when_asked(sandbox, snapshot):
    await refresh(sandbox, snapshot)
    state = sandbox.state.account(ACCOUNT)
    sid, history = next((s, o) for s, o in state.orders_by_subscription.items() if len(o) >= 2)
    assert len(snapshot.orders(ACCOUNT, subscription_id=sid)) < len(history)  # list rows do not name it
    async with client_for(sandbox) as client:
        orders = await refresh_subscription_orders(client, ACCOUNT, sid, snapshot, now=sandbox.clock.now())
    assert {o.id for o in orders} == {o.id for o in history}
    assert [o.id for o in snapshot.subscription(sid).orders] == [o.id for o in orders]
