"""Mappings: every change to clients and customer mappings, saved at once (atomically), undoable, one path
for the UI and the CLI. Imports (a mapping file, a PSA's client CSV, clients made from customers) are in
:mod:`imtui.core.services.imports`; they change the config through the same book."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from imtui.core import rules
from imtui.core.config import Client, Config, Mapping
from imtui.core.errors import ServiceError
from imtui.core.matching import AutoMapPlan, CustomerRef, plan_auto_map
from imtui.core.services import imports
from imtui.core.services.customers import CustomerRow

if TYPE_CHECKING:
    from imtui.core.services import Services
    from imtui.core.services.imports import ClientImportResult, ClientsCsvImport, MappingImportResult

__all__ = ["MappingBook"]

T = TypeVar("T")


class MappingBook:
    """``services.mappings``. Changes replace list items instead of mutating them, so the previous
    ``Config`` kept for undo is a cheap shallow copy even with thousands of mappings."""

    UNDO_DEPTH = 50

    def __init__(self, services: Services) -> None:
        self.services = services
        # (what, mappings, clients) before each change: undo never touches accounts or preferences
        self._undo: list[tuple[str, list[Mapping], list[Client]]] = []

    @property
    def config(self) -> Config:
        return self.services.config

    def change(self, description: str, mutate: Callable[[Config], T], rows: list[CustomerRow] = ()) -> T:
        """Apply one undoable change through :meth:`Services.change_config`."""
        gone = sorted({r.account for r in rows} - {a.name for a in self.config.accounts})
        if gone:
            raise ServiceError(f"The account {gone[0]} no longer exists; reload the customers (r).")
        before = self.config
        result = self.services.change_config(mutate)
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

        def restore(config: Config) -> None:
            accounts = {a.name for a in config.accounts}
            config.mappings = [m for m in mappings if m.account in accounts]
            config.clients = list(clients)

        self.services.change_config(restore)
        self._undo.pop()
        return description

    # -- single mappings

    def map(self, row: CustomerRow, client: str, how: str = "manual") -> None:
        client = client.strip()
        if problem := rules.check_client_name(client):
            raise ServiceError(problem)

        def mutate(config: Config) -> None:
            existing = config.client(client)
            name = existing.name if existing else client
            if existing is None:
                config.clients.append(Client(name=name))
            config.set_mapping(
                Mapping(account=row.account, customer_id=row.key[1], customer_name=row.customer.name, client=name, how=how)
            )

        self.change(f"map {row.customer.name} to {client}", mutate, [row])

    def ignore(self, row: CustomerRow) -> None:
        def mutate(config: Config) -> None:
            config.set_mapping(Mapping(account=row.account, customer_id=row.key[1], customer_name=row.customer.name, how="ignored"))

        self.change(f"ignore {row.customer.name}", mutate, [row])

    def clear(self, row: CustomerRow) -> bool:
        if self.config.mapping_for(*row.key) is None:
            return False
        self.change(f"clear the mapping of {row.customer.name}", lambda config: config.remove_mappings({row.key}))
        return True

    def add_client(self, name: str) -> None:
        name = name.strip()
        if problem := rules.check_client_name(name):
            raise ServiceError(problem)
        existing = self.config.client(name)
        if existing is not None:
            raise ServiceError(f"There is already a client called {existing.name}.")
        self.change(f"add client {name}", lambda config: config.clients.append(Client(name=name)))

    # -- automatic mapping

    def plan_auto(self, rows: list[CustomerRow]) -> AutoMapPlan:
        return plan_auto_map(
            [CustomerRef(r.account, r.key[1], r.customer.name) for r in rows],
            [c.name for c in self.config.clients],
            imports.existing_mappings(self.config),
        )

    def apply_auto(self, plan: AutoMapPlan) -> int:
        if not plan.to_apply:
            return 0

        def mutate(config: Config) -> int:
            taken = config.mapping_index()
            added = 0
            for planned in plan.to_apply:
                key = (planned.customer.account, planned.customer.customer_id)
                if key in taken:  # mapped meanwhile (e.g. by hand): never overwrite
                    continue
                config.set_mapping(
                    Mapping(account=key[0], customer_id=key[1], customer_name=planned.customer.name, client=planned.client, how=planned.how)
                )
                added += 1
            return added

        return self.change(f"auto-map {len(plan.to_apply)} customer(s)", mutate)

    # -- imports (see imports.py)

    def import_customers_as_clients(
        self, rows: list[CustomerRow], *, group: str | None = None, update_addresses: bool = False
    ) -> ClientImportResult:
        """Create a client for each customer no client matches, map customers to the clients that
        match them (as auto-map would), and leave for the queue what auto-map would refuse."""
        return imports.customers_as_clients(self, rows, group=group, update_addresses=update_addresses)

    def import_mappings(self, rows: list[tuple[int, dict[str, str]]], *, unit: str = "line") -> MappingImportResult:
        """Apply mapping rows (account, customer_id, client, how) for customers loaded this session."""
        return imports.mapping_rows(self, rows, unit=unit)

    def import_mapping_file(self, path: str | Path) -> MappingImportResult:
        """Read a mapping file (CSV, or JSON if it ends in .json) and apply it; see :meth:`import_mappings`."""
        return imports.mapping_file(self, path)

    def import_clients_csv(self, text: str) -> ClientsCsvImport:
        """Add the clients of a PSA export; bad rows are reported by line and skipped, nothing else lost."""
        return imports.clients_csv(self, text)

    def import_clients_csv_file(self, path: str | Path) -> ClientsCsvImport:
        """Read a PSA's CSV export from disk (any encoding Excel writes) and import its clients."""
        return imports.clients_csv_file(self, path)

