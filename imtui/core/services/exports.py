"""``services.exports``: the snapshot (and the config's mappings) as CSV or JSON files.

The same code writes ``imtui export KIND`` and the app's export key (ctrl+e): :meth:`ExportsArea.table`
builds the rows (see :mod:`imtui.core.formats.exports` for the columns and the rules of the cells) and
:meth:`ExportsArea.write` writes any :class:`ExportTable` atomically. Both block (SQLite, fsync): the app calls
them in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imtui.core.errors import ServiceError
from imtui.core.formats.exports import (
    EXPORT_KINDS,
    FORMATS,
    ExportTable,
    customer_rows,
    mapping_rows,
    order_rows,
    subscription_rows,
    write_export,
)

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["ExportOutcome", "ExportsArea"]


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    """What an export wrote: how many rows, where (None: standard output)."""

    kind: str
    rows: int
    path: Path | None

    def summary(self) -> str:
        where = str(self.path) if self.path else "standard output"
        return f"{self.rows:,} {self.kind if self.rows != 1 else self.kind.rstrip('s')} written to {where}"


class ExportsArea:
    def __init__(self, services: Services) -> None:
        self.services = services

    def check_filters(self, account: str | None, client: str | None) -> None:
        """An account or client that does not exist is a mistake worth saying, not an empty file."""
        services = self.services
        if account is not None and services.config.account(account) is None and account not in services.snapshot.accounts():
            raise ServiceError(f"There is no account called {account}; see `imtui accounts list`.")
        if client is not None and services.config.client(client) is None:
            raise ServiceError(f"There is no client called {client}.")

    def table(self, kind: str, *, account: str | None = None, client: str | None = None) -> ExportTable:
        """The rows of one kind (``customers``, ``subscriptions``, ``orders``, ``mappings``) from the snapshot,
        of one account and/or one client if given."""
        if kind not in EXPORT_KINDS:
            raise ServiceError(f"Export one of {', '.join(EXPORT_KINDS)}, not {kind!r}.")
        self.check_filters(account, client)
        services = self.services
        config, snapshot = services.config, services.snapshot
        if kind == "customers":
            return customer_rows(config, snapshot.customers(account), client=client)
        if kind == "subscriptions":
            rows = snapshot.subscriptions(account, today=services.today())
            return subscription_rows(config, services.prices, rows, client=client)
        customers = snapshot.customers(account)
        if kind == "orders":
            names = {(c.account, c.id): c.name for c in customers}
            return order_rows(config, snapshot.orders(account), names, client=client)
        return mapping_rows(config, ((c.account, c.id, c.name) for c in customers), account=account, client=client)

    def write(self, table: ExportTable, fmt: str, path: str | Path | None, *, bom: bool = False) -> ExportOutcome:
        """Write ``table`` as ``fmt`` (csv/json) to ``path`` atomically, or to standard output (None)."""
        if fmt not in FORMATS:
            raise ServiceError(f"Export as csv or json, not {fmt!r}.")
        written = write_export(table, fmt, path, bom=bom)
        return ExportOutcome(table.kind, len(table.rows), written)

    def export(self, kind: str, fmt: str, path: str | Path | None, *, account: str | None = None,
               client: str | None = None, bom: bool = False) -> ExportOutcome:
        """:meth:`table` then :meth:`write`: what ``imtui export`` does."""
        return self.write(self.table(kind, account=account, client=client), fmt, path, bom=bom)
