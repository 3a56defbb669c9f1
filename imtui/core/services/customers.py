"""Customers: the Ingram customers of each account, loaded page by page and kept for this session.

One unreadable customer never fails an account: it is skipped into the load's :class:`ListReport` (how many,
which ids), with any paging warnings, and the rest are kept. A load that fails keeps the customers of the
last complete one (``cached``) and when they were loaded (``loaded_at``): screens show them as stale.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from imtui.core.api import ApiError, ListReport, MarketplaceClient
from imtui.core.api.models import Customer
from imtui.core.errors import ServiceError

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["CustomerPage", "CustomerRow", "CustomersArea"]


@dataclass(frozen=True)
class CustomerRow:
    """One Ingram customer of one account: a row of the mapping table."""

    account: str
    customer: Customer

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, str(self.customer.id))


@dataclass
class CustomerPage:
    """Customers of one account as they arrive, for a screen that fills while loading."""

    account: str
    customers: list[Customer]
    loaded: int  # readable customers so far (skipped ones not counted)
    total: int | None  # what the marketplace says the list holds (skipped ones counted)
    #: the load's report so far: unreadable customers skipped (which ids), paging warnings
    report: ListReport = field(default_factory=ListReport)


class CustomersArea:
    """``services.customers``: loading customers, and the ones loaded in this session (the mapping table
    reads these, not the API, when it reopens; imports check customer ids against them)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._loaded: dict[str, list[Customer]] = {}
        self._by_id: dict[str, dict[str, Customer]] = {}
        self._loaded_at: dict[str, datetime] = {}
        self._reports: dict[str, ListReport] = {}

    def cached(self, account: str) -> list[Customer] | None:
        """The customers of ``account`` loaded in this session, or None if they were not (all) loaded."""
        return self._loaded.get(account)

    def loaded_at(self, account: str) -> datetime | None:
        """When the customers ``cached`` holds were loaded (``services.now()``), or None."""
        return self._loaded_at.get(account)

    def report(self, account: str) -> ListReport | None:
        """What the load behind ``cached`` could not read (skipped customers, paging warnings), or None."""
        return self._reports.get(account)

    def find(self, account: str, customer_id: str) -> Customer | None:
        """A loaded customer of ``account`` by id, or None (not a customer, or not loaded)."""
        if account not in self._by_id:
            self._by_id[account] = {str(c.id): c for c in self._loaded.get(account, [])}
        return self._by_id[account].get(str(customer_id))

    def rows(self) -> list[CustomerRow]:
        """Every loaded customer as a row, accounts in config order."""
        return [CustomerRow(a.name, c) for a in self.services.config.accounts for c in self._loaded.get(a.name, [])]

    def forget(self, account: str | None = None) -> None:
        """Forget the loaded customers of ``account`` (of every account with None): next time they load again."""
        for kept in (self._loaded, self._by_id, self._loaded_at, self._reports):
            if account is None:
                kept.clear()
            else:
                kept.pop(account, None)

    async def pages(self, name: str) -> AsyncIterator[CustomerPage]:
        """Customers of one account, page by page (500 a page), as they arrive; kept for this session
        once every page has arrived, replacing the previous load's (which stay if this one fails).
        Unreadable customers are skipped into the pages' ``report``; the rest are kept."""
        client = self.services.client(name)
        report = ListReport()
        loaded: list[Customer] = []
        async for page in client.pages("customers", report=report):
            customers = client.parse_rows(Customer, page.items, "customers", report, first_index=page.offset)
            loaded.extend(customers)
            yield CustomerPage(name, customers, len(loaded), page.total, report)
        self._loaded[name] = loaded
        self._by_id.pop(name, None)
        self._loaded_at[name] = self.services.now()
        self._reports[name] = report

    async def load_all(self) -> tuple[list[CustomerRow], dict[str, ApiError | ServiceError]]:
        """Customers of every account (headless use), accounts in parallel. An account that fails is
        handed back with its error; the others are still used."""
        failed: dict[str, ApiError | ServiceError] = {}

        async def one(name: str) -> None:
            try:
                async for _ in self.pages(name):
                    pass
            except (ApiError, ServiceError) as exc:
                failed[name] = exc

        await MarketplaceClient.gather_limited([a.name for a in self.services.config.accounts], one, concurrency=4)
        return self.rows(), failed
