"""Accounts: the one flow that adds or edits an account (validate → test → save → say where the secrets
went), used by the account form and ``imtui accounts add`` alike; removing an account; the vault."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from imtui.core import rules
from imtui.core.api import ApiError
from imtui.core.config import AccountConfig, describe_validation_error
from imtui.core.errors import ServiceError
from imtui.core.secrets import VAULT_ENV_VAR, AccountSecrets, SecretStore, env_var_names
from imtui.core.vault import VAULT_MIN_PASSPHRASE

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["AccountInput", "AccountOutcome", "AccountsArea", "ConnectionReport"]

_STORED = {
    "keyring": "the secrets are in the OS keyring",
    "vault": "the secrets are in the encrypted vault",
    "session": "the secrets are kept for this session only (no keyring or vault)",
    None: "the stored secrets were kept",
}


@dataclass(frozen=True)
class ConnectionReport:
    """What "Test connection" found, in words."""

    ok: bool
    text: str
    reseller: str | None = None
    customers: int | None = None
    error: ApiError | None = None

    @property
    def correlation_id(self) -> str | None:
        return self.error.correlation_id if self.error else None


@dataclass(frozen=True)
class AccountInput:
    """An account as the user typed it (the form's fields, the CLI's flags): text, checked by
    :meth:`AccountsArea.problems` with the rules of :mod:`imtui.core.rules`."""

    name: str
    api_url: str
    marketplace: str
    username: str
    read_only: bool = False
    max_seats: str = ""
    max_total: str = ""
    markup: str = ""


@dataclass
class AccountOutcome:
    """What :meth:`AccountsArea.save` did. ``problems``: field id -> what is wrong (nothing was tested or
    saved); ``report``: the connection test (None when not tested); ``stored``: where the secrets went
    ("keyring", "vault", "session", "env" when they are read from the environment, None when the stored
    ones were kept)."""

    account: AccountConfig | None = None
    problems: dict[str, str] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)
    report: ConnectionReport | None = None
    saved: bool = False
    stored: str | None = None
    vault_created: Path | None = None
    abandoned: bool = False  # the form changed while testing: nothing saved, nothing to say

    @property
    def stored_text(self) -> str:
        if self.stored == "env" and self.account is not None:
            return f"its secrets are read from the environment ({', '.join(env_var_names(self.account.name))})"
        return _STORED.get(self.stored, f"the secrets are in {self.stored}")

    def lines(self) -> list[str]:
        """What happened, one sentence a line: the test's result, the vault, where the secrets went."""
        said = [self.report.text] if self.report is not None else []
        if self.vault_created is not None:
            said.append(f"Created the encrypted vault {self.vault_created} with {VAULT_ENV_VAR}.")
        if self.saved and self.account is not None:
            said.append(f"Saved {self.account.name}; {self.stored_text}.")
        elif not self.problems:
            said.append("Nothing was saved.")
        return said


class AccountsArea:
    """``services.accounts``: every change to the list of accounts and their secrets."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def secrets(self) -> SecretStore:
        return self.services.secrets

    # ------------------------------------------------------------ checking what was typed

    def taken_names(self, replacing: str | None = None) -> set[str]:
        return {a.name for a in self.services.config.accounts if a.name != replacing}

    def problems(self, typed: AccountInput, *, replacing: str | None = None) -> dict[str, str]:
        """Field id -> what is wrong with it, by the one set of rules (empty: all fine)."""
        checks = {
            "name": rules.check_name(typed.name, self.taken_names(replacing)),
            "api_url": rules.check_api_url(typed.api_url),
            "marketplace": rules.check_marketplace(typed.marketplace),
            "username": rules.check_username(typed.username),
            **{field_id: rule.check(getattr(typed, field_id)) for field_id, rule in rules.NUMBER_FIELDS.items()},
        }
        return {field_id: problem for field_id, problem in checks.items() if problem}

    @staticmethod
    def hints(typed: AccountInput) -> list[str]:
        """Soft warnings: allowed, but probably a mistake."""
        return [h for h in (rules.marketplace_hint(typed.marketplace), rules.username_hint(typed.username)) if h]

    def build(self, typed: AccountInput, *, replacing: str | None = None) -> AccountConfig:
        """The account the input describes; a :class:`ServiceError` naming the first problem if it is wrong."""
        problems = self.problems(typed, replacing=replacing)
        if problems:
            raise ServiceError(next(iter(problems.values())))
        previous = self.services.config.account(replacing) if replacing else None
        try:
            return AccountConfig(
                name=typed.name.strip(),
                api_url=typed.api_url.strip().rstrip("/"),
                marketplace=typed.marketplace.strip(),
                username=typed.username.strip(),
                read_only=typed.read_only,
                max_seats_per_order=rules.MAX_SEATS.parse(typed.max_seats),
                max_order_total=rules.MAX_TOTAL.parse(typed.max_total),
                markup_percent=rules.MARKUP.parse(typed.markup),
                # not on the form: kept from the account being edited (config.toml is where it is set)
                requests_per_second=previous.requests_per_second if previous is not None else None,
            )
        except ValidationError as exc:  # the rules above let nothing through that the model refuses
            raise ServiceError(describe_validation_error(exc)) from None

    # ------------------------------------------------------------ the flow

    async def test(self, account: AccountConfig, secrets: AccountSecrets) -> ConnectionReport:
        """Log in and read one customer page; say what happened in words."""
        async with self.services.new_client(account, secrets) as client:
            try:
                reseller = await client.get_reseller()
                _, total = await client.customers_page(limit=10)
            except ApiError as exc:
                return ConnectionReport(False, str(exc), error=exc)
        count = "an unknown number of" if total is None else f"{total:,}"
        noun = "customer" if total == 1 else "customers"
        return ConnectionReport(
            True,
            f"Connected to {reseller.name or 'the account'} on marketplace {account.marketplace}: {count} {noun}.",
            reseller=reseller.name,
            customers=total,
        )

    async def save(
        self,
        typed: AccountInput,
        secrets: AccountSecrets | None,
        *,
        replacing: str | None = None,
        test: bool = True,
        still_wanted: Callable[[], bool] | None = None,
    ) -> AccountOutcome:
        """Add an account (or edit ``replacing``): validate, test the connection (unless ``test`` is
        False: the caller just tested these values), save the config, then keep the secrets.

        ``secrets`` None keeps what is stored (or, for a new account, reads the environment). Headless
        (``services.headless``), secrets must outlive the run: a keyring, the vault opened or created with
        ``IMTUI_VAULT_PASSPHRASE``, or else nothing is saved. Nothing is written (no config, no vault)
        unless every step before succeeded. ``still_wanted`` is asked after the test: a form the user has
        left meanwhile is not saved (the outcome is ``abandoned``).
        """
        problems = self.problems(typed, replacing=replacing)
        if problems:
            return AccountOutcome(problems=problems)
        account = self.build(typed, replacing=replacing)
        outcome = AccountOutcome(account, hints=self.hints(typed))
        found = self.secrets.get(replacing or account.name) if secrets is None else None
        effective = secrets or (found.secrets if found else None)
        if effective is None:
            outcome.problems["password"] = "Type the password and the subscription key: none is stored for this account."
            return outcome
        create_vault_with = self._headless_home(account.name) if secrets is not None else None
        if test:
            outcome.report = await self.test(account, effective)
            if not outcome.report.ok:
                return outcome
        if still_wanted is not None and not still_wanted():
            outcome.abandoned = True
            return outcome
        if create_vault_with is not None:
            self.secrets.create_vault(create_vault_with)
            outcome.vault_created = self.services.paths.vault_file
        try:
            outcome.stored = self.put(account, secrets, replacing=replacing)
        except BaseException:
            if outcome.vault_created is not None:  # made for this account only: no vault without it
                self.secrets.lock_vault()
                with contextlib.suppress(OSError):
                    outcome.vault_created.unlink()
            raise
        if secrets is None and found is not None and found.source == "env" and replacing is None:
            outcome.stored = "env"
        outcome.saved = True
        return outcome

    def _headless_home(self, name: str) -> str | None:
        """Headless: where typed secrets will be kept. None if a keyring or an open vault takes them; the
        passphrase to create the vault with (after the test) if ``IMTUI_VAULT_PASSPHRASE`` is set and
        there is no vault yet; otherwise a :class:`ServiceError` saying what to do."""
        store = self.secrets
        if not self.services.headless or store.can_persist():
            return None
        password_var, key_var = env_var_names(name)
        instead = f"Set {password_var} and {key_var} instead"
        if store.vault_exists and store.vault_passphrase_in_env:
            raise ServiceError(
                f"{VAULT_ENV_VAR} does not open the vault {store.paths.vault_file}, so nothing was saved: "
                f"check the passphrase. {instead}, or add the account in the app (F1)."
            )
        if store.vault_exists:
            raise ServiceError(
                f"There is no OS keyring and the vault {store.paths.vault_file} is locked, so nothing was saved: "
                f"set {VAULT_ENV_VAR} to its passphrase. {instead}, or add the account in the app (F1)."
            )
        passphrase = store.vault_passphrase_from_env()
        if not passphrase:
            raise ServiceError(
                f"There is no OS keyring or unlocked vault to keep the secrets, so nothing was saved. {instead}, "
                f"or set {VAULT_ENV_VAR} to create or open an encrypted vault, or add the account in the app "
                "(F1) and create the vault there (ctrl+v)."
            )
        if len(passphrase) < VAULT_MIN_PASSPHRASE:
            raise ServiceError(
                f"{VAULT_ENV_VAR} is too short for a vault passphrase (at least {VAULT_MIN_PASSPHRASE} "
                "characters), so nothing was saved."
            )
        return passphrase

    def put(self, account: AccountConfig, secrets: AccountSecrets | None, *, replacing: str | None = None) -> str | None:
        """Add or replace an account in the config and keep its secrets (None: keep the stored ones, moved
        to the new name on a rename), without testing. Returns where the secrets went, or None if kept."""
        problem = rules.check_name(account.name, self.taken_names(replacing))
        if problem:
            raise ServiceError(problem)
        renamed = replacing is not None and replacing != account.name

        def change(config) -> None:
            at = next((i for i, a in enumerate(config.accounts) if a.name in {replacing, account.name}), None)
            if at is None:
                config.accounts.append(account)
            else:
                config.accounts[at] = account
            if renamed:
                config.mappings = [
                    m.model_copy(update={"account": account.name}) if m.account == replacing else m
                    for m in config.mappings
                ]

        self.services.change_config(change)  # the config first: if it cannot be written, no secret moves
        where = None
        if secrets is not None:
            where = self.secrets.set(account.name, secrets)
            if renamed:
                self.secrets.delete(replacing)
        elif renamed:
            where = self.secrets.rename(replacing, account.name)
        self.services.accounts_touched(account.name, replacing)
        return where

    def remove(self, name: str) -> int:
        """Remove an account, its mappings and its secrets everywhere. Returns how many mappings went."""

        def change(config) -> int:
            before = len(config.mappings)
            config.accounts = [a for a in config.accounts if a.name != name]
            config.mappings = [m for m in config.mappings if m.account != name]
            return before - len(config.mappings)

        removed = self.services.change_config(change)
        self.secrets.delete(name)
        self.services.accounts_touched(name)
        return removed

    # ------------------------------------------------------------ secrets

    def open_vault(self, passphrase: str, *, create: bool) -> int:
        """Create or unlock the vault; returns how many accounts' session-only secrets are now kept in it."""
        session = {a.name for a in self.services.config.accounts if self.secrets.where(a.name) == "session"}
        (self.secrets.create_vault if create else self.secrets.unlock_vault)(passphrase)
        for name in session:
            found = self.secrets.get(name)
            if found is not None and found.source == "session":
                self.secrets.set(name, found.secrets)
        return sum(1 for name in session if self.secrets.where(name) == "vault")

    def secrets_for(self, name: str) -> AccountSecrets:
        """The account's secrets, or a :class:`ServiceError` with advice that fits (the app's keys, or the
        environment variables of a headless run)."""
        found = self.secrets.get(name)
        if found is not None:
            return found.secrets
        raise ServiceError(self._missing(name))

    def _missing(self, name: str) -> str:
        store = self.secrets
        password_var, key_var = env_var_names(name)
        locked = store.vault_exists and not store.vault_unlocked
        if not self.services.headless:
            if locked:
                return f"The vault is locked, so the secrets of {name} cannot be read: press F1, then ctrl+v to unlock it."
            return (
                f"The password and subscription key of {name} are not stored anywhere imtui can read. "
                "Open the account and type them again."
            )
        env = f"set {password_var} and {key_var}"
        if locked and store.vault_passphrase_in_env:
            return (
                f"{VAULT_ENV_VAR} does not open the vault {store.paths.vault_file}, so the secrets of {name} "
                f"cannot be read: check the passphrase, or {env}."
            )
        if locked:
            return (
                f"The secrets of {name} may be in the vault {store.paths.vault_file}, which is locked: set "
                f"{VAULT_ENV_VAR} to its passphrase, or {env}."
            )
        half = store.env_vars_present(name)
        if half:
            missing = key_var if half == (password_var,) else password_var
            return f"{half[0]} is set but {missing} is not, and imtui stores no other value for {name}: set {missing}."
        return f"No password and subscription key are stored for {name}: {env}, or add the account again."
