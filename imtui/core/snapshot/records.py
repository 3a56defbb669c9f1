"""What the snapshot hands back: plain dataclasses (slots) with typed fields, and the text forms it stores.

Money is ``Money`` (``Decimal`` + currency) or ``None`` when unknown; a margin exists only when price and cost
are in the same currency. Dates are ``date``; instants are aware UTC ``datetime``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from imtui.core.api.models import Money, Period

# ---------------------------------------------------------------- vocabulary

#: why a row is inactive
VANISHED = "vanished upstream"
TERMINATED = "terminated"
REMOVED = "removed"
INACTIVE_STATUSES = frozenset({TERMINATED, REMOVED})


class ChangeKind:
    """The kinds of change a refresh reports (the ``kind`` of a :class:`Change`)."""

    SUBSCRIPTION_NEW = "subscription_new"
    SUBSCRIPTION_GONE = "subscription_gone"  # vanished upstream: kept, marked inactive
    SEATS = "seats"
    STATUS = "status"
    AUTO_RENEW = "auto_renew"
    RENEWED = "renewed"  # the renewal date moved on
    PRICE = "price"  # unit price of the main line
    COST = "cost"  # unit cost of the main line
    CUSTOMER_NEW = "customer_new"
    CUSTOMER_GONE = "customer_gone"
    ORDER_COMPLETED = "order_completed"
    ORDER_FAILED = "order_failed"
    ORDER_CANCELLED = "order_cancelled"

    ALL = (
        SUBSCRIPTION_NEW, SUBSCRIPTION_GONE, SEATS, STATUS, AUTO_RENEW, RENEWED, PRICE, COST,
        CUSTOMER_NEW, CUSTOMER_GONE, ORDER_COMPLETED, ORDER_FAILED, ORDER_CANCELLED,
    )


# ---------------------------------------------------------------- text forms (one place for each)


def iso_instant(value: datetime | None) -> str | None:
    """An instant as stored: UTC, seconds, ``+00:00``; a naive value is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def period_text(period: Period | None) -> str:
    return period.iso if period is not None else "unknown"


def money_columns(money: Money | None) -> tuple[str | None, str | None]:
    """``Money`` → (exact amount text, currency)."""
    if money is None:
        return None, None
    return str(money.amount), money.currency


def quantity_column(value: int | Decimal | None) -> int | str | None:
    """Integral quantities as integers (cheap to read), fractional ones as exact decimal text."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else str(value)


def quantity_value(value: int | str | None) -> int | Decimal | None:
    if value is None or isinstance(value, int):
        return value
    return Decimal(value)


def parse_instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def parse_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class MoneyCache:
    """Builds each distinct ``Money`` once per read: prices repeat across thousands of rows."""

    __slots__ = ("_money", "_margins")

    def __init__(self) -> None:
        self._money: dict[tuple[str, str], Money] = {}
        self._margins: dict[tuple[int, int], Money] = {}  # by identity: every Money here comes from get()

    def get(self, amount: str | None, currency: str | None) -> Money | None:
        if amount is None or currency is None:
            return None
        key = (amount, currency)
        money = self._money.get(key)
        if money is None:
            money = self._money[key] = Money(amount=Decimal(amount), currency=currency)
        return money

    def margin(self, price: Money | None, cost: Money | None) -> Money | None:
        """Price minus cost, only in one currency; otherwise unknown (``None``)."""
        if price is None or cost is None or price.currency != cost.currency:
            return None
        key = (id(price), id(cost))
        margin = self._margins.get(key)
        if margin is None:
            margin = self._margins[key] = price - cost
        return margin


# ---------------------------------------------------------------- records


@dataclass(slots=True)
class SubscriptionRow:
    """One subscription as the browser lists it (list-row fields + the main line of its detail)."""

    account: str
    id: str
    customer_id: str
    customer_name: str
    name: str
    status: str
    auto_renew: bool | None
    term: str  # ISO 8601: P1M, P1Y
    billing: str
    creation_date: date | None
    renewal_date: date | None
    expiration_date: date | None
    last_modified: date | None
    mpn: str | None
    vendor: str | None
    seats: int | Decimal | None  # main line; None until the detail is loaded, or a plan without products
    unit_price: Money | None
    unit_cost: Money | None
    total_price: Money | None
    margin: Money | None  # unit price - unit cost when both are in one currency
    currency: str | None
    days_to_renewal: int | None  # from the ``today`` the query was given
    details_loaded: bool
    details_due: bool  # the last refresh needed the detail and could not read it
    inactive_since: date | None
    inactive_reason: str | None  # terminated / removed / vanished upstream

    @property
    def active(self) -> bool:
        return self.inactive_since is None


@dataclass(slots=True)
class SubscriptionLine:
    """One product line of a subscription's detail."""

    line_no: int
    product_id: str | None
    mpn: str
    vendor: str | None
    name: str
    quantity: int | Decimal | None
    unit_price: Money | None
    unit_cost: Money | None
    extended_price: Money | None
    vendor_subscription_id: str | None


@dataclass(slots=True)
class OrderLineRow:
    line_no: int
    mpn: str | None
    vendor: str | None
    name: str | None
    quantity: int | Decimal | None  # change orders: the signed delta
    extended_price: Money | None
    subscription_id: str | None
    term: str | None
    billing: str | None


@dataclass(slots=True)
class OrderRow:
    account: str
    id: str
    number: str | None
    type: str
    customer_id: str | None
    subscription_id: str | None
    status: str
    status_code: str | None
    created_at: datetime | None
    provisioned_at: datetime | None
    total: Money | None
    po_number: str | None
    finished: bool
    details_loaded: bool
    lines: list[OrderLineRow] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return not self.finished


@dataclass(slots=True)
class SubscriptionRecord:
    """One subscription with everything the snapshot holds about it."""

    row: SubscriptionRow
    billing_model: str | None
    lines: list[SubscriptionLine]
    parameters: list[dict[str, Any]]  # [{"kind": "order"|"fulfillment", "name", "value"}]
    orders: list[OrderRow]  # pending first, then newest first
    first_seen: date | None


@dataclass(slots=True)
class CustomerRecord:
    account: str
    id: str
    name: str
    status: str
    external_id: str | None
    city: str | None
    country: str | None
    subscriptions: int  # how many of its subscriptions are active (not inactive) in the snapshot
    first_seen: date | None
    inactive_since: date | None
    inactive_reason: str | None

    @property
    def active(self) -> bool:
        return self.inactive_since is None


@dataclass(slots=True)
class SyncState:
    """Per account: when it was last refreshed, the day details are compared against, the orders cursor."""

    account: str
    last_sync_at: datetime | None
    last_sync_day: date | None
    orders_cursor: datetime | None
    last_full_at: datetime | None
    last_run: int | None
    last_attempt_at: datetime | None
    last_error: str | None  # the last attempt failed (the snapshot still holds the previous data)

    def age(self, now: datetime) -> timedelta | None:
        """How old the snapshot of this account is (``None``: never refreshed)."""
        return None if self.last_sync_at is None else now - self.last_sync_at


@dataclass(slots=True, frozen=True)
class Change:
    """One thing a refresh found different from the previous snapshot."""

    account: str
    kind: str  # a ChangeKind
    name: str  # the subscription's name, the customer's name, or the order number
    customer_name: str = ""
    subscription_id: str | None = None
    customer_id: str | None = None
    order_id: str | None = None
    before: str | None = None
    after: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass(slots=True)
class RunRecord:
    """One refresh of one account, as recorded (failed attempts included)."""

    id: int
    account: str
    started_at: datetime
    finished_at: datetime
    full: bool
    first: bool
    ok: bool
    error: str | None
    summary: dict[str, Any]
