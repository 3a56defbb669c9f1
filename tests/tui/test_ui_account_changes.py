"""The customer table follows account changes made on the accounts screen."""

from __future__ import annotations

from textual.widgets import DataTable

from imtui.tui.app import ImtuiApp


async def test_customers_of_a_deleted_account_leave_the_table_and_a_new_account_arrives(make_services, sandbox):
    services = make_services()
    app = ImtuiApp(services, start_in="customers")
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#mapping-table", DataTable)
        assert table.row_count == 144

        await pilot.press("1")
        services.accounts.remove("uk-demo")  # as the accounts screen's delete does
        await pilot.press("escape", "2")  # escape leaves the form, so 2 switches area instead of typing
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#mapping-table", DataTable)
        assert table.row_count == 96
        assert {r.account for r in app.screen.rows} == {"us-demo", "de-demo"}
        await pilot.press("i")  # ignoring a customer now writes a mapping of an existing account only
        await pilot.pause()
        assert {m.account for m in services.config.mappings} <= {"us-demo", "de-demo"}
        assert len(services.config.mappings) == 1
