"""Bad input in dialogs (issue 8): said where it was typed, and nothing typed is lost.

Every UI test also runs under ``no_pydantic_text_on_screen`` (conftest.py): pydantic's own wording in any
toast or any text on screen fails the test. The last tests here check that guard itself.
"""

from __future__ import annotations

from textual.widgets import Input, Static

from imtui.core.rules import CLIENT_NAME_MAX
from imtui.tui.dialogs import MappingDialog
from imtui.tui.screens.customers import CustomersScreen
from tests.tui.conftest import pydantic_leaks

SIZE = (120, 36)


def message(dialog: MappingDialog) -> Static:
    return dialog.query_one("#client-name-message", Static)


class TestTheTriageDialog:
    async def test_a_name_over_the_limit_is_said_as_typed_and_the_dialog_stays_with_it(self, make_services, open_app, notifications):
        services = make_services()
        async with open_app(services, start_in="customers", size=SIZE) as (app, pilot):
            screen = app.screen
            await pilot.press("n")  # the triage queue: the first unmapped customer
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, MappingDialog)
            customer = dialog.row
            await pilot.press("t")
            long_name = "Contoso " + "x" * CLIENT_NAME_MAX
            field = dialog.query_one("#client-name", Input)
            field.insert_text_at_cursor(long_name)  # as a paste would
            await pilot.pause()
            said = message(dialog)
            assert said.display
            assert str(said.render()) == f"The client name is too long ({len(long_name)} characters, at most {CLIENT_NAME_MAX})."

            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog and dialog.row is customer  # not on to the next customer
            assert field.value == long_name  # the typed name is kept
            assert services.config.mappings == [] and services.config.clients == []
            assert notifications(app) == []

            await pilot.press("ctrl+u", *"Contoso Ltd", "enter")  # shortened: mapped, on to the next one
            await pilot.pause()
            assert services.config.mapping_for(*customer.key).client == "Contoso Ltd"
            assert isinstance(app.screen, MappingDialog) and app.screen.row is not customer

    async def test_a_name_that_cannot_be_saved_comes_back_typed(self, make_services, open_app, notifications):
        mine = make_services()
        other = make_services()  # another imtui on the same config
        async with open_app(mine, start_in="customers", size=SIZE) as (app, pilot):
            screen = app.screen
            other.mappings.ignore(screen.rows[5])  # the file changed behind this imtui's back
            await pilot.press("enter")
            await pilot.pause()
            dialog = app.screen
            customer = dialog.row
            await pilot.press("t", *"Fabrikam", "enter")
            await pilot.pause()
            assert any(n.startswith("Not saved:") and "changed by another program" in n for n in notifications(app))
            again = app.screen
            assert isinstance(again, MappingDialog) and again is not dialog and again.row is customer
            assert again.query_one("#client-name", Input).value == "Fabrikam"
            assert app.focused is again.query_one("#client-name", Input)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, CustomersScreen)


class TestTheGuardAgainstPydanticText:
    async def test_it_records_toasts_and_texts_on_screen(self, make_services, open_app, no_pydantic_text_on_screen):
        async with open_app(make_services(), start_in="customers", size=SIZE) as (app, pilot):
            app.notify("a toast")
            app.screen.status.update("a status line")
            await pilot.pause()
        assert "a toast" in no_pydantic_text_on_screen and "a status line" in no_pydantic_text_on_screen

    def test_it_knows_pydantic_wording(self):
        texts = [
            "1 validation error for Client",
            "see https://errors.pydantic.dev/2.11/v/string_too_long",
            "Input should be a valid string",
            "The client name is too long (250 characters, at most 200).",
        ]
        assert pydantic_leaks(texts) == texts[:3]
