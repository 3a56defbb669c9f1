"""Which keyring backends imtui trusts with secrets, and their names in words.

Only a real OS keyring: Secret Service (GNOME Keyring, KWallet), macOS Keychain, Windows Credential
Locker. The fail and null backends and plaintext ones (``keyrings.alt``) are never used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any


__all__ = ["KEYRING_HELP", "KEYRING_SERVICE", "KeyringAccess", "describe_backend", "keyring_usable"]

log = logging.getLogger("imtui.core.secrets")

KEYRING_SERVICE = "imtui"


def _keyring() -> Any:
    """The keyring package, imported on first use rather than when imtui starts (~30 ms)."""
    import keyring
    import keyring.backend
    import keyring.backends.chainer
    import keyring.backends.fail
    import keyring.backends.null

    return keyring
KEYRING_HELP = (
    "install or unlock a keyring (GNOME Keyring or KWallet through Secret Service, macOS Keychain, "
    "Windows Credential Locker)"
)


def keyring_usernames(account: str) -> tuple[str, str]:
    """The keyring entries (under service ``imtui``) of an account's password and subscription key."""
    return f"{account}:password", f"{account}:subscription_key"


def backend_ok(backend: Any) -> bool:
    """True for a real keyring imtui may use (a chainer counts if the backend it writes to is real)."""
    if backend is None:  # before importing keyring: the demo, which uses none, never loads it
        return False
    keyring = _keyring()
    if isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)):
        return False
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        try:
            inner = list(backend.backends)
        except Exception:
            return False
        # The chainer writes to its first backend: that one must be real.
        return bool(inner) and backend_ok(inner[0])
    module = type(backend).__module__
    name = type(backend).__name__
    if module.startswith(("keyrings.alt", "keyrings.cryptfile")) or "plaintext" in name.lower():
        return False
    return isinstance(backend, keyring.backend.KeyringBackend) or all(
        hasattr(backend, method) for method in ("get_password", "set_password", "delete_password")
    )


def default_backend() -> Any:
    """keyring's active backend, or None if keyring cannot choose one."""
    keyring = _keyring()
    try:
        return keyring.get_keyring()
    except Exception as exc:  # keyring's own setup can fail on odd systems
        log.warning("keyring could not choose a backend: %s", type(exc).__name__)
        return None


def keyring_usable(backend: Any = None) -> bool:
    """True if ``backend`` (default: keyring's active backend) is a real keyring imtui may use."""
    return backend_ok(default_backend() if backend is None else backend)


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
    keyring = _keyring()
    if not backend_ok(backend):
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


class KeyringAccess:
    """Guarded reads and writes of one app's keyring entries: every failure becomes a notice (through
    ``note``, secrets masked), never an exception. ``backend``: an instance to use instead of keyring's
    active one (tests pass an in-memory one); ``use``: False for no keyring at all (the demo)."""

    def __init__(self, backend: Any, use: bool, note: Callable[[str], None]) -> None:
        self._use = use
        self._backend = backend if use else None
        self._resolved = backend is not None or not use
        self._note = note

    @property
    def backend(self) -> Any:
        """The backend in use (chosen by keyring on first use, unless one was passed)."""
        if not self._resolved:
            self._backend = default_backend()
            self._resolved = True
        return self._backend

    @property
    def usable(self) -> bool:
        return backend_ok(self.backend)

    def description(self) -> str:
        """E.g. "Secret Service", "macOS Keychain", "no keyring available"."""
        if not self._use:
            return "no keyring (not used here)"
        return describe_backend(self.backend)

    def _failed(self, action: str, exc: BaseException, *hide: str) -> None:
        message = str(exc)
        for value in hide:
            if value:
                message = message.replace(value, "********")
        detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        self._note(f"The keyring ({self.description()}) failed to {action}: {detail}")

    def read(self, account: str) -> tuple[str | None, str | None]:
        """(password, subscription key) as the keyring holds them; either may be missing."""
        if not self.usable:
            return None, None
        user_pw, user_key = keyring_usernames(account)
        try:
            password = self.backend.get_password(KEYRING_SERVICE, user_pw)
            key = self.backend.get_password(KEYRING_SERVICE, user_key)
        except Exception as exc:
            self._failed("read secrets", exc)
            return None, None
        return password or None, key or None

    def write(self, account: str, password: str, key: str) -> bool:
        if not self.usable:
            return False
        user_pw, user_key = keyring_usernames(account)
        try:
            self.backend.set_password(KEYRING_SERVICE, user_pw, password)
            self.backend.set_password(KEYRING_SERVICE, user_key, key)
        except Exception as exc:
            self._failed("store secrets", exc, password, key)
            self.delete(account, quiet=True)
            return False
        return True

    def delete(self, account: str, quiet: bool = False) -> bool:
        if not self.usable:
            return False
        removed = False
        for username in keyring_usernames(account):
            try:
                if self.backend.get_password(KEYRING_SERVICE, username) is None:
                    continue
                self.backend.delete_password(KEYRING_SERVICE, username)
                removed = True
            except Exception as exc:
                if not quiet:
                    self._failed("delete secrets", exc)
        return removed

