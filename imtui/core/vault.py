"""imtui's encrypted vault: one file (``vault.bin`` beside ``config.toml``) holding account secrets.

The user opts in with a passphrase (asked in the UI, or ``IMTUI_VAULT_PASSPHRASE`` for headless runs;
never a terminal prompt). scrypt derives a key, Fernet (AES-128-CBC + HMAC-SHA256) seals the JSON. The
file starts with a magic line, the scrypt cost and the salt, so the cost can be raised later without
breaking existing vaults. Nothing here writes a secret in plaintext or puts one in a message.
"""

from __future__ import annotations

import base64
import json
import secrets as _random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from imtui.core.files import atomic_write

if TYPE_CHECKING:  # cryptography is imported when a vault is opened, not when imtui starts (~20 ms)
    from cryptography.fernet import Fernet

__all__ = [
    "VAULT_ENV_VAR",
    "VAULT_MAGIC",
    "VAULT_MIN_PASSPHRASE",
    "SecretStoreError",
    "Vault",
    "VaultError",
    "VaultPassphraseError",
]

VAULT_ENV_VAR = "IMTUI_VAULT_PASSPHRASE"
VAULT_MAGIC = b"IMTUIVAULT1\n"
VAULT_SALT_BYTES = 16
VAULT_MIN_PASSPHRASE = 8
# scrypt cost: n = 2**15, r = 8, p = 1 (about 0.1 s and 32 MiB per derivation). Written into each vault
# file, so the cost can be raised later without breaking existing vaults.
SCRYPT_LOG2_N = 15
SCRYPT_R = 8
SCRYPT_P = 1


class SecretStoreError(Exception):
    """A problem storing or reading secrets. Its message never contains a secret. (The base of the
    vault's errors too, so it lives here; :mod:`imtui.core.secrets` exports it.)"""


class VaultError(SecretStoreError):
    """The vault cannot be used (missing, damaged, already exists, locked...)."""


class VaultPassphraseError(VaultError):
    """The passphrase does not open the vault."""


class VaultRekeyedError(VaultError):
    """Another imtui changed the vault's passphrase: the key held here no longer opens it."""


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> Fernet:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    kdf = Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8"))))


def _check_passphrase(passphrase: str) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < VAULT_MIN_PASSPHRASE:
        raise VaultError(f"A vault passphrase needs at least {VAULT_MIN_PASSPHRASE} characters.")


def _new_key(passphrase: str) -> tuple[bytes, Fernet]:
    """(header, key) for a new vault file or a new passphrase: a fresh salt each time."""
    _check_passphrase(passphrase)
    salt = _random.token_bytes(VAULT_SALT_BYTES)
    header = VAULT_MAGIC + bytes([SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P]) + salt
    return header, _derive(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)


def _split(path: Path, blob: bytes) -> tuple[bytes, bytes, int, int, int, bytes]:
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
    from cryptography.fernet import InvalidToken

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


@dataclass
class Vault:
    """An unlocked vault: the key, the file's header and the decrypted content (never in a repr)."""

    path: Path
    header: bytes  # magic + cost + salt: identifies the key
    fernet: Fernet = field(repr=False)
    accounts: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the file when last read or written

    @classmethod
    def create(cls, path: Path, passphrase: str, accounts: dict[str, dict[str, str]]) -> Vault:
        """Write a new vault holding ``accounts``; VaultError if one exists or the passphrase is short."""
        _check_passphrase(passphrase)
        if path.exists():
            raise VaultError(
                f"A vault already exists at {path}: unlock it with its passphrase, or move the file "
                "away to start a new one."
            )
        header, fernet = _new_key(passphrase)
        vault = cls(path, header, fernet, dict(accounts))
        vault.write()
        return vault

    @classmethod
    def unlock(cls, path: Path, passphrase: str) -> Vault:
        """Open the vault file with ``passphrase``; :class:`VaultPassphraseError` if it is wrong."""
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise VaultError(f"There is no vault at {path}; create one first.") from None
        except OSError as exc:
            raise VaultError(f"The vault {path} cannot be read ({exc.strerror or exc}).") from None
        header, salt, log2_n, r, p, token = _split(path, blob)
        fernet = _derive(passphrase, salt, log2_n, r, p)
        return cls(path, header, fernet, _decrypt(path, fernet, token), _stamp(path))

    def with_passphrase(self, passphrase: str) -> Vault:
        """The same content under a new passphrase (and a new salt), written."""
        _check_passphrase(passphrase)
        self.refresh()
        header, fernet = _new_key(passphrase)
        fresh = Vault(self.path, header, fernet, dict(self.accounts))
        fresh.write()
        return fresh

    def refresh(self) -> None:
        """Re-read the file if another imtui changed it since it was read or written here."""
        stamp = _stamp(self.path)
        if stamp == self.stamp:
            return
        if stamp is None:
            raise VaultError(f"The vault file {self.path} has disappeared; create a new vault.")
        header, _salt, _n, _r, _p, token = _split(self.path, self.path.read_bytes())
        if header != self.header:
            raise VaultRekeyedError("The vault's passphrase was changed by another imtui: unlock it again.")
        self.accounts = _decrypt(self.path, self.fernet, token)
        self.stamp = stamp

    def write(self) -> None:
        content = json.dumps({"version": 1, "accounts": self.accounts}, separators=(",", ":"))
        token = self.fernet.encrypt(content.encode("utf-8"))
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(self.path, self.header + token, mode=0o600)
        self.stamp = _stamp(self.path)
