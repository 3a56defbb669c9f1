"""How the Accounts screen looks at 120x36 and at 80x24: snapshots, deterministic (fixed size and theme,
seeded sandbox on a manual clock, no clock in the header, no blinking cursor).

Under 100 columns the list stands above the form; the fields scroll, the test result and the buttons stay
on screen under them."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from imtui.tui.app import ImtuiApp

SIZES = {"120x36": (120, 36), "80x24": (80, 24)}


def _keys(*keys: str):
    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", sorted(SIZES))
def test_accounts_screen(size, snap_compare, make_services):
    services = make_services(accounts=True)  # us-demo, uk-demo, de-demo of Sandbox(seed=7), in the memory keyring
    assert not services.demo
    app = ImtuiApp(services, start_in="accounts")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_keys())


@pytest.mark.parametrize("size", sorted(SIZES))
def test_accounts_form_refusing_to_save(size, snap_compare, make_services):
    """An account opened, its URL and markup broken, save refused: the messages, the result and the
    buttons all on screen."""
    app = ImtuiApp(make_services(accounts=True), start_in="accounts")
    keys = ("escape", "enter", "ctrl+u", *"ftp://x", "tab", "tab", "tab", "tab", "tab", "tab", "tab", *"lots", "ctrl+s")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_keys(*keys))
