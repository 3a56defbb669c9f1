"""The operations the UI and the CLI both call. The UI never builds HTTP requests or touches files itself.

``Services`` owns the config store, the secret store and one ``MarketplaceClient`` per account for the
app's whole life. In demo mode it runs on the in-process sandbox with a throwaway config directory, so
nothing is written to the user's real config.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from imtui.core.api import ApiError, AuthenticationError, MarketplaceClient
from imtui.core.api.models import Customer
from imtui.core.clients_csv import RowError, parse_clients_csv
from imtui.core.config import AccountConfig, Client, Config, ConfigStore, Mapping
from imtui.core.matching import AutoMapPlan, CustomerRef, ExistingMapping, plan_auto_map
from imtui.core.paths import Paths, resolve_paths
from imtui.core.secrets import AccountSecrets, SecretStore

log = logging.getLogger("imtui.services")


class ServiceError(Exception):
    """A failure the user can act on, in words (not an API error)."""


@dataclass(frozen=True)
class ConnectionReport:
    """What "Test connection" found, in words."""

    ok: bool
    text: str
    reseller: str | None = None
    customers: int | None = None
    error: ApiError | None = None

    @property
    def correlation_id(self) -> str | None:
        return self.error.correlation_id if self.error else None


@dataclass
class CustomerPage:
    """Customers of one account as they arrive, for a screen that fills while loading."""

    account: str
    customers: list[Customer]
    loaded: int
    total: int | None


@dataclass
class Services:
    paths: Paths
    store: ConfigStore
    secrets: SecretStore
    transport: httpx.AsyncBaseTransport | None = None
    demo: bool = False
    sandbox: Any = None
    config: Config = field(default_factory=Config)
    _clients: dict[str, MarketplaceClient] = field(default_factory=dict)
    _cleanup: list[Callable[[], None]] = field(default_factory=list)
    _retired: list[MarketplaceClient] = field(default_factory=list)
    #: customers loaded per account in this session (the mapping table reads these, not the API, when it reopens)
    customers: dict[str, list[Customer]] = field(default_factory=dict)
    #: bumped by every account change, so screens built on the old list know to start afresh
    accounts_changed: int = 0

    def __post_init__(self) -> None:
        self.mappings = MappingBook(self)

    # ------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        config_dir: str | Path | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        keyring_backend: Any = None,
    ) -> "Services":
        """Services on the user's own config (or ``--config DIR`` / ``IMTUI_HOME``)."""
        paths = resolve_paths(config_dir)
        store = ConfigStore(paths.config_file)
        services = cls(paths=paths, store=store, secrets=SecretStore(paths, keyring_backend=keyring_backend), transport=transport)
        services.config = store.load()
        return services

    @classmethod
    def open_demo(cls, sandbox: Any = None) -> "Services":
        """Services on the in-process sandbox, its accounts set up, in a throwaway config directory."""
        from imtui.sandbox import Sandbox

        sandbox = sandbox or Sandbox(clock="real")
        home = Path(tempfile.mkdtemp(prefix="imtui-demo-"))
        paths = Paths.in_home(home).ensure()
        store = ConfigStore(paths.config_file)
        secrets = SecretStore(paths, keyring_backend=None, env={}, use_keyring=False)  # never the real keyring
        services = cls(
            paths=paths, store=store, secrets=secrets, transport=sandbox.transport(), demo=True, sandbox=sandbox
        )
        services._cleanup.append(lambda: shutil.rmtree(home, ignore_errors=True))
        config = store.load()
        for account in sandbox.accounts:
            config.accounts.append(
                AccountConfig(
                    name=account.name,
                    api_url=account.base_url,
                    marketplace=account.marketplace,
                    username=account.username,
                )
            )
            secrets.set(account.name, AccountSecrets(password=account.password, subscription_key=account.subscription_key))
        from imtui.core.demo import demo_client_names

        names = [c["name"] for a in sandbox.accounts for c in sandbox.state.account(a.name).customers.values()]
        config.clients = [Client(name=name, group="Demo clients") for name in demo_client_names(names)]
        store.save(config)
        services.config = config
        return services

    async def aclose(self) -> None:
        for client in [*self._clients.values(), *self._retired]:
            await client.aclose()
        self._clients.clear()
        self._retired.clear()
        for step in self._cleanup:
            step()
        self._cleanup.clear()

    # ------------------------------------------------------------ clients

    def _new_client(self, account: AccountConfig, secrets: AccountSecrets) -> MarketplaceClient:
        return MarketplaceClient(
            account.api_url,
            account.marketplace,
            account.username,
            secrets.password,
            secrets.subscription_key,
            transport=self.transport,
        )

    def client(self, name: str) -> MarketplaceClient:
        """The one client of an account, built on first use."""
        if name not in self._clients:
            account = self.config.account(name)
            if account is None:
                raise ServiceError(f"There is no account called {name}.")
            found = self.secrets.get(name)
            if found is None and self.secrets.vault_exists and not self.secrets.vault_unlocked:
                raise ServiceError(
                    f"The vault is locked, so the secrets of {name} cannot be read: press 1, then ctrl+v to unlock it."
                )
            if found is None:
                raise ServiceError(
                    f"The password and subscription key of {name} are not stored anywhere imtui can read. "
                    "Open the account and type them again."
                )
            self._clients[name] = self._new_client(account, found.secrets)
        return self._clients[name]

    def _drop_client(self, name: str | None) -> None:
        """Forget an account's client (its settings or secrets changed); it is closed with the others."""
        client = self._clients.pop(name, None) if name else None
        if client is not None:
            self._retired.append(client)

    def reload_config(self) -> Config:
        """Take the config as it is on disk now (after another imtui changed it); the undo history ends."""
        self.config = self.store.reload()
        self.mappings = MappingBook(self)
        for name in list(self._clients):
            self._drop_client(name)
        return self.config

    # ------------------------------------------------------------ accounts

    async def test_connection(self, account: AccountConfig, secrets: AccountSecrets) -> ConnectionReport:
        """Log in and read one customer page; say what happened in words."""
        async with self._new_client(account, secrets) as client:
            try:
                reseller = await client.get_reseller()
                _, total = await client.customers_page(limit=10)
            except AuthenticationError as exc:
                return ConnectionReport(False, str(exc), error=exc)
            except ApiError as exc:
                return ConnectionReport(False, str(exc), error=exc)
        count = "an unknown number of" if total is None else f"{total:,}"
        noun = "customer" if total == 1 else "customers"
        return ConnectionReport(
            True,
            f"Connected to {reseller.name or 'the account'} on marketplace {account.marketplace}: {count} {noun}.",
            reseller=reseller.name,
            customers=total,
        )

    def save_account(
        self, account: AccountConfig, secrets: AccountSecrets | None, *, replacing: str | None = None
    ) -> str | None:
        """Add or replace an account; store its secrets. Returns where the secrets went (or None if kept)."""
        from imtui.core.accounts import check_name

        problem = check_name(account.name, {a.name for a in self.config.accounts if a.name != replacing})
        if problem:
            raise ServiceError(problem)
        config = self.config.model_copy(deep=True)
        position = next((i for i, a in enumerate(config.accounts) if a.name in {replacing, account.name}), None)
        if position is None:
            config.accounts.append(account)
        else:
            config.accounts[position] = account
        if replacing and replacing != account.name:
            for mapping in config.mappings:
                if mapping.account == replacing:
                    mapping.account = account.name
        self.store.save(config)  # the config first: if it cannot be written, no secret is stored either
        self.config = config
        where = None
        if replacing and replacing != account.name and secrets is None:
            old = self.secrets.get(replacing)
            if old is not None and old.source != "env":
                secrets = old.secrets
        if secrets is not None:
            where = self.secrets.set(account.name, secrets)
        if replacing and replacing != account.name:
            self.secrets.delete(replacing)
        self._drop_client(account.name)
        self._drop_client(replacing)
        self.customers.pop(account.name, None)
        if replacing:
            self.customers.pop(replacing, None)
        self.accounts_changed += 1
        return where

    def open_vault(self, passphrase: str, *, create: bool) -> int:
        """Create or unlock the vault; returns how many accounts' session-only secrets are now kept in it."""
        session = {a.name for a in self.config.accounts if self.secrets.where(a.name) == "session"}
        (self.secrets.create_vault if create else self.secrets.unlock_vault)(passphrase)
        for name in session:
            found = self.secrets.get(name)
            if found is not None and found.source == "session":
                self.secrets.set(name, found.secrets)
        return sum(1 for name in session if self.secrets.where(name) == "vault")

    def remove_account(self, name: str) -> int:
        """Remove an account, its mappings and its secrets everywhere. Returns how many mappings went."""
        config = self.config.model_copy(deep=True)
        before = len(config.mappings)
        config.accounts = [a for a in config.accounts if a.name != name]
        config.mappings = [m for m in config.mappings if m.account != name]
        self.store.save(config)
        self.config = config
        self.secrets.delete(name)
        self._drop_client(name)
        self.customers.pop(name, None)
        self.accounts_changed += 1
        return before - len(config.mappings)

    # ------------------------------------------------------------ customers

    async def customer_pages(self, name: str) -> AsyncIterator[CustomerPage]:
        """Customers of one account, page by page (500 a page), as they arrive; kept for this session."""
        client = self.client(name)
        loaded: list[Customer] = []
        async for page in client.pages("customers"):
            customers = [client.parse_row(Customer, row, "GET", "/customers") for row in page.items]
            loaded.extend(customers)
            yield CustomerPage(name, customers, len(loaded), page.total)
        self.customers[name] = loaded

    async def load_all_customers(self) -> tuple[list["CustomerRow"], dict[str, ApiError | ServiceError]]:
        """Customers of every account (headless use), accounts in parallel. An account that fails is
        handed back with its error; the others are still used."""
        failed: dict[str, ApiError | ServiceError] = {}

        async def one(name: str) -> None:
            try:
                async for _ in self.customer_pages(name):
                    pass
            except (ApiError, ServiceError) as exc:
                failed[name] = exc

        await MarketplaceClient.gather_limited([a.name for a in self.config.accounts], one, concurrency=4)
        rows = [CustomerRow(a.name, c) for a in self.config.accounts for c in self.customers.get(a.name, [])]
        return rows, failed


# ================================================================ mappings


@dataclass(frozen=True)
class CustomerRow:
    """One Ingram customer of one account: a row of the mapping table."""

    account: str
    customer: Customer

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, str(self.customer.id))


@dataclass(frozen=True)
class ClientImportResult:
    created: int
    updated: int
    skipped: int
    mapped: int

    def summary(self) -> str:
        return (
            f"{self.created} client(s) created, {self.updated} address(es) updated, "
            f"{self.mapped} customer(s) mapped, {self.skipped} skipped (already a client)"
        )


class MappingBook:
    """Every change to clients and mappings: saved at once (atomically), undoable, one path for UI and CLI.

    Changes replace list items instead of mutating them, so the previous ``Config`` kept for undo is a
    cheap shallow copy even with thousands of mappings.
    """

    UNDO_DEPTH = 50

    def __init__(self, services: "Services") -> None:
        self.services = services
        # (what, mappings, clients) before each change: undo never touches accounts or preferences
        self._undo: list[tuple[str, list, list]] = []

    @property
    def config(self) -> Config:
        return self.services.config

    def _change(self, description: str, mutate: Callable[[Config], Any], rows: list[CustomerRow] = ()) -> Any:
        gone = sorted({r.account for r in rows} - {a.name for a in self.config.accounts})
        if gone:
            raise ServiceError(f"The account {gone[0]} no longer exists; reload the customers (r).")
        before = self.config
        after = before.model_copy(update={"mappings": list(before.mappings), "clients": list(before.clients)})
        result = mutate(after)
        self.services.store.save(after)  # raises before anything changes in memory if it cannot be written
        self.services.config = after
        self._undo.append((description, before.mappings, before.clients))
        del self._undo[: -self.UNDO_DEPTH]
        return result

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> str | None:
        """Revert the last change; returns what was undone, or ``None`` if there was nothing."""
        if not self._undo:
            return None
        description, mappings, clients = self._undo[-1]
        accounts = {a.name for a in self.config.accounts}
        restored = self.config.model_copy(
            update={"mappings": [m for m in mappings if m.account in accounts], "clients": list(clients)}
        )
        self.services.store.save(restored)
        self.services.config = restored
        self._undo.pop()
        return description

    # -- single mappings

    def _index(self) -> dict[tuple[str, str], int]:
        return {(m.account, m.customer_id): i for i, m in enumerate(self.config.mappings)}

    def _put(self, config: Config, mapping: "Mapping") -> None:
        for i, existing in enumerate(config.mappings):
            if existing.account == mapping.account and existing.customer_id == mapping.customer_id:
                config.mappings[i] = mapping
                return
        config.mappings.append(mapping)

    def _ensure_client(self, config: Config, name: str, **fields: Any) -> bool:
        if config.client(name) is not None:
            return False
        config.clients.append(Client(name=name, **fields))
        return True

    def map(self, row: CustomerRow, client: str, how: str = "manual") -> None:
        client = client.strip()
        if not client:
            raise ServiceError("Type a client name.")

        def mutate(config: Config) -> None:
            existing = config.client(client)
            name = existing.name if existing else client
            if existing is None:
                config.clients.append(Client(name=name))
            self._put(config, Mapping(account=row.account, customer_id=str(row.customer.id), customer_name=row.customer.name, client=name, how=how))

        self._change(f"map {row.customer.name} to {client}", mutate, [row])

    def ignore(self, row: CustomerRow) -> None:
        self._change(
            f"ignore {row.customer.name}",
            lambda config: self._put(
                config,
                Mapping(account=row.account, customer_id=str(row.customer.id), customer_name=row.customer.name, how="ignored"),
            ),
            [row],
        )

    def clear(self, row: CustomerRow) -> bool:
        if self.config.mapping_for(row.account, str(row.customer.id)) is None:
            return False

        def mutate(config: Config) -> None:
            config.mappings[:] = [m for m in config.mappings if (m.account, m.customer_id) != row.key]

        self._change(f"clear the mapping of {row.customer.name}", mutate)
        return True

    def add_client(self, name: str) -> None:
        name = name.strip()
        if not name:
            raise ServiceError("Type a client name.")
        if self.config.client(name) is not None:
            raise ServiceError(f"There is already a client called {self.config.client(name).name}.")
        self._change(f"add client {name}", lambda config: config.clients.append(Client(name=name)))

    # -- automatic mapping

    def plan_auto(self, rows: list[CustomerRow]) -> AutoMapPlan:
        return plan_auto_map(
            [CustomerRef(r.account, str(r.customer.id), r.customer.name) for r in rows],
            [c.name for c in self.config.clients],
            [ExistingMapping(m.account, m.customer_id, m.client, m.how) for m in self.config.mappings],
        )

    def apply_auto(self, plan: AutoMapPlan) -> int:
        if not plan.to_apply:
            return 0

        def mutate(config: Config) -> int:
            taken = {(m.account, m.customer_id) for m in config.mappings}
            added = 0
            for planned in plan.to_apply:
                key = (planned.customer.account, planned.customer.customer_id)
                if key in taken:  # mapped meanwhile (e.g. by hand): never overwrite
                    continue
                config.mappings.append(
                    Mapping(account=key[0], customer_id=key[1], customer_name=planned.customer.name, client=planned.client, how=planned.how)
                )
                added += 1
            return added

        return self._change(f"auto-map {len(plan.to_apply)} customer(s)", mutate)

    # -- clients from customers, clients from a PSA's CSV

    def import_customers_as_clients(
        self, rows: list[CustomerRow], *, group: str | None = None, update_addresses: bool = False, map_them: bool = True
    ) -> ClientImportResult:
        """Create a client for each customer (named as Ingram names it), with its address, under ``group``."""
        counts = {"created": 0, "updated": 0, "skipped": 0, "mapped": 0}

        def address(customer: Customer) -> dict[str, Any]:
            a = customer.address
            if a is None:
                return {}
            return {
                "street": a.street_address, "extension": a.address_extension, "postal_code": a.postal_code,
                "city": a.city, "state": a.state, "country_code": a.country_code,
            }

        def mutate(config: Config) -> None:
            positions = {c.name.casefold(): i for i, c in enumerate(config.clients)}
            mapped = {(m.account, m.customer_id) for m in config.mappings}
            for row in rows:
                name = row.customer.name.strip()
                if not name:
                    continue
                at = positions.get(name.casefold())
                if at is None:
                    config.clients.append(Client(name=name, group=group or None, external_id=row.customer.external_id, **address(row.customer)))
                    positions[name.casefold()] = len(config.clients) - 1
                    counts["created"] += 1
                elif update_addresses and address(row.customer):
                    config.clients[at] = config.clients[at].model_copy(update=address(row.customer))
                    counts["updated"] += 1
                else:
                    counts["skipped"] += 1
                if map_them and row.key not in mapped:
                    client = config.clients[positions[name.casefold()]].name
                    config.mappings.append(
                        Mapping(account=row.account, customer_id=row.key[1], customer_name=name, client=client, how="exact")
                    )
                    mapped.add(row.key)
                    counts["mapped"] += 1

        self._change(f"create clients from {len(rows)} customer(s)", mutate, rows)
        return ClientImportResult(**counts)

    def import_mappings(self, rows: list[tuple[int, dict[str, str]]]) -> tuple[int, list["RowError"]]:
        """Apply mapping rows (account, customer_id, client, how); bad rows reported by line, others kept."""
        errors: list[RowError] = []
        accounts = {a.name for a in self.config.accounts}
        good: list[Mapping] = []
        clear: set[tuple[str, str]] = set()
        for line, record in rows:
            account, customer_id = record.get("account", ""), record.get("customer_id", "")
            how = record.get("how", "") or ("manual" if record.get("client") else "unmapped")
            if not account or not customer_id:
                errors.append(RowError(line, "account and customer_id are required"))
                continue
            if account not in accounts:
                errors.append(RowError(line, f"there is no account called {account}"))
                continue
            if how == "unmapped":
                clear.add((account, customer_id))
                continue
            try:
                mapping = Mapping(account=account, customer_id=customer_id, customer_name=record.get("customer_name", ""),
                                  client=record.get("client") or None, how=how)
                if mapping.client:
                    Client(name=mapping.client)  # a client name the config would refuse is this row's problem
                good.append(mapping)
            except ValueError as exc:
                reason = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
                errors.append(RowError(line, reason))

        def mutate(config: Config) -> int:
            for mapping in good:
                if mapping.client:
                    existing = config.client(mapping.client)
                    if existing is None:
                        config.clients.append(Client(name=mapping.client))
                    elif existing.name != mapping.client:  # one spelling per client, or auto-map's checks miss it
                        mapping = mapping.model_copy(update={"client": existing.name})
                self._put(config, mapping)
            config.mappings[:] = [m for m in config.mappings if (m.account, m.customer_id) not in clear]
            return len(good) + len(clear)

        changed = self._change(f"import {len(good)} mapping(s)", mutate) if good or clear else 0
        return changed, errors

    def import_clients_csv_file(self, path: str | Path) -> tuple[int, list["RowError"]]:
        """Read a PSA's CSV export from disk (UTF-8, with or without BOM) and import its clients."""
        file = Path(path).expanduser()
        try:
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ServiceError(f"There is no file {file}.") from None
        except UnicodeDecodeError:
            text = file.read_bytes().decode("cp1252", errors="replace")  # Excel on Windows
        except OSError as exc:
            raise ServiceError(f"Could not read {file}: {exc.strerror}.") from None
        return self.import_clients_csv(text)

    def import_clients_csv(self, text: str) -> tuple[int, list["RowError"]]:
        """Add the clients of a PSA export; bad rows are reported by line and skipped, nothing else lost."""
        parsed = parse_clients_csv(text)
        errors = list(parsed.errors)

        def mutate(config: Config) -> int:
            added = 0
            for client in parsed.clients:
                if config.client(client.name) is not None:
                    continue
                config.clients.append(Client(name=client.name, external_id=client.external_id))
                added += 1
            return added

        added = self._change(f"import {len(parsed.clients)} client(s) from CSV", mutate) if parsed.clients else 0
        return added, errors


# ================================================================ mapping table as rows (export / import)

MAPPING_COLUMNS = ("account", "customer_id", "customer_name", "client", "how")


def mapping_table(config: Config, rows: list[CustomerRow]) -> list[dict[str, str]]:
    """One row per Ingram customer (unmapped ones too), plus mappings of customers not loaded this time."""
    by_key = {(m.account, m.customer_id): m for m in config.mappings}
    table = []
    seen = set()
    for row in rows:
        mapping = by_key.get(row.key)
        seen.add(row.key)
        table.append(
            {
                "account": row.account,
                "customer_id": row.key[1],
                "customer_name": row.customer.name,
                "client": (mapping.client or "") if mapping else "",
                "how": mapping.how if mapping else "unmapped",
            }
        )
    for key, mapping in by_key.items():
        if key not in seen:
            table.append(
                {"account": mapping.account, "customer_id": mapping.customer_id, "customer_name": mapping.customer_name,
                 "client": mapping.client or "", "how": mapping.how}
            )
    return table


def parse_mapping_rows(text: str, *, json_format: bool) -> tuple[list[tuple[int, dict[str, str]]], list["RowError"]]:
    """Rows of a mapping file (as written by ``imtui mappings export``) with their line numbers."""
    import csv
    import io
    import json

    if json_format:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return [], [RowError(exc.lineno, f"not valid JSON: {exc.msg}")]
        if not isinstance(data, list):
            return [], [RowError(1, "expected a JSON list of mappings")]
        rows = []
        errors = []
        for number, item in enumerate(data, start=1):
            if isinstance(item, dict):
                rows.append((number, {k: "" if v is None else str(v) for k, v in item.items()}))
            else:
                errors.append(RowError(number, f"item {number} is not an object"))
        return rows, errors
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    for record in reader:
        rows.append((reader.line_num, {k.strip().lower(): (v or "").strip() for k, v in record.items() if k}))
    return rows, []
