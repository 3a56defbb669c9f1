"""How the customers screen and every dialog look on an 80x24 terminal (snapshots, deterministic: fixed
size and theme, seeded sandbox, no blinking cursor). Each must keep its title and its buttons on screen."""

from __future__ import annotations

import keyring.backends.fail
import pytest
from textual.widgets import Input

from imtui.core.api import AuthenticationError
from imtui.core.config import Client
from imtui.tui.app import ImtuiApp

SMALL = (80, 24)


def _with_clients(services) -> None:
    config = services.config.model_copy(deep=True)
    config.clients = [
        Client(name=n) for n in ("Acme Inc", "Acme Holdings", "Keystone Labs LLC", "Brightline Logistics", "Spree Software")
    ]
    services.store.save(config)
    services.config = config


def _keys(*keys: str, then=None):
    async def run_before(pilot) -> None:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        if then is not None:
            then(pilot.app)
            await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


def _error(app: ImtuiApp) -> None:
    app.show_error(
        "Customers of uk-demo could not be loaded",
        AuthenticationError(
            "Unauthorized: bad credentials or marketplace", status=401, method="POST", path="/token",
            correlation_id="a8n-3f1c9e0d2b7a4c58e6f1a2b3c4d5e6f7",
        ),
    )


SCREENS = {
    "customers": ("customers", ()),
    "mapping-dialog": ("customers", ("n",)),
    "auto-map-dialog": ("customers", ("a",)),
    "create-clients-dialog": ("customers", ("c",)),
    "csv-path-dialog": ("customers", ("ctrl+o",)),
    "delete-account-dialog": ("accounts", ("escape", "ctrl+d")),
}


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_small_terminal(name, snap_compare, make_services):
    services = make_services()
    _with_clients(services)
    start, keys = SCREENS[name]
    app = ImtuiApp(services, start_in=start)
    assert snap_compare(app, terminal_size=SMALL, run_before=_keys(*keys))


def test_small_terminal_error_dialog(snap_compare, make_services):
    app = ImtuiApp(make_services(), start_in="customers")
    assert snap_compare(app, terminal_size=SMALL, run_before=_keys(then=_error))


def test_small_terminal_csv_result_dialog(snap_compare, make_services, tmp_path, monkeypatch):
    (tmp_path / "clients.csv").write_text(
        "Name,External ID\n" + "".join(f"Client {n},C-{n}\n" if n % 3 else f",C-{n}\n" for n in range(1, 60)),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # the dialog names the file as typed: the same in every run
    # every third row has no name: a report of 19 skipped lines, longer than the terminal
    app = ImtuiApp(make_services(), start_in="customers")
    assert snap_compare(app, terminal_size=SMALL, run_before=_keys("ctrl+o", *"clients.csv", "enter"))


def test_small_terminal_vault_dialog(snap_compare, make_services):
    services = make_services(keyring_backend=keyring.backends.fail.Keyring())  # no keyring: the vault is offered
    app = ImtuiApp(services, start_in="accounts")
    assert snap_compare(app, terminal_size=SMALL, run_before=_keys("escape", "ctrl+v"))
