"""How "What changed", the cost report and the export dialog look at 120x36 and 80x24 (snapshots,
deterministic: the seeded sandbox on its manual clock, fixed size and theme, no blinking cursor)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from imtui.tui.app import ImtuiApp
from tests.sync_support import active_subscriptions, map_customer, on_sandbox_time

SIZES = {"120x36": (120, 36), "80x24": (80, 24)}


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _two_syncs_with_changes(app, sandbox) -> None:
    """A sync, then upstream: seats, auto-renew, a price, a suspension, a removal; then the next sync."""
    services = app.services
    await services.sync.run()
    state = sandbox.state.account("us-demo")
    subs = active_subscriptions(sandbox)
    for sub, client in ((subs[0], "Brightline Logistics"), (subs[1], "Keystone Labs LLC")):
        map_customer(services, "us-demo", sub.customer_id, state.customers[sub.customer_id]["name"], client)
    sandbox.modify_subscription(subs[0].id, quantity=subs[0].lines[0].quantity + 5)
    sandbox.modify_subscription(subs[1].id, renewal_status=not subs[1].renewal_status)
    sandbox.modify_subscription(subs[2].id, unit_price="99.99")
    sandbox.modify_subscription(subs[3].id, status="suspended")
    sandbox.remove_subscription(subs[4].id)
    uk = active_subscriptions(sandbox, "uk-demo")[0]
    sandbox.modify_subscription(uk.id, quantity=uk.lines[0].quantity + 1)
    sandbox.clock.advance(3600)
    await services.sync.run()


def _then(open_view, sandbox, *keys: str):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await _two_syncs_with_changes(pilot.app, sandbox)
        open_view(pilot.app)
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", sorted(SIZES))
def test_what_changed(size, snap_compare, make_services, sandbox):
    services = on_sandbox_time(make_services(), sandbox)
    app = ImtuiApp(services, start_in="customers")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_then(ImtuiApp.action_what_changed, sandbox))


@pytest.mark.parametrize("size", sorted(SIZES))
def test_cost_report(size, snap_compare, make_services, sandbox):
    services = on_sandbox_time(make_services(), sandbox)
    app = ImtuiApp(services, start_in="customers")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_then(ImtuiApp.action_cost_report, sandbox))


@pytest.mark.parametrize("size", sorted(SIZES))
def test_export_dialog(size, snap_compare, make_services, sandbox, monkeypatch):
    monkeypatch.chdir("/")  # the default file is named in the working directory: the same in every run
    services = on_sandbox_time(make_services(), sandbox)
    app = ImtuiApp(services, start_in="customers")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_then(ImtuiApp.action_cost_report, sandbox, "ctrl+e"))
