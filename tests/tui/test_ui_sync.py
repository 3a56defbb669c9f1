"""In the app: the export key on a table, "What changed" and "Cost report" from the palette, a sync run from
the app, and the note at start when the last sync changed something. Pilot against the sandbox."""

from __future__ import annotations

import csv
import json

import pytest
from textual.widgets import Input, RadioButton

from imtui.tui.dialogs.export import ExportDialog
from imtui.tui.screens.changes import ChangesScreen
from imtui.tui.screens.costs import CostReportScreen
from tests.sync_support import active_subscriptions, map_customer, on_sandbox_time


@pytest.fixture
def services(make_services, sandbox):
    return on_sandbox_time(make_services(), sandbox)


async def changed_upstream(services, sandbox) -> tuple[object, int]:
    """Sync, map one customer to "Acme Client", give its subscription 3 more seats upstream, move on an hour."""
    await services.sync.run()
    sub = active_subscriptions(sandbox)[0]
    name = sandbox.state.account("us-demo").customers[sub.customer_id]["name"]
    map_customer(services, "us-demo", sub.customer_id, name, "Acme Client")
    seats = sub.lines[0].quantity
    sandbox.modify_subscription(sub.id, quantity=seats + 3)
    sandbox.clock.advance(3600)
    return sub, seats


async def run_palette(pilot, command: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    for key in command:
        await pilot.press(key if key != " " else "space")
    await pilot.pause(0.2)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


class TestExportKey:
    async def test_ctrl_e_writes_the_customers_shown_to_the_file_named(self, services, open_app, settle, table_rows, tmp_path):
        target = tmp_path / "acme.csv"
        async with open_app(services, start_in="customers") as (app, pilot):
            await pilot.press("slash", *"acme", "escape")
            await settle(pilot)
            shown = table_rows(app.screen.table)
            assert 0 < len(shown) < 144
            await pilot.press("ctrl+e")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ExportDialog) and f"{len(shown)} rows" in str(dialog.query_one("#dialog-body").render())
            dialog.query_one("#path", Input).value = str(target)
            await pilot.press("enter")
            await settle(pilot)
        with target.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [(r["account"], r["customer_name"]) for r in rows] == [(s["Account"], s["Ingram customer"]) for s in shown]
        assert all("acme" in r["customer_name"].casefold() for r in rows)

    async def test_json_chosen_in_the_dialog(self, services, open_app, settle, tmp_path):
        async with open_app(services, start_in="customers") as (app, pilot):
            await pilot.press("ctrl+e")
            await pilot.pause()
            app.screen.query_one("#json", RadioButton).value = True
            await pilot.pause()
            path = app.screen.query_one("#path", Input)
            assert path.value.endswith(".json")  # the extension follows the format
            path.value = str(tmp_path / "customers.json")
            await pilot.click("#confirm")
            await settle(pilot)
        rows = json.loads((tmp_path / "customers.json").read_text(encoding="utf-8"))
        assert len(rows) == 144 and rows[0]["mapping"] == "unmapped"

    async def test_an_export_that_cannot_be_written_says_why_and_writes_nothing(self, services, open_app, settle,
                                                                                 notifications, tmp_path):
        async with open_app(services, start_in="customers") as (app, pilot):
            await pilot.press("ctrl+e")
            await pilot.pause()
            app.screen.query_one("#path", Input).value = str(tmp_path / "missing" / "x.csv")
            await pilot.press("enter")
            await settle(pilot)
            assert any("There is no folder" in n for n in notifications(app))
        assert not (tmp_path / "missing").exists()

    async def test_the_key_does_nothing_where_there_is_no_table(self, services, open_app, notifications):
        async with open_app(services, start_in="accounts") as (app, pilot):
            assert app.check_action("export", ()) is None  # dimmed
            app.action_export()
            await pilot.pause()
            assert not isinstance(app.screen, ExportDialog)


class TestWhatChanged:
    async def test_the_palette_opens_the_last_syncs_changes_with_client_names(self, services, sandbox, open_app,
                                                                            table_rows):
        sub, seats = await changed_upstream(services, sandbox)
        await services.sync.run()
        async with open_app(services, start_in="customers") as (app, pilot):
            await run_palette(pilot, "What changed")
            assert isinstance(app.screen, ChangesScreen)
            rows = table_rows(app.screen.table)
            assert rows == [{"Account": "us-demo", "Change": "Seats", "Client": "Acme Client",
                             "Subscription, customer or order": f"{sub.name} [{sub.id}]",
                             "Before → after": f"{seats} → {seats + 3} seats"}]
            heading = str(app.screen.query_one("#changes-heading").render())
            assert "us-demo: 1 change" in heading and "uk-demo: no changes" in heading
            await pilot.press("escape")
            assert not isinstance(app.screen, ChangesScreen)

    async def test_a_sync_run_from_the_app_shows_what_it_changed(self, services, sandbox, open_app, table_rows):
        await changed_upstream(services, sandbox)
        async with open_app(services, start_in="customers") as (app, pilot):
            await run_palette(pilot, "Sync all accounts now")
            assert isinstance(app.screen, ChangesScreen)
            assert "just run" in str(app.screen.query_one("#changes-title").render())
            assert [r["Change"] for r in table_rows(app.screen.table)] == ["Seats"]

    async def test_the_start_says_when_the_last_sync_changed_something(self, services, sandbox, open_app, notifications):
        await changed_upstream(services, sandbox)
        await services.sync.run()
        async with open_app(services, start_in="customers") as (app, pilot):
            assert any("The last sync found 1 change(s)" in n for n in notifications(app))
            assert not isinstance(app.screen, ChangesScreen)  # said, not opened over the screen

    async def test_the_changes_export_to_a_file(self, services, sandbox, open_app, settle, tmp_path):
        await changed_upstream(services, sandbox)
        await services.sync.run()
        async with open_app(services, start_in="customers") as (app, pilot):
            app.action_what_changed()
            await settle(pilot)
            await pilot.press("ctrl+e")
            await pilot.pause()
            app.screen.query_one("#path", Input).value = str(tmp_path / "changes.csv")
            await pilot.press("enter")
            await settle(pilot)
        rows = list(csv.DictReader((tmp_path / "changes.csv").open(encoding="utf-8")))
        assert [(r["kind"], r["client"]) for r in rows] == [("seats", "Acme Client")]


class TestCostReport:
    async def test_the_palette_opens_the_report_per_client_and_currency(self, services, sandbox, open_app, table_rows):
        await services.sync.run()
        async with open_app(services, start_in="customers") as (app, pilot):
            await run_palette(pilot, "Cost report")
            assert isinstance(app.screen, CostReportScreen)
            rows = table_rows(app.screen.table)
            totals = [r for r in rows if r["Client"].startswith("Total ")]
            assert sorted((r["Client"], r["Cur"]) for r in totals) == sorted(
                [(f"Total {c}", c) for c in ("EUR", "GBP", "USD")] * 2)
            assert rows[0]["Client"] == "Monthly terms"
            assert any(r["Client"] == "Annual commitments" for r in rows)
            summary = str(app.screen.query_one("#costs-summary").render())
            assert "EUR, GBP, USD" in summary and "inactive subscription(s) left out" in summary
