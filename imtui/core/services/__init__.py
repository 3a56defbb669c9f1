"""The operations the UI and the CLI both call. The UI never builds HTTP requests or touches files itself.

``Services`` is the entry point: it opens the config store, the secret store and one
``MarketplaceClient`` per account for the app's whole life, and holds one object per area:

- ``services.accounts`` (:mod:`.accounts`): add, test, edit, remove accounts; the vault;
- ``services.customers`` (:mod:`.customers`): loading customers, the ones loaded this session;
- ``services.mappings`` (:mod:`.mappings`, :mod:`.imports`): clients and mappings, undo, imports;
- ``services.sync`` (:mod:`.sync`): refreshing the local snapshot from the marketplace;
- ``services.subscriptions`` (:mod:`.subscriptions`, :mod:`.subscription_views`): the subscriptions as the
  browser and the CLI show them, their filters, sorting, renewals and totals;
- ``services.catalog`` (:mod:`.catalog`): what an account can buy, variant by variant;
- ``services.orders`` (:mod:`.orders`): the one path for money: plans, placing (never twice), lookups, watching;
- ``services.orders_view`` (:mod:`.order_reads`): orders from the snapshot for the orders screen and
  ``imtui orders list|show``: their details, live news of unfinished ones (reads only);
- ``services.journal_view`` (:mod:`.journal_view`): the journal's entries, its check, one client's export;
- ``services.sync`` (:mod:`.sync`): refreshing the local snapshot from the marketplace, and what changed;
- ``services.exports`` (:mod:`.exports`): customers, subscriptions, orders, mappings to CSV/JSON files;
- ``services.pricing`` (:mod:`.prices`): the account markups and per-product price overrides (config);
- ``services.reports`` (:mod:`.reports`): the cost report per client;
- shared by the areas: ``services.snapshot`` (what was last loaded), ``services.journal`` (the audit journal),
  ``services.prices`` (the MSP's prices), ``services.now()`` / ``services.today()`` (the sandbox's clock in the
  demo, so days-left and order lookups agree with its data).

A new area (subscriptions, orders, sync) is a module here and one ``cached_property`` on :class:`Services`
that imports it, so it is built (and imported) on first use: opening stays as cheap as the first screen
needs. Only what every first load uses is imported with this package (config, secrets, the API client).
Every change to the config goes through :meth:`Services.change_config`. In demo mode it runs on the
in-process sandbox with a throwaway config directory, so nothing is written to the user's real config.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from imtui.core.api import MarketplaceClient
from imtui.core.config import AccountConfig, Client, Config, ConfigStore, describe_validation_error
from imtui.core.errors import ServiceError
from imtui.core.lazy import lazy_attributes
from imtui.core.paths import Paths, resolve_paths
from imtui.core.secrets import AccountSecrets, SecretStore
from imtui.core.services.accounts import AccountInput, AccountOutcome, AccountsArea, ConnectionReport
from imtui.core.services.customers import CustomerPage, CustomerRow, CustomersArea

if TYPE_CHECKING:
    import httpx

    from imtui.core.journal import Journal
    from imtui.core.pricing import PriceBook
    from imtui.core.services.imports import ClientImportResult, ClientsCsvImport, MappingImportResult
    from imtui.core.services.mappings import MappingBook
    from imtui.core.services.catalog import CatalogArea, Variant
    from imtui.core.services.exports import ExportsArea
    from imtui.core.services.journal_view import JournalView
    from imtui.core.services.order_reads import OrderReads
    from imtui.core.services.orders import OrdersArea
    from imtui.core.services.plans import OrderOutcome, OrderPlan, Outcome, PlanKind
    from imtui.core.services.prices import PricingArea
    from imtui.core.services.reports import ReportsArea
    from imtui.core.services.subscriptions import SubscriptionsArea
    from imtui.core.services.sync import SyncArea, SyncResult
    from imtui.core.snapshot import Snapshot

__all__ = [
    "AccountInput",
    "AccountOutcome",
    "ClientImportResult",
    "ClientsCsvImport",
    "ConnectionReport",
    "CustomerPage",
    "CustomerRow",
    "MappingImportResult",
    "OrderOutcome",
    "OrderPlan",
    "Outcome",
    "PlanKind",
    "ServiceError",
    "Services",
    "SyncResult",
    "Variant",
]

log = logging.getLogger("imtui.services")

#: names this package exports from modules it imports only when they are first used
_LATER = {
    "ClientImportResult": "imports",
    "ClientsCsvImport": "imports",
    "MappingImportResult": "imports",
    "SyncResult": "sync",
    "Variant": "catalog",
    "OrderOutcome": "plans",
    "OrderPlan": "plans",
    "Outcome": "plans",
    "PlanKind": "plans",
}


__getattr__ = lazy_attributes(__name__, _LATER)

T = TypeVar("T")


@dataclass
class Services:
    paths: Paths
    store: ConfigStore
    secrets: SecretStore
    transport: httpx.AsyncBaseTransport | None = None
    demo: bool = False
    sandbox: Any = None
    #: a headless run (the CLI): advice names environment variables, not keys; secrets must outlive it
    headless: bool = False
    config: Config = field(default_factory=Config)
    _clients: dict[str, MarketplaceClient] = field(default_factory=dict)
    _cleanup: list[Callable[[], None]] = field(default_factory=list)
    _retired: list[MarketplaceClient] = field(default_factory=list)
    #: bumped by every account change, so screens built on the old list know to start afresh
    accounts_changed: int = 0
    #: extra keyword arguments for every MarketplaceClient (tests: a sleep and clock on the sandbox's time)
    client_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.accounts = AccountsArea(self)
        self.customers = CustomersArea(self)
        self._snapshot: Snapshot | None = None
        self._journal: Journal | None = None
        self._prices: tuple[Config, PriceBook] | None = None

    # Areas no first screen needs are built on first use, so opening the services (and the app's first
    # load) does not import them: matching and file formats, the snapshot and its refresh.

    @cached_property
    def mappings(self) -> MappingBook:
        from imtui.core.services.mappings import MappingBook

        return MappingBook(self)

    @cached_property
    def sync(self) -> SyncArea:
        from imtui.core.services.sync import SyncArea

        return SyncArea(self)

    @cached_property
    def subscriptions(self) -> SubscriptionsArea:
        from imtui.core.services.subscriptions import SubscriptionsArea

        return SubscriptionsArea(self)

    @cached_property
    def catalog(self) -> CatalogArea:
        from imtui.core.services.catalog import CatalogArea

        return CatalogArea(self)

    @cached_property
    def orders(self) -> OrdersArea:
        from imtui.core.services.orders import OrdersArea

        return OrdersArea(self)

    @cached_property
    def orders_view(self) -> OrderReads:
        """Reads of the orders screen and ``imtui orders list|show`` (placing orders is ``orders``)."""
        from imtui.core.services.order_reads import OrderReads

        return OrderReads(self)

    @cached_property
    def journal_view(self) -> JournalView:
        """Reads of the journal screen and ``imtui journal list|verify|export``."""
        from imtui.core.services.journal_view import JournalView

        return JournalView(self)

    @cached_property
    def exports(self) -> ExportsArea:
        from imtui.core.services.exports import ExportsArea

        return ExportsArea(self)

    @cached_property
    def pricing(self) -> PricingArea:
        from imtui.core.services.prices import PricingArea

        return PricingArea(self)

    @cached_property
    def reports(self) -> ReportsArea:
        from imtui.core.services.reports import ReportsArea

        return ReportsArea(self)

    # ------------------------------------------------------------ shared by the areas

    def now(self) -> datetime:
        """The time as the marketplace sees it: the sandbox's clock in the demo, UTC now otherwise."""
        if self.sandbox is not None:
            return self.sandbox.clock.now()
        return datetime.now(timezone.utc)

    def today(self) -> date:
        """Today, for days until renewal (the marketplace's dates are days without a zone: UTC)."""
        return self.now().date()

    @property
    def snapshot(self) -> Snapshot:
        """The local snapshot of what was last loaded (SQLite in the data dir); opened on first query."""
        if self._snapshot is None:
            from imtui.core.snapshot import Snapshot

            self._snapshot = Snapshot(self.paths.snapshot_dir)
        return self._snapshot

    @property
    def journal(self) -> Journal:
        """The audit journal; every account's password and subscription key are masked out of it."""
        if self._journal is None:
            from imtui.core.journal import Journal

            self._journal = Journal(self.paths.journal_file, clock=self.now)  # the sandbox's time in the demo
        for account in self.config.accounts:  # accounts added since are registered too (cheap: a set)
            found = self.secrets.get(account.name)
            if found is not None:
                self._journal.register_secrets(found.secrets.password, found.secrets.subscription_key)
        return self._journal

    @property
    def prices(self) -> PriceBook:
        """The MSP's prices (markups and overrides) for the config as it is now."""
        if self._prices is None or self._prices[0] is not self.config:
            from imtui.core.pricing import PriceBook

            self._prices = (self.config, PriceBook(self.config))
        return self._prices[1]

    # ------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        config_dir: str | Path | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        keyring_backend: Any = None,
        headless: bool = False,
    ) -> Services:
        """Services on the user's own config (or ``--config DIR`` / ``IMTUI_HOME``)."""
        paths = resolve_paths(config_dir)
        store = ConfigStore(paths.config_file)
        secrets = SecretStore(paths, keyring_backend=keyring_backend)
        services = cls(paths=paths, store=store, secrets=secrets, transport=transport, headless=headless)
        services.config = store.load()
        return services

    @classmethod
    def open_demo(cls, sandbox: Any = None) -> Services:
        """Services on the in-process sandbox, its accounts set up, in a throwaway config directory. The
        sandbox's clock starts now (seconds cut off), so its order times are the world's."""
        from imtui.core.demo import demo_client_names
        from imtui.sandbox import Sandbox
        from imtui.sandbox.clock import current_start

        sandbox = sandbox or Sandbox(clock="real", start=current_start())
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
                    name=account.name, api_url=account.base_url, marketplace=account.marketplace, username=account.username
                )
            )
            secrets.set(account.name, AccountSecrets(password=account.password, subscription_key=account.subscription_key))
        names = [c["name"] for a in sandbox.accounts for c in sandbox.state.account(a.name).customers.values()]
        config.clients = [Client(name=name, group="Demo clients") for name in demo_client_names(names)]
        store.save(config)
        services.config = config
        return services

    async def aclose(self) -> None:
        if self._snapshot is not None:
            self._snapshot.close()
        for client in [*self._clients.values(), *self._retired]:
            await client.aclose()
        self._clients.clear()
        self._retired.clear()
        for step in self._cleanup:
            step()
        self._cleanup.clear()

    # ------------------------------------------------------------ the config

    def change_config(self, change: Callable[[Config], T]) -> T:
        """The one way to change the config: ``change`` edits a copy (its lists copied, their items
        shared), the copy is saved atomically, then swapped in; returns what ``change`` returned.

        ``change`` replaces list items instead of mutating them, so the previous ``Config`` stays intact
        (the mapping book keeps its lists for undo). If the change is refused or the file cannot be
        written, nothing changes in memory either. A value the model refuses is a :class:`ServiceError`.
        """
        before = self.config
        after = before.model_copy(
            update={"accounts": list(before.accounts), "clients": list(before.clients), "mappings": list(before.mappings),
                    "price_overrides": list(before.price_overrides)}
        )
        try:
            result = change(after)
            self.store.save(after)  # raises before anything changes in memory if it cannot be written
        except ValidationError as exc:
            raise ServiceError(describe_validation_error(exc)) from None
        self.config = after
        return result

    def reload_config(self) -> Config:
        """Take the config as it is on disk now (after another imtui changed it); the undo history ends."""
        self.config = self.store.reload()
        self.__dict__.pop("mappings", None)  # a new book (no undo history) on first use
        for name in list(self._clients):
            self._drop_client(name)
        return self.config

    # ------------------------------------------------------------ clients

    def new_client(self, account: AccountConfig, secrets: AccountSecrets) -> MarketplaceClient:
        """A client of its own (for a connection test): the caller closes it."""
        return MarketplaceClient(
            account.api_url,
            account.marketplace,
            account.username,
            secrets.password,
            secrets.subscription_key,
            transport=self.transport,
            now=self.now,
            **self.client_options,
        )

    def client(self, name: str) -> MarketplaceClient:
        """The one client of an account, built on first use."""
        if name not in self._clients:
            account = self.config.account(name)
            if account is None:
                raise ServiceError(f"There is no account called {name}.")
            client = self.new_client(account, self.accounts.secrets_for(name))
            if account.requests_per_second is not None:  # the key's budget as the user knows it
                client.budget.configure_limit(account.requests_per_second)
            self._clients[name] = client
        return self._clients[name]

    def _drop_client(self, name: str | None) -> None:
        """Forget an account's client (its settings or secrets changed); it is closed with the others."""
        client = self._clients.pop(name, None) if name else None
        if client is not None:
            self._retired.append(client)

    def accounts_touched(self, *names: str | None) -> None:
        """Accounts were added, edited, renamed or removed: their clients and loaded customers go, and
        screens built on the old list of accounts start afresh."""
        for name in names:
            if name:
                self._drop_client(name)
                self.customers.forget(name)
                self.catalog.forget(name)
                self.orders.forget(name)
        self.accounts_changed += 1
