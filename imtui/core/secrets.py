"""Where each account's password and subscription key live.

Each secret is looked up on its own, in this order, and every answer says where it came from:

1. ``env``: ``IMTUI_<NAME>_PASSWORD`` and ``IMTUI_<NAME>_SUBSCRIPTION_KEY``, for headless runs. Read only:
   imtui never writes them. One alone overrides that secret only: ``IMTUI_<NAME>_PASSWORD`` with the key
   in the vault uses the environment's password and the vault's key.
2. ``keyring``: the OS keyring, but only a real one (:mod:`imtui.core.keyring_backends`). Every keyring
   call is guarded: with no backend, ``keyring`` raises ``NoKeyringError`` even on reads.
3. ``vault``: the encrypted file the user opts into with a passphrase (:mod:`imtui.core.vault`).
4. ``session``: memory, until imtui closes, with a visible warning (:meth:`SecretStore.warning`).

Nothing here ever writes a secret in plaintext, logs one, or puts one in an exception message.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from imtui.core.keyring_backends import (
    KEYRING_HELP,
    KEYRING_SERVICE,
    KeyringAccess,
    describe_backend,
    keyring_usable,
)
from imtui.core.paths import Paths
from imtui.core.rules import env_token
from imtui.core.vault import (
    VAULT_ENV_VAR,
    VAULT_MAGIC,
    SecretStoreError,
    Vault,
    VaultError,
    VaultPassphraseError,
    VaultRekeyedError,
)

__all__ = [
    "KEYRING_SERVICE",
    "VAULT_ENV_VAR",
    "VAULT_MAGIC",
    "AccountSecrets",
    "DeleteResult",
    "ResolvedSecrets",
    "SecretSource",
    "SecretStore",
    "SecretStoreError",
    "VaultError",
    "VaultPassphraseError",
    "describe_backend",
    "env_var_names",
    "keyring_usable",
]

log = logging.getLogger(__name__)

SecretSource = Literal["env", "keyring", "vault", "session"]
WRITABLE_SOURCES: tuple[SecretSource, ...] = ("keyring", "vault", "session")


# ---------------------------------------------------------------------------------- values


@dataclass(frozen=True, repr=False)
class AccountSecrets:
    """An account's password and subscription key. Never shown by repr() or str()."""

    password: str
    subscription_key: str

    def __post_init__(self) -> None:
        for name in ("password", "subscription_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"the {name.replace('_', ' ')} must be a non-empty string")

    def __repr__(self) -> str:
        return "AccountSecrets(password='********', subscription_key='********')"

    __str__ = __repr__


@dataclass(frozen=True)
class ResolvedSecrets:
    """Secrets found for an account, and where they were found.

    Each secret is looked up on its own, so the two may come from different places: then ``source`` is
    ``"<password's source>+<key's source>"`` (e.g. ``"env+vault"``: the password from
    ``IMTUI_<NAME>_PASSWORD``, the key from the vault), otherwise one of env, keyring, vault, session.
    """

    secrets: AccountSecrets
    source: str
    detail: str = ""  # e.g. the env var names, or the keyring's name
    password_source: SecretSource | None = None
    key_source: SecretSource | None = None


@dataclass(frozen=True)
class DeleteResult:
    """What :meth:`SecretStore.delete` removed, and what it could not."""

    account: str
    removed_from: tuple[SecretSource, ...]
    env_vars: tuple[str, ...] = ()  # environment variables that still hold this account's secrets
    vault_locked: bool = False  # a vault exists but is locked: a copy in it could not be removed

    @property
    def message(self) -> str:
        words = {"keyring": "the keyring", "vault": "the vault", "session": "this session's memory"}
        if self.removed_from:
            places = [words[s] for s in self.removed_from]
            joined = places[0] if len(places) == 1 else ", ".join(places[:-1]) + " and " + places[-1]
            parts = [f"Removed the secrets of account {self.account!r} from {joined}."]
        else:
            parts = [f"imtui had no stored secrets for account {self.account!r}."]
        if self.vault_locked:
            parts.append("The vault is locked, so a copy in it (if any) was not removed: unlock it and delete again.")
        if self.env_vars:
            parts.append(
                f"The environment variable{'s' if len(self.env_vars) > 1 else ''} "
                f"{' and '.join(self.env_vars)} {'are' if len(self.env_vars) > 1 else 'is'} still set and "
                "imtui cannot remove them: unset them where they are defined."
            )
        return " ".join(parts)

    def __str__(self) -> str:
        return self.message


def env_var_names(account: str) -> tuple[str, str]:
    """``(IMTUI_<NAME>_PASSWORD, IMTUI_<NAME>_SUBSCRIPTION_KEY)``; NAME is :func:`imtui.core.rules.env_token`
    of the account name (``uk-main`` -> ``UK_MAIN``)."""
    token = env_token(account)
    return f"IMTUI_{token}_PASSWORD", f"IMTUI_{token}_SUBSCRIPTION_KEY"


class SecretStore:
    """Finds and keeps account secrets. One per app; safe to call from worker threads.

    ``keyring_backend``: a keyring backend instance to use instead of keyring's active one (tests pass an
    in-memory one). It is used if it is a real keyring (not fail/null/plaintext).
    ``env``: the environment to read (default ``os.environ``).
    ``use_keyring``: False to use no keyring at all (the demo, which must not touch the user's keyring).
    """

    def __init__(
        self,
        paths: Paths,
        keyring_backend: Any = None,
        env: Mapping[str, str] | None = None,
        *,
        use_keyring: bool = True,
    ):
        self.paths = paths
        self._env = os.environ if env is None else env
        self._keyring = KeyringAccess(keyring_backend, use_keyring, self._note)
        self._session: dict[str, AccountSecrets] = {}
        self._vault: Vault | None = None
        self._env_unlock_tried = False
        self._notices: list[str] = []
        self._lock = threading.RLock()

    # -- keyring

    @property
    def backend(self) -> Any:
        """The keyring backend in use (chosen by keyring on first use, unless one was passed)."""
        return self._keyring.backend

    @property
    def keyring_usable(self) -> bool:
        return self._keyring.usable

    def backend_description(self) -> str:
        """E.g. "Secret Service", "macOS Keychain", "no keyring available"."""
        return self._keyring.description()

    def _note(self, sentence: str) -> None:
        if sentence not in self._notices:
            self._notices.append(sentence)
        log.warning("%s", sentence)

    @property
    def notices(self) -> tuple[str, ...]:
        """Problems met so far (keyring failures, a wrong IMTUI_VAULT_PASSPHRASE...), in plain words."""
        return tuple(self._notices)

    def _keyring_get(self, account: str) -> AccountSecrets | None:
        password, key = self._keyring.read(account)
        return AccountSecrets(password, key) if password and key else None

    # -- env

    def env_vars_present(self, account: str) -> tuple[str, ...]:
        """Which of the account's environment variables are set."""
        return tuple(name for name in env_var_names(account) if self._env.get(name))

    # -- vault

    @property
    def vault_exists(self) -> bool:
        """True if the vault file exists (locked or not)."""
        return self.paths.vault_file.exists()

    @property
    def vault_unlocked(self) -> bool:
        return self._vault is not None

    def create_vault(self, passphrase: str) -> None:
        """Create the encrypted vault and unlock it. Secrets held only in this session move into it.

        Raises :class:`VaultError` if a vault already exists or the passphrase is too short.
        """
        with self._lock:
            accounts = {
                name: {"password": s.password, "subscription_key": s.subscription_key}
                for name, s in self._session.items()
            }
            self._vault = Vault.create(self.paths.vault_file, passphrase, accounts)
            self._session.clear()

    def unlock_vault(self, passphrase: str) -> None:
        """Open the vault with ``passphrase``. :class:`VaultPassphraseError` if it is wrong."""
        with self._lock:
            self._vault = Vault.unlock(self.paths.vault_file, passphrase)

    @property
    def vault_passphrase_in_env(self) -> bool:
        """True if ``IMTUI_VAULT_PASSPHRASE`` is set (whether or not it opens the vault)."""
        return bool(self._env.get(VAULT_ENV_VAR))

    def vault_passphrase_from_env(self) -> str:
        """``IMTUI_VAULT_PASSPHRASE`` ("" if unset): what a headless run creates or opens the vault with."""
        return self._env.get(VAULT_ENV_VAR, "")

    def unlock_vault_from_env(self) -> bool:
        """Unlock with ``IMTUI_VAULT_PASSPHRASE`` if it is set and a vault exists (for headless runs).

        Returns True if the vault is unlocked afterwards. Raises :class:`VaultPassphraseError` if the
        variable holds the wrong passphrase.
        """
        with self._lock:
            self._env_unlock_tried = True
            if self._vault is not None:
                return True
            passphrase = self._env.get(VAULT_ENV_VAR, "")
            if not passphrase or not self.vault_exists:
                return False
            try:
                self.unlock_vault(passphrase)
            except VaultPassphraseError:
                raise VaultPassphraseError(
                    f"The vault passphrase is wrong: {VAULT_ENV_VAR} does not open {self.paths.vault_file}."
                ) from None
            return True

    def _auto_unlock(self) -> None:
        if self._vault is None and not self._env_unlock_tried and self._env.get(VAULT_ENV_VAR):
            try:
                self.unlock_vault_from_env()
            except VaultError as exc:
                self._note(str(exc))

    def lock_vault(self) -> None:
        """Forget the vault's key and content (the file stays)."""
        with self._lock:
            self._vault = None

    def change_vault_passphrase(self, new_passphrase: str) -> None:
        """Re-encrypt the unlocked vault with a new passphrase (and a new salt)."""
        with self._lock:
            if self._vault is None:
                raise VaultError("The vault is locked: unlock it with its passphrase first.")
            self._vault = self._refreshed(self._vault).with_passphrase(new_passphrase)

    def _refreshed(self, vault: Vault) -> Vault:
        """``vault`` re-read if another imtui changed it; locked here if its passphrase changed there."""
        try:
            vault.refresh()
        except VaultRekeyedError:
            self._vault = None
            raise
        return vault

    def _vault_get(self, account: str) -> AccountSecrets | None:
        vault = self._vault
        if vault is None:
            return None
        try:
            self._refreshed(vault)
        except (VaultError, OSError) as exc:
            self._note(f"The vault could not be re-read ({exc}); using the copy read earlier.")
        entry = vault.accounts.get(account)
        return AccountSecrets(entry["password"], entry["subscription_key"]) if entry else None

    def _vault_change(self, account: str, value: AccountSecrets | None) -> bool:
        """Put (or with None, remove) an account in the vault. True if the file changed."""
        vault = self._vault
        if vault is None:
            return False
        try:
            self._refreshed(vault)
            if value is None:
                if account not in vault.accounts:
                    return False
                vault.accounts.pop(account)
            else:
                vault.accounts[account] = {"password": value.password, "subscription_key": value.subscription_key}
            vault.write()
        except (VaultError, OSError) as exc:
            reason = str(exc) if isinstance(exc, VaultError) else (exc.strerror or type(exc).__name__)
            self._note(f"The vault could not be written: {reason}")
            # Get back in step with the file next time.
            if self._vault is not None:
                self._vault.stamp = None
            return False
        return True

    # -- public API

    def _places(self, account: str) -> Iterator[tuple[SecretSource, str | None, str | None, str]]:
        """(source, password, key, detail) of each place in lookup order, read only when asked for."""
        names = env_var_names(account)
        yield "env", self._env.get(names[0]) or None, self._env.get(names[1]) or None, " and ".join(names)
        password, key = self._keyring.read(account)
        yield "keyring", password, key, self.backend_description()
        self._auto_unlock()
        value = self._vault_get(account)
        yield "vault", value and value.password, value and value.subscription_key, str(self.paths.vault_file)
        value = self._session.get(account)
        yield "session", value and value.password, value and value.subscription_key, "memory, until imtui closes"

    def get(self, account: str) -> ResolvedSecrets | None:
        """The account's secrets and where they came from, or None if imtui lacks either of them. Each
        secret is taken from the first place that has it. Never raises for a missing or broken keyring."""
        with self._lock:
            password: tuple[str, SecretSource, str] | None = None
            key: tuple[str, SecretSource, str] | None = None
            for source, found_password, found_key, detail in self._places(account):
                if password is None and found_password:
                    password = (found_password, source, detail)
                if key is None and found_key:
                    key = (found_key, source, detail)
                if password and key:
                    break
            if password is None or key is None:
                self._note_half_env(account, have_password=password is not None, have_key=key is not None)
                return None
            if password[1] == key[1]:
                source, detail = password[1], password[2]
            else:
                source = f"{password[1]}+{key[1]}"
                detail = f"password from {password[2]}; subscription key from {key[2]}"
            return ResolvedSecrets(AccountSecrets(password[0], key[0]), source, detail, password[1], key[1])

    def _note_half_env(self, account: str, *, have_password: bool, have_key: bool) -> None:
        """One of the two variables is set but the other secret is nowhere: say which is missing."""
        names = env_var_names(account)
        if have_password != have_key and any(self._env.get(name) for name in names):
            missing = names[1] if have_password else names[0]
            what = "subscription key" if have_password else "password"
            self._note(
                f"{missing} is not set and no {what} of account {account!r} is stored elsewhere, so the "
                "environment alone cannot be used (both secrets are needed)."
            )

    def where(self, account: str) -> str | None:
        """Where the secrets :meth:`get` would return come from, or None."""
        found = self.get(account)
        return found.source if found else None

    def set(self, account: str, secrets: AccountSecrets, prefer: str | None = None) -> SecretSource:
        """Keep ``secrets`` for ``account`` and return where: the keyring if usable, else the vault if
        unlocked, else this session's memory. ``prefer`` ("keyring", "vault" or "session") is tried first.
        Copies in the other places are removed, so there is one copy. Never writes env or plaintext.
        """
        if not isinstance(secrets, AccountSecrets):
            raise TypeError("secrets must be an AccountSecrets")
        if not account:
            raise ValueError("an account name is needed")
        if prefer == "env":
            raise ValueError(
                "imtui never writes environment variables; set "
                f"{' and '.join(env_var_names(account))} yourself where imtui is started"
            )
        if prefer is not None and prefer not in WRITABLE_SOURCES:
            raise ValueError(f"prefer must be one of {', '.join(WRITABLE_SOURCES)}")
        order: list[SecretSource] = list(WRITABLE_SOURCES)
        if prefer is not None:
            order.remove(prefer)  # type: ignore[arg-type]
            order.insert(0, prefer)  # type: ignore[arg-type]
        with self._lock:
            self._auto_unlock()
            stored: SecretSource = "session"
            for target in order:
                if target == "keyring" and self._keyring.write(account, secrets.password, secrets.subscription_key):
                    stored = "keyring"
                    break
                if target == "vault" and self._vault_change(account, secrets):
                    stored = "vault"
                    break
                if target == "session":
                    self._session[account] = secrets
                    stored = "session"
                    break
            self._remove_elsewhere(account, keep=stored)
            if stored == "session":
                log.warning("secrets of account %r are kept for this session only", account)
            return stored

    def _remove_elsewhere(self, account: str, keep: SecretSource | None) -> list[SecretSource]:
        removed: list[SecretSource] = []
        if keep != "keyring" and self._keyring.delete(account):
            removed.append("keyring")
        if keep != "vault" and self._vault_change(account, None):
            removed.append("vault")
        if keep != "session" and self._session.pop(account, None) is not None:
            removed.append("session")
        return removed

    def delete(self, account: str) -> DeleteResult:
        """Remove the account's secrets from the keyring, the vault and this session. Environment
        variables cannot be removed: the result names any that are still set."""
        with self._lock:
            self._auto_unlock()
            removed = self._remove_elsewhere(account, keep=None)
            return DeleteResult(
                account=account,
                removed_from=tuple(removed),
                env_vars=self.env_vars_present(account),
                vault_locked=self.vault_exists and self._vault is None,
            )

    def rename(self, old: str, new: str) -> SecretSource | None:
        """Move stored secrets from account ``old`` to ``new`` (same place). Returns where they are now,
        or None if nothing was stored. Environment variables are not renamed."""
        with self._lock:
            self._auto_unlock()
            for source, value in (
                ("keyring", self._keyring_get(old)),
                ("vault", self._vault_get(old)),
                ("session", self._session.get(old)),
            ):
                if value is not None:
                    stored = self.set(new, value, prefer=source)
                    self._remove_elsewhere(old, keep=None)
                    return stored
            return None

    def can_persist(self) -> bool:
        """True if :meth:`set` would keep secrets beyond this session (usable keyring or unlocked vault)."""
        with self._lock:
            self._auto_unlock()
            return self.keyring_usable or self._vault is not None

    def warning(self) -> str | None:
        """A sentence to show when secrets can only be kept until imtui closes; None when they can be
        kept (a usable keyring, or an unlocked vault)."""
        if self.can_persist():
            return None
        if self.vault_exists:
            keep = (
                f"unlock the vault ({self.paths.vault_file}) with its passphrase, {KEYRING_HELP}, "
                "or set IMTUI_<ACCOUNT>_PASSWORD and IMTUI_<ACCOUNT>_SUBSCRIPTION_KEY"
            )
            why = "no keyring is available and the vault is locked"
        else:
            keep = (
                f"{KEYRING_HELP}, create imtui's encrypted vault with a passphrase, or set "
                "IMTUI_<ACCOUNT>_PASSWORD and IMTUI_<ACCOUNT>_SUBSCRIPTION_KEY"
            )
            why = "no keyring is available"
        return (
            f"Passwords and subscription keys are kept only until imtui closes: {why}. "
            f"To keep them, {keep}."
        )
