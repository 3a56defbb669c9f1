"""80x24 is a real size: the customers screen keeps what matters on it, and the keys that move around work."""

from __future__ import annotations

from textual.widgets import Footer, HelpPanel
from textual.widgets._footer import FooterKey

from imtui.tui.widgets.key_help import KeyHelp

SMALL = (80, 24)


def on_screen(widget) -> bool:
    region = widget.region
    if not region.area:
        return False
    found, _ = widget.screen.get_widget_at(region.x + region.width // 2, region.y)
    return found is widget or widget in found.ancestors


async def test_at_80x24_customer_client_and_how_stay_and_the_rest_gives_way(make_services, open_app, table_rows):
    async with open_app(make_services(), start_in="customers", size=SMALL) as (app, pilot):
        table = app.screen.table
        shown = table.shown_columns
        assert {"customer", "client", "how"} <= set(shown)
        assert "city" not in shown  # the least useful column gave way first
        widths = {str(c.key.value): c.width for c in table.ordered_columns}
        assert widths["client"] >= 12 and widths["customer"] >= 16
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= SMALL[0] - 2  # no sideways scroll
        assert table_rows(table)[0]["How"] == "unmapped"

        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert table.shown_columns == ["account", "customer", "id", "status", "city", "country", "client", "how"]


async def test_at_80x24_the_help_line_keeps_every_key_and_the_footer_keeps_quit_and_the_areas(make_services, open_app):
    async with open_app(make_services(), start_in="customers", size=SMALL) as (app, pilot):
        screen = app.screen
        help_line = screen.query_one("#mapping-help", KeyHelp)
        assert help_line.region.height == 2  # wrapped between entries, not cut
        lines = str(help_line.render()).splitlines()
        assert all(len(line) <= help_line.size.width for line in lines)
        for entry in ("enter map", "/ filter", "n next unmapped", "u unmapped only", "x clear", "i ignore",
                      "^z undo", "a auto-map", "c create clients", "^o import CSV", "r reload"):
            assert any(entry in line for line in lines), entry
        footer_keys = {key.key: key for key in screen.query_one(Footer).query(FooterKey)}
        for key in ("ctrl+q", "f1", "f2", "f3", "f4", "f5"):
            assert key in footer_keys and on_screen(footer_keys[key]), key

        await pilot.press("f1")  # the accounts screen, a field of its form focused: F1-F5 still shown
        await pilot.pause()
        footer_keys = {key.key: key for key in app.screen.query_one(Footer).query(FooterKey)}
        for key in ("ctrl+q", "f1", "f2", "f3", "f4", "f5"):
            assert key in footer_keys and on_screen(footer_keys[key]), key


async def test_home_and_end_go_to_the_first_and_last_customer(make_services, open_app):
    async with open_app(make_services(), start_in="customers", size=SMALL) as (app, pilot):
        screen = app.screen
        await pilot.press("end")
        assert screen.table.cursor_row == 143
        assert screen.selected() is screen.table.shown_rows[-1].customer
        await pilot.press("home")
        assert screen.table.cursor_row == 0


async def test_the_keys_panel_closes_with_escape_and_escape_still_does_its_own_job_after(make_services, open_app):
    async with open_app(make_services(), start_in="customers", size=SMALL) as (app, pilot):
        screen = app.screen
        app.action_show_help_panel()  # "Keys" in the command palette
        await pilot.pause()
        assert screen.query(HelpPanel)
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.query(HelpPanel)
        await pilot.press("slash")
        assert app.focused is screen.filter_input
        await pilot.press("escape")  # no panel: escape leaves the filter for the table, as before
        assert app.focused is screen.table


async def test_at_80x24_the_account_form_is_usable_its_buttons_and_result_on_screen(make_services, open_app, sandbox):
    """The list above the form (each the full width); the fields scroll to the one in use; the result of a
    save and the buttons stay on screen whatever field has focus."""
    from textual.widgets import Button, Input, Static

    async with open_app(make_services(), start_in="accounts", size=SMALL) as (app, pilot):
        screen = app.screen
        url = screen.query_one("#api_url", Input)
        assert url.region.width >= 50  # a whole API URL fits
        assert screen.table.region.y < screen.query_one("#name", Input).region.y  # the list above the form
        for field_id in ("name", "api_url", "markup"):
            field = screen.query_one(f"#{field_id}", Input)
            field.focus()
            await pilot.pause()
            assert on_screen(field), field_id
            for button in screen.query(Button):
                assert on_screen(button), (field_id, button.id)
        await pilot.press(*"lots", "ctrl+s")  # markup "lots" and an empty new form: refused, said
        await pilot.pause()
        result = screen.query_one("#test-result", Static)
        assert on_screen(result) and "marked in red" in str(result.render())
        assert all(on_screen(button) for button in screen.query(Button))
        assert on_screen(app.focused)  # the first wrong field, scrolled into view

        await pilot.resize_terminal(120, 36)  # wide again: side by side
        await pilot.pause()
        assert screen.table.region.x < screen.query_one("#name", Input).region.x
