"""Two imtuis on one config: the second one's save is refused in words, and a reload takes the other's change."""

from __future__ import annotations

from textual.widgets import DataTable

from imtui.core.services import CustomerRow
from imtui.tui.app import ImtuiApp


async def test_a_second_imtui_is_told_and_can_reload(make_services):
    mine = make_services()
    other = make_services()  # same home, read the same file
    app = ImtuiApp(mine, start_in="customers")
    notes = []
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.notify = lambda message, **kw: notes.append(message)  # noqa: E731 - capture what the user is told
        screen = app.screen
        first, second = screen.rows[0], screen.rows[1]
        other.mappings.map(CustomerRow(first.account, first.customer), "Their Client")

        table = screen.query_one("#mapping-table", DataTable)
        table.move_cursor(row=1)
        await pilot.press("i")  # ignore the second customer: must not clobber the other imtui's change
        await pilot.pause()
        assert any("changed by another program" in n and "Reload" in n for n in notes)
        assert mine.store.reload().mapping_for(first.account, str(first.customer.id)).client == "Their Client"

        app.action_reload_config()
        await pilot.pause()
        assert mine.config.mapping_for(first.account, str(first.customer.id)).client == "Their Client"
        await pilot.press("i")
        await pilot.pause()
        on_disk = other.store.reload()
        assert on_disk.mapping_for(second.account, str(second.customer.id)).how == "ignored"
        assert on_disk.mapping_for(first.account, str(first.customer.id)).client == "Their Client"
