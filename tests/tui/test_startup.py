"""Start-up: the first screen paints before the services open (in a thread), keys typed meanwhile are
kept, the vault's passphrase still comes before any screen, a broken config still ends the app with its
message, and quitting while opening closes what was opened."""

from __future__ import annotations

import subprocess
import sys
import threading

import keyring.backends.fail
from textual.widgets import DataTable, Input

from imtui.core.services import Services
from imtui.tui.app import ImtuiApp
from imtui.tui.dialogs import PassphraseDialog

SIZE = (120, 36)


def held_open(open_services):
    """An opener that waits for ``gate`` (set by the test), as a slow disk or a big sandbox would."""
    gate = threading.Event()
    opened: list[Services] = []

    def opening() -> Services:
        assert gate.wait(30), "the test never let the services open"
        opened.append(open_services())
        return opened[-1]

    return opening, gate, opened


def test_the_app_module_and_the_first_screen_import_no_services_client_or_sandbox():
    heavy = ("imtui.core.services", "imtui.core.api.client", "imtui.core.config", "imtui.sandbox", "httpx", "pydantic")
    out = subprocess.run(
        [sys.executable, "-c", "import sys, imtui.cli, imtui.tui.app, imtui.tui.screens.customers; "
         f"print(sorted({{m.split('.')[0] if m.startswith(('httpx', 'pydantic')) else m for m in sys.modules}} & {set(heavy)!r}))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert out == "[]"


async def test_the_demo_paints_first_and_keeps_what_is_typed_while_it_opens(until_ready, table_rows):
    opening, gate, opened = held_open(Services.open_demo)
    app = ImtuiApp(opening=opening, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert app.current_mode == "customers" and not app.services_ready and app.services is None
        assert "Ingram customer" in [str(c.label) for c in screen.table.ordered_columns]
        assert "DEMO" in app.sub_title
        await pilot.press("u")  # "unmapped only", typed before the services exist: kept for them
        assert not screen.only_unmapped
        gate.set()
        await until_ready(pilot)
        assert app.services is opened[0] and app.screen is screen
        assert len(screen.rows) == 144 and screen.only_unmapped
        assert "unmapped only" in str(screen.counts.render())
        await pilot.press("slash", *"acme")
        names = [r["Ingram customer"] for r in table_rows(screen.table)]
        assert names and all("acme" in n.lower() for n in names)
        assert "us-demo" in app.sub_title


async def test_quitting_while_the_demo_opens_still_removes_its_files():
    opening, gate, opened = held_open(Services.open_demo)
    app = ImtuiApp(opening=opening, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")  # quit works before the services are open
        gate.set()
    assert app.return_code == 0
    assert len(opened) == 1 and not opened[0].paths.config_dir.exists()


async def test_a_broken_config_ends_the_app_with_its_message(_isolate):
    _isolate.mkdir()
    (_isolate / "config.toml").write_text('schema_version = 1\n[[accounts]]\nname = "x"\napi_url = 5\n')
    app = ImtuiApp(opening=Services.open)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 2
    assert "config.toml line 4" in app.return_value and "api_url" in app.return_value
    assert (_isolate / "config.toml").read_text().endswith("api_url = 5\n")  # never overwritten


async def test_with_no_accounts_the_app_opens_on_the_accounts_screen(make_services, until_ready):
    make_services(accounts=False)
    app = ImtuiApp(opening=Services.open)  # guessed the customers: the config says otherwise
    async with app.run_test(size=SIZE) as pilot:
        await until_ready(pilot)
        assert app.current_mode == "accounts"
        assert "no account yet" in app.sub_title


async def test_the_vault_passphrase_comes_before_any_screen_when_opening_in_a_thread(make_services, until_ready):
    no_keyring = keyring.backends.fail.Keyring()
    services = make_services(keyring_backend=no_keyring)
    services.accounts.open_vault("correct horse battery", create=True)

    app = ImtuiApp(opening=lambda: make_services(keyring_backend=no_keyring), first=None)  # as `imtui` with a vault
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PassphraseDialog)
        assert not app.services_ready
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "PassphraseDialog"]  # no area below
        app.screen.query_one("#passphrase", Input).value = "correct horse battery"
        await pilot.press("enter")
        await until_ready(pilot)
        assert app.current_mode == "customers"
        assert app.screen.query_one("#mapping-table", DataTable).row_count == 144
