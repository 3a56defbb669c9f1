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
        if name.startswith("IMTUI_") and name != "IMTUI_HOME":
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
