"""Keys (issue 8): area keys never eat a form, leaving unsaved edits asks first, keys that do nothing say
why, and "Use account X" from the palette changes what the customers screen shows."""

from __future__ import annotations

from textual.widgets import Button, Input, Static

from imtui.tui.app import ImtuiApp
from imtui.tui.dialogs import MappingDialog, UnsavedDialog
from imtui.tui.screens.accounts import AccountsScreen
from imtui.tui.screens.customers import CustomersScreen

SIZE = (120, 36)


def url_field(app: ImtuiApp) -> Input:
    return app.screen.query_one("#api_url", Input)


class TestAreaKeysNeverEatAForm:
    async def test_esc_enter_then_2_is_typed_at_the_end_of_the_url_not_over_it(self, make_services, open_app, sandbox):
        services = make_services()
        async with open_app(services, start_in="accounts", size=SIZE) as (app, pilot):
            await pilot.press("escape", "enter")  # to the list, then open us-demo
            await pilot.pause()
            field = url_field(app)
            url = sandbox.accounts[0].base_url
            assert app.focused is field and field.value == url
            assert field.selection.is_empty and field.cursor_position == len(url)  # nothing selected to overtype
            await pilot.press("2")
            await pilot.pause()
            assert field.value == url + "2"  # a digit belongs to the field
            assert isinstance(app.screen, AccountsScreen)

    async def test_f_keys_switch_areas_from_a_field_and_digits_from_the_list(self, make_services, open_app):
        async with open_app(make_services(), start_in="accounts", size=SIZE) as (app, pilot):
            assert isinstance(app.focused, Input)  # the new account's name field
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, CustomersScreen)
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, AccountsScreen)
            await pilot.press("escape", "2")  # in the list (no text field has focus), 2 is an area key
            await pilot.pause()
            assert isinstance(app.screen, CustomersScreen)
            await pilot.press("1")
            await pilot.pause()
            assert isinstance(app.screen, AccountsScreen)

    async def test_an_f_key_in_a_dialog_says_to_close_it_first(self, make_services, open_app, notifications):
        async with open_app(make_services(), start_in="customers", size=SIZE) as (app, pilot):
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, MappingDialog)
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, MappingDialog)
            assert "Close this dialog first (esc), then switch areas." in notifications(app)


class TestLeavingUnsavedEdits:
    """Another area, the list, another account or a new one: the form asks, focus on Keep editing."""

    async def test_to_another_area_asks_and_keep_editing_keeps_the_edits(self, make_services, open_app, sandbox):
        services = make_services()
        async with open_app(services, start_in="accounts", size=SIZE) as (app, pilot):
            screen = app.screen
            await pilot.press("escape", "enter")
            await pilot.press(*"/x")
            await pilot.press("f2")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, UnsavedDialog)
            assert "Account us-demo has changes that are not saved (API URL)" in str(dialog.query_one("#dialog-body", Static).render())
            assert app.focused is dialog.query_one("#keep", Button)
            await pilot.press("enter")  # keep editing
            await pilot.pause()
            assert app.screen is screen and url_field(app).value == sandbox.accounts[0].base_url + "/x"
            assert app.focused is url_field(app)

            await pilot.press("f2", "d")  # discard: the form goes back to the account as stored, then away
            await pilot.pause()
            assert isinstance(app.screen, CustomersScreen)
            assert screen.query_one("#api_url", Input).value == sandbox.accounts[0].base_url
            assert services.config.account("us-demo").api_url == sandbox.accounts[0].base_url  # nothing saved

    async def test_to_the_list_and_to_another_account_ask_too(self, make_services, open_app):
        async with open_app(make_services(), start_in="accounts", size=SIZE) as (app, pilot):
            screen = app.screen
            await pilot.press(*"new-one")  # a new account's name
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, UnsavedDialog)
            await pilot.press("escape")  # escape keeps editing
            await pilot.pause()
            assert app.screen is screen and screen.query_one("#name", Input).value == "new-one"

            screen.table.focus()  # by mouse or tab: the list, then enter on an account
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, UnsavedDialog)
            await pilot.press("d")
            await pilot.pause()
            assert screen.editing == "us-demo" and screen.query_one("#name", Input).value == "us-demo"

    async def test_quitting_asks_too_and_keep_editing_keeps_the_app_open(self, make_services, open_app, sandbox):
        async with open_app(make_services(), start_in="accounts", size=SIZE) as (app, pilot):
            screen = app.screen
            await pilot.press("escape", "enter")
            await pilot.press(*"/x")
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, UnsavedDialog) and app.is_running
            await pilot.press("enter")  # keep editing
            await pilot.pause()
            assert app.screen is screen and app.is_running
            assert url_field(app).value == sandbox.accounts[0].base_url + "/x"
            await pilot.press("ctrl+q", "d")  # discard: then it quits
            await pilot.pause()
            assert not app.is_running

    async def test_a_saved_or_untouched_form_is_left_without_a_question(self, make_services, open_app):
        async with open_app(make_services(), start_in="accounts", size=SIZE) as (app, pilot):
            await pilot.press("escape", "enter", "f2")
            await pilot.pause()
            assert isinstance(app.screen, CustomersScreen)


class TestKeysThatDoNothingSayWhy:
    async def test_n_and_a_without_accounts(self, make_services, open_app, notifications):
        async with open_app(make_services(accounts=False), start_in="customers", size=SIZE) as (app, pilot):
            await pilot.press("n", "a")
            await pilot.pause()
            why = "No account yet: press F1 and add a marketplace account first."
            assert notifications(app).count(why) == 2
            assert isinstance(app.screen, CustomersScreen)
            await pilot.press("r")
            await pilot.pause()
            assert notifications(app).count(why) == 3

    async def test_enter_in_the_mapping_dialog_without_a_suggestion(self, make_services, open_app, notifications):
        async with open_app(make_services(), start_in="customers", size=SIZE) as (app, pilot):  # no clients yet
            await pilot.press("n")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, MappingDialog) and dialog.suggestions == []
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog
            assert "No suggestion to accept: type a client name (t), ignore (i), skip (s) or stop (esc)." in notifications(app)

    async def test_r_in_the_demo_reloads_and_says_so(self, notifications):
        from imtui.core.services import Services
        from imtui.sandbox import Sandbox

        services = Services.open_demo(Sandbox(seed=7))
        app = ImtuiApp(services, start_in="customers")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await pilot.pause()
            said = [n for n in notifications(app) if n.startswith("Customers reloaded")]
            assert said == ["Customers reloaded: us-demo 48, uk-demo 48, de-demo 48 (none new, none gone)."]
            sandbox = services.sandbox  # a customer gone at Ingram, and r again: said
            state = sandbox.state.account("uk-demo")
            del state.customers[next(iter(state.customers))]
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert notifications(app)[-1] == "Customers reloaded: us-demo 48, uk-demo 47 (1 gone), de-demo 48."

    async def test_x_on_an_unmapped_customer(self, make_services, open_app, notifications):
        async with open_app(make_services(), start_in="customers", size=SIZE) as (app, pilot):
            name = app.screen.selected().customer.name
            await pilot.press("x")
            await pilot.pause()
            assert f"{name} is not mapped: nothing to clear." in notifications(app)


class TestUseAccountFromThePalette:
    async def test_shows_only_that_accounts_customers_with_a_chip_and_a_key_back(self, make_services, open_app, table_rows, notifications):
        async with open_app(make_services(), start_in="customers", size=SIZE) as (app, pilot):
            screen = app.screen
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"Use account uk-demo")
            await app.workers.wait_for_complete()  # the palette searches in a worker of its own
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            rows = table_rows(screen.table)
            assert len(rows) == 48 and {r["Account"] for r in rows} == {"uk-demo"}
            assert screen.scope_chip.display and str(screen.scope_chip.render()) == "only uk-demo · A: all"
            assert str(screen.counts.render()) == "48 of 144"
            assert "account uk-demo (uk)" in app.sub_title

            await pilot.press("A")
            await pilot.pause()
            assert len(table_rows(screen.table)) == 144 and not screen.scope_chip.display
            assert str(screen.counts.render()) == "144 of 144"
            await pilot.press("A")  # again: nothing to undo, and it says so
            await pilot.pause()
            assert notifications(app)[-1].startswith("Every account's customers are shown already")

    async def test_is_not_offered_with_a_single_account(self, make_services, open_app):
        services = make_services()
        for name in ("uk-demo", "de-demo"):
            services.accounts.remove(name)
        async with open_app(services, start_in="customers", size=SIZE) as (app, pilot):
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert not any(t.startswith("Use account") for t in titles)
