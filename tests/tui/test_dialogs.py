"""Dialogs on their base: escape cancels, focus starts on Cancel, and on a small terminal (80x24) the body
scrolls while the title and the buttons stay on screen. The error dialog shows the API's correlation id
and copies it."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from imtui.core.api import AuthenticationError, ServerError
from imtui.core.config import Client
from imtui.tui.app import ImtuiApp
from imtui.tui.dialogs import (
    AutoMapDialog,
    ClientImportDialog,
    ConfirmDialog,
    Dialog,
    ErrorDialog,
    MappingDialog,
    MessageDialog,
    PassphraseDialog,
    PathDialog,
)

SMALL = (80, 24)
LONG = "\n".join(f"Line {n} of a long explanation that a small terminal cannot show at once." for n in range(60))


class DialogApp(App[None]):
    """One dialog on an empty app, its result kept."""

    CSS_PATH = ImtuiApp.CSS_PATH

    def __init__(self, dialog: Dialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def on_screen(widget: Widget) -> bool:
    """The widget is drawn where it is, on top: what is at its centre on the screen is the widget."""
    region = widget.region
    if not region.area:
        return False
    found, _ = widget.screen.get_widget_at(region.x + region.width // 2, region.y + region.height // 2)
    return found is widget or widget in found.ancestors


def assert_fits(dialog: Dialog) -> None:
    assert on_screen(dialog.query_one("#dialog-title")), "the title is off screen"
    buttons = dialog.query_one("#dialog-buttons")
    parts = list(buttons.query(Button)) or [buttons]
    for part in parts:
        assert on_screen(part), f"{part} is off screen"


DIALOGS = {
    "confirm": lambda: ConfirmDialog("Delete account uk-main?", LONG, "Delete (y)"),
    "message": lambda: MessageDialog("CSV import", LONG),
    "passphrase": lambda: PassphraseDialog(create=True, check=lambda _: None),
    "path": lambda: PathDialog("Import clients from a CSV", LONG),
    "error": lambda: ErrorDialog("Customers of uk-main could not be loaded", ServerError(LONG, status=500, correlation_id="c0ffee")),
}


@pytest.mark.parametrize("name", sorted(DIALOGS))
async def test_a_long_dialog_on_a_small_terminal_scrolls_its_body_and_keeps_its_buttons(name):
    app = DialogApp(DIALOGS[name]())
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        dialog = app.screen
        assert_fits(dialog)
        body = dialog.query_one("#dialog-scroll", VerticalScroll)
        if name != "passphrase":  # its text is short
            assert body.max_scroll_y > 0
            body.scroll_end(animate=False)
            await pilot.pause()
            assert_fits(dialog)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None] and app.screen is not dialog


async def test_confirm_starts_on_cancel_and_needs_a_deliberate_key():
    app = DialogApp(ConfirmDialog("Delete account uk-main?", "This removes uk-main.", "Delete (y)"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.press("enter")  # enter presses the focused Cancel
        await pilot.pause()
        assert app.results == [None]
    app = DialogApp(ConfirmDialog("Delete account uk-main?", "This removes uk-main.", "Delete (y)"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.results == [True]


async def test_the_error_dialog_shows_the_error_in_words_and_copies_its_correlation_id(notifications):
    error = AuthenticationError("Unauthorized: bad credentials", status=401, method="POST", path="/token", correlation_id="5f0c-77ab")
    app = DialogApp(ErrorDialog("Customers of uk-main could not be loaded", error))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        dialog = app.screen
        words = str(dialog.query_one(".error-words", Static).render())
        assert "refused the credentials (HTTP 401, POST /token)" in words
        assert "Unauthorized: bad credentials" in words and "Check the API username" in words
        shown_id = dialog.query_one(".correlation-id", Static)
        assert str(shown_id.render()) == "Correlation id: 5f0c-77ab" and shown_id.allow_select
        assert app.focused is not None and app.focused.id == "close"
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == "5f0c-77ab"
        assert any("copied" in n for n in notifications(app))
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [None]


async def test_errors_of_several_accounts_come_in_one_dialog_with_every_correlation_id(make_services, sandbox, open_app):
    services = make_services()
    for account in sandbox.accounts[1:]:
        account.password = "changed-at-ingram"  # uk-demo and de-demo now refuse imtui's stored password
    async with open_app(services, start_in="customers", size=SMALL) as (app, pilot):
        refused = [r.correlation_id for r in sandbox.requests if r.status == 401]
        assert len(refused) == 2 and all(refused)
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert str(dialog.query_one("#dialog-title").render()) == "2 errors"
        headings = [str(s.render()) for s in dialog.query(".error-heading").results(Static)]
        assert sorted(headings) == ["Customers of de-demo could not be loaded", "Customers of uk-demo could not be loaded"]
        ids = [str(s.render()) for s in dialog.query(".correlation-id").results(Static)]
        assert sorted(ids) == sorted(f"Correlation id: {cid}" for cid in refused)
        assert_fits(dialog)
        await pilot.press("c")
        assert sorted(app.clipboard.splitlines()) == sorted(refused)
        await pilot.press("escape")
        await pilot.pause()
        status = str(app.screen.query_one("#mapping-status", Static).render())
        assert "uk-demo: failed, r to retry" in status and "us-demo: 48" in status


# ------------------------------------------------------------------ the customers screen's dialogs at 80x24


async def test_the_mapping_dialogs_keep_their_buttons_and_keys_at_80x24(make_services, sandbox, open_app):
    services = make_services()
    config = services.config.model_copy(deep=True)
    names = [c["name"] for a in sandbox.accounts for c in sandbox.state.account(a.name).customers.values()]
    config.clients = [Client(name=n) for n in {n.casefold(): n for n in names}.values()]  # every customer has its client: a long plan
    services.store.save(config)
    services.config = config
    async with open_app(services, start_in="customers", size=SMALL) as (app, pilot):
        screen = app.screen
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AutoMapDialog) and len(app.screen.plan.to_apply) > 100
        assert_fits(app.screen)
        assert app.focused.id == "cancel"
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ClientImportDialog)
        assert_fits(app.screen)
        assert on_screen(app.screen.query_one("#group", Input))
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MappingDialog)
        assert_fits(dialog)
        help_text = str(dialog.query_one("#dialog-buttons Static", Static).render())
        for keys in ("enter accept", "1-5 pick", "t type name", "i ignore", "s skip", "esc stop"):
            assert keys in help_text
        await pilot.press("t")
        await pilot.pause()
        assert app.focused is dialog.query_one("#client-name", Input) and on_screen(app.focused)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        assert_fits(app.screen) and on_screen(app.screen.query_one("#path", Input))
