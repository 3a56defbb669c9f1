"""imtui's configuration: accounts, clients, customer mappings and preferences, kept in ``config.toml``.

The model is plain pydantic; the file is TOML, read with :mod:`tomllib` and written with ``tomli_w``.
:class:`ConfigStore` does the careful part:

- a missing file is an empty config;
- a broken file (bad TOML, or a value the model refuses) raises :class:`ConfigError` naming the line and
  the field, and is never overwritten: a store whose load failed refuses to save;
- saves are atomic (temp file in the same directory, fsync, ``os.replace``, fsync of the directory) and
  keep the previous version as ``config.toml.bak``;
- if another program (another imtui) changed the file since this store read it, :meth:`ConfigStore.save`
  raises :class:`ConfigConflictError` and writes nothing.

Secrets never live here. An account with a ``password`` (or anything that looks like a secret) is refused
with a message that says where secrets go instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

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
    "dump_config",
    "parse_config",
]

SCHEMA_VERSION = 1

ACCOUNT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
_ACCOUNT_NAME_RE = re.compile(ACCOUNT_NAME_PATTERN)

# Keys that look like a secret. Only checked against keys the model does not know, so a real field can
# never trip it.
_SECRET_KEY_RE = re.compile(
    r"^(pass|pwd|pin|key)$|pass(word|wd|phrase)|secret|subscription[\s_.-]*key|api[\s_.-]*key|token"
    r"|credential",
    re.IGNORECASE,
)

_FILE_HEADER = (
    "# imtui configuration, written by imtui. You may edit it by hand while imtui is closed;\n"
    "# the previous version is kept beside it as config.toml.bak.\n"
    "# Passwords and subscription keys never go here: imtui keeps them in the OS keyring, its encrypted\n"
    "# vault, or reads them from IMTUI_<ACCOUNT>_PASSWORD / IMTUI_<ACCOUNT>_SUBSCRIPTION_KEY.\n\n"
)


def _env_token(name: str) -> str:
    """The account's part of its environment variable names. Must match ``secrets.env_var_names``."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


# --------------------------------------------------------------------------------------------- models


class _ConfigModel(BaseModel):
    """Base of every config table: unknown keys are refused, secret-looking ones with a clear reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if (
                    isinstance(key, str)
                    and key not in cls.model_fields
                    and _SECRET_KEY_RE.search(key)
                ):
                    raise PydanticCustomError(
                        "secret_in_config",
                        "secrets do not belong in config.toml; remove '{key}' from the file and enter the "
                        "password and subscription key in imtui's account settings (they are kept in the "
                        "OS keyring or imtui's encrypted vault), or set the environment variables "
                        "IMTUI_<ACCOUNT>_PASSWORD and IMTUI_<ACCOUNT>_SUBSCRIPTION_KEY",
                        {"key": key},
                    )
        return data


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class AccountConfig(_ConfigModel):
    """One Ingram Micro Cloud Marketplace account. Its password and subscription key live elsewhere."""

    name: str = Field(description="Short unique name, e.g. 'uk-main'; also names the account's env vars.")
    api_url: str = Field(description="Base URL from the control panel, e.g. https://api.cloud.im/marketplace/eu")
    marketplace: str = Field(description="Lowercase marketplace code sent at login, e.g. 'uk'.")
    username: str = Field(description="The API user, usually ending in '.api'.")
    read_only: bool = False
    max_seats_per_order: int | None = Field(default=None, ge=1)
    max_order_total: Decimal | None = Field(default=None, ge=0)
    markup_percent: Decimal | None = Field(default=None, ge=-100, le=1000)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _ACCOUNT_NAME_RE.match(value):
            raise PydanticCustomError(
                "account_name",
                "an account name is 1 to 40 characters: letters, digits, '.', '_' or '-', starting with a "
                "letter or digit",
            )
        return value

    @field_validator("api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PydanticCustomError(
                "api_url",
                "the API URL must be a full http(s) address, such as "
                "https://api.cloud.im/marketplace/eu (copy it from the control panel's Marketplace API page)",
            )
        if parts.username or parts.password:
            raise PydanticCustomError(
                "api_url", "the API URL must not carry a username or password; they belong in their own fields"
            )
        return value.rstrip("/")

    @field_validator("marketplace")
    @classmethod
    def _check_marketplace(cls, value: str) -> str:
        code = value.lower()
        if code == "usa":
            raise PydanticCustomError(
                "marketplace", "the marketplace code for the United States is 'us', not 'usa'"
            )
        if not re.fullmatch(r"[a-z]{2,8}", code):
            raise PydanticCustomError(
                "marketplace",
                "the marketplace is a short lowercase code such as 'us', 'uk' or 'de' (the <code> in the "
                "control panel's address cp.<code>.<region>.cloud.im)",
            )
        return code

    @field_validator("username")
    @classmethod
    def _check_username(cls, value: str) -> str:
        if not value:
            raise PydanticCustomError("username", "the API username must not be empty")
        return value


class Client(_ConfigModel):
    """One of the MSP's own client companies."""

    name: str = Field(min_length=1, max_length=200)
    external_id: str | None = None
    group: str | None = None
    street: str | None = None
    extension: str | None = None
    postal_code: str | None = None
    city: str | None = None
    state: str | None = None
    country_code: str | None = None

    @field_validator(
        "external_id", "group", "street", "extension", "postal_code", "city", "state", "country_code",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return _blank_to_none(value)

    @field_validator("country_code")
    @classmethod
    def _check_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise PydanticCustomError(
                "country_code", "the country code is two letters (ISO 3166-1), such as 'GB' or 'US'"
            )
        return code


MappingHow = Literal["exact", "normalised", "manual", "ignored"]


class Mapping(_ConfigModel):
    """Which client an Ingram customer of one account belongs to (or that it is deliberately ignored)."""

    account: str = Field(min_length=1)
    customer_id: str = Field(min_length=1)
    customer_name: str = ""
    client: str | None = None
    how: MappingHow = "manual"

    @field_validator("customer_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("client", mode="before")
    @classmethod
    def _blank_client(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @model_validator(mode="after")
    def _client_matches_how(self) -> Mapping:
        if self.how == "ignored" and self.client is not None:
            raise PydanticCustomError(
                "mapping_how", "an ignored customer has no client: remove 'client' or change 'how'"
            )
        if self.how != "ignored" and self.client is None:
            raise PydanticCustomError(
                "mapping_how",
                "a mapping needs a 'client' unless 'how' is \"ignored\"",
            )
        return self


class Preferences(_ConfigModel):
    theme: str = "textual-dark"
    default_account: str | None = None
    sync_on_start: bool = True

    @field_validator("default_account", mode="before")
    @classmethod
    def _blank_account(cls, value: Any) -> Any:
        return _blank_to_none(value)


class Config(_ConfigModel):
    schema_version: int = SCHEMA_VERSION
    preferences: Preferences = Field(default_factory=Preferences)
    accounts: list[AccountConfig] = Field(default_factory=list)
    clients: list[Client] = Field(default_factory=list)
    mappings: list[Mapping] = Field(default_factory=list)

    @field_validator("schema_version")
    @classmethod
    def _check_version(cls, value: int) -> int:
        if value > SCHEMA_VERSION:
            raise PydanticCustomError(
                "schema_version",
                "this file was written by a newer imtui (schema_version {found}); this imtui understands "
                "schema_version {known}: upgrade imtui",
                {"found": value, "known": SCHEMA_VERSION},
            )
        if value < 1:
            raise PydanticCustomError("schema_version", "schema_version must be 1")
        return value

    @field_validator("accounts")
    @classmethod
    def _unique_accounts(cls, accounts: list[AccountConfig]) -> list[AccountConfig]:
        seen: dict[str, str] = {}
        for index, account in enumerate(accounts):
            token = _env_token(account.name)
            if token in seen:
                raise PydanticCustomError(
                    "duplicate_account",
                    "account names must be unique, ignoring case and '.', '_', '-': '{name}' clashes with "
                    "'{other}'",
                    {"name": account.name, "other": seen[token], "index": index},
                )
            seen[token] = account.name
        return accounts

    @field_validator("clients")
    @classmethod
    def _unique_clients(cls, clients: list[Client]) -> list[Client]:
        seen: set[str] = set()
        for index, client in enumerate(clients):
            key = client.name.casefold()
            if key in seen:
                raise PydanticCustomError(
                    "duplicate_client",
                    "client names must be unique (ignoring case): '{name}' appears twice",
                    {"name": client.name, "index": index},
                )
            seen.add(key)
        return clients

    @field_validator("mappings")
    @classmethod
    def _unique_mappings(cls, mappings: list[Mapping]) -> list[Mapping]:
        seen: set[tuple[str, str]] = set()
        for index, mapping in enumerate(mappings):
            key = (mapping.account, mapping.customer_id)
            if key in seen:
                raise PydanticCustomError(
                    "duplicate_mapping",
                    "customer {customer_id} of account '{account}' is mapped twice",
                    {"account": mapping.account, "customer_id": mapping.customer_id, "index": index},
                )
            seen.add(key)
        return mappings

    # -- helpers

    def account(self, name: str) -> AccountConfig | None:
        """The account called ``name``, or None."""
        return next((a for a in self.accounts if a.name == name), None)

    def client(self, name: str) -> Client | None:
        """The client called ``name`` (ignoring case), or None."""
        key = name.casefold()
        return next((c for c in self.clients if c.name.casefold() == key), None)

    def mapping_for(self, account: str, customer_id: str) -> Mapping | None:
        """The mapping of one Ingram customer of one account, or None."""
        customer_id = str(customer_id)
        return next(
            (m for m in self.mappings if m.account == account and m.customer_id == customer_id), None
        )

    def set_mapping(self, mapping: Mapping) -> None:
        """Add ``mapping``, replacing any mapping of the same account and customer."""
        self.mappings = [
            m
            for m in self.mappings
            if not (m.account == mapping.account and m.customer_id == mapping.customer_id)
        ]
        self.mappings.append(mapping)


# ------------------------------------------------------------------------------------------ errors


class ConfigError(Exception):
    """The config file cannot be used as it is. imtui has not changed it.

    ``path``: the file; ``line``: 1-based line of the problem, or None; ``reason``: what is wrong;
    ``field``: the dotted place in the config (e.g. ``accounts.0.password``), when the model refused it.
    """

    def __init__(self, path: Path, line: int | None, reason: str, field: str | None = None):
        self.path = Path(path)
        self.line = line
        self.reason = reason
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path} line {self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.reason} — fix the file or move it away; imtui has not changed it."


class ConfigConflictError(ConfigError):
    """Another program changed the config file since it was read; nothing was written."""

    def __init__(self, path: Path, reason: str | None = None):
        super().__init__(
            path,
            None,
            reason
            or "was changed by another program (perhaps another imtui) since imtui read it",
        )

    def __str__(self) -> str:
        return (
            f"{self.path} {self.reason}, so your change was not saved. Reload the config to see the "
            "other version, then make your change again."
        )


# ---------------------------------------------------------------------------- parse and dump


def _toml_safe(value: Any) -> Any:
    """Drop None (TOML has no null) and write Decimals as strings (exact, unlike floats)."""
    if isinstance(value, dict):
        return {k: _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_safe(v) for v in value if v is not None]
    if isinstance(value, Decimal):
        return str(value)
    return value


def dump_config(config: Config) -> str:
    """The TOML text of ``config`` (with a short header comment)."""
    data = _toml_safe(config.model_dump(mode="python", exclude_none=True))
    tables = {key: data.pop(key) for key in ("accounts", "clients", "mappings")}
    parts = [_FILE_HEADER, tomli_w.dumps(data)]
    # Always one [[table]] per item (tomli-w would write short ones inline): easier to read and edit.
    for key, items in tables.items():
        for item in items:
            parts.append(f"\n[[{key}]]\n{tomli_w.dumps(item)}")
    return "".join(parts)


_TOML_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")


def parse_config(text: str, path: Path | str = "config.toml") -> Config:
    """Parse TOML ``text`` into a :class:`Config`, or raise :class:`ConfigError` naming the line."""
    path = Path(path)
    problem: ConfigError | None = None
    data: dict[str, Any] = {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line: int | None = None
        match = _TOML_POSITION_RE.search(message)
        if match:
            line = int(match.group(1))
            message = message[: match.start()]
        elif _TOML_END_RE.search(message):
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
            message = _TOML_END_RE.sub("", message)
        problem = ConfigError(path, line, f"{message} (this is not valid TOML)")
    if problem is not None:
        # Raised outside the except block, so no traceback carries the file's content.
        raise problem

    errors: list[dict[str, Any]] = []
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        errors = [dict(e) for e in exc.errors(include_url=False, include_input=False)]
    raise _schema_error(path, text, data, errors)


def _schema_error(path: Path, text: str, data: dict[str, Any], errors: list[dict[str, Any]]) -> ConfigError:
    error = errors[0]
    loc: list[str | int] = list(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    if "index" in ctx and isinstance(ctx["index"], int):
        loc.append(ctx["index"])
    if "key" in ctx and isinstance(ctx["key"], str):
        loc.append(ctx["key"])
    message = str(error.get("msg", "invalid value"))
    message = re.sub(r"^(Value|Assertion) error, ", "", message)
    if error.get("type") == "extra_forbidden":
        message = "imtui does not know this setting (a typo?)"
    elif error.get("type") == "missing":
        message = "this setting is required"
    reason = f"{_describe(loc, data)}: {message}"
    if len(errors) > 1:
        more = len(errors) - 1
        reason += f" (and {more} more problem{'s' if more > 1 else ''})"
    field = ".".join(str(part) for part in loc) or None
    return ConfigError(path, _locate(text, loc), reason, field)


_TABLE_KIND = {"accounts": "account", "clients": "client", "mappings": "mapping"}


def _describe(loc: Sequence[str | int], data: dict[str, Any]) -> str:
    """Words for a place in the config, e.g. "account 'uk-main', field 'password'"."""
    if not loc:
        return "the file"
    head = loc[0]
    if head in _TABLE_KIND and len(loc) >= 2 and isinstance(loc[1], int):
        index = loc[1]
        items = data.get(head)
        item = items[index] if isinstance(items, list) and index < len(items) else None
        label = f"{_TABLE_KIND[head]} #{index + 1}"
        if isinstance(item, dict):
            if head == "mappings" and item.get("customer_id") is not None:
                label = f"mapping of customer {str(item['customer_id'])!r}"
            elif isinstance(item.get("name"), str):
                label = f"{_TABLE_KIND[head]} {item['name']!r}"
        rest = [str(p) for p in loc[2:]]
        return f"{label}, field {'.'.join(rest)!r}" if rest else label
    return f"field {'.'.join(str(p) for p in loc)!r}"


_ARRAY_HEADER_RE = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER_RE = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]")
_KEY_RE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _locate(text: str, loc: Sequence[str | int]) -> int | None:
    """Best-effort line (1-based) of ``loc`` in TOML ``text``; None if it cannot be found."""
    # Each line gets the table it is in: () at the top, ("preferences",) or ("accounts", 0) ...
    contexts: dict[tuple[str | int, ...], int] = {(): 0}
    keys: dict[tuple[str | int, ...], int] = {}
    counts: dict[str, int] = {}
    current: tuple[str | int, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _ARRAY_HEADER_RE.match(line):
            name = match.group(1).strip().strip("\"'")
            index = counts.get(name, 0)
            counts[name] = index + 1
            current = (*name.split("."), index)
            contexts.setdefault(current, number)
            contexts.setdefault(tuple(name.split(".")), number)
            continue
        if match := _TABLE_HEADER_RE.match(line):
            current = tuple(match.group(1).strip().strip("\"'").split("."))
            contexts.setdefault(current, number)
            continue
        if match := _KEY_RE.match(line):
            key = match.group(1).strip("\"'")
            keys.setdefault((*current, key), number)
    for end in range(len(loc), 0, -1):
        prefix = tuple(loc[:end])
        if prefix in keys:
            return keys[prefix]
        if prefix in contexts and contexts[prefix]:
            return contexts[prefix]
    return None


# ---------------------------------------------------------------------------------------- store


@dataclass(frozen=True)
class FileIdentity:
    """What the config file was when last read or written."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path, content: bytes) -> FileIdentity:
        stat = path.stat()
        return cls(stat.st_mtime_ns, stat.st_size, hashlib.sha256(content).hexdigest())


class ConfigStore:
    """Loads and saves one ``config.toml`` safely. One per process (per file)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._loaded = False
        self._identity: FileIdentity | None = None  # None after a load: the file did not exist
        self._broken: ConfigError | None = None

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    @property
    def identity(self) -> FileIdentity | None:
        """The file as last read or written by this store (None: it did not exist)."""
        return self._identity

    @property
    def broken(self) -> ConfigError | None:
        """The error of the last load, if it failed (then :meth:`save` refuses to write)."""
        return self._broken

    def load(self) -> Config:
        """Read the file (a missing file is an empty config) and remember what was read."""
        self._loaded = True
        self._identity = None
        self._broken = None
        problem: ConfigError | None = None
        try:
            content = self.path.read_bytes()
        except FileNotFoundError:
            return Config()
        except OSError as exc:
            problem = ConfigError(self.path, None, f"cannot be read ({exc.strerror or exc})")
        if problem is not None:
            self._broken = problem
            raise problem
        try:
            self._identity = FileIdentity.of(self.path, content)
        except OSError:
            self._identity = FileIdentity(0, len(content), hashlib.sha256(content).hexdigest())
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            problem = ConfigError(self.path, line, "is not UTF-8 text")
        if problem is not None:
            self._broken = problem
            raise problem
        try:
            return parse_config(text, self.path)
        except ConfigError as exc:
            self._broken = exc
            raise

    def reload(self) -> Config:
        """Accept the version on disk (e.g. after a :class:`ConfigConflictError`)."""
        return self.load()

    def changed_on_disk(self) -> bool:
        """True if the file is no longer what this store last read or wrote."""
        current = self._read_current()
        return _digest(current) != (self._identity.sha256 if self._identity else None)

    def save(self, config: Config) -> None:
        """Write ``config`` atomically, keeping the previous version as ``config.toml.bak``.

        Raises the load's :class:`ConfigError` if the file was broken (it is never overwritten), and
        :class:`ConfigConflictError` if the file changed on disk since this store read it.
        """
        if self._broken is not None:
            raise self._broken
        text = dump_config(config)
        # What we write must load again; a bug in a caller must not produce a file imtui cannot open.
        # Re-validating the model's data catches that cheaply (callers append to lists, which skips
        # validation); only when it fails is the text parsed, to name the line in the error.
        try:
            Config.model_validate(config.model_dump(mode="python"))
        except ValidationError:
            parse_config(text, self.path)
            raise
        content = text.encode("utf-8")

        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _locked(directory):
            current = self._read_current()
            if not self._loaded and current is not None:
                raise ConfigConflictError(self.path, "exists but was not read by this imtui before saving")
            if _digest(current) != (self._identity.sha256 if self._identity else None):
                raise ConfigConflictError(self.path)
            if current is not None:
                atomic_write(self.backup_path, current)
            atomic_write(self.path, content)
        self._loaded = True
        try:
            self._identity = FileIdentity.of(self.path, content)
        except OSError:
            self._identity = FileIdentity(0, len(content), hashlib.sha256(content).hexdigest())

    def _read_current(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None


def _digest(content: bytes | None) -> str | None:
    return None if content is None else hashlib.sha256(content).hexdigest()


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise savers in other processes (POSIX flock on the directory; best effort elsewhere)."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def atomic_write(path: Path, content: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``content`` so that a reader sees the old file or the new one, never half.

    Temp file in the same directory, flush + fsync, ``os.replace``, fsync of the directory. The temp file
    is removed if anything fails.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
