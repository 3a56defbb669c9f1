"""The config model: accounts, clients, customer mappings and preferences, as pydantic models.

Unknown keys are refused (a secret-looking one with a message saying where secrets go instead); an
account's fields follow :mod:`imtui.core.rules`, the same rules as the account form and the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from imtui.core import rules

__all__ = ["SCHEMA_VERSION", "AccountConfig", "Client", "Config", "Mapping", "MappingHow", "Preferences"]

SCHEMA_VERSION = 1

# Keys that look like a secret. Only checked against keys the model does not know, so a real field can
# never trip it.
_SECRET_KEY_RE = re.compile(
    r"^(pass|pwd|pin|key)$|pass(word|wd|phrase)|secret|subscription[\s_.-]*key|api[\s_.-]*key|token"
    r"|credential",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------------------------- models


class _ConfigModel(BaseModel):
    """Base of every config table: unknown keys are refused, secret-looking ones with a clear reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            fields = cls.__pydantic_fields__  # not cls.model_fields: a slow property in pydantic 2.11+
            for key in data:
                if (
                    isinstance(key, str)
                    and key not in fields
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


def _apply(check: Callable[[str], str | None], kind: str, value: str) -> str:
    """Run one of :mod:`imtui.core.rules`' checks as a model validator."""
    problem = check(value)
    if problem:
        raise PydanticCustomError(kind, problem.rstrip("."))
    return value


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
    # the same bounds as the form's and the CLI's (imtui.core.rules)
    max_seats_per_order: int | None = Field(default=None, ge=1)
    max_order_total: Decimal | None = Field(default=None, ge=rules.MAX_TOTAL.minimum)
    markup_percent: Decimal | None = Field(default=None, ge=rules.MARKUP.minimum, le=rules.MARKUP.maximum)
    #: the key's request budget as the gateway enforces it (requests a second); unset: learnt from 429s
    requests_per_second: float | None = Field(default=None, gt=0, le=100_000)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        return _apply(rules.check_name, "account_name", value)

    @field_validator("api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _apply(rules.check_api_url, "api_url", value).rstrip("/")

    @field_validator("marketplace")
    @classmethod
    def _check_marketplace(cls, value: str) -> str:
        # a code typed in capitals by hand in config.toml is read as the lower-case code it means
        code = value.strip().lower() if value.strip().lower() != "usa" else value
        return _apply(rules.check_marketplace, "marketplace", code)

    @field_validator("username")
    @classmethod
    def _check_username(cls, value: str) -> str:
        return _apply(rules.check_username, "username", value)


class Client(_ConfigModel):
    """One of the MSP's own client companies."""

    name: str = Field(min_length=1, max_length=rules.CLIENT_NAME_MAX)
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


class PriceOverride(_ConfigModel):
    """The MSP's own selling price for one product of one account, instead of the account's markup."""

    account: str = Field(min_length=1)
    mpn: str = Field(min_length=1)
    #: ISO terms (P1M, P1Y); empty means every term / billing period of that MPN
    term: str | None = None
    billing: str | None = None
    price: Decimal = Field(ge=0)
    currency: str

    @field_validator("term", "billing", mode="before")
    @classmethod
    def _blank_period(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("currency")
    @classmethod
    def _check_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise PydanticCustomError("currency", "the currency is a three-letter code such as USD, GBP or EUR")
        return code


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
    price_overrides: list[PriceOverride] = Field(default_factory=list)
    # (mappings list, its length, key -> position, key -> mapping): see mapping_index()
    _mapping_cache: Any = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # pydantic would compare the private cache too: two equal configs are equal whatever they cached
        if not isinstance(other, Config):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model

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
            token = rules.env_token(account.name)
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

    def mapping_index(self) -> dict[tuple[str, str], Mapping]:
        """Every mapping by ``(account, customer_id)``: the one index, built once per mapping list.

        It is rebuilt when ``mappings`` is replaced or changes length; :meth:`set_mapping` and
        :meth:`remove_mappings` keep it up to date. Treat the dict as read-only.
        """
        return self._index()[1]

    def _index(self) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], Mapping]]:
        cached = self._mapping_cache
        if cached is None or cached[0] is not self.mappings or cached[1] != len(self.mappings):
            positions: dict[tuple[str, str], int] = {}
            by_key: dict[tuple[str, str], Mapping] = {}
            for i, m in enumerate(self.mappings):
                key = (m.account, m.customer_id)
                positions[key] = i
                by_key[key] = m
            cached = self._mapping_cache = (self.mappings, len(self.mappings), positions, by_key)
        return cached[2], cached[3]

    def mapping_for(self, account: str, customer_id: str) -> Mapping | None:
        """The mapping of one Ingram customer of one account, or None."""
        key = (account, str(customer_id))
        positions, by_key = self._index()
        at = positions.get(key)
        if at is not None and self.mappings[at] is not by_key[key]:
            self._mapping_cache = None  # a list item was replaced from outside: read the list again
            positions, by_key = self._index()
        return by_key.get(key)

    def set_mapping(self, mapping: Mapping) -> Mapping | None:
        """Add ``mapping``, or replace the mapping of the same account and customer where it stands.
        Returns the mapping it replaced, if any."""
        positions, by_key = self._index()
        key = (mapping.account, mapping.customer_id)
        at = positions.get(key)
        if at is not None and (self.mappings[at].account, self.mappings[at].customer_id) != key:
            self._mapping_cache = None  # a list item was replaced from outside: read the list again
            positions, by_key = self._index()
            at = positions.get(key)
        previous = None
        if at is None:
            self.mappings.append(mapping)
            positions[key] = len(self.mappings) - 1
        else:
            previous = self.mappings[at]
            self.mappings[at] = mapping
        by_key[key] = mapping
        self._mapping_cache = (self.mappings, len(self.mappings), positions, by_key)
        return previous

    def remove_mappings(self, keys: set[tuple[str, str]] | frozenset[tuple[str, str]]) -> int:
        """Remove the mappings of these ``(account, customer_id)`` keys; returns how many went."""
        positions, _ = self._index()
        if not any(key in positions for key in keys):
            return 0
        before = len(self.mappings)
        self.mappings = [m for m in self.mappings if (m.account, m.customer_id) not in keys]
        return before - len(self.mappings)
