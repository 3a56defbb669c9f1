"""The account form of the accounts screen: its fields, their checks as you type, what it holds, and
whether it holds edits not saved yet (so leaving it can ask first)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label, Static

from imtui.core import rules
from imtui.core.errors import ServiceError
from imtui.tui.widgets.checks import Check, first_problem

if TYPE_CHECKING:
    from imtui.core.config import AccountConfig
    from imtui.core.secrets import AccountSecrets
    from imtui.core.services import AccountInput
    from imtui.tui.screens.accounts import AccountsScreen

    _Base = AccountsScreen
else:
    _Base = object

__all__ = ["FIELDS", "AccountForm", "Field"]


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
FIELD_IDS = frozenset(spec.id for spec in FIELDS)
READ_ONLY_LABEL = "read-only"


class AccountForm(_Base):
    """The form's part of :class:`AccountsScreen` (a mixin; its state lives on the screen:
    ``editing``, ``_touched``, ``_baseline``)."""

    def compose_fields(self) -> ComposeResult:
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
                    # entering the form never selects a whole value for overtyping: the cursor goes to its end
                    select_on_focus=False,
                )
            yield Static("", id=f"{spec.id}-message", classes="field-message")
        yield Checkbox("Read-only: never place orders from this account", id="read_only", compact=True)

    # ------------------------------------------------------------ values

    def _input(self, field_id: str) -> Input:
        return self.query_one(f"#{field_id}", Input)

    def _values(self) -> dict[str, str]:
        return {spec.id: self._input(spec.id).value for spec in FIELDS}

    def _state(self) -> dict[str, object]:
        return {**self._values(), READ_ONLY_LABEL: self.query_one("#read_only", Checkbox).value}

    def changed_fields(self) -> list[str]:
        """The labels of what was changed since the form was filled or saved (empty: nothing to lose)."""
        now = self._state()
        labels = {spec.id: spec.label for spec in FIELDS}
        return [labels.get(key, key) for key, value in now.items() if self._baseline.get(key) != value]

    def _typed(self) -> AccountInput:
        from imtui.core.services import AccountInput

        values = self._values()
        fields = ("name", "api_url", "marketplace", "username", "max_seats", "max_total", "markup")
        return AccountInput(read_only=self.query_one("#read_only", Checkbox).value, **{f: values[f] for f in fields})

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

    def _current_draft(self) -> tuple[AccountConfig, AccountSecrets | None] | None:
        try:
            return self._draft()
        except (ServiceError, ValueError):  # the form no longer holds a valid account
            return None

    # ------------------------------------------------------------ checks

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

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id not in FIELD_IDS:
            return
        problem = first_problem(event.validation_result)
        # an untouched empty field of a fresh form stays quiet until the user tries to save
        if not event.value and event.input.id not in self._touched:
            problem = None
        self._touched.add(event.input.id)
        self._show_message(event.input.id, event.value, problem)

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

    # ------------------------------------------------------------ filling

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
            field.cursor_position = len(value)
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
        self._baseline = self._state()
