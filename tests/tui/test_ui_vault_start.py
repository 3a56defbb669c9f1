"""A vault that holds the secrets is unlocked in the UI when the app opens, before any screen needs it."""

from __future__ import annotations

import keyring.backends.fail
from textual.widgets import DataTable, Input, Static

from imtui.tui.app import ImtuiApp
from imtui.tui.dialogs import PassphraseDialog

PASSPHRASE = "correct horse battery"


async def test_app_asks_for_the_vault_passphrase_then_loads_customers(make_services):
    no_keyring = keyring.backends.fail.Keyring()
    services = make_services(accounts=True, keyring_backend=no_keyring)  # no keyring: secrets in the session
    assert services.accounts.open_vault(PASSPHRASE, create=True) == 3  # ... until the vault takes them

    reopened = make_services(keyring_backend=no_keyring)
    assert reopened.secrets.get("us-demo") is None  # locked
    app = ImtuiApp(reopened)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PassphraseDialog)
        app.screen.query_one("#passphrase", Input).value = "not the passphrase"
        await pilot.press("enter")
        await pilot.pause()
        assert "passphrase is wrong" in str(app.screen.query_one("#dialog-error", Static).render())
        app.screen.query_one("#passphrase", Input).value = PASSPHRASE
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.current_mode == "customers"
        assert app.screen.query_one("#mapping-table", DataTable).row_count == 144
