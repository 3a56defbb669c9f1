"""After an order is sent: looking it up when the answer was lost, following it until it ends, and showing it in
the local snapshot.

- :func:`find_by_po`: the customer's orders created since the attempt began (minus :data:`LOOKUP_MARGIN`, for
  clocks that disagree), each detail read for its ``poNumber``. FOUND, NOT_PLACED (read completely, none has
  it; read again after ``rechecks`` seconds first, for an order still being created behind a gateway timeout),
  or UNKNOWN (a read failed: nobody can say).
- :func:`follow`: ``GET /orders/{id}`` with backoff (1 s doubling to 15 s) until the order completes, fails,
  is withdrawn, or waits for the renewal date (statusCode ``SC``).
- :func:`refresh_snapshot`: the subscription's detail and orders read once and stored, so the browser shows the
  order in progress (or the new subscription) without waiting for the next sync.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from imtui.core.api import ApiError, AuthenticationError, NotFoundError
from imtui.core.api.models import Order
from imtui.core.services.plans import Outcome
from imtui.core.snapshot import SnapshotError

if TYPE_CHECKING:
    from imtui.core.api import MarketplaceClient
    from imtui.core.services import Services

__all__ = ["LOOKUP_MARGIN", "LookupResult", "find_by_po", "follow", "order_subscription", "refresh_snapshot"]

LOOKUP_MARGIN = timedelta(minutes=10)
WATCH_FIRST = 1.0
WATCH_CAP = 15.0
WATCH_FAILURES = 4  # reads in a row that fail (after the client's own retries) before watching gives up
SCHEDULED = "SC"


@dataclass(frozen=True)
class LookupResult:
    """What a lookup by PO number found: ``outcome`` is FOUND, NOT_PLACED or UNKNOWN (:class:`Outcome`)."""

    outcome: str
    since: datetime  # orders created from this time on were read
    order: Order | None = None
    read: int = 0  # order details read
    reason: str = ""  # why it is UNKNOWN

    def words(self, customer_id: str, po_number: str) -> str:
        when = self.since.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        if self.outcome == Outcome.FOUND and self.order is not None:
            return (f"it was placed: order {self.order.order_number or self.order.id} ({self.order.status}) has PO "
                    f"{po_number}")
        if self.outcome == Outcome.NOT_PLACED:
            return (f"it was not placed: none of customer {customer_id}'s {self.read} order(s) created since {when} "
                    f"has PO {po_number}")
        return f"looking it up failed ({self.reason}), so nobody can say yet whether it exists"


def _stamp(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


async def find_by_po(client: MarketplaceClient, customer_id: str, po_number: str, since: datetime, *,
                     rechecks: Sequence[float] = (), sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                     ) -> LookupResult:
    """Find the order of ``customer_id`` with ``po_number`` created since ``since`` (minus the margin)."""
    start = _stamp(since) - LOOKUP_MARGIN
    read = 0
    checked: set[str] = set()
    for wait in (0.0, *rechecks):
        if wait:
            await sleep(wait)
        try:
            rows = await client.list_orders(customer_id=customer_id, created_from=start)
            for row in rows:
                if row.id in checked:
                    continue  # read before: it did not have the PO, and a PO number never changes
                detail = row if row.po_number is not None else await client.get_order(row.id or "")
                read += detail is not row
                if detail.po_number == po_number:
                    return LookupResult(Outcome.FOUND, start, detail, read)
                checked.add(row.id or "")
        except ApiError as exc:
            return LookupResult(Outcome.UNKNOWN, start, read=read, reason=str(exc))
    return LookupResult(Outcome.NOT_PLACED, start, read=len(checked))


def order_subscription(order: Order | None) -> str | None:
    """The subscription an order is about (the new one, for a purchase)."""
    if order is None:
        return None
    return order.subscription_id or next((line.subscription_id for line in order.products if line.subscription_id),
                                         None)


async def follow(client: MarketplaceClient, order_id: str, on_update: Callable[[Order], Any] | None, *,
                 sleep: Callable[[float], Awaitable[Any]], clock: Callable[[], float],
                 timeout: float | None = None) -> Order:
    """Poll the order until it ends or waits for the renewal (or ``timeout`` seconds pass: then the order as
    last read). ``on_update`` hears every change of status. A read that keeps failing is raised."""
    delay, seen, failures = WATCH_FIRST, None, 0
    began = clock()
    order: Order | None = None
    while True:
        try:
            order = await client.get_order(order_id)
            failures = 0
        except (AuthenticationError, NotFoundError):
            raise
        except ApiError:
            failures += 1
            if failures >= WATCH_FAILURES or (timeout is not None and order is None and clock() - began >= timeout):
                raise
        else:
            state = (order.status, order.status_code)
            if state != seen:
                seen = state
                if on_update is not None:
                    on_update(order)
            if order.finished or order.status_code == SCHEDULED:
                return order
        if timeout is not None and order is not None and clock() - began >= timeout:
            return order
        await sleep(delay)
        delay = min(delay * 2, WATCH_CAP)


async def refresh_snapshot(services: Services, account: str, order: Order | None,
                           subscription_id: str | None) -> str | None:
    """Read the subscription's detail and its orders once and store them (and ``order``, the detail we hold);
    a warning in words when that failed (the change itself is not affected)."""
    sid = subscription_id or order_subscription(order)
    client = services.client(account)
    try:
        try:
            subscriptions = [await client.get_subscription(sid)] if sid else []
        except NotFoundError:  # a new subscription the marketplace does not show yet: the order still is
            subscriptions = []
        listed = await client.list_orders(subscription_id=sid) if sid else []
        orders = {o.id: o for o in listed}
        if order is not None:
            orders[order.id] = order  # the detail (PO number, lines) wins over its list row
        at = services.now()
        await asyncio.to_thread(services.snapshot.store_live, account, subscriptions=subscriptions,
                                orders=list(orders.values()), at=at, linked_to=sid)
    except (ApiError, SnapshotError, OSError) as exc:
        return f"The local snapshot could not be updated ({exc}); refresh to see the change."
    return None
