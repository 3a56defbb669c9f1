"""The app tells every area screen what happened (config reloaded, account switched, order placed), and
each reacts to what concerns it: the app knows no screen, and a new area is only a registered mode."""

from __future__ import annotations

import gc

from textual.app import ComposeResult
from textual.widgets import Static

from imtui.tui.app import ImtuiApp
from imtui.tui.messages import AccountSwitched, ConfigReloaded, OrderPlaced
from imtui.tui.screens.base import AreaScreen


class LedgerScreen(AreaScreen):
    """A new area, as a later stage adds one: it only registers its mode."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[tuple] = []

    def compose(self) -> ComposeResult:
        yield Static("ledger")

    def on_config_reloaded(self, _: ConfigReloaded) -> None:
        self.heard.append(("config reloaded",))

    def on_account_switched(self, message: AccountSwitched) -> None:
        self.heard.append(("account", message.account, self.services.config.account(message.account) is not None))

    def on_order_placed(self, message: OrderPlaced) -> None:
        self.heard.append(("order", message.account, message.order_id))


class AppWithLedger(ImtuiApp):
    MODES = {**ImtuiApp.MODES, "ledger": LedgerScreen}


async def test_a_new_area_hears_every_broadcast_in_the_background(make_services, settle):
    services = make_services()
    app = AppWithLedger(services, start_in="customers")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.switch_mode("ledger")
        await pilot.pause()
        ledger = app.screen
        assert isinstance(ledger, LedgerScreen)
        assert ledger.services is services  # typed, the same services as the app's
        await pilot.press("2")  # the ledger is now out of view
        await pilot.pause()

        app.action_reload_config()
        app.current_account = "uk-demo"  # as "Use account uk-demo" in the palette does
        app.broadcast(OrderPlaced("uk-demo", "SO000123"))
        await pilot.pause()
        assert ledger.heard == [("config reloaded",), ("account", "uk-demo", True), ("order", "uk-demo", "SO000123")]
        assert "account uk-demo (uk)" in app.sub_title


async def test_a_reload_reaches_the_customers_screen_out_of_view_and_keeps_its_filter(make_services, open_app, table_rows):
    mine = make_services()
    other = make_services()  # another imtui on the same config
    async with open_app(mine, start_in="customers") as (app, pilot):
        customers = app.screen
        await pilot.press("slash", *"keystone labs", "enter")
        await pilot.pause()
        assert [r["Ingram customer"] for r in table_rows(customers.table)] == ["Keystone Labs LLC"]
        first = customers.table.selected.customer
        await pilot.press("1")  # the accounts screen in view
        await pilot.pause()

        other.mappings.map(first, "Their Client")
        app.action_reload_config()
        await pilot.pause()
        await pilot.press("escape", "2")
        await pilot.pause()
        assert app.screen is customers  # the same screen, told, not rebuilt
        assert customers.filter_input.value == "keystone labs"
        rows = table_rows(customers.table)
        assert [(r["Ingram customer"], r["Client"], r["How"]) for r in rows] == [("Keystone Labs LLC", "Their Client", "manual")]


async def test_a_reload_that_removed_an_account_drops_its_customers(make_services, open_app, table_rows):
    mine = make_services()
    other = make_services()
    async with open_app(mine, start_in="customers") as (app, pilot):
        assert len(table_rows(app.screen.table)) == 144
        other.accounts.remove("uk-demo")
        app.action_reload_config()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = table_rows(app.screen.table)
        assert len(rows) == 96 and {r["Account"] for r in rows} == {"us-demo", "de-demo"}
        assert "96 customers" in str(app.screen.status.render())


async def test_the_heap_is_settled_once_after_the_first_load(make_services, settle, monkeypatch):
    services = make_services()
    app = ImtuiApp(services, start_in="customers")
    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(len(app.screen.rows)))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert frozen == [144]  # once every account had arrived
        await pilot.press("r")
        await settle(pilot)
        assert frozen == [144]  # not again
