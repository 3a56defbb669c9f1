"""How the orders screen (with an order's detail) and the journal look at 120x36 and 80x24 (snapshots,
deterministic: seeded sandbox on its manual clock, which is also the services' clock; no polling during the
shot)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from imtui.core.config import Client, Mapping
from imtui.tui.app import ImtuiApp
from imtui.tui.screens.orders import OrdersScreen

SIZES = {"120x36": (120, 36), "80x24": (80, 24)}


def _on_sandbox_time(make_services, sandbox):
    services = make_services()
    services.sandbox = sandbox  # services.now(): the sandbox's clock, so ages and journal times are fixed
    config = services.config.model_copy(deep=True)
    config.clients = [Client(name="Acme"), Client(name="Main Bau")]
    config.mappings = [
        Mapping(account="uk-demo", customer_id="2000101", customer_name="Acme Ltd", client="Acme", how="normalised"),
        Mapping(account="de-demo", customer_id="3000131", customer_name="Main Bau e.K.", client="Main Bau"),
    ]
    services.store.save(config)
    services.config = config
    return services


def _no_polling_during_the_shot(monkeypatch) -> None:
    monkeypatch.setattr(OrdersScreen, "poll_first", 3600.0)
    monkeypatch.setattr(OrdersScreen, "poll_most", 3600.0)


async def _settled(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _change_order_detail(pilot) -> None:
    """The first unfinished change order with a seat decrease, its detail open."""
    await _settled(pilot)
    screen = pilot.app.screen
    line = next(r for r in screen.table.shown_rows
                if r.view.type == "change" and r.view.lines and r.view.lines[0].quantity < 0)
    screen.table.move_to(line.key)
    await pilot.press("enter")
    await _settled(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_orders_screen_with_a_change_orders_detail(snap_compare, make_services, sandbox, monkeypatch, size):
    _no_polling_during_the_shot(monkeypatch)
    app = ImtuiApp(_on_sandbox_time(make_services, sandbox), start_in="orders")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_change_order_detail)


@pytest.mark.parametrize("size", SIZES)
def test_journal_screen(snap_compare, make_services, sandbox, size):
    services = _on_sandbox_time(make_services, sandbox)
    journal = services.journal
    journal.record(action="order.place", outcome="ok", account="us-demo", customer_id="1000101",
                   customer_name="Acme Inc", client="Acme", asked={"quantity": 5}, order_id="1500300",
                   order_number="SO000300", po_number="IMTUI-20261120-7K3Q9A", correlation_id="a8n-4f2c",
                   estimate="110.00 USD a month")
    sandbox.clock.advance(95)
    journal.record(action="subscription.seats", outcome="failed", account="uk-demo", customer_id="2000102",
                   customer_name="Bolt Ltd", client="Bolt", asked={"quantity": 3}, correlation_id="a8n-77d1",
                   error="Order #CH000123 in status Scheduled for the renewal date(SC) blocks this change")
    sandbox.clock.advance(3600)
    journal.record(action="order.withdraw", outcome="ok", account="us-demo", customer_id="1000101",
                   customer_name="Acme Inc", client="Acme", order_id="1500300", order_number="SO000300")
    journal.record(action="subscription.auto_renew", outcome="refused", account="de-demo", customer_id="3000110",
                   customer_name="Ruhr Solartechnik GmbH", client="Ruhr Solar", asked={"on": False},
                   error="de-demo is read-only")
    app = ImtuiApp(services, start_in="journal")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_settled)


def _dialog(*keys: str, path: str | None = None):
    """Open a dialog by keys, its fields fixed (no blinking cursor; a path that is the same everywhere)."""

    async def run_before(pilot) -> None:
        await _settled(pilot)
        await pilot.press(keys[0])
        for _ in range(50):  # the customer list is read in a worker that then waits for the dialog
            await pilot.pause(0.02)
            if pilot.app.screen.has_class("dialog"):
                break
        assert pilot.app.screen.has_class("dialog")
        await pilot.press(*keys[1:])
        if path is not None:
            pilot.app.screen.query_one("#export-path", Input).value = path
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_customer_pick_dialog(snap_compare, make_services, sandbox, monkeypatch, size):
    _no_polling_during_the_shot(monkeypatch)
    app = ImtuiApp(_on_sandbox_time(make_services, sandbox), start_in="orders")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_dialog("c", *"acme"))


@pytest.mark.parametrize("size", SIZES)
def test_journal_export_dialog(snap_compare, make_services, sandbox, size):
    services = _on_sandbox_time(make_services, sandbox)
    services.journal.record(action="order.place", outcome="ok", account="us-demo", client="Acme")
    services.journal.record(action="order.place", outcome="ok", account="uk-demo", client="Bolt Ltd")
    app = ImtuiApp(services, start_in="journal")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_dialog("e", path="/home/msp/imtui-journal-bolt-ltd.csv"))
