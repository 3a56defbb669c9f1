"""The real path: SecretStore with keyring's default backend, on a working Secret Service.

Skipped unless one is running and unlocked. To run it on Linux without a desktop session:

    dbus-run-session -- sh -c 'echo -n pass | gnome-keyring-daemon --unlock --components=secrets;
                               python -m pytest tests/unit/test_secrets_real_keyring.py'
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import keyring
import keyring.core
import pytest

from imtui.core.paths import Paths
from imtui.core.secrets import AccountSecrets, SecretStore, keyring_usable


@pytest.fixture
def machine_keyring(monkeypatch: pytest.MonkeyPatch) -> Any:
    """keyring's own choice of backend for this machine, even if a fixture installed an in-memory one
    (restored after the test)."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    keyring.core.init_backend()
    return keyring.get_keyring()


def _secret_service_missing(backend: Any) -> str | None:
    """None if ``backend`` is a real, answering Secret Service keyring; else why not."""
    try:
        from keyring.backends import SecretService
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"keyring's Secret Service backend cannot be imported ({type(exc).__name__})"
    if not keyring_usable():
        return f"no real keyring is the default backend (it is {type(backend).__module__}.{type(backend).__name__})"
    backends = getattr(backend, "backends", [backend])
    if not any(isinstance(b, SecretService.Keyring) for b in backends):
        return f"the default keyring is not Secret Service (it is {type(backend).__name__})"
    try:
        backend.get_password("imtui-test-probe", "probe")
    except Exception as exc:
        return f"the Secret Service does not answer ({type(exc).__name__}); is a keyring daemon running and unlocked?"
    return None


def test_real_secret_service_round_trip(tmp_path: Path, machine_keyring: Any) -> None:
    missing = _secret_service_missing(machine_keyring)
    if missing and os.environ.get("IMTUI_REQUIRE_REAL_KEYRING"):
        pytest.fail(f"CI started a Secret Service for this test, but: {missing}")
    if missing:
        pytest.skip(f"needs a running Secret Service keyring: {missing}")

    account = f"imtui-test-{uuid.uuid4().hex[:8]}"
    secrets = AccountSecrets(f"pw-{uuid.uuid4().hex}", uuid.uuid4().hex)
    store = SecretStore(Paths.in_home(tmp_path), env={})  # keyring's default backend
    assert store.keyring_usable
    assert store.backend_description() == "Secret Service"
    try:
        assert store.set(account, secrets) == "keyring"
        assert keyring.get_password("imtui", f"{account}:password") == secrets.password
        again = SecretStore(Paths.in_home(tmp_path), env={}).get(account)
        assert again is not None and again.source == "keyring" and again.secrets == secrets
        assert store.delete(account).removed_from == ("keyring",)
        assert store.get(account) is None
        assert keyring.get_password("imtui", f"{account}:password") is None
    finally:
        for username in (f"{account}:password", f"{account}:subscription_key"):
            try:
                keyring.delete_password("imtui", username)
            except Exception:
                pass
    assert not any(tmp_path.iterdir())  # nothing written to disk
