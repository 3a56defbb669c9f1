"""MarketplaceClient: one ``httpx.AsyncClient`` per marketplace account, and the API's resources on it.

The wire (login, retries, the shared rate budget, typed errors, deadlines) is ``session.ApiSession``; paging
and the report of unreadable rows are ``paging.py``. This module is the resources: resellers, customers,
products, subscriptions, orders.

- Lists are tolerant: pass a :class:`ListReport` to any list call to hear about rows that could not be read
  (they are skipped, the rest kept) and about paging anomalies.
- ``place_order`` is never retried; an answer that does not say whether the order exists is an
  ``OrderOutcomeUnknownError`` carrying when the attempt began, the customer and the PO number to look up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from imtui.core.api import errors
from imtui.core.api.models import (
    Customer,
    Order,
    OrderRequest,
    Page,
    ParameterValidation,
    Product,
    Reseller,
    Subscription,
    SubscriptionDetail,
)
from imtui.core.api.paging import ListReport, PageWalk, parse_rows
from imtui.core.api.session import DEFAULT_TIMEOUT, ORDER_TIMEOUT, TOKEN_MARGIN, ApiSession  # noqa: F401 - re-exported

T = TypeVar("T")
R = TypeVar("R")

PAGE_LIMIT = 500
DETAIL_CONCURRENCY = 8  # detail fetches in flight without a proactive rate


class MarketplaceClient(ApiSession):
    """Async client of the Ingram Micro Cloud Marketplace API for one account."""

    # ---------------------------------------------------------------- reading

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._json(await self._send("GET", path, params=params, retry=True))

    async def _get_one(self, path: str, model: type[T]) -> T:
        return self._parse(await self._send("GET", path, retry=True), model)

    def _list_body(self, body: Any, path: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise errors.InvalidResponseError("a list answer without a data array", method="GET", path="/" + path)
        return body

    def parse_rows(
        self, model: type[T], items: list[Any], path: str, report: ListReport | None = None, first_index: int = 0
    ) -> list[T]:
        """Parse the rows of one page (``first_index``: the page's offset in the list); unreadable ones are
        skipped into ``report`` (and logged)."""
        parse = lambda row: self.parse_row(model, row, "GET", "/" + path.lstrip("/"))  # noqa: E731
        return parse_rows(items, parse, path, report if report is not None else ListReport(), first_index)

    # ---------------------------------------------------------------- paging

    async def pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        limit: int = PAGE_LIMIT,
        offset: int = 0,
        report: ListReport | None = None,
    ) -> AsyncIterator[Page]:
        """Yield every page of a list (rows raw, repeats dropped); see ``paging.py`` for when it stops."""
        params = dict(params or {})
        walk = PageWalk(path, offset, limit, report if report is not None else ListReport())
        while not walk.done:
            asked = walk.offset
            body = self._list_body(await self._get(path, {**params, "offset": asked, "limit": limit}), path)
            rows, total = walk.take(body)
            yield Page(items=rows, offset=asked, total=total)

    async def rows(
        self,
        path: str,
        model: type[T],
        params: dict[str, Any] | None = None,
        *,
        limit: int = PAGE_LIMIT,
        report: ListReport | None = None,
    ) -> AsyncIterator[T]:
        """Every readable row of a list, parsed into ``model``; unreadable rows go into ``report``."""
        report = report if report is not None else ListReport()
        async for page in self.pages(path, params, limit=limit, report=report):
            for row in parse_rows(page.items, lambda r: self.parse_row(model, r, "GET", "/" + path), path, report, page.offset):
                yield row

    async def collect(
        self, path: str, model: type[T], params: dict[str, Any] | None = None, *, report: ListReport | None = None
    ) -> list[T]:
        return [row async for row in self.rows(path, model, params, report=report)]

    @staticmethod
    async def gather_limited(
        items: Iterable[T],
        fetch: Callable[[T], Awaitable[R]],
        *,
        concurrency: int = DETAIL_CONCURRENCY,
        return_exceptions: bool = False,
        on_done: Callable[[T, R | BaseException], None] | None = None,
    ) -> list[R | BaseException]:
        """Run ``fetch`` over ``items`` with at most ``concurrency`` in flight; results in input order.

        A pool of ``concurrency`` workers (not one task per item: fine for tens of thousands). Requests still
        pass the key's rate budget one by one, so a pause after a 429 holds every worker."""
        items = list(items)
        results: list[Any] = [None] * len(items)
        queue = iter(enumerate(items))

        async def worker() -> None:
            for index, item in queue:
                try:
                    results[index] = await fetch(item)
                except Exception as exc:  # noqa: BLE001 - handed back or re-raised below
                    if not return_exceptions:
                        raise
                    results[index] = exc
                if on_done is not None:
                    on_done(item, results[index])

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(max(1, concurrency), len(items))):
                    group.create_task(worker())
        except BaseExceptionGroup as group_error:
            raise group_error.exceptions[0] from None
        return results

    # ---------------------------------------------------------------- resellers

    async def list_resellers(self, *, report: ListReport | None = None) -> list[Reseller]:
        return await self.collect("resellers", Reseller, report=report)

    async def get_reseller(self, reseller_id: str | None = None) -> Reseller:
        """The account itself (``GET /resellers`` first row), or one reseller by id."""
        if reseller_id is not None:
            return await self._get_one(f"resellers/{reseller_id}", Reseller)
        body = await self._get("resellers", {"limit": 1})
        rows = body.get("data") if isinstance(body, dict) else None
        if not rows:  # the API user sees no reseller: an answer we cannot use, not a wrong URL
            raise errors.InvalidResponseError(
                "the reseller list is empty: the API user has no reseller record", method="GET", path="/resellers"
            )
        return self.parse_row(Reseller, rows[0], "GET", "/resellers")

    # ---------------------------------------------------------------- customers

    def iter_customers(
        self,
        *,
        name: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
        report: ListReport | None = None,
    ) -> AsyncIterator[Customer]:
        params = {"name": name, "email": email, "externalId": external_id}
        return self.rows("customers", Customer, params, report=report)

    async def list_customers(self, *, report: ListReport | None = None, **filters: str | None) -> list[Customer]:
        return [c async for c in self.iter_customers(report=report, **filters)]

    async def customers_page(
        self, *, offset: int = 0, limit: int = 10, report: ListReport | None = None
    ) -> tuple[list[Customer], int | None]:
        """One page of customers and the total: the connection test's cheap read."""
        body = self._list_body(await self._get("customers", {"offset": offset, "limit": limit}), "customers")
        pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else {}
        total = pagination.get("total")
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        return self.parse_rows(Customer, body["data"], "customers", report), total

    async def get_customer(self, customer_id: str) -> Customer:
        return await self._get_one(f"customers/{customer_id}", Customer)

    # ---------------------------------------------------------------- products

    def iter_products(
        self,
        *,
        name: str | None = None,
        mpn: str | None = None,
        vendor: str | None = None,
        service_name: str | None = None,
        report: ListReport | None = None,
    ) -> AsyncIterator[Product]:
        params = {"name": name, "mpn": mpn, "vendor": vendor, "serviceName": service_name}
        return self.rows("products", Product, params, report=report)

    async def list_products(self, *, report: ListReport | None = None, **filters: str | None) -> list[Product]:
        return [p async for p in self.iter_products(report=report, **filters)]

    async def validate_parameters(self, customer_id: str, products: list[dict[str, Any]]) -> list[ParameterValidation]:
        """``POST /validation/parameters``: which activation parameters each product needs, and whether the
        values given (``products[i]["parameters"]``) are good. No side effects, so safe to retry."""
        body = {"customerId": customer_id, "type": "sales", "products": products}
        data = self._json(await self._send("POST", "validation/parameters", json=body, retry=True))
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise errors.InvalidResponseError("a validation answer without a data array", method="POST",
                                              path="/validation/parameters")
        return [self.parse_row(ParameterValidation, row, "POST", "/validation/parameters") for row in rows]

    # ---------------------------------------------------------------- subscriptions

    @staticmethod
    def _one_status(status: str | None) -> str | None:
        if status is not None and ("," in status or not status.strip()):
            raise ValueError("the API filters on one status at a time; call once per status")
        return status

    def iter_subscriptions(
        self, *, customer_id: str | None = None, status: str | None = None, report: ListReport | None = None
    ) -> AsyncIterator[Subscription]:
        params = {"customerId": customer_id, "status": self._one_status(status)}
        return self.rows("subscriptions", Subscription, params, report=report)

    async def list_subscriptions(self, *, report: ListReport | None = None, **filters: str | None) -> list[Subscription]:
        return [s async for s in self.iter_subscriptions(report=report, **filters)]

    async def get_subscription(self, subscription_id: str) -> SubscriptionDetail:
        return await self._get_one(f"subscriptions/{subscription_id}", SubscriptionDetail)

    async def get_subscriptions(
        self, subscription_ids: Sequence[str], *, concurrency: int | None = None, on_done: Callable | None = None
    ) -> list[SubscriptionDetail | BaseException]:
        """Details of many subscriptions (one call each), failures handed back in place. ``concurrency=None``
        asks the key's rate budget how many to keep in flight (enough to use a proactive rate fully)."""
        if concurrency is None:
            concurrency = self.budget.suggested_concurrency(DETAIL_CONCURRENCY)
        return await self.gather_limited(
            subscription_ids, self.get_subscription, concurrency=concurrency, return_exceptions=True, on_done=on_done
        )

    async def set_renewal(self, subscription_id: str, auto_renew: bool) -> SubscriptionDetail:
        """Turn auto-renew on or off (the only field PATCH may change)."""
        response = await self._send(
            "PATCH", f"subscriptions/{subscription_id}", json={"renewalStatus": bool(auto_renew)}, retry=True
        )
        return self._parse(response, SubscriptionDetail)

    # ---------------------------------------------------------------- orders

    @staticmethod
    def _body(order: OrderRequest | dict[str, Any]) -> dict[str, Any]:
        return order.to_api() if isinstance(order, OrderRequest) else dict(order)

    async def estimate_order(self, order: OrderRequest | dict[str, Any]) -> Order:
        """Prices of an order without placing it (no side effects, so safe to retry)."""
        response = await self._send("POST", "orders/estimate", json=self._body(order), retry=True)
        return self._parse(response, Order)

    async def place_order(self, order: OrderRequest | dict[str, Any]) -> Order:
        """Place an order. Never retried. Raises ``OrderOutcomeUnknownError`` when the answer does not say
        whether the order exists (timeout, 504, dropped connection, a 5xx without a business message, an
        unreadable answer): look it up by PO number before placing it again."""
        body = self._body(order)
        began = self._now()
        response = await self._send("POST", "orders", json=body, retry=False, timeout=self.order_timeout)
        try:
            return self._parse(response, Order)
        except errors.InvalidResponseError as exc:  # accepted (2xx) but unreadable: it probably exists
            raise self._unknown(exc, body, began, "the answer could not be read") from None

    def iter_orders(
        self,
        *,
        customer_id: str | None = None,
        subscription_id: str | None = None,
        order_number: str | None = None,
        status: str | None = None,
        created_from: datetime | str | None = None,
        created_to: datetime | str | None = None,
        report: ListReport | None = None,
    ) -> AsyncIterator[Order]:
        def stamp(value: datetime | str | None) -> str | None:
            if isinstance(value, datetime):
                value = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            return value

        return self.rows(
            "orders",
            Order,
            {
                "customerId": customer_id,
                "subscriptionId": subscription_id,
                "orderNumber": order_number,
                "status": self._one_status(status),
                "creationTimeFrom": stamp(created_from),
                "creationTimeTo": stamp(created_to),
            },
            report=report,
        )

    async def list_orders(self, **filters: Any) -> list[Order]:
        return [o async for o in self.iter_orders(**filters)]

    async def get_order(self, order_id: str) -> Order:
        return await self._get_one(f"orders/{order_id}", Order)

    async def withdraw_order(self, order_id: str) -> Order:
        """Withdraw an order that has not completed yet (``statusCode: CL``)."""
        response = await self._send("PATCH", f"orders/{order_id}", json={"statusCode": "CL"}, retry=True)
        return self._parse(response, Order)
