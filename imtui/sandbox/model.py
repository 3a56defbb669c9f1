"""In-memory records of the sandbox and the state container tests may read.

Layout (see also the package docstring)::

    sb.state.account("us-demo")        -> AccountState (built on first use)
        .reseller                      -> dict, the Reseller JSON
        .customers[customer_id]        -> dict, the Customer JSON (mutable: tests may
                                          set ["status"] = "creditHold")
        .subscriptions[subscription_id] -> Subscription (dataclass)
        .orders[order_id]              -> Order (dataclass)
    sb.state.customers / .subscriptions / .orders
                                       -> read-only merged views over every account
                                          (ids are unique across accounts)
    sb.state.products[product_id]      -> CatalogProduct (catalog shared by all accounts)

Dates on subscriptions are ``datetime.date``; order times are aware UTC datetimes.
"""

from __future__ import annotations

import heapq
import threading
from collections import ChainMap
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Callable

from .catalog import PRODUCTS, CatalogProduct

if TYPE_CHECKING:  # pragma: no cover
    from .accounts import SandboxAccount


#: statusCode -> the words production uses for a live order's state (business-rule messages quote them)
STATUS_CODE_LABELS = {"NW": "Submitted", "AS": "Awaiting provisioning", "LO": "Provisioning is in progress",
                      "SC": "Scheduled for the renewal date"}


@dataclass(slots=True)
class SubscriptionLine:
    product: CatalogProduct
    quantity: int
    #: None until first rendered (derived from seed + subscription id, see seed.vendor_subscription_id)
    vendor_subscription_id: str | None
    #: prices changed upstream (Sandbox.modify_subscription); None = the catalog's price in the account currency
    unit_price: Decimal | None = None
    unit_cost: Decimal | None = None

    def price(self, currency: str) -> Decimal:
        return self.product.price(currency) if self.unit_price is None else self.unit_price

    def cost(self, currency: str) -> Decimal:
        return self.product.cost(currency) if self.unit_cost is None else self.unit_cost


@dataclass(slots=True)
class Subscription:
    id: str
    customer_id: str
    name: str
    status: str  # pending | active | hold | terminated | removed, and the odd unknown one (suspendedByVendor)
    renewal_status: bool
    creation_date: date
    renewal_date: date | None
    expiration_date: date | None
    last_modified: date
    billing_model: str
    billing_period: tuple[str, int]
    subscription_period: tuple[str, int]
    #: product lines; ``None`` means the detail has no ``products`` key at all
    #: (internal plans); ``[]`` means an empty list (Azure plan)
    lines: list[SubscriptionLine] | None
    plan_id: int
    #: activation parameters sent with the sales order line ({"name", "value"}), shown as orderParameters
    parameters: list = field(default_factory=list)

    @property
    def quantity(self) -> int | None:
        """Seats of the first product line (None when there are none)."""
        return self.lines[0].quantity if self.lines else None


@dataclass(slots=True)
class OrderLine:
    product: CatalogProduct | None
    mpn: str
    vendor: str
    name: str
    quantity: int  # signed delta for change orders
    unit_price: Decimal
    extended: Decimal
    subscription_id: str | None = None
    new_total: int | None = None  # change orders: the requested new total
    line_index: int = 0  # change orders: which line of the subscription
    #: activation parameters sent with this line ({"name", "value"}), echoed in the order detail
    parameters: list | None = None


@dataclass(slots=True)
class Order:
    id: str
    number: str
    type: str  # sales | change | cancellation | renewal (and "transfer" in seed history: an unknown type)
    customer_id: str
    po_number: str | None
    created: datetime
    lines: list[OrderLine]
    total: Decimal
    currency: str
    subscription_id: str | None
    processing_at: datetime | None  # submitted -> processing (AS)
    provisioning_at: datetime | None  # AS -> LO
    #: LO -> completed (CP), effect applied; None for a change scheduled on renewal until the renewal happens
    completed_at: datetime | None
    #: frozen (status, statusCode) for seed history; None for live orders
    final: tuple[str, str] | None = None
    cancelled_at: datetime | None = None  # withdrawn with PATCH statusCode CL
    applied: bool = False
    #: "renewal": a change that waits (processing, SC) until the subscription renews
    scheduled_on: str | None = None
    #: a scheduled change whose subscription expired instead of renewing: error (PF) from then on
    failed_at: datetime | None = None

    def status_at(self, now: datetime) -> tuple[str, str]:
        """(status, statusCode) at ``now``: NW -> AS -> LO -> CP (or NW -> SC -> CP when scheduled on
        renewal), CL when withdrawn, PF when a scheduled change could not apply."""
        if self.cancelled_at is not None:
            return ("cancelled", "CL")
        if self.final is not None:
            return self.final
        if self.failed_at is not None:
            return ("error", "PF")
        if self.completed_at is not None and now >= self.completed_at:
            return ("completed", "CP")
        if now < self.processing_at:
            return ("submitted", "NW")
        if self.scheduled_on == "renewal":
            return ("processing", "SC")
        if now >= self.provisioning_at:
            return ("processing", "LO")
        return ("processing", "AS")

    def pending_at(self, now: datetime) -> bool:
        """Still submitted or processing at ``now`` (it blocks another order of its type)."""
        return self.status_at(now)[0] in ("submitted", "processing")

    def waits_for_renewal(self) -> bool:
        """A change scheduled on renewal that has neither completed, failed nor been withdrawn."""
        return (self.scheduled_on == "renewal" and self.completed_at is None and self.cancelled_at is None
                and self.failed_at is None and self.final is None)

    def subscription_ids(self) -> set[str]:
        ids = {ln.subscription_id for ln in self.lines if ln.subscription_id}
        if self.subscription_id:
            ids.add(self.subscription_id)
        return ids


class AccountState:
    """Everything one account (one reseller) sees."""

    def __init__(self, account: "SandboxAccount", index: int) -> None:
        self.account = account
        self.index = index
        self.id_base = (index + 1) * 1_000_000
        self.reseller: dict = {}
        self.customers: dict[str, dict] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.orders: dict[str, Order] = {}
        #: orders in creation order (oldest first); lists iterate it reversed
        self.order_list: list[Order] = []
        self.subs_by_customer: dict[str, list[str]] = {}
        self.orders_by_subscription: dict[str, list[Order]] = {}
        #: live orders whose effect is not applied yet (changes scheduled on renewal wait in renewals instead)
        self.unfinished: list[Order] = []
        #: heap of (renewal date ordinal, subscription id) of active/hold subscriptions; an entry whose date no
        #: longer matches the subscription is stale and skipped (see lifecycle.settle)
        self.renewals: list[tuple[int, str]] = []
        self.next_subscription_id = self.id_base + 200_001
        self.next_order_id = self.id_base + 500_001
        self.next_order_seq = 1
        self.product_json: list[dict] = [p.to_json(account.currency) for p in PRODUCTS]

    @property
    def currency(self) -> str:
        return self.account.currency

    def new_subscription_id(self) -> str:
        sid = str(self.next_subscription_id)
        self.next_subscription_id += 1
        return sid

    def new_order_ids(self, prefix: str) -> tuple[str, str]:
        oid = str(self.next_order_id)
        self.next_order_id += 1
        number = f"{prefix}{self.next_order_seq:06d}"
        self.next_order_seq += 1
        return oid, number

    def add_subscription(self, sub: Subscription) -> None:
        self.subscriptions[sub.id] = sub
        self.subs_by_customer.setdefault(sub.customer_id, []).append(sub.id)

    def push_renewal(self, sub: Subscription) -> None:
        if sub.renewal_date is not None:
            heapq.heappush(self.renewals, (sub.renewal_date.toordinal(), sub.id))

    def remove_subscription(self, sid: str) -> Subscription:
        sub = self.subscriptions.pop(sid)
        self.subs_by_customer[sub.customer_id].remove(sid)
        return sub

    def add_order(self, order: Order) -> None:
        self.orders[order.id] = order
        self.order_list.append(order)
        for sid in order.subscription_ids():
            self.orders_by_subscription.setdefault(sid, []).append(order)


class SandboxState:
    """The in-memory state; accounts are built lazily on first use."""

    def __init__(self, build: Callable[[str], AccountState], account_names: list[str],
                 settle: Callable[[], None], lock=None) -> None:
        self._build = build
        self._lock = lock or threading.RLock()
        self._names = list(account_names)
        self._accounts: dict[str, AccountState] = {}
        self._settle = settle
        self.products: dict[str, CatalogProduct] = {p.id: p for p in PRODUCTS}

    def account(self, name: str) -> AccountState:
        """The state of one account (built now if it was not yet)."""
        acc = self._accounts.get(name)
        if acc is None:
            with self._lock:
                acc = self._accounts.get(name)
                if acc is None:
                    if name not in self._names:
                        raise KeyError(name)
                    acc = self._accounts[name] = self._build(name)
        return acc

    def built(self) -> list[AccountState]:
        return list(self._accounts.values())

    def all_accounts(self) -> list[AccountState]:
        return [self.account(n) for n in self._names]

    def settle(self) -> None:
        """Apply the effect of every order that completed by now."""
        self._settle()

    @property
    def customers(self) -> ChainMap:
        self._settle()
        return ChainMap(*[a.customers for a in self.all_accounts()])

    @property
    def subscriptions(self) -> ChainMap:
        self._settle()
        return ChainMap(*[a.subscriptions for a in self.all_accounts()])

    @property
    def orders(self) -> ChainMap:
        self._settle()
        return ChainMap(*[a.orders for a in self.all_accounts()])
