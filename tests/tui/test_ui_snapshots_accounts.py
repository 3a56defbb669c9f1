"""How the Accounts screen looks: one snapshot, deterministic (fixed size and theme, seeded sandbox on a
manual clock, no clock in the header, no blinking cursor)."""

from __future__ import annotations

from textual.widgets import Input

from imtui.tui.app import ImtuiApp


async def _steady(pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_accounts_screen(snap_compare, make_services):
    services = make_services(accounts=True)  # us-demo, uk-demo, de-demo of Sandbox(seed=7), in the memory keyring
    assert not services.demo
    app = ImtuiApp(services, start_in="accounts")
    assert snap_compare(app, terminal_size=(120, 40), run_before=_steady)
