"""imtui's configuration: accounts, clients, customer mappings and preferences, kept in ``config.toml``.

- :mod:`.models`: the pydantic model (an account's fields follow :mod:`imtui.core.rules`);
- :mod:`.toml`: the file's text, read and written; errors name the line and the field;
- :mod:`.store`: :class:`ConfigStore`, atomic saves, the backup, conflicts with another imtui;
- :mod:`.errors`: :class:`ConfigError`, :class:`ConfigConflictError`, pydantic's errors in words.

Secrets never live here. An account with a ``password`` (or anything that looks like a secret) is refused
with a message that says where secrets go instead.
"""

from __future__ import annotations

from imtui.core.config.errors import ConfigConflictError, ConfigError, describe_validation_error
from imtui.core.config.models import (
    SCHEMA_VERSION,
    AccountConfig,
    Client,
    Config,
    Mapping,
    MappingHow,
    Preferences,
    PriceOverride,
)
from imtui.core.config.store import ConfigStore, FileIdentity
from imtui.core.config.toml import dump_config, parse_config
from imtui.core.files import atomic_write

__all__ = [
    "SCHEMA_VERSION",
    "atomic_write",
    "AccountConfig",
    "Client",
    "Config",
    "ConfigConflictError",
    "ConfigError",
    "ConfigStore",
    "FileIdentity",
    "Mapping",
    "MappingHow",
    "Preferences",
    "PriceOverride",
    "describe_validation_error",
    "dump_config",
    "parse_config",
]
