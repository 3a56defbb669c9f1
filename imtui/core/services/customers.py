"""Customers: the Ingram customers of each account, loaded page by page and kept for this session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imtui.core.api import ApiError, MarketplaceClient
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
    loaded: int
    total: int | None


class CustomersArea:
    """``services.customers``: loading customers, and the ones loaded in this session (the mapping table
    reads these, not the API, when it reopens; imports check customer ids against them)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._loaded: dict[str, list[Customer]] = {}
        self._by_id: dict[str, dict[str, Customer]] = {}

    def cached(self, account: str) -> list[Customer] | None:
        """The customers of ``account`` loaded in this session, or None if they were not (all) loaded."""
        return self._loaded.get(account)

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
        if account is None:
            self._loaded.clear()
            self._by_id.clear()
        else:
            self._loaded.pop(account, None)
            self._by_id.pop(account, None)

    async def pages(self, name: str) -> AsyncIterator[CustomerPage]:
        """Customers of one account, page by page (500 a page), as they arrive; kept for this session
        once every page has arrived."""
        client = self.services.client(name)
        loaded: list[Customer] = []
        async for page in client.pages("customers"):
            customers = [client.parse_row(Customer, row, "GET", "/customers") for row in page.items]
            loaded.extend(customers)
            yield CustomerPage(name, customers, len(loaded), page.total)
        self._loaded[name] = loaded
        self._by_id.pop(name, None)

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
