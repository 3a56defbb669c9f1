"""Fixtures that isolate every test from the machine: temporary config/data dirs, an in-memory keyring,
no NO_COLOR (it breaks every snapshot), and the in-process sandbox."""

from __future__ import annotations

import os

import keyring
import pytest

from tests.support import MemoryKeyring

os.environ.pop("NO_COLOR", None)


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    """No test touches the developer's own config, data or keyring, nor inherits IMTUI_* secrets."""
    home = tmp_path / "imtui-home"
    monkeypatch.setenv("IMTUI_HOME", str(home))
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name in list(os.environ):
        if name.startswith("IMTUI_") and name not in ("IMTUI_HOME", "IMTUI_REQUIRE_REAL_KEYRING"):
            monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every test gets a fresh in-memory keyring as the default one: nothing reaches a real keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def sandbox():
    """A fresh demo-size sandbox on a manual clock (tests advance it; nothing sleeps)."""
    from imtui.sandbox import Sandbox

    return Sandbox(seed=7)


@pytest.fixture
def make_services(tmp_path, sandbox, memory_keyring):
    """Services on a temporary config dir, talking to the in-process sandbox; ``accounts=True`` adds its accounts."""
    from imtui.core.config import AccountConfig
    from imtui.core.secrets import AccountSecrets
    from imtui.core.services import Services

    made = []

    def make(*, accounts: bool = True, home=None, keyring_backend=None):
        services = Services.open(
            home or tmp_path / "imtui-home", transport=sandbox.transport(), keyring_backend=keyring_backend or memory_keyring
        )
        if accounts and not services.config.accounts:
            for account in sandbox.accounts:
                services.accounts.put(
                    AccountConfig(
                        name=account.name, api_url=account.base_url, marketplace=account.marketplace, username=account.username
                    ),
                    AccountSecrets(password=account.password, subscription_key=account.subscription_key),
                )
        made.append(services)
        return services

    yield make
