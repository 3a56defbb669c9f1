"""Where each account's password and subscription key live.

Looked up in this order, and every answer says where it came from:

1. ``env``: ``IMTUI_<NAME>_PASSWORD`` and ``IMTUI_<NAME>_SUBSCRIPTION_KEY`` (both must be set), for
   headless runs. Read only: imtui never writes them.
2. ``keyring``: the OS keyring, but only a real one (Secret Service, macOS Keychain, Windows Credential
   Locker, KWallet). The fail/null backends and plaintext ones (``keyrings.alt``) are not used. Every
   keyring call is guarded: with no backend, ``keyring`` raises ``NoKeyringError`` even on reads.
3. ``vault``: an encrypted file (``vault.bin`` beside ``config.toml``) the user opts into with a
   passphrase: scrypt derives a key, Fernet (AES-128-CBC + HMAC-SHA256) seals the JSON. The passphrase
   comes through the API (the UI asks for it) or ``IMTUI_VAULT_PASSPHRASE``; never a terminal prompt.
4. ``session``: memory, until imtui closes, with a visible warning (:meth:`SecretStore.warning`).

Nothing here ever writes a secret in plaintext, logs one, or puts one in an exception message.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets as _random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from imtui.core.config import atomic_write
from imtui.core.paths import Paths

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

KEYRING_SERVICE = "imtui"
VAULT_ENV_VAR = "IMTUI_VAULT_PASSPHRASE"
VAULT_MAGIC = b"IMTUIVAULT1\n"
VAULT_SALT_BYTES = 16
VAULT_MIN_PASSPHRASE = 8
# scrypt cost: n = 2**15, r = 8, p = 1 (about 0.1 s and 32 MiB per derivation). Written into each vault
# file, so the cost can be raised later without breaking existing vaults.
SCRYPT_LOG2_N = 15
SCRYPT_R = 8
SCRYPT_P = 1

KEYRING_HELP = (
    "install or unlock a keyring (GNOME Keyring or KWallet through Secret Service, macOS Keychain, "
    "Windows Credential Locker)"
)


# ----------------------------------------------------------------------------------- errors


class SecretStoreError(Exception):
    """A problem storing or reading secrets. Its message never contains a secret."""


class VaultError(SecretStoreError):
    """The vault cannot be used (missing, damaged, already exists, locked...)."""


class VaultPassphraseError(VaultError):
    """The passphrase does not open the vault."""


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
    """Secrets found for an account, and where they were found."""

    secrets: AccountSecrets
    source: SecretSource
    detail: str = ""  # e.g. the env var names, or the keyring's name


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


# ------------------------------------------------------------------------- env and keyring


def env_var_names(account: str) -> tuple[str, str]:
    """``(IMTUI_<NAME>_PASSWORD, IMTUI_<NAME>_SUBSCRIPTION_KEY)``; NAME is the account name upper-cased
    with every character other than A-Z and 0-9 turned into ``_`` (``uk-main`` -> ``UK_MAIN``)."""
    token = re.sub(r"[^A-Z0-9]", "_", account.upper())
    return f"IMTUI_{token}_PASSWORD", f"IMTUI_{token}_SUBSCRIPTION_KEY"


def _keyring_usernames(account: str) -> tuple[str, str]:
    return f"{account}:password", f"{account}:subscription_key"


def _backend_ok(backend: Any) -> bool:
    if backend is None:
        return False
    if isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)):
        return False
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        try:
            inner = list(backend.backends)
        except Exception:
            return False
        # The chainer writes to its first backend: that one must be real.
        return bool(inner) and _backend_ok(inner[0])
    module = type(backend).__module__
    name = type(backend).__name__
    if module.startswith(("keyrings.alt", "keyrings.cryptfile")) or "plaintext" in name.lower():
        return False
    return isinstance(backend, keyring.backend.KeyringBackend) or all(
        hasattr(backend, method) for method in ("get_password", "set_password", "delete_password")
    )


def _default_backend() -> Any:
    try:
        return keyring.get_keyring()
    except Exception as exc:  # keyring's own setup can fail on odd systems
        log.warning("keyring could not choose a backend: %s", type(exc).__name__)
        return None


def keyring_usable(backend: Any = None) -> bool:
    """True if ``backend`` (default: keyring's active backend) is a real keyring imtui may use."""
    return _backend_ok(_default_backend() if backend is None else backend)


_KNOWN_BACKENDS = {
    ("keyring.backends.SecretService", "Keyring"): "Secret Service",
    ("keyring.backends.libsecret", "Keyring"): "Secret Service (libsecret)",
    ("keyring.backends.kwallet", "DBusKeyring"): "KWallet",
    ("keyring.backends.kwallet", "DBusKeyringKWallet4"): "KWallet",
    ("keyring.backends.macOS", "Keyring"): "macOS Keychain",
    ("keyring.backends.Windows", "WinVaultKeyring"): "Windows Credential Locker",
}


def describe_backend(backend: Any) -> str:
    """A short human name for a keyring backend, or "no keyring available"."""
    if not _backend_ok(backend):
        if backend is not None and not isinstance(
            backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring, keyring.backends.chainer.ChainerBackend)
        ):
            return f"no keyring available ({type(backend).__name__} keeps secrets unencrypted; imtui does not use it)"
        return "no keyring available"
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return describe_backend(list(backend.backends)[0])
    known = _KNOWN_BACKENDS.get((type(backend).__module__, type(backend).__name__))
    if known:
        return known
    try:
        return str(backend.name)
    except Exception:
        return type(backend).__name__


# ------------------------------------------------------------------------------------- vault


@dataclass
class _Vault:
    """An unlocked vault: the key, the file's header and the decrypted content."""

    path: Path
    header: bytes  # magic + cost + salt: identifies the key
    fernet: Fernet = field(repr=False)
    accounts: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)  # never in a repr or traceback
    stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the file when last read or written


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> Fernet:
    kdf = Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8"))))


def _split_vault(path: Path, blob: bytes) -> tuple[bytes, bytes, int, int, int, bytes]:
    """(header, salt, log2_n, r, p, token) of a vault file, or VaultError."""
    head = len(VAULT_MAGIC)
    header_len = head + 3 + VAULT_SALT_BYTES
    if not blob.startswith(VAULT_MAGIC) or len(blob) <= header_len:
        raise VaultError(f"{path} is not an imtui vault (or it is damaged); move it away to create a new one")
    log2_n, r, p = blob[head], blob[head + 1], blob[head + 2]
    if not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
        raise VaultError(f"{path} has unexpected encryption parameters; it is damaged or not from imtui")
    salt = blob[head + 3 : header_len]
    return blob[:header_len], salt, log2_n, r, p, blob[header_len:]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _decrypt(path: Path, fernet: Fernet, token: bytes) -> dict[str, dict[str, str]]:
    try:
        plain = fernet.decrypt(token)
    except InvalidToken:
        raise VaultPassphraseError(
            "The vault passphrase is wrong (or the vault file is damaged). Nothing was changed."
        ) from None
    try:
        content = json.loads(plain)
        accounts = content["accounts"]
        if not isinstance(accounts, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise VaultError(f"{path} opened but its content is not understood; it may be from a newer imtui") from None
    return {
        str(name): {"password": str(entry["password"]), "subscription_key": str(entry["subscription_key"])}
        for name, entry in accounts.items()
        if isinstance(entry, dict) and entry.get("password") and entry.get("subscription_key")
    }


# ------------------------------------------------------------------------------------- store


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
        self._use_keyring = use_keyring
        self._backend = keyring_backend if use_keyring else None
        self._backend_resolved = keyring_backend is not None or not use_keyring
        self._session: dict[str, AccountSecrets] = {}
        self._vault: _Vault | None = None
        self._env_unlock_tried = False
        self._notices: list[str] = []
        self._lock = threading.RLock()

    # -- keyring

    @property
    def backend(self) -> Any:
        """The keyring backend in use (chosen by keyring on first use, unless one was passed)."""
        if not self._backend_resolved:
            self._backend = _default_backend()
            self._backend_resolved = True
        return self._backend

    @property
    def keyring_usable(self) -> bool:
        return _backend_ok(self.backend)

    def backend_description(self) -> str:
        """E.g. "Secret Service", "macOS Keychain", "no keyring available"."""
        if not self._use_keyring:
            return "no keyring (not used here)"
        return describe_backend(self.backend)

    def _note(self, sentence: str) -> None:
        if sentence not in self._notices:
            self._notices.append(sentence)
        log.warning("%s", sentence)

    @property
    def notices(self) -> tuple[str, ...]:
        """Problems met so far (keyring failures, a wrong IMTUI_VAULT_PASSPHRASE...), in plain words."""
        return tuple(self._notices)

    def _keyring_failed(self, action: str, exc: BaseException, *hide: str) -> None:
        message = str(exc)
        for value in hide:
            if value:
                message = message.replace(value, "********")
        detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        self._note(f"The keyring ({self.backend_description()}) failed to {action}: {detail}")

    def _keyring_get(self, account: str) -> AccountSecrets | None:
        if not self.keyring_usable:
            return None
        user_pw, user_key = _keyring_usernames(account)
        try:
            password = self.backend.get_password(KEYRING_SERVICE, user_pw)
            key = self.backend.get_password(KEYRING_SERVICE, user_key)
        except Exception as exc:
            self._keyring_failed("read secrets", exc)
            return None
        if not password or not key:
            return None
        return AccountSecrets(password, key)

    def _keyring_set(self, account: str, value: AccountSecrets) -> bool:
        if not self.keyring_usable:
            return False
        user_pw, user_key = _keyring_usernames(account)
        try:
            self.backend.set_password(KEYRING_SERVICE, user_pw, value.password)
            self.backend.set_password(KEYRING_SERVICE, user_key, value.subscription_key)
        except Exception as exc:
            self._keyring_failed("store secrets", exc, value.password, value.subscription_key)
            self._keyring_delete(account, quiet=True)
            return False
        return True

    def _keyring_delete(self, account: str, quiet: bool = False) -> bool:
        if not self.keyring_usable:
            return False
        removed = False
        for username in _keyring_usernames(account):
            try:
                if self.backend.get_password(KEYRING_SERVICE, username) is None:
                    continue
                self.backend.delete_password(KEYRING_SERVICE, username)
                removed = True
            except Exception as exc:
                if not quiet:
                    self._keyring_failed("delete secrets", exc)
        return removed

    # -- env

    def _env_get(self, account: str) -> ResolvedSecrets | None:
        names = env_var_names(account)
        values = [self._env.get(name, "") for name in names]
        if all(values):
            return ResolvedSecrets(AccountSecrets(*values), "env", " and ".join(names))
        if any(values):
            missing = names[values.index("")]
            self._note(
                f"{missing} is not set, so the environment is not used for account {account!r} "
                "(both variables are needed)."
            )
        return None

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
            if not isinstance(passphrase, str) or len(passphrase) < VAULT_MIN_PASSPHRASE:
                raise VaultError(f"A vault passphrase needs at least {VAULT_MIN_PASSPHRASE} characters.")
            path = self.paths.vault_file
            if path.exists():
                raise VaultError(
                    f"A vault already exists at {path}: unlock it with its passphrase, or move the file "
                    "away to start a new one."
                )
            salt = _random.token_bytes(VAULT_SALT_BYTES)
            header = VAULT_MAGIC + bytes([SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P]) + salt
            vault = _Vault(path, header, _derive(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P))
            vault.accounts = {
                name: {"password": s.password, "subscription_key": s.subscription_key}
                for name, s in self._session.items()
            }
            self._vault_write(vault)
            self._vault = vault
            self._session.clear()

    def unlock_vault(self, passphrase: str) -> None:
        """Open the vault with ``passphrase``. :class:`VaultPassphraseError` if it is wrong."""
        with self._lock:
            path = self.paths.vault_file
            try:
                blob = path.read_bytes()
            except FileNotFoundError:
                raise VaultError(f"There is no vault at {path}; create one first.") from None
            except OSError as exc:
                raise VaultError(f"The vault {path} cannot be read ({exc.strerror or exc}).") from None
            header, salt, log2_n, r, p, token = _split_vault(path, blob)
            fernet = _derive(passphrase, salt, log2_n, r, p)
            accounts = _decrypt(path, fernet, token)
            self._vault = _Vault(path, header, fernet, accounts, _stamp(path))

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
            vault = self._require_vault()
            if not isinstance(new_passphrase, str) or len(new_passphrase) < VAULT_MIN_PASSPHRASE:
                raise VaultError(f"A vault passphrase needs at least {VAULT_MIN_PASSPHRASE} characters.")
            self._vault_refresh(vault)
            salt = _random.token_bytes(VAULT_SALT_BYTES)
            header = VAULT_MAGIC + bytes([SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P]) + salt
            fresh = _Vault(
                vault.path, header, _derive(new_passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P),
                dict(vault.accounts),
            )
            self._vault_write(fresh)
            self._vault = fresh

    def _require_vault(self) -> _Vault:
        if self._vault is None:
            raise VaultError("The vault is locked: unlock it with its passphrase first.")
        return self._vault

    def _vault_refresh(self, vault: _Vault) -> None:
        """Re-read the file if another imtui changed it since we read or wrote it."""
        stamp = _stamp(vault.path)
        if stamp == vault.stamp:
            return
        if stamp is None:
            raise VaultError(f"The vault file {vault.path} has disappeared; create a new vault.")
        blob = vault.path.read_bytes()
        header, _salt, _n, _r, _p, token = _split_vault(vault.path, blob)
        if header != vault.header:
            self._vault = None
            raise VaultError("The vault's passphrase was changed by another imtui: unlock it again.")
        vault.accounts = _decrypt(vault.path, vault.fernet, token)
        vault.stamp = stamp

    def _vault_write(self, vault: _Vault) -> None:
        content = json.dumps({"version": 1, "accounts": vault.accounts}, separators=(",", ":"))
        token = vault.fernet.encrypt(content.encode("utf-8"))
        vault.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(vault.path, vault.header + token, mode=0o600)
        vault.stamp = _stamp(vault.path)

    def _vault_get(self, account: str) -> AccountSecrets | None:
        vault = self._vault
        if vault is None:
            return None
        try:
            self._vault_refresh(vault)
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
            self._vault_refresh(vault)
            if value is None:
                if account not in vault.accounts:
                    return False
                vault.accounts.pop(account)
            else:
                vault.accounts[account] = {"password": value.password, "subscription_key": value.subscription_key}
            self._vault_write(vault)
        except (VaultError, OSError) as exc:
            reason = str(exc) if isinstance(exc, VaultError) else (exc.strerror or type(exc).__name__)
            self._note(f"The vault could not be written: {reason}")
            # Get back in step with the file next time.
            if self._vault is not None:
                self._vault.stamp = None
            return False
        return True

    # -- public API

    def get(self, account: str) -> ResolvedSecrets | None:
        """The account's secrets and their source, or None if imtui has none. Never raises for a missing
        or broken keyring."""
        with self._lock:
            found = self._env_get(account)
            if found:
                return found
            value = self._keyring_get(account)
            if value:
                return ResolvedSecrets(value, "keyring", self.backend_description())
            self._auto_unlock()
            value = self._vault_get(account)
            if value:
                return ResolvedSecrets(value, "vault", str(self.paths.vault_file))
            value = self._session.get(account)
            if value:
                return ResolvedSecrets(value, "session", "memory, until imtui closes")
            return None

    def where(self, account: str) -> SecretSource | None:
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
                if target == "keyring" and self._keyring_set(account, secrets):
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
        if keep != "keyring" and self._keyring_delete(account):
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
