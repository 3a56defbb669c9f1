"""How buying looks at 120x36 and 80x24 (snapshots, deterministic: seeded sandbox on its manual clock, which is
also the services' clock; a fixed PO number; no polling, no blinking cursor): the catalog from the orders screen,
the purchase dialog with the marketplace's estimate, and the confirmation."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from imtui.core.config import Client, Mapping
from imtui.tui.app import ImtuiApp
from imtui.tui.dialogs.catalog import CatalogDialog
from imtui.tui.dialogs.plan import PlanDialog
from imtui.tui.dialogs.purchase import PurchaseDialog
from imtui.tui.screens.orders import OrdersScreen

SIZES = {"120x36": (120, 36), "80x24": (80, 24)}
PO = "IMTUI-20261120-7K3Q9A"


@pytest.fixture
def app(make_services, sandbox, monkeypatch):
    monkeypatch.setattr(OrdersScreen, "poll_first", 3600.0)
    monkeypatch.setattr(OrdersScreen, "poll_most", 3600.0)
    monkeypatch.setattr(PurchaseDialog, "estimate_delay", 0.0)
    monkeypatch.setattr("imtui.tui.dialogs.purchase.new_po_number", lambda now: PO)
    services = make_services()
    services.sandbox = sandbox
    config = services.config.model_copy(deep=True)
    config.clients = [Client(name="Acme")]
    config.mappings = [Mapping(account="us-demo", customer_id="1000101", customer_name="Acme Inc", client="Acme")]
    services.store.save(config)
    services.config = config
    return services


async def _until(pilot, condition) -> None:
    for _ in range(300):
        if condition():
            break
        await pilot.pause()
    assert condition()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def _catalog(pilot) -> None:
    await _until(pilot, lambda: isinstance(pilot.app.screen, OrdersScreen) and pilot.app.screen.views)
    await pilot.press("b")
    await _until(pilot, lambda: isinstance(pilot.app.screen, CatalogDialog) and pilot.app.screen.lines)
    await pilot.press(*"microsoft 365", "down")
    await _until(pilot, lambda: pilot.app.screen.table.row_count > 0)


async def _purchase(pilot) -> None:
    """From the customers screen: b on Acme Inc, the Business Premium of a year billed monthly, 5 seats."""
    app = pilot.app
    await _until(pilot, lambda: app.screen.rows)
    screen = app.screen
    screen.table.move_to(next(line.key for line in screen.table.shown_rows
                              if (line.customer.account, str(line.customer.customer.id)) == ("us-demo", "1000101")))
    await pilot.press("b")
    await _until(pilot, lambda: isinstance(app.screen, CatalogDialog) and app.screen.lines)
    await pilot.press(*"business premium", "down", "enter")
    await _until(pilot, lambda: isinstance(app.screen, PurchaseDialog))
    await pilot.press("5")
    await _until(pilot, lambda: app.screen.plan is not None)


async def _confirmation(pilot) -> None:
    await _purchase(pilot)
    await pilot.press("enter")
    await _until(pilot, lambda: isinstance(pilot.app.screen, PlanDialog))


@pytest.mark.parametrize("size", SIZES)
def test_catalog(snap_compare, app, size):
    assert snap_compare(ImtuiApp(app, start_in="orders"), terminal_size=SIZES[size], run_before=_catalog)


@pytest.mark.parametrize("size", SIZES)
def test_purchase_dialog_with_its_estimate(snap_compare, app, size):
    assert snap_compare(ImtuiApp(app, start_in="customers"), terminal_size=SIZES[size], run_before=_purchase)


@pytest.mark.parametrize("size", SIZES)
def test_purchase_confirmation(snap_compare, app, size):
    assert snap_compare(ImtuiApp(app, start_in="customers"), terminal_size=SIZES[size], run_before=_confirmation)
