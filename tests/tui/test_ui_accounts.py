"""The Accounts screen through the UI: add, test, save, validate, edit, delete, and the vault without a keyring.

Each test drives the screen with keys and asserts what the user would care about: what is written to
config.toml, the keyring and the vault, what the table shows and what the screen says.
"""

from __future__ import annotations

import asyncio

import httpx
import keyring.backends.fail
from textual import events
from textual.widgets import Button, DataTable, Input, Static

from imtui.core.config import AccountConfig, ConfigStore
from imtui.core.paths import Paths
from imtui.core.secrets import KEYRING_SERVICE, AccountSecrets, SecretStore
from imtui.tui.app import ImtuiApp
from imtui.tui.screens.accounts import AccountsScreen
from imtui.tui.dialogs import ConfirmDialog, PassphraseDialog, UnsavedDialog

SIZE = (120, 40)
PASSPHRASE = "correct horse battery"


# ------------------------------------------------------------------------------------- helpers


def accounts_screen(app: ImtuiApp) -> AccountsScreen:
    screen = app.screen
    assert isinstance(screen, AccountsScreen), screen
    return screen


async def type_into(pilot, field_id: str, text: str, *, paste: bool = False) -> None:
    """Focus a field, clear it, and type ``text`` key by key as a user would (or, with ``paste``, paste it
    the way a terminal delivers a paste: long URLs, passwords and keys are pasted, not typed)."""
    field = pilot.app.screen.query_one(f"#{field_id}", Input)
    field.focus()
    await pilot.pause()
    if field.value:
        await pilot.press("ctrl+u", "ctrl+k")  # clear the field whatever the cursor position
    if text and paste:
        field.post_message(events.Paste(text))
    elif text:
        await pilot.press(*text)
    await pilot.pause()
    assert field.value == text


LONG = {"api_url", "password", "subscription_key"}


async def fill_form(pilot, values: dict[str, str]) -> None:
    for field_id, text in values.items():
        await type_into(pilot, field_id, text, paste=field_id in LONG)


def form_for(account, name: str = "uk-main") -> dict[str, str]:
    """A valid form for one of the sandbox's accounts."""
    return {
        "name": name,
        "api_url": account.base_url,
        "marketplace": account.marketplace,
        "username": account.username,
        "password": account.password,
        "subscription_key": account.subscription_key,
    }


def set_form(app: ImtuiApp, values: dict[str, str]) -> None:
    """Fill fields without typing (for the fields a test is not about)."""
    for field_id, text in values.items():
        app.screen.query_one(f"#{field_id}", Input).value = text


async def settle(pilot) -> None:
    """Let the connection-test worker finish and the screen update."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def message(app: ImtuiApp, field_id: str) -> Static:
    return app.screen.query_one(f"#{field_id}-message", Static)


def text_of(widget: Static) -> str:
    return str(widget.content)


def result_text(app: ImtuiApp) -> str:
    return text_of(accounts_screen(app).result)


def banner_text(app: ImtuiApp) -> str:
    return text_of(accounts_screen(app).banner)


def table_rows(app: ImtuiApp) -> dict[str, list[str]]:
    table = app.screen.query_one("#account-table", DataTable)
    columns = [str(c.label) for c in table.columns.values()]
    return {
        str(key.value): dict(zip(columns, (str(cell) for cell in table.get_row(key))))
        for key in table.rows
    }


def saved_accounts(services) -> list[str]:
    """The account names in config.toml as a fresh store reads them from disk."""
    return [a.name for a in ConfigStore(services.paths.config_file).load().accounts]


def keyring_secrets(memory_keyring, name: str) -> tuple[str | None, str | None]:
    return (
        memory_keyring.items.get((KEYRING_SERVICE, f"{name}:password")),
        memory_keyring.items.get((KEYRING_SERVICE, f"{name}:subscription_key")),
    )


# -------------------------------------------------------------------- 1. add, test, save, reopen


async def test_add_account_test_save_and_reopen(make_services, sandbox, memory_keyring):
    services = make_services(accounts=False)
    account = sandbox.accounts[1]  # uk-demo on the sandbox
    reseller = sandbox.state.account(account.name).reseller["name"]
    customers = len(sandbox.state.account(account.name).customers)

    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        assert table_rows(app) == {}
        assert app.focused is screen.query_one("#name", Input)
        await fill_form(pilot, {**form_for(account), "max_seats": "50", "markup": "12.5"})
        assert all(not message(app, f).display for f in ("name", "api_url", "marketplace", "password"))

        await pilot.press("ctrl+t")
        await settle(pilot)
        said = result_text(app)
        assert f"Connected to {reseller}" in said
        assert f"{customers} customers" in said
        assert screen.result.has_class("-ok")
        assert saved_accounts(services) == []  # a test saves nothing
        logins = sum(1 for r in sandbox.requests if "token" in r.path)

        await pilot.press("ctrl+s")
        await settle(pilot)
        said = result_text(app)
        assert "Saved uk-main; the secrets are in the OS keyring." in said
        assert f"Connected to {reseller}" in said
        # the form had just been tested: saving does not log in again
        assert sum(1 for r in sandbox.requests if "token" in r.path) == logins
        assert table_rows(app)["uk-main"]["Secrets"] == "keyring"
        assert screen.query_one("#form-title").content == "Edit account uk-main"
        assert app.current_account == "uk-main"

    config_text = services.paths.config_file.read_text(encoding="utf-8")
    assert account.password not in config_text
    assert account.subscription_key not in config_text
    assert keyring_secrets(memory_keyring, "uk-main") == (account.password, account.subscription_key)
    saved = ConfigStore(services.paths.config_file).load().account("uk-main")
    assert saved is not None
    assert (saved.api_url, saved.marketplace, saved.username) == (account.base_url, account.marketplace, account.username)
    assert (saved.max_seats_per_order, str(saved.markup_percent)) == (50, "12.5")

    # a new app on the same home directory finds it
    again = make_services(accounts=False, home=services.paths.config_dir)
    app2 = ImtuiApp(again, start_in="accounts")
    async with app2.run_test(size=SIZE) as pilot:
        rows = table_rows(app2)
        assert list(rows) == ["uk-main"]
        assert rows["uk-main"]["Market"] == account.marketplace
        assert rows["uk-main"]["Secrets"] == "keyring"
        assert rows["uk-main"]["Mode"] == "buying"
        assert "OS keyring" in banner_text(app2)


# ----------------------------------------------------------------------- 2. every invalid field

INVALID = [
    ("name", "-bad name", "Use up to 40 letters, digits, '.', '-' or '_', starting with a letter or digit."),
    ("name", "us-demo", "An account called us-demo already exists; pick another name."),
    ("api_url", "http://api.cloud.im/marketplace/eu", "Use https: secrets must never travel unencrypted"),
    ("api_url", "", "Paste the API URL from the Marketplace API page of your control panel."),
    ("api_url", "api.cloud.im", "Type a full URL, e.g. https://api.cloud.im/marketplace/eu."),
    ("marketplace", "USA", "usa is the Xvantage portal's host; the US marketplace code is us."),
    ("marketplace", "usa", "usa is the Xvantage portal's host; the US marketplace code is us."),
    ("marketplace", "u", "A marketplace code is two or three lower-case letters, e.g. us, uk, de."),
    ("marketplace", "UK", "Marketplace codes are lower case: type uk."),
    ("username", "", "Type the API username (a dedicated API user, usually ending in .api)."),
    ("password", "", "Type the password."),
    ("subscription_key", "", "Type the subscription key."),
    ("max_seats", "ten", "Max seats per order must be a whole number above zero, or empty for no limit."),
    ("max_seats", "0", "Max seats per order must be a whole number above zero, or empty for no limit."),
    ("markup", "abc", "Markup must be a number, e.g. 12.5, or empty."),
]


async def test_invalid_fields_are_explained_and_block_saving(make_services, sandbox, memory_keyring):
    services = make_services(accounts=True)  # us-demo, uk-demo, de-demo: "us-demo" is a taken name
    before_config = services.paths.config_file.read_bytes()
    before_keyring = dict(memory_keyring.items)
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        for field_id, bad, expected in INVALID:
            case = f"{field_id}={bad!r}"
            await pilot.press("ctrl+n")
            if isinstance(app.screen, UnsavedDialog):  # the last case's edits: thrown away on purpose
                await pilot.press("d")
                await pilot.pause()
            set_form(app, {k: v for k, v in form_for(sandbox.accounts[0], name="new-one").items() if k != field_id})
            await type_into(pilot, field_id, bad, paste=len(bad) > 4)
            shown = message(app, field_id)
            if bad:  # a non-empty bad value is explained as it is typed, before any save
                assert expected in text_of(shown), case
                assert shown.has_class("-error") and shown.display, case
            else:  # an empty field of a fresh form stays quiet until the user tries to save
                assert not shown.display, case

            await pilot.press("ctrl+s")
            await pilot.pause()
            assert expected in text_of(shown), case
            assert shown.has_class("-error") and shown.display, case
            assert result_text(app) == "Fix the 1 field(s) marked in red first; nothing was saved.", case
            assert screen.result.has_class("-error"), case
            assert app.focused is screen.query_one(f"#{field_id}", Input), case
            others = [m.id for m in screen.query(".field-message.-error").results(Static) if m is not shown]
            assert others == [], case

        await pilot.press("ctrl+t")  # testing is refused the same way: no request leaves
        await pilot.pause()
        assert result_text(app) == "Fix the 1 field(s) marked in red first; nothing was saved."
        assert list(table_rows(app)) == ["us-demo", "uk-demo", "de-demo"]

    assert sandbox.requests == []
    assert services.paths.config_file.read_bytes() == before_config
    assert memory_keyring.items == before_keyring


async def test_hints_warn_but_do_not_block(make_services, sandbox):
    services = make_services(accounts=False)
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        set_form(app, form_for(sandbox.accounts[0], name="hinted"))
        await type_into(pilot, "username", "northwind")
        hint = message(app, "username")
        assert "API usernames usually end in .api" in text_of(hint)
        assert hint.has_class("-hint") and not hint.has_class("-error")
        await type_into(pilot, "subscription_key", "NOT-HEX")
        assert "32 lower-case hex characters" in text_of(message(app, "subscription_key"))

        await pilot.press("ctrl+t")  # allowed: the marketplace is asked (and refuses these credentials)
        await settle(pilot)
        assert any("token" in r.path for r in sandbox.requests)
        assert "refused the credentials" in result_text(app)


async def test_an_empty_new_form_lists_every_missing_field(make_services, sandbox):
    services = make_services(accounts=False)
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        # nothing typed yet: no red
        assert not any(m.display for m in app.screen.query(".field-message").results(Static))
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = {m.id.removesuffix("-message") for m in app.screen.query(".field-message.-error").results(Static)}
        assert errors == {"name", "api_url", "marketplace", "username", "password", "subscription_key"}
        assert result_text(app) == "Fix the 6 field(s) marked in red first; nothing was saved."
        assert app.focused is app.screen.query_one("#name", Input)
    assert sandbox.requests == []
    assert not services.paths.config_file.exists()


# ----------------------------------------------------------------------------- 3. wrong password


async def test_wrong_password_says_401_with_correlation_id_and_saves_nothing(make_services, sandbox, memory_keyring):
    services = make_services(accounts=False)
    account = sandbox.accounts[0]
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        set_form(app, form_for(account, name="us-main"))
        await type_into(pilot, "password", account.password + "x", paste=True)
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = result_text(app)
        refused = [r for r in sandbox.requests if r.status == 401]
        assert refused, sandbox.requests
        assert "The marketplace refused the credentials" in said
        assert f"Correlation id: {refused[-1].correlation_id}" in said
        assert said.endswith("Nothing was saved.")
        assert accounts_screen(app).result.has_class("-error")
        assert table_rows(app) == {}
    assert not services.paths.config_file.exists()
    assert memory_keyring.items == {}


# --------------------------------------------------------------------- 4. no keyring: the vault


async def test_no_keyring_session_then_vault(make_services, sandbox, memory_keyring, notifications):
    services = make_services(accounts=False, keyring_backend=keyring.backends.fail.Keyring())
    first, second = sandbox.accounts[0], sandbox.accounts[1]
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        banner = banner_text(app)
        assert "no keyring is available" in banner
        assert "kept only until imtui closes" in banner
        assert "ctrl+v" in banner
        assert screen.banner.has_class("-warning")

        # saved before any vault: kept for this session only, and the screen says so
        set_form(app, form_for(first, name="us-main"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "kept for this session only" in result_text(app)
        assert table_rows(app)["us-main"]["Secrets"] == "session"

        # ctrl+v works even with the focus in a field (where it would otherwise paste)
        screen.query_one("#name", Input).focus()
        await pilot.press("ctrl+v")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PassphraseDialog) and dialog.create
        error = dialog.query_one("#dialog-error", Static)

        await pilot.press(*"short", "enter")  # enter in the first field moves on to the second
        assert app.focused is dialog.query_one("#passphrase2", Input)
        await pilot.press(*"short", "enter")
        assert text_of(error) == "Use a passphrase of at least 8 characters."
        dialog.query_one("#passphrase", Input).value = PASSPHRASE
        dialog.query_one("#passphrase2", Input).value = PASSPHRASE + "?"
        await pilot.click("#confirm")
        assert text_of(error) == "The two passphrases differ; type them again."
        assert not services.paths.vault_file.exists()

        again = dialog.query_one("#passphrase2", Input)
        again.value = PASSPHRASE
        again.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen, text_of(error)
        assert services.paths.vault_file.exists()
        assert table_rows(app)["us-main"]["Secrets"] == "vault"
        assert any("1 account(s) moved their secrets into it" in n for n in notifications(app))
        assert "encrypted vault" in banner_text(app)
        assert not screen.banner.has_class("-warning")

        # a new account now goes to the vault
        await pilot.press("ctrl+n")
        set_form(app, form_for(second, name="uk-main"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved uk-main; the secrets are in the encrypted vault." in result_text(app)
        assert table_rows(app)["uk-main"]["Secrets"] == "vault"

    blob = services.paths.vault_file.read_bytes()
    config_text = services.paths.config_file.read_text(encoding="utf-8")
    for secret in (first.password, first.subscription_key, second.password, second.subscription_key):
        assert secret.encode() not in blob
        assert secret not in config_text
    assert saved_accounts(services) == ["us-main", "uk-main"]
    assert memory_keyring.items == {}

    reader = SecretStore(Paths.in_home(services.paths.config_dir), keyring_backend=keyring.backends.fail.Keyring(), env={})
    reader.unlock_vault(PASSPHRASE)
    for name, account in (("us-main", first), ("uk-main", second)):
        found = reader.get(name)
        assert found is not None and found.source == "vault"
        assert found.secrets == AccountSecrets(account.password, account.subscription_key)


async def test_wrong_vault_passphrase_is_refused_in_the_dialog(make_services, sandbox, tmp_path, notifications):
    fail = keyring.backends.fail.Keyring()
    home = tmp_path / "imtui-home"
    account = sandbox.accounts[2]
    store = SecretStore(Paths.in_home(home).ensure(), keyring_backend=fail, env={})
    store.create_vault(PASSPHRASE)
    store.set("de-main", AccountSecrets(account.password, account.subscription_key))
    ConfigStore(Paths.in_home(home).config_file).save(
        ConfigStore(Paths.in_home(home).config_file).load().model_copy(
            update={
                "accounts": [
                    AccountConfig(name="de-main", api_url=account.base_url, marketplace=account.marketplace, username=account.username)
                ]
            }
        )
    )

    services = make_services(accounts=False, home=home, keyring_backend=fail)
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PassphraseDialog)  # asked as the app opens; escape goes on without
        await pilot.press("escape")
        await pilot.pause()
        assert table_rows(app)["de-main"]["Secrets"] == "missing"
        assert "the vault is locked" in banner_text(app)
        await pilot.press("ctrl+v")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PassphraseDialog) and not dialog.create
        assert str(dialog.query_one("#dialog-title").content) == "Unlock the vault"

        await pilot.press("enter")
        assert text_of(dialog.query_one("#dialog-error", Static)) == "Type the passphrase."
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        assert app.screen is dialog  # still open, saying why
        error = text_of(dialog.query_one("#dialog-error", Static))
        assert "The vault passphrase is wrong" in error
        assert "Nothing was changed" in error
        assert not services.secrets.vault_unlocked

        await type_into(pilot, "passphrase", PASSPHRASE, paste=True)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        assert services.secrets.vault_unlocked
        assert table_rows(app)["de-main"]["Secrets"] == "vault"
        assert any("0 account(s) moved" in n for n in notifications(app))


async def test_vault_key_is_hidden_and_paste_works_when_a_keyring_is_there(make_services):
    services = make_services(accounts=True)
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        assert screen.check_action("vault", ()) is False
        app.copy_to_clipboard("pasted")
        await pilot.press("ctrl+v")  # falls through to the Input: it pastes
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#name", Input).value == "pasted"


# ------------------------------------------------------------------------- 5. edit and delete


async def test_edit_keeps_stored_secrets_when_left_empty(make_services, sandbox, memory_keyring):
    services = make_services(accounts=True)
    kept = keyring_secrets(memory_keyring, "uk-demo")
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        screen.table.focus()
        await pilot.press("down", "enter")  # the second row: uk-demo
        await pilot.pause()
        assert screen.editing == "uk-demo"
        assert str(screen.query_one("#form-title").content) == "Edit account uk-demo"
        password = screen.query_one("#password", Input)
        assert password.value == "" and "stored (keyring); leave empty to keep" in password.placeholder
        assert screen.query_one("#username", Input).value == sandbox.accounts[1].username

        await type_into(pilot, "markup", "7.5")
        await pilot.click("#read_only")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved uk-demo; the stored secrets were kept." in result_text(app)
        assert table_rows(app)["uk-demo"]["Mode"] == "read-only"

    assert keyring_secrets(memory_keyring, "uk-demo") == kept
    saved = ConfigStore(services.paths.config_file).load().account("uk-demo")
    assert saved is not None and saved.read_only and str(saved.markup_percent) == "7.5"
    assert saved_accounts(services) == ["us-demo", "uk-demo", "de-demo"]


async def test_rename_moves_the_secrets(make_services, memory_keyring):
    services = make_services(accounts=True)
    kept = keyring_secrets(memory_keyring, "de-demo")
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        screen.table.focus()
        await pilot.press("down", "down", "enter")
        await type_into(pilot, "name", "de-main")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert list(table_rows(app)) == ["us-demo", "uk-demo", "de-main"]
    assert saved_accounts(services) == ["us-demo", "uk-demo", "de-main"]
    assert keyring_secrets(memory_keyring, "de-main") == kept
    assert keyring_secrets(memory_keyring, "de-demo") == (None, None)


async def test_delete_needs_confirmation_with_focus_on_cancel(make_services, memory_keyring, notifications):
    services = make_services(accounts=True)
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        screen.table.focus()
        await pilot.press("down", "down")  # de-demo
        await pilot.press("ctrl+d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.dialog_title == "Delete account de-demo?"
        assert "deletes its password and subscription key" in dialog.body
        assert "Nothing changes at Ingram Micro" in dialog.body
        assert app.focused is dialog.query_one("#cancel", Button)

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert "de-demo" in table_rows(app)
        assert saved_accounts(services) == ["us-demo", "uk-demo", "de-demo"]
        assert keyring_secrets(memory_keyring, "de-demo") != (None, None)

        await pilot.press("enter")  # on the Cancel button: cancels too
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert "de-demo" in table_rows(app)

        screen.table.focus()
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        assert list(table_rows(app)) == ["us-demo", "uk-demo"]
        assert any("Deleted de-demo" in n for n in notifications(app))

    assert saved_accounts(services) == ["us-demo", "uk-demo"]
    assert keyring_secrets(memory_keyring, "de-demo") == (None, None)
    assert keyring_secrets(memory_keyring, "us-demo") != (None, None)


async def test_delete_from_the_form_deletes_the_account_being_edited(make_services, memory_keyring):
    services = make_services(accounts=True)
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        screen.table.focus()
        await pilot.press("down", "enter")  # edit uk-demo: the focus goes to the form
        await pilot.pause()
        assert isinstance(app.focused, Input)
        screen.table.move_cursor(row=0)  # the list's cursor elsewhere does not matter
        await pilot.press("ctrl+d")  # would be the Input's delete-right without the priority binding
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.dialog_title == "Delete account uk-demo?"
        await pilot.press("y")
        await pilot.pause()
        assert list(table_rows(app)) == ["us-demo", "de-demo"]
        assert screen.editing is None  # back to a new form
    assert saved_accounts(services) == ["us-demo", "de-demo"]
    assert keyring_secrets(memory_keyring, "uk-demo") == (None, None)


# ----------------------------------------------------------- a slow test no longer wanted


class GatedTransport(httpx.AsyncBaseTransport):
    """Holds every request until the test opens the gate: a slow network, without sleeping."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.waiting.set()
        await self.gate.wait()
        return await self.inner.handle_async_request(request)


async def test_opening_another_account_while_testing_does_not_save_over_it(make_services, sandbox, memory_keyring):
    services = make_services(accounts=True)
    gated = GatedTransport(services.transport)
    services.transport = gated
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        screen = accounts_screen(app)
        set_form(app, form_for(sandbox.accounts[1], name="uk-copy"))
        await pilot.press("ctrl+s")
        await gated.waiting.wait()
        assert "Testing the connection before saving" in result_text(app)

        screen.table.focus()
        await pilot.press("down", "enter")  # meanwhile the user opens uk-demo, and lets the form's edits go
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)
        await pilot.press("d")
        await pilot.pause()
        assert screen.editing == "uk-demo"
        gated.gate.set()
        await settle(pilot)
        assert result_text(app) == ""  # the old test's answer is not shown over the new form
        assert list(table_rows(app)) == ["us-demo", "uk-demo", "de-demo"]
    assert saved_accounts(services) == ["us-demo", "uk-demo", "de-demo"]
    assert keyring_secrets(memory_keyring, "uk-copy") == (None, None)
