"""Accounts: the list of marketplace accounts and the form to add, test, edit and delete them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Label, Static

from imtui.tui.dialogs import ConfirmDialog, PassphraseDialog, UnsavedDialog
from imtui.tui.messages import ConfigReloaded, ServicesReady
from imtui.tui.screens.account_form import AccountForm
from imtui.tui.screens.base import AreaScreen
from imtui.tui.widgets.key_help import KeyHelp

if TYPE_CHECKING:  # the core loads off the first paint (the app opens the services in a thread)
    from imtui.core.api import RetryNotice
    from imtui.core.config import AccountConfig
    from imtui.core.secrets import AccountSecrets
    from imtui.core.services import AccountOutcome

TESTING = {False: "Testing the connection…", True: "Testing the connection before saving…"}


class AccountsScreen(AccountForm, AreaScreen):
    """Add, test, edit and delete marketplace accounts.

    Wider than 100 columns the list and the form stand side by side; narrower, the list stands above the
    form (each gets the full width: a URL stays readable). The form's fields scroll; its test result and
    buttons stay below them, always on screen. Leaving a form with unsaved edits (another area, the list,
    another account, a new one) asks first.
    """

    TITLE = "Accounts"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    BINDINGS = [
        # new, test and save are on the form's buttons, with their keys: the footer keeps room for the areas
        Binding("ctrl+n", "new", "New", show=False, id="accounts.new", tooltip="Start a new account"),
        Binding("ctrl+t", "test", "Test", show=False, id="accounts.test", tooltip="Log in and read one customer page"),
        Binding("ctrl+s", "save", "Save", show=False, id="accounts.save", tooltip="Test the connection, then save the account"),
        Binding("ctrl+r", "reveal", "Reveal", id="accounts.reveal", tooltip="Show or hide the password and key"),
        # ctrl+d and ctrl+v are also Input's delete-right and paste keys, and the form always has an Input
        # focused: they are priority bindings, and check_action lets them fall through to the Input when
        # there is nothing to delete or no vault to open.
        Binding("ctrl+d", "delete", "Delete", id="accounts.delete", tooltip="Delete the selected account", priority=True),
        Binding("ctrl+v", "vault", "Vault", id="accounts.vault", tooltip="Keep secrets in an encrypted vault", priority=True),
        Binding(
            "escape", "leave_form", "To list", id="accounts.leave_form",
            tooltip="Leave the form for the account list (asks first if there are unsaved edits)",
        ),
    ]

    table = getters.query_one("#account-table", DataTable)
    result = getters.query_one("#test-result", Static)
    banner = getters.query_one("#secrets-banner", Static)

    def __init__(self) -> None:
        super().__init__(classes="accounts-screen")
        self.editing: str | None = None  # name of the account being edited; None = new account
        self._tested: tuple | None = None  # the form values of the last successful connection test
        self._tested_text = ""  # what that test said
        self._touched: set[str] = set()  # fields typed in (or checked by a save) since the form was filled
        self._baseline: dict[str, object] = {}  # what the form held when filled or saved

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="accounts-body"):
            with Vertical(id="account-list-pane"):
                yield Label("Accounts", classes="pane-title")
                yield DataTable(id="account-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="secrets-banner")
                yield KeyHelp(id="list-help")
            with Vertical(id="account-form-pane"):
                yield Label("New account", id="form-title", classes="pane-title")
                with VerticalScroll(id="account-form", can_focus=False):  # tab goes from the list to the fields
                    yield from self.compose_fields()
                with Vertical(id="form-foot"):  # docked under the fields: never scrolled away
                    yield Static("", id="test-result")
                    with Horizontal(id="form-buttons"):
                        yield Button("Test connection (ctrl+t)", id="test", compact=True)
                        yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                        yield Button("New (ctrl+n)", id="new", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        help_keys = self.key_help(["accounts.new", "accounts.delete"], lead=[("enter", "edit")])
        self.query_one("#list-help", KeyHelp).show(help_keys)
        self.table.add_columns("Name", "Market", "Secrets", "Mode", "Username", "API URL")

    def on_services_ready(self, _: ServicesReady) -> None:
        self.refresh_accounts()
        self.start_new()

    # ------------------------------------------------------------ list

    def on_config_reloaded(self, _: ConfigReloaded) -> None:
        self.refresh_accounts()

    def refresh_accounts(self, select: str | None = None) -> None:
        services = self.services
        self.table.clear()
        for account in services.config.accounts:
            found = services.secrets.get(account.name)
            where = found.source if found else "missing"
            self.table.add_row(
                account.name,
                account.marketplace,
                where,
                "read-only" if account.read_only else "buying",
                account.username,
                account.api_url,
                key=account.name,
            )
        if select is not None:
            self.table.move_cursor(row=self.table.get_row_index(select))
        self._update_banner()

    def _update_banner(self) -> None:
        secrets = self.services.secrets
        warning = secrets.warning()
        if self.services.demo:
            text = "Demo: the sandbox's secrets are kept in memory only; nothing is written."
        elif warning:
            text = warning + ("" if secrets.vault_unlocked else "\nPress ctrl+v to create or unlock an encrypted vault.")
        elif secrets.vault_unlocked and not secrets.keyring_usable:
            text = f"Secrets are kept in the encrypted vault ({secrets.paths.vault_file}), open until imtui closes."
        else:
            text = f"Secrets are kept in the OS keyring ({secrets.backend_description()})."
        self.banner.update(text)
        self.banner.set_class(bool(warning) and not self.services.demo, "-warning")
        self.refresh_bindings()  # ctrl+v (vault) comes and goes with the warning

    @on(DataTable.RowSelected, "#account-table")
    def edit_selected(self, event: DataTable.RowSelected) -> None:
        name = str(event.row_key.value)
        self.confirm_leave(lambda: self.start_edit(name))

    # ------------------------------------------------------------ entering and leaving the form

    def start_new(self) -> None:
        self.editing = None
        self.query_one("#form-title", Label).update("New account")
        self._fill(None)
        self._input("name").focus()

    def start_edit(self, name: str) -> None:
        account = self.services.config.account(name)
        if account is None:
            return
        self.editing = name
        self.query_one("#form-title", Label).update(f"Edit account {name}")
        self._fill(account)
        self._input("api_url").focus()  # the cursor at the end of the URL, nothing selected

    def _revert(self) -> None:
        """Throw the form's edits away: the account as stored, or an empty new form."""
        account = self.services.config.account(self.editing) if self.editing else None
        if account is None:
            self.editing = None
            self.query_one("#form-title", Label).update("New account")
        self._fill(account)

    def confirm_leave(self, then: Callable[[], object]) -> None:
        """Go on with ``then`` at once if the form holds nothing unsaved; else ask (focus on keep editing)."""
        changed = self.changed_fields()
        if not changed:
            then()
            return
        what = f"Account {self.editing}" if self.editing else "The new account"

        def done(discard: bool | None) -> None:
            if discard:
                self._revert()
                then()

        self.app.push_screen(UnsavedDialog(what, changed), done)

    def _say(self, text: str, *, error: bool = False, ok: bool = False) -> None:
        self.result.update(text)
        self.result.set_class(error, "-error")
        self.result.set_class(ok, "-ok")
        self.result.display = bool(text)  # under the fields, above the buttons: always on screen

    def _fingerprint(self, account: AccountConfig, secrets: AccountSecrets) -> tuple:
        return (self.editing, account.model_dump_json(), secrets.password, secrets.subscription_key)

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete":
            # from the list: the highlighted account; from the form: the account being edited (confirmed
            # in a dialog). On a new account's form it stays the field's delete-right key.
            if not self.query("#account-table") or not self.table.row_count:
                return False
            return self.table.has_focus or self.editing is not None
        if action == "leave_form":
            return not (self.query("#account-table") and self.table.has_focus)
        if action == "vault":
            if not self.services_ready:
                return False
            services = self.services
            return not services.demo and not services.secrets.can_persist()
        return True

    def action_new(self) -> None:
        self.confirm_leave(self.start_new)

    def action_leave_form(self) -> None:
        self.confirm_leave(self.table.focus)

    def action_reveal(self) -> None:
        for field_id in ("password", "subscription_key"):
            field = self._input(field_id)
            field.password = not field.password

    @on(Button.Pressed, "#new")
    def _new_pressed(self) -> None:
        self.action_new()

    @on(Button.Pressed, "#test")
    def action_test(self) -> None:
        if self._form_ok():
            self._say(TESTING[False])
            self.run_test(save=False)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self._form_ok():
            self._say(TESTING[True])
            self.run_test(save=True)

    @work(exclusive=True, group="account-test", exit_on_error=False)
    async def run_test(self, save: bool) -> None:
        account, secrets = self._draft()
        if secrets is None:
            self._say("Type the password and the subscription key: none is stored for this account.", error=True)
            return
        replacing = self.editing
        typed = bool(self._input("password").value or self._input("subscription_key").value)
        fingerprint = self._fingerprint(account, secrets)

        def still_wanted() -> bool:  # the user may have opened another account or changed the form meanwhile
            return self.is_attached and self.editing == replacing and self._current_draft() == (account, secrets)

        services = self.services
        doing = TESTING[save]  # retries are said after it: the user sees progress, not a frozen form

        def retrying(notice: RetryNotice) -> None:
            if self.is_attached and self.editing == replacing:
                self._say(f"{doing} {notice.brief}")

        try:
            from imtui.core.api import retry_listener

            with retry_listener(retrying):
                outcome = await self._test_or_save(save, account, secrets, typed, replacing, fingerprint, still_wanted)
            if outcome is None:  # these very values were just tested
                self._say(self._tested_text, ok=True)
                return
        except Exception as exc:  # config conflicts, unwritable disk, a bug: say it, keep the form as typed
            if self.is_attached:
                self._say(f"Not saved: {exc}" if save else f"The connection test failed: {type(exc).__name__}: {exc}", error=True)
            if not save:
                raise
            return
        if outcome.abandoned or (not outcome.saved and not still_wanted()):
            return
        self._show_outcome(outcome, fingerprint, replacing=replacing, save=save)

    async def _test_or_save(self, save, account, secrets, typed, replacing, fingerprint, still_wanted) -> AccountOutcome | None:
        services = self.services
        if save:
            return await services.accounts.save(
                self._typed(), secrets if (typed or replacing is None) else None, replacing=replacing,
                test=self._tested != fingerprint, still_wanted=still_wanted,
            )
        if self._tested != fingerprint:
            from imtui.core.services import AccountOutcome

            return AccountOutcome(account, report=await services.accounts.test(account, secrets))
        return None

    def _show_outcome(self, outcome: AccountOutcome, fingerprint: tuple, *, replacing: str | None, save: bool) -> None:
        """Say what the test (and the save) did; after a save, show the account as saved."""
        if outcome.report is not None and not outcome.report.ok:
            self._tested = None
            self._say(outcome.report.text + ("\nNothing was saved." if save else ""), error=True)
            return
        if outcome.problems:
            self._say(" ".join(outcome.problems.values()), error=True)
            return
        if outcome.report is not None:
            self._tested = fingerprint
            self._tested_text = outcome.report.text
            self._say(outcome.report.text, ok=True)
        if not outcome.saved or outcome.account is None:
            return
        account = outcome.account
        self.editing = account.name
        self.query_one("#form-title", Label).update(f"Edit account {account.name}")
        self.refresh_accounts(select=account.name)
        self._tested = (account.name, *fingerprint[1:])  # editing is now account.name
        self._say(f"{self._tested_text}\nSaved {account.name}; {outcome.stored_text}.".lstrip(), ok=True)
        self._baseline = self._state()  # saved: nothing left to lose
        if self.imtui.current_account is None or self.imtui.current_account == replacing:
            self.imtui.current_account = account.name
        self.notify(f"Saved account {account.name}.", title="Accounts")

    def action_delete(self) -> None:
        row = self.table.cursor_row
        if not self.table.row_count or row is None:
            return
        # the account open in the form, unless the user is in the list
        if self.editing is not None and not self.table.has_focus:
            name = self.editing
        else:
            name = str(self.table.coordinate_to_cell_key((row, 0)).row_key.value)
        mapped = sum(1 for m in self.services.config.mappings if m.account == name)

        def done(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                removed = self.services.accounts.remove(name)
            except Exception as exc:
                self.notify(f"Not deleted: {exc}", severity="error", title="Accounts")
                return
            if self.imtui.current_account == name:
                self.imtui.current_account = next((a.name for a in self.services.config.accounts), None)
            self.refresh_accounts()
            if self.editing == name:
                self.start_new()
            self.notify(f"Deleted {name} and {removed} mapping(s); its secrets are gone.", title="Accounts")

        self.app.push_screen(
            ConfirmDialog(
                f"Delete account {name}?",
                f"This removes {name} from imtui, deletes its password and subscription key from the keyring, "
                f"the vault and this session, and forgets its {mapped} customer mapping(s). Nothing changes at "
                "Ingram Micro.",
                "Delete (y)",
            ),
            done,
        )

    def action_vault(self) -> None:
        secrets = self.services.secrets
        if self.services.demo or secrets.vault_unlocked:
            self.notify("The vault is already open." if secrets.vault_unlocked else "Demo: nothing is stored.")
            return
        create = not secrets.vault_exists
        moved = 0

        def check(passphrase: str) -> str | None:
            nonlocal moved
            try:
                moved = self.services.accounts.open_vault(passphrase, create=create)
            except Exception as exc:  # a wrong passphrase, an unwritable file: shown in the dialog
                return str(exc)
            return None

        def done(passphrase: str | None) -> None:
            if passphrase is None:
                return
            self.refresh_accounts()
            self.notify(f"The vault is open; {moved} account(s) moved their secrets into it.", title="Vault")

        self.app.push_screen(PassphraseDialog(create=create, check=check), done)
