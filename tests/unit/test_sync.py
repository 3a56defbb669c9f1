"""services.sync against the in-process sandbox on its manual clock: what a daily sync reads, finds and keeps.

Every test runs on the sandbox's time: the services' clock is the sandbox's, and the clients' waits (429s,
back-offs) move the sandbox clock on instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from imtui.core.refresh import Phase, sync_day
from imtui.core.secrets import AccountSecrets
from imtui.core.snapshot import VANISHED, ChangeKind, SnapshotBusyError
from tests.sync_support import YieldingTransport, active_subscriptions, dump, gets, map_customer, on_sandbox_time

ACCOUNTS = ("us-demo", "uk-demo", "de-demo")


@pytest.fixture
def services(make_services, sandbox):
    return on_sandbox_time(make_services(), sandbox)


def lists_per_account(services, account: str) -> int:
    """List pages a second sync of ``account`` reads: customers, subscriptions, new orders (one page each at
    demo size), and the two lists of unfinished orders when the snapshot holds some."""
    held = services.snapshot.orders(account, unfinished_only=True)
    return 3 + (2 if held else 0)


async def test_the_first_sync_loads_every_account_and_reports_no_changes(services, sandbox):
    result = await services.sync.run()

    assert result.exit_code == 0 and result.accounts == list(ACCOUNTS) and not result.failed
    for name in ACCOUNTS:
        state = sandbox.state.account(name)
        rows = services.snapshot.subscriptions(name)
        assert {r.id for r in rows} == set(state.subscriptions)
        assert all(r.details_loaded for r in rows)
        assert {c.id for c in services.snapshot.customers(name)} == set(state.customers)
        assert result.refreshed[name].first and result.refreshed[name].changes == []
    assert result.requests == len(gets(sandbox))  # every GET counted, none more
    report = result.report(services.config)
    assert report.total == 0 and all("first sync" in a.headline() for a in report.accounts)


async def test_a_second_sync_without_changes_reads_the_lists_and_the_details_the_rule_requires(services, sandbox):
    first = await services.sync.run()
    sandbox.clock.advance(3600)
    due = 0
    for name in ACCOUNTS:
        state = sandbox.state.account(name)
        refresh = first.refreshed[name]
        newest = max(s.last_modified for s in state.subscriptions.values())
        since = sync_day(refresh.started_at, newest)
        due += sum(1 for s in state.subscriptions.values() if s.last_modified >= since)
    expected = sum(lists_per_account(services, name) for name in ACCOUNTS) + due
    start = len(sandbox.requests)

    second = await services.sync.run()

    assert len(gets(sandbox, start)) == expected == second.requests
    assert sum(r.details_fetched for r in second.refreshed.values()) == due
    assert second.report(services.config).total == 0 and second.exit_code == 0


async def test_seats_a_cancellation_a_renewal_and_a_removal_upstream_are_reported_with_client_names(services, sandbox):
    from imtui.core.api.models import OrderRequest

    await services.sync.run()
    subs = active_subscriptions(sandbox)
    more, cancelled, removed = subs[0], subs[1], subs[2]
    renewing = min((s for s in subs[3:] if s.renewal_status and s.renewal_date), key=lambda s: s.renewal_date)
    state = sandbox.state.account("us-demo")
    map_customer(services, "us-demo", more.customer_id, state.customers[more.customer_id]["name"], "Acme Client")
    seats = more.lines[0].quantity
    client = services.client("us-demo")
    await client.place_order(OrderRequest.change(more.customer_id, more.id, more.lines[0].product.mpn, seats + 2))
    await client.place_order(OrderRequest.cancellation(cancelled.customer_id, cancelled.id))
    sandbox.remove_subscription(removed.id)
    old_renewal = renewing.renewal_date
    now = sandbox.clock.now()
    until = max(timedelta(minutes=10), (old_renewal - now.date()) + timedelta(hours=1) - timedelta(hours=now.hour))
    sandbox.clock.advance(until.total_seconds())  # past the renewal date's midnight: it renews automatically

    result = await services.sync.run(["us-demo"])

    changes = result.refreshed["us-demo"].changes
    by = {(c.kind, c.subscription_id): c for c in changes}
    assert (by[ChangeKind.SEATS, more.id].before, by[ChangeKind.SEATS, more.id].after) == (str(seats), str(seats + 2))
    assert by[ChangeKind.STATUS, cancelled.id].after == "terminated"
    assert by[ChangeKind.SUBSCRIPTION_GONE, removed.id].after == VANISHED
    assert by[ChangeKind.RENEWED, renewing.id].before == old_renewal.isoformat()
    row = services.snapshot.subscription(removed.id).row  # kept, marked inactive, not deleted
    assert (row.inactive_reason, row.inactive_since, row.active) == (VANISHED, sandbox.clock.now().date(), False)
    assert not services.snapshot.subscription(cancelled.id).row.active
    text = "\n".join(result.report(services.config).text_lines())
    assert "Seat changes (1)" in text and "Acme Client" in text and f"{seats} → {seats + 2} seats" in text
    assert "(not mapped)" in text  # the others' customers are named by their Ingram name, marked
    assert services.sync.last_changes(["us-demo"]).to_dict()["accounts"][0]["counts"] == result.report(
        services.config).accounts[0].counts()


async def test_a_sync_killed_half_way_leaves_the_snapshot_whole_and_the_lock_free(services, sandbox):
    await services.sync.run()
    sub = active_subscriptions(sandbox)[0]
    sandbox.modify_subscription(sub.id, quantity=sub.lines[0].quantity + 1)
    sandbox.clock.advance(60)
    before = dump(services.snapshot.path)
    services.transport = YieldingTransport(sandbox)
    services.accounts_touched(*ACCOUNTS)  # clients are built again, on the yielding transport
    seen = []

    def kill_midway(event):
        if event.phase == Phase.DETAILS and event.items:
            seen.append(event)
            if len(seen) == 15:
                task.cancel()

    task = asyncio.create_task(services.sync.run(full=True, listener=kill_midway))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 15 <= len(seen) < 60
    assert dump(services.snapshot.path) == before
    result = await services.sync.run(["us-demo"])  # the lock went with it; the next sync finds the change
    assert [(c.kind, c.subscription_id) for c in result.refreshed["us-demo"].changes] == [(ChangeKind.SEATS, sub.id)]


async def test_a_second_sync_while_one_runs_is_refused(services, make_services, sandbox):
    other = on_sandbox_time(make_services(), sandbox)  # another imtui on the same data dir
    refused = []

    def try_another(event):
        if event.phase == Phase.DETAILS and event.items and not refused:
            refused.append(asyncio.ensure_future(other.sync.run()))

    result = await services.sync.run(["us-demo"], listener=try_another)
    with pytest.raises(SnapshotBusyError, match="already running"):
        await refused[0]
    assert result.exit_code == 0
    assert (await other.sync.run(["us-demo"])).exit_code == 0  # once it is done


async def test_a_storm_of_429s_is_waited_out_on_the_sandbox_clock_without_failing(services, sandbox):
    sandbox.faults.rate_limit, sandbox.faults.window_s = 20, 1.0
    wall = time.monotonic()

    result = await services.sync.run()

    assert result.exit_code == 0 and not result.failed
    assert sum(r.rate_limited for r in result.retries.values()) > 10
    assert services.waits and sum(services.waits) > 5  # waited out, on the sandbox's time...
    assert time.monotonic() - wall < 30  # ...not for real
    for name in ACCOUNTS:
        assert {r.id for r in services.snapshot.subscriptions(name)} == set(sandbox.state.account(name).subscriptions)


async def test_429s_without_retry_after_are_backed_off_and_survived(services, sandbox):
    sandbox.faults.rate_limit, sandbox.faults.window_s = 30, 1.0
    sandbox.faults.rate_limit_retry_after = False
    result = await services.sync.run(["uk-demo"])
    assert result.exit_code == 0 and result.retries["uk-demo"].rate_limited > 0


async def test_a_known_budget_paces_the_key_instead_of_provoking_429s(services, sandbox):
    sandbox.faults.rate_limit, sandbox.faults.window_s = 20, 1.0
    result = await services.sync.run(["us-demo"], rate=20)
    assert result.exit_code == 0
    assert result.retries["us-demo"].rate_limited == 0
    assert services.client("us-demo").budget.configured_rate == pytest.approx(19.0)


async def test_an_accounts_requests_per_second_in_the_config_paces_its_client(services):
    def change(config):
        config.accounts = [a.model_copy(update={"requests_per_second": 40.0}) if a.name == "de-demo" else a
                           for a in config.accounts]

    services.change_config(change)
    assert services.client("de-demo").budget.configured_rate == pytest.approx(38.0)


async def test_one_account_failing_is_named_and_the_others_are_saved(services, sandbox):
    services.secrets.set("uk-demo", AccountSecrets(password="wrong-password", subscription_key="0" * 32))
    result = await services.sync.run()
    assert result.exit_code == 1 and set(result.failed) == {"uk-demo"}
    assert "credentials" in result.failed["uk-demo"]
    summary = result.to_dict(services.config)
    assert summary["accounts"]["uk-demo"] == {"status": "failed", "reason": result.failed["uk-demo"],
                                              "retries": {"rate_limited": 0, "transient": 0, "waited_s": 0.0}}
    assert summary["accounts"]["us-demo"]["status"] == "synced"
    assert "uk-demo: not synced" in "\n".join(result.report(services.config).text_lines())


async def test_a_server_clock_behind_ours_hides_no_change(make_services, sandbox):
    """The sandbox says it is the 20th; our clock says a week later. A change made after the first sync is
    dated the 20th: the next sync must still read it."""
    services = on_sandbox_time(make_services(), sandbox)
    services.sandbox = None
    services.now = lambda: sandbox.clock.now() + timedelta(days=8)  # type: ignore[method-assign]
    await services.sync.run(["us-demo"])
    sub = active_subscriptions(sandbox)[5]
    sandbox.modify_subscription(sub.id, quantity=sub.lines[0].quantity + 1)
    sandbox.clock.advance(60)
    result = await services.sync.run(["us-demo"])
    assert [(c.kind, c.subscription_id) for c in result.refreshed["us-demo"].changes] == [(ChangeKind.SEATS, sub.id)]


async def test_no_secret_in_the_summary_or_the_report(services, sandbox):
    import json

    services.secrets.set("de-demo", AccountSecrets(password="pw-" + "x" * 12, subscription_key="f" * 32))
    result = await services.sync.run()
    text = json.dumps(result.to_dict(services.config)) + "\n".join(result.report(services.config).text_lines())
    for account in sandbox.accounts:
        assert account.password not in text and account.subscription_key not in text
    assert "pw-xxxxxxxxxxxx" not in text and "f" * 32 not in text
