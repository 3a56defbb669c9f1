"""Accounts: the list of marketplace accounts and the form to add, test, edit and delete them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Checkbox, DataTable, Footer, Header, Input, Label, Static

from imtui.core import rules
from imtui.core.errors import ServiceError
from imtui.tui.dialogs import ConfirmDialog, PassphraseDialog
from imtui.tui.messages import ConfigReloaded, ServicesReady
from imtui.tui.screens.base import AreaScreen
from imtui.tui.widgets.key_help import KeyHelp

if TYPE_CHECKING:
    from imtui.core.config import AccountConfig
    from imtui.core.secrets import AccountSecrets
    from imtui.core.services import AccountInput, AccountOutcome


class Check(Validator):
    """A Textual validator around one of ``imtui.core.rules``' checks (``None`` = valid)."""

    def __init__(self, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        problem = self.check(value)
        return self.failure(problem) if problem else self.success()


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    placeholder: str = ""
    password: bool = False
    suggestions: tuple[str, ...] = ()
    hint: Callable[[str], str | None] | None = None


FIELDS = (
    Field("name", "Name", "a short name, e.g. uk-main"),
    Field("api_url", "API URL", "https://api.cloud.im/marketplace/eu", suggestions=rules.URL_SUGGESTIONS),
    Field("marketplace", "Marketplace code", "e.g. us, uk, de", suggestions=rules.MARKETPLACE_SUGGESTIONS, hint=rules.marketplace_hint),
    Field("username", "API username", "e.g. northwind.api", hint=rules.username_hint),
    Field("password", "Password", "the API user's password", password=True),
    Field("subscription_key", "Subscription key", "32 hex characters", password=True, hint=rules.subscription_key_hint),
    Field("max_seats", "Max seats per order", "empty: no limit"),
    Field("max_total", "Max order total", "empty: no limit"),
    Field("markup", "Markup %", "e.g. 15"),
)


class AccountsScreen(AreaScreen):
    """Add, test, edit and delete marketplace accounts."""

    TITLE = "Accounts"

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
            tooltip="Leave the form for the account list (then 1-5 switch areas)",
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

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="accounts-body"):
            with Vertical(id="account-list-pane"):
                yield Label("Accounts", classes="pane-title")
                yield DataTable(id="account-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="secrets-banner")
                yield KeyHelp(id="list-help")
            with VerticalScroll(id="account-form", can_focus=False):  # tab goes from the list to the fields
                yield Label("New account", id="form-title", classes="pane-title")
                for spec in FIELDS:
                    with Horizontal(classes="field-row"):
                        yield Label(spec.label, classes="field-label")
                        yield Input(
                            placeholder=spec.placeholder,
                            password=spec.password,
                            id=spec.id,
                            suggester=SuggestFromList(spec.suggestions, case_sensitive=False) if spec.suggestions else None,
                            validators=[Check(self._checker(spec.id))],
                            validate_on=["changed", "submitted"],
                            valid_empty=False,
                            compact=True,
                        )
                    yield Static("", id=f"{spec.id}-message", classes="field-message")
                yield Checkbox("Read-only: never place orders from this account", id="read_only", compact=True)
                with Horizontal(id="form-buttons"):
                    yield Button("Test connection (ctrl+t)", id="test")
                    yield Button("Save (ctrl+s)", id="save", variant="primary")
                    yield Button("New (ctrl+n)", id="new")
                yield Static("", id="test-result")
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
        self.start_edit(str(event.row_key.value))

    # ------------------------------------------------------------ form

    def _input(self, field_id: str) -> Input:
        return self.query_one(f"#{field_id}", Input)

    def _values(self) -> dict[str, str]:
        return {spec.id: self._input(spec.id).value for spec in FIELDS}

    def _checker(self, field_id: str) -> Callable[[str], str | None]:
        editing_with_stored = lambda: self.editing is not None  # noqa: E731 - blank secret keeps the stored one
        checks: dict[str, Callable[[str], str | None]] = {
            "name": lambda v: rules.check_name(v, self._taken_names()),
            "api_url": rules.check_api_url,
            "marketplace": rules.check_marketplace,
            "username": rules.check_username,
            "password": lambda v: rules.check_secret(v, "password", required=not editing_with_stored()),
            "subscription_key": lambda v: rules.check_secret(v, "subscription key", required=not editing_with_stored()),
            **{field_id: rule.check for field_id, rule in rules.NUMBER_FIELDS.items()},
        }
        return checks[field_id]

    def _taken_names(self) -> set[str]:
        return {a.name for a in self.services.config.accounts if a.name != self.editing}

    def _problems(self) -> dict[str, str]:
        return {
            spec.id: problem
            for spec in FIELDS
            if (problem := self._checker(spec.id)(self._input(spec.id).value)) is not None
        }

    def _show_message(self, field_id: str, value: str, problem: str | None) -> None:
        spec = next(s for s in FIELDS if s.id == field_id)
        message = self.query_one(f"#{field_id}-message", Static)
        hint = spec.hint(value) if spec.hint and not problem else None
        message.update(problem or hint or "")
        message.display = bool(problem or hint)  # an empty message takes no room
        message.set_class(bool(problem), "-error")
        message.set_class(bool(hint), "-hint")

    @on(Input.Changed)
    def field_changed(self, event: Input.Changed) -> None:
        if event.input.id is None or event.input.id not in {s.id for s in FIELDS}:
            return
        problem = None
        if event.validation_result is not None and not event.validation_result.is_valid:
            problem = event.validation_result.failure_descriptions[0]
        # an untouched empty field of a fresh form stays quiet until the user tries to save
        if not event.value and event.input.id not in self._touched:
            problem = None
        self._touched.add(event.input.id)
        self._show_message(event.input.id, event.value, problem)

    def _fill(self, account: AccountConfig | None) -> None:
        values = {
            "name": account.name if account else "",
            "api_url": account.api_url if account else "",
            "marketplace": account.marketplace if account else "",
            "username": account.username if account else "",
            "password": "",
            "subscription_key": "",
            "max_seats": str(account.max_seats_per_order) if account and account.max_seats_per_order else "",
            "max_total": str(account.max_order_total) if account and account.max_order_total is not None else "",
            "markup": str(account.markup_percent) if account and account.markup_percent is not None else "",
        }
        for field_id, value in values.items():
            field = self._input(field_id)
            self._touched.discard(field_id)
            with field.prevent(Input.Changed):
                field.value = value
            field.set_class(False, "-invalid")  # an untouched field is not wrong yet: no red until typed in or saved
            self._show_message(field_id, value, None)
        stored = ""
        if account is not None:
            found = self.services.secrets.get(account.name)
            stored = f"stored ({found.source}); leave empty to keep" if found else "not stored: type it"
        self._input("password").placeholder = stored or "the API user's password"
        self._input("subscription_key").placeholder = stored or "32 hex characters"
        self.query_one("#read_only", Checkbox).value = bool(account and account.read_only)
        self.workers.cancel_group(self, "account-test")  # a test of the previous form is no longer wanted
        self._say("")
        self._tested = None
        self._tested_text = ""

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
        self._input("api_url").focus()

    def _draft(self) -> tuple[AccountConfig, AccountSecrets | None]:
        """The account and secrets the form describes (secrets ``None``: keep the stored ones)."""
        from imtui.core.secrets import AccountSecrets

        values = {k: v.strip() for k, v in self._values().items()}
        account = self.services.accounts.build(self._typed(), replacing=self.editing)
        if values["password"] and values["subscription_key"]:
            return account, AccountSecrets(password=values["password"], subscription_key=values["subscription_key"])
        if self.editing is not None:
            found = self.services.secrets.get(self.editing)
            if found is not None:
                password = values["password"] or found.secrets.password
                key = values["subscription_key"] or found.secrets.subscription_key
                return account, AccountSecrets(password=password, subscription_key=key)
        return account, None

    def _typed(self) -> AccountInput:
        from imtui.core.services import AccountInput

        values = self._values()
        fields = ("name", "api_url", "marketplace", "username", "max_seats", "max_total", "markup")
        return AccountInput(read_only=self.query_one("#read_only", Checkbox).value, **{f: values[f] for f in fields})

    def _current_draft(self) -> tuple[AccountConfig, AccountSecrets | None] | None:
        try:
            return self._draft()
        except (ServiceError, ValueError):  # the form no longer holds a valid account
            return None

    def _form_ok(self) -> bool:
        problems = self._problems()
        for spec in FIELDS:
            value = self._input(spec.id).value
            self._touched.add(spec.id)
            self._show_message(spec.id, value, problems.get(spec.id))
        if problems:
            first = next(iter(problems))
            self._input(first).focus()
            self._say(f"Fix the {len(problems)} field(s) marked in red first; nothing was saved.", error=True)
            return False
        return True

    def _say(self, text: str, *, error: bool = False, ok: bool = False) -> None:
        self.result.update(text)
        self.result.set_class(error, "-error")
        self.result.set_class(ok, "-ok")
        self.result.display = bool(text)
        if text:
            self.result.scroll_visible(animate=False)  # below the form: bring it into view

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
        self.start_new()

    def action_leave_form(self) -> None:
        self.table.focus()

    def action_reveal(self) -> None:
        for field_id in ("password", "subscription_key"):
            field = self._input(field_id)
            field.password = not field.password

    @on(Button.Pressed, "#new")
    def _new_pressed(self) -> None:
        self.start_new()

    @on(Button.Pressed, "#test")
    def action_test(self) -> None:
        if self._form_ok():
            self._say("Testing the connection…")
            self.run_test(save=False)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self._form_ok():
            self._say("Testing the connection before saving…")
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

        from imtui.core.services import AccountOutcome

        services = self.services
        try:
            if save:
                outcome = await services.accounts.save(
                    self._typed(), secrets if (typed or replacing is None) else None, replacing=replacing,
                    test=self._tested != fingerprint, still_wanted=still_wanted,
                )
            elif self._tested != fingerprint:
                outcome = AccountOutcome(account, report=await services.accounts.test(account, secrets))
            else:  # these very values were just tested
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
