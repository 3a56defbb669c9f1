"""Secrets: env, keyring (in-memory and failing backends), the encrypted vault, session memory."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from imtui.core.paths import Paths
from imtui.core.secrets import (
    VAULT_MAGIC,
    AccountSecrets,
    SecretStore,
    VaultError,
    VaultPassphraseError,
    env_var_names,
    keyring_usable,
)

from tests.support import MemoryKeyring  # noqa: E402

PASSWORD = "pw-Zq8!correct-horse"
KEY = "0123456789abcdef0123456789abcdef"
SECRETS = AccountSecrets(PASSWORD, KEY)
PASSPHRASE = "a long vault passphrase"


class BrokenKeyring(MemoryKeyring):
    """Looks real, but every call fails (a locked keyring, a dead D-Bus...)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"cannot store {password}")  # a careless backend

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("locked")


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.in_home(tmp_path)


def no_keyring_store(paths: Paths, env: dict[str, str] | None = None) -> SecretStore:
    return SecretStore(paths, keyring_backend=keyring.backends.fail.Keyring(), env=env or {})


# ----------------------------------------------------------------------------------- values


def test_repr_never_shows_secrets() -> None:
    for text in (repr(SECRETS), str(SECRETS), f"{SECRETS}", f"{SECRETS!r}"):
        assert PASSWORD not in text and KEY not in text
    assert SECRETS.password == PASSWORD and SECRETS.subscription_key == KEY
    with pytest.raises(ValueError):
        AccountSecrets("", KEY)


def test_resolved_repr_never_shows_secrets(paths: Paths) -> None:
    store = no_keyring_store(paths)
    store.set("uk-main", SECRETS)
    resolved = store.get("uk-main")
    assert PASSWORD not in repr(resolved) and KEY not in repr(resolved)


# -------------------------------------------------------------------------------------- env


def test_env_var_name_mangling() -> None:
    assert env_var_names("uk-main") == ("IMTUI_UK_MAIN_PASSWORD", "IMTUI_UK_MAIN_SUBSCRIPTION_KEY")
    assert env_var_names("de.sub_2") == ("IMTUI_DE_SUB_2_PASSWORD", "IMTUI_DE_SUB_2_SUBSCRIPTION_KEY")


def test_env_account_names_match_config_uniqueness_rule() -> None:
    from imtui.core.rules import env_token

    for name in ("uk-main", "de.sub_2", "US"):
        assert env_var_names(name)[0] == f"IMTUI_{env_token(name)}_PASSWORD"


def test_env_lookup_wins_and_is_never_written(paths: Paths) -> None:
    env = {"IMTUI_UK_MAIN_PASSWORD": "env-pw", "IMTUI_UK_MAIN_SUBSCRIPTION_KEY": "env-key"}
    memory = MemoryKeyring()
    store = SecretStore(paths, keyring_backend=memory, env=env)
    store.set("uk-main", SECRETS)
    found = store.get("uk-main")
    assert found is not None and found.source == "env"
    assert found.secrets == AccountSecrets("env-pw", "env-key")
    assert "IMTUI_UK_MAIN_PASSWORD" in found.detail
    assert env == {"IMTUI_UK_MAIN_PASSWORD": "env-pw", "IMTUI_UK_MAIN_SUBSCRIPTION_KEY": "env-key"}
    with pytest.raises(ValueError, match="never writes environment variables"):
        store.set("uk-main", SECRETS, prefer="env")


def test_env_needs_both_variables(paths: Paths) -> None:
    store = no_keyring_store(paths, env={"IMTUI_UK_MAIN_PASSWORD": "env-pw"})
    assert store.get("uk-main") is None
    assert any("IMTUI_UK_MAIN_SUBSCRIPTION_KEY is not set" in n for n in store.notices)


# ---------------------------------------------------------------------------------- keyring


def test_memory_keyring_round_trip_and_delete(paths: Paths) -> None:
    memory = MemoryKeyring()
    store = SecretStore(paths, keyring_backend=memory, env={})
    assert store.keyring_usable
    assert store.warning() is None
    assert store.set("uk-main", SECRETS) == "keyring"
    assert memory.items[("imtui", "uk-main:password")] == PASSWORD
    assert memory.items[("imtui", "uk-main:subscription_key")] == KEY
    found = store.get("uk-main")
    assert found is not None and found.source == "keyring" and found.secrets == SECRETS
    # a new store (a new imtui) finds it too
    assert SecretStore(paths, keyring_backend=memory, env={}).where("uk-main") == "keyring"

    result = store.delete("uk-main")
    assert result.removed_from == ("keyring",)
    assert memory.items == {}
    assert store.get("uk-main") is None
    assert not paths.vault_file.exists()


def test_fail_backend_is_not_usable(paths: Paths) -> None:
    fail = keyring.backends.fail.Keyring()
    assert not keyring_usable(fail)
    assert not keyring_usable(keyring.backends.null.Keyring())
    assert keyring_usable(MemoryKeyring())
    store = no_keyring_store(paths)
    assert store.backend_description() == "no keyring available"
    assert store.get("uk-main") is None  # no NoKeyringError
    assert store.set("uk-main", SECRETS) == "session"
    assert store.where("uk-main") == "session"
    warning = store.warning()
    assert warning is not None
    assert "only until imtui closes" in warning
    assert "keyring" in warning and "vault" in warning and "IMTUI_<ACCOUNT>_PASSWORD" in warning
    # memory only: nothing on disk
    assert not paths.config_dir.exists() or not any(paths.config_dir.iterdir())


def test_plaintext_backends_are_not_usable() -> None:
    PlaintextKeyring = type(
        "PlaintextKeyring", (MemoryKeyring,), {"__module__": "keyrings.alt.file"}
    )
    assert not keyring_usable(PlaintextKeyring())


def test_default_backend_with_no_keyring_does_not_raise(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a machine without a keyring looks like: keyring raises NoKeyringError on every call."""
    fail = keyring.backends.fail.Keyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail)
    with pytest.raises(keyring.errors.NoKeyringError):
        fail.get_password("imtui", "x")
    store = SecretStore(paths, env={})
    assert not keyring_usable()
    assert store.get("uk-main") is None
    assert store.set("uk-main", SECRETS) == "session"
    assert store.delete("uk-main").removed_from == ("session",)


def test_broken_keyring_falls_back_without_leaking(paths: Paths, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = SecretStore(paths, keyring_backend=BrokenKeyring(), env={})
    assert store.keyring_usable  # it looks real...
    assert store.get("uk-main") is None  # ...but reads fail quietly
    assert store.set("uk-main", SECRETS) == "session"
    assert store.get("uk-main").source == "session"
    assert any("failed to store secrets" in n for n in store.notices)
    everything = " ".join(store.notices) + caplog.text
    assert PASSWORD not in everything and KEY not in everything


def test_prefer_session_removes_keyring_copy(paths: Paths) -> None:
    memory = MemoryKeyring()
    store = SecretStore(paths, keyring_backend=memory, env={})
    store.set("uk-main", SECRETS)
    assert store.set("uk-main", SECRETS, prefer="session") == "session"
    assert memory.items == {}
    assert store.where("uk-main") == "session"


# ------------------------------------------------------------------------------------ vault


def test_vault_create_unlock_and_survive_a_new_store(paths: Paths) -> None:
    store = no_keyring_store(paths)
    assert not store.vault_exists
    store.create_vault(PASSPHRASE)
    assert store.vault_unlocked and store.warning() is None
    assert store.set("uk-main", SECRETS) == "vault"

    blob = paths.vault_file.read_bytes()
    assert blob.startswith(VAULT_MAGIC)
    for secret in (PASSWORD, KEY, "uk-main", "password"):
        assert secret.encode() not in blob

    later = no_keyring_store(paths)
    assert later.get("uk-main") is None  # locked
    assert "unlock the vault" in later.warning()
    later.unlock_vault(PASSPHRASE)
    found = later.get("uk-main")
    assert found is not None and found.source == "vault" and found.secrets == SECRETS


def test_vault_wrong_passphrase(paths: Paths) -> None:
    no_keyring_store(paths).create_vault(PASSPHRASE)
    before = paths.vault_file.read_bytes()
    store = no_keyring_store(paths)
    with pytest.raises(VaultPassphraseError, match="The vault passphrase is wrong"):
        store.unlock_vault("not the passphrase")
    assert not store.vault_unlocked
    assert paths.vault_file.read_bytes() == before


def test_vault_errors_are_clear(paths: Paths) -> None:
    store = no_keyring_store(paths)
    with pytest.raises(VaultError, match="no vault"):
        store.unlock_vault(PASSPHRASE)
    with pytest.raises(VaultError, match="at least 8"):
        store.create_vault("short")
    store.create_vault(PASSPHRASE)
    with pytest.raises(VaultError, match="already exists"):
        no_keyring_store(paths).create_vault(PASSPHRASE)
    paths.vault_file.write_bytes(b"hello")
    with pytest.raises(VaultError, match="not an imtui vault"):
        no_keyring_store(paths).unlock_vault(PASSPHRASE)


def test_vault_permissions(paths: Paths) -> None:
    import os

    if os.name == "nt":
        pytest.skip("POSIX permissions")
    no_keyring_store(paths).create_vault(PASSPHRASE)
    assert paths.vault_file.stat().st_mode & 0o777 == 0o600


def test_creating_a_vault_keeps_session_secrets(paths: Paths) -> None:
    store = no_keyring_store(paths)
    assert store.set("uk-main", SECRETS) == "session"
    store.create_vault(PASSPHRASE)
    assert store.where("uk-main") == "vault"


def test_headless_unlock_from_env(paths: Paths) -> None:
    store = no_keyring_store(paths)
    store.create_vault(PASSPHRASE)
    store.set("uk-main", SECRETS)

    headless = no_keyring_store(paths, env={"IMTUI_VAULT_PASSPHRASE": PASSPHRASE})
    found = headless.get("uk-main")
    assert found is not None and found.source == "vault" and found.secrets == SECRETS

    wrong = no_keyring_store(paths, env={"IMTUI_VAULT_PASSPHRASE": "wrong passphrase"})
    assert wrong.get("uk-main") is None  # get() does not raise...
    assert any("IMTUI_VAULT_PASSPHRASE" in n for n in wrong.notices)  # ...but says why
    with pytest.raises(VaultPassphraseError):
        no_keyring_store(paths, env={"IMTUI_VAULT_PASSPHRASE": "wrong passphrase"}).unlock_vault_from_env()


def test_two_stores_share_the_vault(paths: Paths) -> None:
    first = no_keyring_store(paths)
    first.create_vault(PASSPHRASE)
    second = no_keyring_store(paths)
    second.unlock_vault(PASSPHRASE)
    first.set("a", SECRETS)
    second.set("b", AccountSecrets("pw-b", "key-b"))  # must not drop "a"
    third = no_keyring_store(paths)
    third.unlock_vault(PASSPHRASE)
    assert third.where("a") == "vault" and third.where("b") == "vault"


def test_change_passphrase(paths: Paths) -> None:
    store = no_keyring_store(paths)
    store.create_vault(PASSPHRASE)
    store.set("uk-main", SECRETS)
    store.change_vault_passphrase("another passphrase")
    with pytest.raises(VaultPassphraseError):
        no_keyring_store(paths).unlock_vault(PASSPHRASE)
    fresh = no_keyring_store(paths)
    fresh.unlock_vault("another passphrase")
    assert fresh.get("uk-main").secrets == SECRETS


def test_keyring_preferred_over_vault_and_single_copy(paths: Paths) -> None:
    memory = MemoryKeyring()
    store = SecretStore(paths, keyring_backend=memory, env={})
    store.create_vault(PASSPHRASE)
    assert store.set("uk-main", SECRETS, prefer="vault") == "vault"
    assert store.set("uk-main", SECRETS) == "keyring"  # default: keyring first
    reopened = SecretStore(paths, keyring_backend=keyring.backends.fail.Keyring(), env={})
    reopened.unlock_vault(PASSPHRASE)
    assert reopened.get("uk-main") is None  # the vault copy was removed


# ----------------------------------------------------------------------------- delete, rename


def test_delete_removes_everywhere_and_reports_env(paths: Paths) -> None:
    memory = MemoryKeyring()
    env = {"IMTUI_UK_MAIN_PASSWORD": "env-pw"}
    store = SecretStore(paths, keyring_backend=memory, env=env)
    store.create_vault(PASSPHRASE)
    store.set("uk-main", SECRETS, prefer="vault")
    memory.set_password("imtui", "uk-main:password", "stale")  # a stray copy
    store._session["uk-main"] = SECRETS  # and one in memory

    result = store.delete("uk-main")
    assert set(result.removed_from) == {"keyring", "vault", "session"}
    assert result.env_vars == ("IMTUI_UK_MAIN_PASSWORD",)
    assert "IMTUI_UK_MAIN_PASSWORD" in result.message and "still set" in result.message
    assert memory.items == {}
    assert env == {"IMTUI_UK_MAIN_PASSWORD": "env-pw"}  # env untouched
    reopened = no_keyring_store(paths)
    reopened.unlock_vault(PASSPHRASE)
    assert reopened.get("uk-main") is None


def test_delete_with_locked_vault_says_so(paths: Paths) -> None:
    no_keyring_store(paths).create_vault(PASSPHRASE)
    result = no_keyring_store(paths).delete("uk-main")
    assert result.vault_locked and "locked" in result.message


def test_rename(paths: Paths) -> None:
    memory = MemoryKeyring()
    store = SecretStore(paths, keyring_backend=memory, env={})
    store.set("old", SECRETS)
    assert store.rename("old", "new") == "keyring"
    assert store.get("old") is None
    assert store.get("new").secrets == SECRETS
    assert store.rename("nothing", "x") is None


def test_keyring_can_be_switched_off(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo must never touch the user's keyring, whatever keyring would choose."""
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    store = SecretStore(paths, env={}, use_keyring=False)
    assert not store.keyring_usable
    assert store.set("demo", SECRETS) == "session"
    assert memory.items == {}
    assert "not used" in store.backend_description()


# ------------------------------------------------------------------- each secret on its own


def test_env_password_alone_overrides_the_vaults_password_and_the_key_still_comes_from_the_vault(paths: Paths) -> None:
    no_keyring_store(paths).create_vault(PASSPHRASE)
    writer = no_keyring_store(paths)
    writer.unlock_vault(PASSPHRASE)
    writer.set("uk-main", SECRETS)
    env = {"IMTUI_UK_MAIN_PASSWORD": "rotated-pw", "IMTUI_VAULT_PASSPHRASE": PASSPHRASE}
    found = no_keyring_store(paths, env=env).get("uk-main")
    assert found is not None
    assert found.secrets == AccountSecrets("rotated-pw", KEY)
    assert (found.source, found.password_source, found.key_source) == ("env+vault", "env", "vault")
    assert "IMTUI_UK_MAIN_PASSWORD" in found.detail and str(paths.vault_file) in found.detail
    assert "rotated-pw" not in repr(found) and KEY not in repr(found)


def test_env_key_alone_overrides_the_keyrings_key(paths: Paths) -> None:
    memory = MemoryKeyring()
    SecretStore(paths, keyring_backend=memory, env={}).set("uk-main", SECRETS)
    found = SecretStore(paths, keyring_backend=memory, env={"IMTUI_UK_MAIN_SUBSCRIPTION_KEY": "f" * 32}).get("uk-main")
    assert found.secrets == AccountSecrets(PASSWORD, "f" * 32) and found.source == "keyring+env"
    # both variables: the environment alone, the keyring is not even read
    both = {"IMTUI_UK_MAIN_PASSWORD": "p", "IMTUI_UK_MAIN_SUBSCRIPTION_KEY": "k"}
    found = SecretStore(paths, keyring_backend=BrokenKeyring(), env=both).get("uk-main")
    assert found.source == "env" and found.secrets == AccountSecrets("p", "k")
