"""The orders screen (key 4) against the sandbox: listed after a refresh, filtered by status, type, customer
and text, a change order's signed delta in its detail, orders in progress followed live on the sandbox
clock (and not while the screen is hidden), withdrawal confirmed through the money path."""

from __future__ import annotations

import csv

from textual.widgets import Input

from imtui.core.api.models import OrderRequest, Period
from imtui.tui.dialogs.plan import PlanDialog
from imtui.tui.dialogs.pick import PickDialog
from imtui.tui.dialogs.export import ExportDialog
from imtui.tui.messages import AccountChosen, OrderPlaced
from imtui.tui.screens.orders import OrdersScreen


def all_orders(sandbox):
    return [o for a in sandbox.accounts for o in sandbox.state.account(a.name).orders.values()]


def status_of(sandbox, account: str, order_id: str) -> str:
    return sandbox.state.account(account).orders[order_id].status_at(sandbox.clock.now())[0]


async def wait_for(pilot, condition, *, tries: int = 100) -> bool:
    """Pilot pauses until ``condition()`` holds (the screen polls on its own timer)."""
    for _ in range(tries):
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


def row_of(screen, number: str, table_rows, account: str | None = None) -> dict[str, str]:
    """The row of an order (numbers repeat across accounts: name the account when several are shown)."""
    return next(r for r in table_rows(screen.table) if r["Order"] == number and account in (None, r["Account"]))


async def show_only(pilot, screen, text: str) -> None:
    await pilot.press("slash", *text, "enter")
    await pilot.pause()


class TestListing:
    async def test_the_sandboxs_orders_are_listed_after_the_first_refresh(self, make_services, open_app, sandbox, table_rows):
        services = make_services()  # nothing in the snapshot yet: the screen refreshes it on its own
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            assert isinstance(screen, OrdersScreen)
            rows = table_rows(screen.table)
            assert sorted(r["Order"] for r in rows) == sorted(o.number for o in all_orders(sandbox))
            first = rows[0]
            assert first["Status"].startswith(("processing", "submitted"))  # unfinished first
            assert "snapshot: de-demo 0 min ago" in str(screen.status.render())

    async def test_filters_by_status_type_and_text(self, make_services, open_app, sandbox, table_rows):
        services = make_services()
        await services.sync.run()
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            await pilot.press("s")  # unfinished
            assert {r["Status"] for r in table_rows(screen.table)} <= {"processing (LO)", "processing (SC)"}
            await pilot.press("s", "s", "s")  # submitted, processing, completed
            await pilot.pause()
            completed = table_rows(screen.table)
            assert {r["Status"] for r in completed} == {"completed (CP)"}
            now = sandbox.clock.now()
            assert len(completed) == sum(1 for o in all_orders(sandbox) if o.status_at(now)[0] == "completed")
            await pilot.press("t", "t")  # sales, change
            await pilot.pause()
            changes = table_rows(screen.table)
            assert changes and {r["Type"] for r in changes} == {"change"}
            assert len(changes) == sum(1 for o in all_orders(sandbox) if o.type == "change" and o.status_at(now)[0] == "completed")
            assert "status completed · type change" in str(screen.counts.render())

            target = sandbox.state.account("uk-demo").order_list[-1]
            await pilot.press("t", "t", "t", "t", "s", "s", "s", "s")  # back to every type and status
            await show_only(pilot, screen, target.number + " uk-demo")
            assert [r["Order"] for r in table_rows(screen.table)] == [target.number]

    async def test_one_customers_orders(self, make_services, open_app, sandbox, table_rows):
        services = make_services()
        await services.sync.run()
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            await pilot.press("c")
            assert await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))  # its worker waits for it
            name = sandbox.state.account("de-demo").customers["3000110"]["name"]
            await pilot.press(*name.lower(), "enter")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            expected = [o.number for o in sandbox.state.account("de-demo").orders.values() if o.customer_id == "3000110"]
            assert sorted(r["Order"] for r in table_rows(screen.table)) == sorted(expected)
            assert name in str(screen.counts.render())


class TestDetail:
    async def test_a_change_orders_detail_shows_the_signed_seat_delta_and_money(self, make_services, open_app, sandbox):
        services = make_services()
        await services.sync.run()
        now = sandbox.clock.now()
        change = next(o for o in sandbox.state.account("us-demo").order_list
                      if o.type == "change" and o.status_at(now)[0] == "completed" and o.lines[0].quantity < 0)
        services.journal.record(action="subscription.seats", outcome="ok", account="us-demo", order_id=change.id,
                                order_number=change.number, correlation_id="corr-4711")
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            await show_only(pilot, screen, change.number + " us-demo")
            await pilot.press("enter")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = str(screen.detail_text.render())
            line = change.lines[0]
            assert f"−{-line.quantity}" in text and line.name in text and "signed change in seats" in text
            assert f"{line.extended:,.2f} USD" in text and "corr-4711" in text
            assert screen.detail.display
            await pilot.press("escape")
            assert not screen.detail.display


class TestLive:
    async def test_an_order_in_progress_turns_completed_as_the_sandbox_clock_moves(
        self, make_services, open_app, sandbox, table_rows, monkeypatch
    ):
        monkeypatch.setattr(OrdersScreen, "poll_first", 0.02)
        monkeypatch.setattr(OrdersScreen, "poll_most", 0.05)
        services = make_services()
        await services.sync.run()
        now = sandbox.clock.now()
        pending = next(o for o in sandbox.state.account("uk-demo").order_list
                       if o.type == "change" and o.status_at(now) == ("processing", "LO"))
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            await show_only(pilot, screen, pending.number + " uk-demo")
            await pilot.press("enter")
            assert row_of(screen, pending.number, table_rows)["Status"] == "processing (LO)"

            sandbox.clock.advance(49 * 3600)  # the seed's pending changes complete within 48 hours
            assert await wait_for(
                pilot, lambda: row_of(screen, pending.number, table_rows)["Status"] == "completed (CP)"
            )
            await wait_for(pilot, lambda: "completed (CP)" in str(screen.detail_text.render()))
            assert "completed (CP)" in str(screen.detail_text.render())  # the open detail follows
            assert status_of(sandbox, "uk-demo", pending.id) == "completed"

    async def test_polling_stops_while_the_screen_is_hidden(self, make_services, open_app, sandbox, monkeypatch):
        monkeypatch.setattr(OrdersScreen, "poll_first", 0.02)
        monkeypatch.setattr(OrdersScreen, "poll_most", 0.02)
        services = make_services()
        await services.sync.run()

        def order_reads() -> int:
            return sum(1 for r in sandbox.requests if r.path.startswith("/orders"))

        async with open_app(services, start_in="orders") as (app, pilot):
            before = order_reads()
            assert await wait_for(pilot, lambda: order_reads() > before)  # polling while shown
            await pilot.press("5")
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            hidden = order_reads()
            for _ in range(5):
                await pilot.pause(0.03)
            assert order_reads() == hidden
            await pilot.press("4")
            assert await wait_for(pilot, lambda: order_reads() > hidden)


class TestNews:
    async def test_an_order_placed_elsewhere_is_listed_and_followed_to_completion(
        self, make_services, open_app, sandbox, table_rows, monkeypatch
    ):
        """What the money path does after placing: broadcast OrderPlaced; the orders screen reads the order."""
        monkeypatch.setattr(OrdersScreen, "poll_first", 0.02)
        monkeypatch.setattr(OrdersScreen, "poll_most", 0.05)
        services = make_services()
        await services.sync.run()
        st = sandbox.state.account("us-demo")
        product = next(o.lines[0].product for o in st.order_list if o.type == "sales" and o.lines and o.lines[0].product)
        period = Period(type=product.subscription_period[0], duration=product.subscription_period[1])
        billing = Period(type=product.billing_period[0], duration=product.billing_period[1])
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            order = await services.client("us-demo").place_order(OrderRequest.sales(
                "1000101", product.mpn, 3, subscription_period=period, billing_period=billing, po_number="IMTUI-T-1"))
            app.broadcast(OrderPlaced("us-demo", order.id, "1000101"))
            mine = (order.order_number, "us-demo")
            assert await wait_for(pilot, lambda: any((r["Order"], r["Account"]) == mine for r in table_rows(screen.table)))
            row = row_of(screen, *mine[:1], table_rows, "us-demo")
            assert row["Status"] in ("submitted (NW)", "processing (AS)") and row["PO"] == "IMTUI-T-1"
            sandbox.clock.advance(10)  # the sandbox completes an order 6 s after it was placed
            assert await wait_for(
                pilot, lambda: row_of(screen, order.order_number, table_rows, "us-demo")["Status"] == "completed (CP)"
            )


class TestTheApp:
    async def test_use_account_shows_one_accounts_orders_until_A(self, make_services, open_app, sandbox, table_rows):
        services = make_services()
        await services.sync.run()
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            app.broadcast(AccountChosen("uk-demo"))  # "Use account uk-demo" in the palette
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert {r["Account"] for r in table_rows(screen.table)} == {"uk-demo"}
            assert len(table_rows(screen.table)) == len(sandbox.state.account("uk-demo").orders)
            assert "account uk-demo" in str(screen.counts.render())
            await pilot.press("A")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert len(table_rows(screen.table)) == len(all_orders(sandbox))

    async def test_ctrl_e_writes_the_orders_shown_as_imtui_export_does(self, make_services, open_app, sandbox, tmp_path):
        services = make_services()
        await services.sync.run()
        target = tmp_path / "orders.csv"
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            await pilot.press("t", "t")  # change orders only
            await pilot.pause()
            shown = [line.view for line in screen.table.shown_rows]
            await pilot.press("ctrl+e")
            await pilot.pause()
            assert isinstance(app.screen, ExportDialog)
            app.screen.query_one("#path", Input).value = str(target)
            await pilot.press("enter")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
        with target.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [(r["account"], r["order_id"]) for r in rows] == [(v.account, v.id) for v in shown]
        assert {r["type"] for r in rows} == {"change"}

    async def test_a_sync_elsewhere_is_read_again(self, make_services, open_app, sandbox, table_rows, monkeypatch):
        monkeypatch.setattr(OrdersScreen, "poll_first", 3600.0)  # only the sync can tell the screen
        monkeypatch.setattr(OrdersScreen, "poll_most", 3600.0)
        services = make_services()
        await services.sync.run()
        now = sandbox.clock.now()
        stuck = next(o for o in sandbox.state.account("de-demo").order_list
                     if o.type == "sales" and o.status_at(now)[0] == "processing")
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            await show_only(pilot, screen, stuck.number + " de-demo")
            assert row_of(screen, stuck.number, table_rows)["Status"] == "processing (LO)"
            await services.client("de-demo").withdraw_order(stuck.id)  # someone else, in the control panel
            result = await services.sync.run(["de-demo"])  # as the app's "Sync all accounts now" does
            app.sync_finished(result)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert row_of(screen, stuck.number, table_rows)["Status"] == "cancelled (CL)"


class TestWithdraw:
    async def test_confirmed_with_focus_on_cancel_then_withdrawn(self, make_services, open_app, sandbox, table_rows):
        services = make_services()
        await services.sync.run()
        now = sandbox.clock.now()
        stuck = next(o for o in sandbox.state.account("us-demo").order_list
                     if o.type == "sales" and o.status_at(now)[0] == "processing")
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            await show_only(pilot, screen, stuck.number + " us-demo")
            await pilot.press("w")
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, PlanDialog) and app.focused.id == "cancel"
            assert stuck.number in str(app.screen.query_one("#dialog-body").render())
            await pilot.press("enter")  # enter on Cancel: nothing happens
            await pilot.pause()
            await app.workers.wait_for_complete()
            assert status_of(sandbox, "us-demo", stuck.id) == "processing"

            before = len(sandbox.requests)
            await pilot.press("w")
            await pilot.pause()
            await pilot.pause()
            await pilot.press("y", "y", "w", "y")  # a double press, and another try at once: one withdrawal
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert [r.method for r in sandbox.requests[before:] if r.method == "PATCH"] == ["PATCH"]
            assert status_of(sandbox, "us-demo", stuck.id) == "cancelled"
            assert row_of(screen, stuck.number, table_rows)["Status"] == "cancelled (CL)"
            assert screen.check_action("withdraw", ()) is None  # a finished order: dimmed
            journalled = [e for e in services.journal_view.entries() if e.action == "order.withdraw"]
            assert journalled and {e.order_id for e in journalled} == {stuck.id}  # the money path journals it
            await pilot.press("enter")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "order.withdraw" in str(screen.detail_text.render())  # the detail shows the journal's entries

    async def test_dimmed_on_finished_orders_and_read_only_accounts(self, make_services, open_app, sandbox):
        services = make_services()
        await services.sync.run()
        async with open_app(services, start_in="orders") as (app, pilot):
            screen = app.screen
            assert screen.check_action("withdraw", ()) is True  # the first row is unfinished
            account = screen.table.selected.view.account
            services.change_config(lambda c: c.accounts.__setitem__(
                next(i for i, a in enumerate(c.accounts) if a.name == account),
                c.account(account).model_copy(update={"read_only": True}),
            ))
            assert screen.check_action("withdraw", ()) is None
            await pilot.press("s", "s", "s", "s")  # completed only
            await pilot.pause()
            assert screen.check_action("withdraw", ()) is None
            before = len(sandbox.requests)
            await pilot.press("w")
            await pilot.pause()
            assert not isinstance(app.screen, PlanDialog) and len(sandbox.requests) == before
