"""config.toml: model, TOML round trip, broken files, atomic saves, conflicts, and where files live."""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from imtui.core.config import (
    AccountConfig,
    Client,
    Config,
    ConfigConflictError,
    ConfigError,
    ConfigStore,
    Mapping,
    dump_config,
    parse_config,
)
from imtui.core.paths import Paths, resolve_paths


def sample_config() -> Config:
    return Config(
        accounts=[
            AccountConfig(
                name="uk-main",
                api_url="https://api.cloud.im/marketplace/eu",
                marketplace="uk",
                username="acme.api",
                max_seats_per_order=50,
                max_order_total=Decimal("2500.00"),
                markup_percent=Decimal("12.5"),
            ),
            AccountConfig(
                name="us",
                api_url="https://api.cloud.im/marketplace/na",
                marketplace="us",
                username="acme-us.api",
                read_only=True,
            ),
        ],
        clients=[
            Client(name="Contoso Ltd", external_id="C-001", city="Leeds", country_code="GB"),
            Client(name="Fabrikam"),
        ],
        mappings=[
            Mapping(account="uk-main", customer_id="1000027", customer_name="CONTOSO LIMITED",
                    client="Contoso Ltd", how="normalised"),
            Mapping(account="us", customer_id="1000031", customer_name="Test customer", how="ignored"),
        ],
    )


@pytest.fixture
def store(tmp_path: Path) -> ConfigStore:
    return ConfigStore(tmp_path / "config.toml")


# ------------------------------------------------------------------------------------ round trip


def test_missing_file_is_an_empty_config(store: ConfigStore) -> None:
    config = store.load()
    assert config == Config()
    assert config.schema_version == 1
    assert not store.path.exists()  # loading never creates the file


def test_round_trip(store: ConfigStore) -> None:
    store.load()
    original = sample_config()
    store.save(original)
    loaded = ConfigStore(store.path).load()
    assert loaded == original
    assert loaded.account("uk-main").max_order_total == Decimal("2500.00")
    assert loaded.mapping_for("uk-main", "1000027").client == "Contoso Ltd"
    assert loaded.mapping_for("uk-main", "nope") is None
    assert loaded.account("missing") is None
    assert loaded.client("contoso ltd").name == "Contoso Ltd"


def test_no_none_written_and_decimals_are_exact_strings(store: ConfigStore) -> None:
    store.load()
    store.save(sample_config())
    text = store.path.read_text()
    assert "None" not in text and "null" not in text
    data = tomllib.loads(text)
    us = data["accounts"][1]
    assert "max_order_total" not in us and "markup_percent" not in us
    assert data["accounts"][0]["max_order_total"] == "2500.00"
    assert "client" not in data["mappings"][1]
    # one [[table]] per item, easy to edit by hand
    assert text.count("[[accounts]]") == 2 and text.count("[[clients]]") == 2


def test_set_mapping_replaces(store: ConfigStore) -> None:
    config = sample_config()
    config.set_mapping(Mapping(account="uk-main", customer_id="1000027", client="Fabrikam", how="manual"))
    assert len(config.mappings) == 2
    assert config.mapping_for("uk-main", "1000027").client == "Fabrikam"


def test_file_is_private(store: ConfigStore) -> None:
    if os.name == "nt":
        pytest.skip("POSIX permissions")
    store.load()
    store.save(sample_config())
    assert store.path.stat().st_mode & 0o777 == 0o600


# ---------------------------------------------------------------------------------- broken files


BROKEN_TOML = """\
schema_version = 1

[[accounts]]
name = "uk-main"
api_url = "https://api.cloud.im/marketplace/eu"
marketplace = "uk"
username "acme.api"
"""


def test_broken_toml_reported_with_its_line_and_left_untouched(store: ConfigStore) -> None:
    store.path.write_text(BROKEN_TOML)
    before = store.path.read_bytes()
    with pytest.raises(ConfigError) as caught:
        store.load()
    error = caught.value
    assert error.line == 7
    assert error.path == store.path
    assert "Expected '='" in error.reason
    message = str(error)
    assert "line 7" in message and "imtui has not changed it" in message
    # A store whose load failed refuses to save: the broken file is never overwritten.
    with pytest.raises(ConfigError):
        store.save(sample_config())
    assert store.path.read_bytes() == before
    assert not store.backup_path.exists()
    assert [p.name for p in store.path.parent.iterdir()] == ["config.toml"]


def test_fixed_file_loads_again(store: ConfigStore) -> None:
    store.path.write_text(BROKEN_TOML)
    with pytest.raises(ConfigError):
        store.load()
    store.path.write_text(BROKEN_TOML.replace('username "', 'username = "'))
    config = store.reload()
    assert config.account("uk-main").username == "acme.api"
    store.save(config)  # allowed again


def test_schema_violation_names_field_and_line(store: ConfigStore) -> None:
    text = dump_config(sample_config()).replace("max_seats_per_order = 50", 'max_seats_per_order = "lots"')
    store.path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        store.load()
    error = caught.value
    assert error.field == "accounts.0.max_seats_per_order"
    assert "account 'uk-main'" in error.reason and "max_seats_per_order" in error.reason
    expected_line = text.splitlines().index('max_seats_per_order = "lots"') + 1
    assert error.line == expected_line
    assert f"line {expected_line}" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('how = "normalised"', 'how = "guessed"', "'exact'"),
        ('marketplace = "us"', 'marketplace = "usa"', "the US marketplace code is us"),
        ('name = "us"', 'name = "UK.MAIN"', "unique"),
        ('name = "us"', 'name = "has space"', "up to 40 letters"),
        ("schema_version = 1", "schema_version = 9", "newer imtui"),
        ('theme = "textual-dark"', 'theme = "textual-dark"\ncolour = "red"', "does not know this setting"),
    ],
)
def test_schema_violations_explained(old: str, new: str, words: str) -> None:
    text = dump_config(sample_config())
    assert old in text
    with pytest.raises(ConfigError) as caught:
        parse_config(text.replace(old, new, 1))
    assert words in caught.value.reason
    assert caught.value.line is not None


@pytest.mark.parametrize("key", ["password", "subscription_key", "api_key", "SubscriptionKey", "token"])
def test_secret_in_account_refused(store: ConfigStore, key: str) -> None:
    secret = "hunter2-very-secret-value"
    text = dump_config(sample_config()).replace(
        'username = "acme.api"', f'username = "acme.api"\n{key} = "{secret}"'
    )
    store.path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        store.load()
    error = caught.value
    assert "secrets do not belong in config.toml" in error.reason
    assert key in error.reason
    assert error.line == text.splitlines().index(f'{key} = "{secret}"') + 1
    # the secret itself appears nowhere in the error, nor in what it carries along
    assert secret not in str(error) and secret not in repr(error)
    assert error.__cause__ is None and error.__context__ is None


def test_secret_field_cannot_be_passed_in_code() -> None:
    with pytest.raises(Exception, match="secrets do not belong"):
        AccountConfig(name="x", api_url="https://h/x", marketplace="us", username="u", password="p")


def test_invalid_config_is_not_saved(store: ConfigStore) -> None:
    store.load()
    config = sample_config()
    config.accounts[0].marketplace = "not a code!"  # models are not validated on assignment
    with pytest.raises(ConfigError):
        store.save(config)
    assert not store.path.exists()


# --------------------------------------------------------------------------------- atomic saves


def test_backup_holds_previous_version(store: ConfigStore) -> None:
    store.load()
    first = sample_config()
    store.save(first)
    first_bytes = store.path.read_bytes()
    assert not store.backup_path.exists()  # nothing to back up the first time
    second = sample_config()
    second.clients.append(Client(name="Northwind"))
    store.save(second)
    assert store.backup_path.read_bytes() == first_bytes
    assert ConfigStore(store.path).load() == second


def test_interrupted_save_leaves_old_file_and_no_temp(store: ConfigStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.load()
    store.save(sample_config())
    before = store.path.read_bytes()
    real_replace = os.replace

    def crash_on_config(src, dst, *args, **kwargs):
        if Path(dst) == store.path:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", crash_on_config)
    changed = sample_config()
    changed.clients.append(Client(name="Northwind"))
    with pytest.raises(OSError):
        store.save(changed)
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    leftovers = sorted(p.name for p in store.path.parent.iterdir())
    assert leftovers == ["config.toml", "config.toml.bak"]
    # the store still knows the file as it is, so a retry works
    store.save(changed)
    assert ConfigStore(store.path).load() == changed


def test_conflict_when_another_imtui_saved_in_between(store: ConfigStore) -> None:
    store.load()
    store.save(sample_config())
    mine = ConfigStore(store.path)
    theirs = ConfigStore(store.path)
    my_config = mine.load()
    their_config = theirs.load()
    their_config.clients.append(Client(name="Theirs"))
    theirs.save(their_config)
    on_disk = store.path.read_bytes()

    my_config.clients.append(Client(name="Mine"))
    with pytest.raises(ConfigConflictError) as caught:
        mine.save(my_config)
    assert "changed by another program" in str(caught.value)
    assert store.path.read_bytes() == on_disk  # nothing written
    assert mine.changed_on_disk()

    reloaded = mine.reload()
    assert reloaded.client("Theirs") is not None
    reloaded.clients.append(Client(name="Mine"))
    mine.save(reloaded)
    names = [c.name for c in ConfigStore(store.path).load().clients]
    assert names[-2:] == ["Theirs", "Mine"]


def test_saving_over_a_file_never_read_is_a_conflict(store: ConfigStore) -> None:
    store.path.write_text("schema_version = 1\n")
    with pytest.raises(ConfigConflictError):
        ConfigStore(store.path).save(sample_config())
    assert store.path.read_text() == "schema_version = 1\n"


def test_save_creates_missing_directory(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "deep" / "dir" / "config.toml")
    store.load()
    store.save(Config())
    assert store.load() == Config()


# ---------------------------------------------------------------------------------------- paths


def test_override_moves_everything(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "home", env={})
    assert paths.config_file == tmp_path / "home" / "config.toml"
    assert paths.vault_file == tmp_path / "home" / "vault.bin"
    assert paths.data_dir == tmp_path / "home" / "data"
    assert paths.journal_file.parent == paths.data_dir
    assert not (tmp_path / "home").exists()  # nothing created until ensure()
    paths.ensure()
    assert paths.config_dir.is_dir() and paths.data_dir.is_dir()


def test_imtui_home_moves_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMTUI_HOME", str(tmp_path))
    paths = resolve_paths()
    assert paths == Paths(config_dir=tmp_path, data_dir=tmp_path / "data")
    # the command line wins over the environment
    assert resolve_paths(tmp_path / "other").config_dir == tmp_path / "other"


def test_platform_dirs_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMTUI_HOME", raising=False)
    paths = resolve_paths()
    assert "imtui" in str(paths.config_dir) and "imtui" in str(paths.data_dir)
    assert paths.config_file.name == "config.toml"


def test_save_refuses_a_config_that_would_not_load_again(tmp_path: Path) -> None:
    """Callers append to lists (which skips validation): a save must still never write a file imtui
    could not open, and must leave the previous file as it was."""
    store = ConfigStore(tmp_path / "config.toml")
    config = store.load()
    config.clients.append(Client(name="Acme"))
    store.save(config)
    before = (tmp_path / "config.toml").read_bytes()
    config.clients.append(Client(name="ACME"))
    with pytest.raises(ConfigError, match="unique"):
        store.save(config)
    assert (tmp_path / "config.toml").read_bytes() == before
