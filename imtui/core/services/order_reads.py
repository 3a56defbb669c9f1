"""Orders as the orders screen and ``imtui orders list|show`` read them: ``services.orders_view``.

Reads only (placing and withdrawing orders is the money path, ``services.orders``). Rows come from the
snapshot (filled by ``services.sync.run``), joined with the config (the client each customer is mapped to)
and the snapshot's customers (the Ingram name). Two calls reach the marketplace:

- :meth:`OrderReads.detail`: one order's detail (its lines, PO number), read and stored in the snapshot;
  the refresh reads details of unfinished orders only, so a finished order's lines come from here;
- :meth:`OrderReads.poll`: news of the unfinished orders of an account, for the live screen: a detail per
  order when there are few, else one list per unfinished status (a page each, not a call per order).

:class:`Backoff` paces the polling (1 s doubling to 15 s while nothing changes). No Textual here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from imtui.core.api.models import Money, Order
from imtui.core.errors import ServiceError
from imtui.core.order_status import ORDER_STATUSES, ORDER_TYPES, STATUS_CODES, UNFINISHED
from imtui.core.refresh import UNFINISHED_ORDER_STATUSES
from imtui.core.services.order_follow import order_subscription, refresh_snapshot

if TYPE_CHECKING:
    from imtui.core.formats.exports import ExportTable
    from imtui.core.journal import Entry
    from imtui.core.services import Services
    from imtui.core.snapshot import OrderLineRow, OrderRow

__all__ = [
    "ORDER_STATUSES", "ORDER_TYPES", "STATUS_CODES", "UNFINISHED", "Backoff", "CustomerChoice",
    "OrderFilter", "OrderLineView", "OrderReads", "OrderView", "PollResult", "describe", "quantity_text",
]

POLL_BY_DETAIL = 4  # up to this many unfinished orders: a detail each; more: a list per unfinished status


def _stamp(value: datetime | None) -> str:
    """An instant as the tables show it: UTC, to the minute."""
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def quantity_text(quantity: int | Decimal | None, *, signed: bool = False) -> str:
    """``5``; with ``signed`` (a change order's delta) ``+2`` / ``-1`` (a true minus sign: ``−1``)."""
    if quantity is None:
        return ""
    if isinstance(quantity, Decimal) and quantity == quantity.to_integral_value():
        quantity = int(quantity)
    if not signed:
        return str(quantity)
    if quantity > 0:
        return f"+{quantity}"
    return f"−{-quantity}" if quantity < 0 else "0"


@dataclass(slots=True)
class OrderLineView:
    """One line of an order: a change line's quantity is the signed seat delta."""

    line_no: int
    product: str
    mpn: str
    vendor: str
    quantity: int | Decimal | None
    signed: bool  # the quantity is a delta (a change order)
    price: Money | None  # the line's extended price (money per line)
    subscription_id: str
    term: str
    billing: str

    @property
    def quantity_text(self) -> str:
        return quantity_text(self.quantity, signed=self.signed)

    def to_dict(self) -> dict[str, Any]:
        quantity = self.quantity
        return {
            "product": self.product, "mpn": self.mpn, "vendor": self.vendor,
            "quantity": str(quantity) if isinstance(quantity, Decimal) else quantity,
            "delta": self.signed, "price": str(self.price.amount) if self.price else None,
            "currency": self.price.currency if self.price else None, "subscription_id": self.subscription_id,
            "term": self.term, "billing": self.billing,
        }


@dataclass(slots=True)
class OrderView:
    """One order as the screen and the CLI show it (treat it as read-only: a change is a new view).

    Not frozen: a frozen dataclass sets each field through ``object.__setattr__``, and 36,000 orders are read
    at once."""

    account: str
    id: str
    number: str
    type: str
    status: str
    status_code: str
    created_at: datetime | None
    updated_at: datetime | None  # provisioned (the API's provisioningDate)
    po_number: str
    customer_id: str
    customer_name: str  # the Ingram name
    client: str  # the MSP's client it is mapped to ("" when unmapped)
    total: Money | None
    finished: bool
    details_loaded: bool
    subscription_id: str
    lines: tuple[OrderLineView, ...] = ()
    record: OrderRow | None = field(default=None, compare=False, repr=False)  # the snapshot's row it shows

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, self.id)

    @property
    def status_text(self) -> str:
        """``processing (LO)``."""
        return f"{self.status} ({self.status_code})" if self.status_code else self.status

    @property
    def status_meaning(self) -> str:
        """The code in words: ``provisioning in progress``."""
        return STATUS_CODES.get(self.status_code, "")

    @property
    def withdrawable(self) -> bool:
        """An order that has not finished may be withdrawn (the marketplace refuses a finished one)."""
        return not self.finished

    @property
    def created_text(self) -> str:
        return _stamp(self.created_at)

    @property
    def updated_text(self) -> str:
        return _stamp(self.updated_at)


@dataclass(frozen=True)
class OrderFilter:
    """Which orders to show; every criterion given must hold. Words match ignoring case."""

    account: str | None = None
    customer_id: str | None = None
    client: str | None = None
    status: str | None = None  # a status, or UNFINISHED
    type: str | None = None

    def matches(self, view: OrderView) -> bool:
        for wanted, value in ((self.account, view.account), (self.client, view.client), (self.type, view.type)):
            if wanted is not None and wanted.casefold() != value.casefold():
                return False
        if self.customer_id is not None and self.customer_id != view.customer_id:
            return False
        if self.status is not None:
            if self.status.casefold() == UNFINISHED:
                return not view.finished
            return self.status.casefold() == view.status.casefold()
        return True


@dataclass(frozen=True, slots=True)
class CustomerChoice:
    """A customer the orders screen can be narrowed to."""

    account: str
    id: str
    name: str  # the Ingram name
    client: str  # "" when unmapped

    @property
    def label(self) -> str:
        return f"{self.client}  ({self.name}, {self.account})" if self.client else f"{self.name}  ({self.account})"


@dataclass
class PollResult:
    """What one poll of an account found."""

    account: str
    changed: list[str] = field(default_factory=list)  # ids of orders whose status moved on
    checked: int = 0  # unfinished orders asked about
    requests: int = 0


class Backoff:
    """Delays between polls: ``first`` seconds, doubling while nothing changes, never more than ``most``."""

    def __init__(self, first: float = 1.0, most: float = 15.0, factor: float = 2.0) -> None:
        if first <= 0 or most < first or factor < 1:
            raise ValueError("a backoff needs 0 < first <= most and factor >= 1")
        self.first, self.most, self.factor = first, most, factor
        self._next = first

    def next(self) -> float:
        """The delay to wait now; the one after is longer (up to ``most``)."""
        delay = self._next
        self._next = min(self.most, self._next * self.factor)
        return delay

    def reset(self) -> None:
        """Something changed (or the user asked): poll soon again."""
        self._next = self.first


def describe(view: OrderView, entries: Sequence[Entry] = (), *, lines_note: str = "") -> list[str]:
    """The order in words, line by line: the detail the screen shows on enter and ``imtui orders show`` prints.

    ``entries``: the journal's entries about it (their correlation ids); ``lines_note``: why the lines are
    not shown (not loaded yet, the marketplace could not be reached)."""
    customer = view.customer_name or view.customer_id or "unknown"
    if view.customer_name and view.customer_id:
        customer += f" ({view.customer_id})"
    customer += f", client {view.client}" if view.client else ", not mapped to a client"
    status = view.status_text + (f": {view.status_meaning}" if view.status_meaning else "")
    out = [f"Order {view.number or view.id} (id {view.id}), account {view.account}: {view.type}, {status}"]
    out.append("Lines" + (" (quantity: the signed change in seats)" if view.type == "change" else ""))
    if lines_note:
        out.append(f"  {lines_note}")
    elif not view.lines:
        out.append("  none" if view.details_loaded else "  not loaded yet")
    for line in view.lines:
        parts = [line.product, line.mpn, line.quantity_text, "/".join(p for p in (line.term, line.billing) if p),
                 str(line.price) if line.price is not None else "price unknown",
                 f"subscription {line.subscription_id}" if line.subscription_id else ""]
        out.append("  " + "  ".join(p for p in parts if p))
    created = view.created_text + " UTC" if view.created_at else "unknown"
    updated = view.updated_text + " UTC" if view.updated_at else "not provisioned yet"
    fields = [
        ("Total", str(view.total) if view.total is not None else "unknown"),
        ("Customer", customer),
        ("PO number", view.po_number or ("none" if view.details_loaded else "unknown until the detail is read")),
        ("Created", f"{created}, updated {updated}"),
        ("Subscription", view.subscription_id),
    ]
    out += [f"{label:<14}{value}" for label, value in fields if value]
    if entries:
        out.append("Journal")
        for entry in entries:
            said = f"  {entry.time.replace('T', ' ')[:19]}  {entry.action}  {entry.outcome}"
            if entry.correlation_id:
                said += f"  correlation id {entry.correlation_id}"
            if entry.error:
                said += f"  {' '.join(entry.error.split())}"
            out.append(said)
    return out


class OrderReads:
    """``services.orders_view``: orders from the snapshot, their details and news from the marketplace."""

    def __init__(self, services: Services) -> None:
        self.services = services

    # ------------------------------------------------------------ from the snapshot

    def rows(self, where: OrderFilter | None = None) -> list[OrderView]:
        """Orders of every account in the snapshot (unfinished first, then newest first). Blocking (SQLite):
        call it in a thread from the UI."""
        snapshot = self.services.snapshot
        where = where or OrderFilter()
        orders = snapshot.orders(where.account, customer_id=where.customer_id)
        names = self._customer_names(where.account)
        mappings = self.services.config.mapping_index()
        views = (self._view(order, names, mappings) for order in orders)
        return [view for view in views if where.matches(view)]

    def find(self, order_id: str, account: str | None = None) -> OrderView | None:
        """The order with this id (or number) in the snapshot; ``ServiceError`` if several accounts hold one."""
        wanted = order_id.strip()
        found = [v for v in self.rows(OrderFilter(account=account)) if wanted in (v.id, v.number)]
        if len({v.account for v in found}) > 1:
            accounts = ", ".join(sorted({v.account for v in found}))
            raise ServiceError(f"Order {wanted} exists in several accounts ({accounts}); name one with --account.")
        return found[0] if found else None

    def export_table(self, views: Sequence[OrderView]) -> ExportTable:
        """These orders as ``imtui export orders`` writes them (one function: ``formats.exports.order_rows``)."""
        from imtui.core.formats.exports import order_rows

        names = {(v.account, v.customer_id): v.customer_name for v in views}
        return order_rows(self.services.config, [v.record for v in views if v.record is not None], names)

    def customers(self, account: str | None = None) -> list[CustomerChoice]:
        """Every customer in the snapshot (of one account), by client (mapped first) then Ingram name."""
        return self._choices((c.account, c.id, c.name) for c in self.services.snapshot.customers(account))

    def _choices(self, customers: Iterable[tuple[str, str, str]]) -> list[CustomerChoice]:
        mappings = self.services.config.mapping_index()
        choices = []
        for account, cid, name in customers:
            mapping = mappings.get((account, cid))
            choices.append(CustomerChoice(account, cid, name, (mapping.client or "") if mapping else ""))
        return sorted(choices, key=lambda c: (c.client == "", c.client.casefold(), c.name.casefold(), c.account))

    async def buyable(self, account: str) -> list[CustomerChoice]:
        """The customers of ``account`` an order can be placed for (the purchase dialog's choice): those the
        snapshot and this session's customer list know, else read from the marketplace (every page)."""
        listed = await asyncio.to_thread(self.services.snapshot.customers, account, include_inactive=False)
        known = {c.id: (c.account, c.id, c.name) for c in listed}
        loaded = self.services.customers.cached(account)
        if loaded is None and not known:
            async for _ in self.services.customers.pages(account):
                pass
            loaded = self.services.customers.cached(account)
        for customer in loaded or ():
            known.setdefault(str(customer.id), (account, str(customer.id), customer.name))
        return self._choices(known.values())

    def journal_entries(self, view: OrderView) -> list[Entry]:
        """The journal's entries about this order (by id, number, or its PO number in its account), oldest first;
        lines that cannot match are skipped unparsed (``Journal.entries(having=...)``)."""
        journal = self.services.journal
        found: dict[int, Entry] = {}
        asks = [{"order_id": view.id}, {"order_number": view.number}, {"po_number": view.po_number}]
        for having in (a for a in asks if all(a.values())):
            for entry in journal.entries(having=having):
                if not entry.account or entry.account == view.account:
                    found[entry.seq] = entry
        return [found[seq] for seq in sorted(found)]

    def _customer_names(self, account: str | None) -> dict[tuple[str, str], str]:
        return {(c.account, c.id): c.name for c in self.services.snapshot.customers(account)}

    @staticmethod
    def _view(order: OrderRow, names: dict[tuple[str, str], str], mappings: Mapping[tuple[str, str], Any]) -> OrderView:
        customer = order.customer_id or ""
        mapping = mappings.get((order.account, customer))
        signed = order.type == "change"
        return OrderView(
            order.account, order.id, order.number or "", order.type, order.status, order.status_code or "",
            order.created_at, order.provisioned_at, order.po_number or "", customer,
            names.get((order.account, customer), ""), (mapping.client or "") if mapping else "", order.total,
            order.finished, order.details_loaded, order.subscription_id or "",
            tuple(_line_view(line, signed) for line in order.lines) if order.lines else (), order,
        )

    # ------------------------------------------------------------ from the marketplace

    async def detail(self, account: str, order_id: str) -> OrderView:
        """Read one order's detail (``GET /orders/{id}``), store it in the snapshot, return it as a row."""
        if self.services.config.account(account) is None:
            raise ServiceError(f"There is no account called {account}; see `imtui accounts list`.")
        order = await self.services.client(account).get_order(order_id)
        await self._store(account, [order])
        view = await asyncio.to_thread(self._one, account, order.id or order_id)
        if view is None:  # pragma: no cover - it was just stored
            raise ServiceError(f"Order {order_id} could not be kept in the snapshot.")
        return view

    def _one(self, account: str, order_id: str) -> OrderView | None:
        return next((v for v in self.rows(OrderFilter(account=account)) if v.id == order_id), None)

    async def poll(self, account: str, order_ids: Iterable[str] | None = None) -> PollResult:
        """News of the unfinished orders of ``account`` (those of ``order_ids`` if given), stored in the
        snapshot. Raises the API's error (the caller keeps polling, later)."""
        snapshot = self.services.snapshot
        held = {o.id: o for o in await asyncio.to_thread(snapshot.orders, account, unfinished_only=True)}
        if order_ids is not None:
            wanted_ids = set(order_ids)
            held = {oid: o for oid, o in held.items() if oid in wanted_ids}
        result = PollResult(account, checked=len(held))
        if not held:
            return result
        client = self.services.client(account)
        orders: dict[str, Order] = {}
        if len(held) <= POLL_BY_DETAIL:
            details = list(held)
        else:
            for status in UNFINISHED_ORDER_STATUSES:
                async for order in client.iter_orders(status=status):
                    if order.id in held:
                        orders[order.id] = order
                result.requests += 1
            details = [oid for oid in held if oid not in orders]  # finished: the detail says how
        read = await client.gather_limited(details, client.get_order, concurrency=4, return_exceptions=True)
        result.requests += len(details)
        failures = [r for r in read if not isinstance(r, Order)]
        if failures and len(failures) == len(read) and not orders:
            raise failures[0]  # nothing learnt: the caller says why and tries again later
        orders.update((oid, r) for oid, r in zip(details, read) if isinstance(r, Order))
        moved = {oid: o for oid, o in orders.items() if (o.status, o.status_code) != (held[oid].status, held[oid].status_code)}
        ended = [o for o in moved.values() if o.finished]
        going = [o for o in moved.values() if not o.finished]
        if going:
            await self._store(account, going)
        for order in ended:  # its subscription changed too (seats, a new one, a cancellation): read it once
            await refresh_snapshot(self.services, account, order if order.products else None, order_subscription(order)
                                   or held[order.id].subscription_id)
            if not order.products:
                await self._store(account, [order])
        result.changed = list(moved)
        return result

    async def _store(self, account: str, orders: list[Order]) -> None:
        """Orders into the snapshot (those with lines as details: their PO number and lines)."""
        await asyncio.to_thread(self.services.snapshot.store_live, account, orders=orders, at=self.services.now())


def _line_view(line: OrderLineRow, signed: bool) -> OrderLineView:
    return OrderLineView(
        line.line_no, line.name or line.mpn or "", line.mpn or "", line.vendor or "", line.quantity, signed,
        line.extended_price, line.subscription_id or "", line.term or "", line.billing or "",
    )
