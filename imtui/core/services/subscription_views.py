"""The subscriptions as the browser and ``imtui subscriptions`` show them, and the plain rules over them.

A :class:`SubscriptionView` is one snapshot row joined with the config (the client it is mapped to, the
account's read-only flag) and the MSP's prices (:mod:`imtui.core.pricing`). Everything here is a plain
function of views, so the screen and the CLI filter, sort, total and group renewals by the same rules:

- :class:`SubscriptionFilter`: text, status, term, renewing within N days, account, customer, client,
  active only;
- :func:`sort_views` by any of :data:`SORT_COLUMNS` (unknown values last, whichever the direction);
- :func:`renewals`: terms ending within 30/60/90 days, annual commitments apart from monthly roll-overs;
- :func:`totals`: per currency and billing period, never summed across currencies.

CSV and JSON rows of subscriptions are the exports' (``imtui.core.formats.exports.subscription_rows``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from imtui.core.api.models import Money
from imtui.core.pricing import Price
from imtui.core.snapshot import OrderRow, SubscriptionRow

__all__ = [
    "RENEWAL_WINDOWS",
    "SORT_COLUMNS",
    "PeriodTotal",
    "Renewals",
    "SubscriptionFilter",
    "SubscriptionView",
    "age_text",
    "amount_text",
    "describe_totals",
    "period_words",
    "renewals",
    "sort_views",
    "statuses",
    "text_words",
    "totals",
]

MONTHLY = "P1M"
#: the renewals view's windows, in days
RENEWAL_WINDOWS = (30, 60, 90)


class SubscriptionView:
    """One subscription as shown: the snapshot's row, the client, the account's flag, the MSP's price."""

    __slots__ = ("row", "client", "mapped", "read_only", "price", "margin", "pending", "_search", "_amounts")

    def __init__(self, row: SubscriptionRow, client: str, mapped: bool, read_only: bool, price: Price,
                 pending: OrderRow | None = None, margin: Money | None | bool = False) -> None:
        self.row = row
        self.client = client  # the mapped client's name, else the Ingram customer's
        self.mapped = mapped
        self.read_only = read_only
        self.price = price  # unit price, cost, margin by the MSP's pricing rule
        #: ``price.margin``, worked out once per price by the caller when it has it (each is a new Money)
        self.margin: Money | None = price.margin if margin is False else margin  # type: ignore[assignment]
        self.pending = pending  # an unfinished order on this subscription, as the snapshot knows it
        self._search: str | None = None
        self._amounts: tuple | None = None

    def __repr__(self) -> str:
        return f"SubscriptionView({self.account}/{self.id} {self.client!r} {self.product!r})"

    # the row's fields, by the names the browser uses
    key = property(lambda self: (self.row.account, self.row.id), doc="(account, subscription id): unique")
    account = property(lambda self: self.row.account)
    id = property(lambda self: self.row.id)
    customer_id = property(lambda self: self.row.customer_id)
    customer_name = property(lambda self: self.row.customer_name)
    product = property(lambda self: self.row.name)
    status = property(lambda self: self.row.status)
    active = property(lambda self: self.row.inactive_since is None)
    term = property(lambda self: self.row.term)
    billing = property(lambda self: self.row.billing)
    seats = property(lambda self: self.row.seats)
    renewal_date = property(lambda self: self.row.renewal_date)
    days_left = property(lambda self: self.row.days_to_renewal)
    auto_renew = property(lambda self: self.row.auto_renew)
    unit_price = property(lambda self: self.price.price)
    unit_cost = property(lambda self: self.price.cost)

    def same_as(self, other: SubscriptionView) -> bool:
        """Shows exactly what ``other`` shows (a screen keeps the old row, and what it drew, when nothing changed)."""
        mine, theirs = self.pending, other.pending
        return (self.row == other.row and self.client == other.client and self.mapped == other.mapped
                and self.read_only == other.read_only and self.price == other.price
                and (mine is None) == (theirs is None)
                and (mine is None or (mine.id, mine.status, mine.status_code) == (theirs.id, theirs.status, theirs.status_code)))

    @property
    def currency(self) -> str | None:
        money = self.price.price or self.price.cost
        return money.currency if money is not None else self.row.currency

    @property
    def monthly(self) -> bool:
        """A monthly roll-over (term P1M), not an annual (or longer) commitment."""
        return self.row.term == MONTHLY

    @property
    def search_text(self) -> str:
        """What typing in the filter searches: names, product, MPN, vendor, ids, status, account, terms."""
        if self._search is None:
            r = self.row
            parts = (self.client, r.customer_name if r.customer_name != self.client else "", r.name, r.mpn or "",
                     r.vendor or "", r.id, r.customer_id, r.status, r.inactive_reason or "", r.account, r.term,
                     r.billing)
            self._search = " ".join(p for p in parts if p).casefold()
        return self._search

    def amounts(self) -> tuple[str, str, int | Decimal, Decimal, Decimal | None] | None:
        """(currency, billing, seats, price x seats, cost x seats or None) of an active priced subscription."""
        if self._amounts is None:
            price, cost, seats = self.price.price, self.price.cost, self.row.seats
            if not self.active or price is None or seats is None:
                self._amounts = ()
            else:
                same = cost is not None and cost.currency == price.currency
                self._amounts = (price.currency, self.row.billing, seats, price.amount * seats,
                                 cost.amount * seats if same else None)
        return self._amounts or None


# ---------------------------------------------------------------- filtering


def text_words(text: str) -> list[str]:
    """What a typed filter looks for: every word, in any case, anywhere in the row."""
    return text.casefold().split()


@dataclass(frozen=True)
class SubscriptionFilter:
    """Which subscriptions to show. Empty fields keep everything.

    ``status``: a status as the marketplace says it (``active``, ``suspendedByVendor``...), any case, or
    ``inactive`` for the ones kept after they ended (terminated, removed, vanished upstream).
    ``renewing_within``: active subscriptions whose renewal date is 0 to N days away.
    ``client``: a client's name (or the Ingram customer's name, or its id), any case.
    """

    text: str = ""
    status: str | None = None
    term: str | None = None
    renewing_within: int | None = None
    account: str | None = None
    customer_id: str | None = None
    client: str | None = None
    active_only: bool = False

    def keep(self, view: SubscriptionView) -> bool:
        """Every rule but the text."""
        if self.account is not None and view.account != self.account:
            return False
        if self.customer_id is not None and view.customer_id != self.customer_id:
            return False
        if self.client is not None:
            wanted = self.client.strip().casefold()
            if wanted not in (view.client.casefold(), view.customer_name.casefold(), view.customer_id):
                return False
        if self.active_only and not view.active:
            return False
        if self.status is not None:
            status = self.status.casefold()
            if status == "inactive":
                if view.active:
                    return False
            elif view.status.casefold() != status:
                return False
        if self.term is not None and view.term != self.term.upper():
            return False
        if self.renewing_within is not None:
            days = view.days_left
            if not view.active or days is None or not 0 <= days <= self.renewing_within:
                return False
        return True

    def matches(self, view: SubscriptionView) -> bool:
        words = text_words(self.text)
        return self.keep(view) and all(word in view.search_text for word in words)

    def apply(self, views: Iterable[SubscriptionView]) -> list[SubscriptionView]:
        words = text_words(self.text)
        return [v for v in views if self.keep(v) and all(word in v.search_text for word in words)]


def statuses(views: Iterable[SubscriptionView]) -> list[str]:
    """The statuses present, most common first (what a status filter can cycle through)."""
    counts: dict[str, int] = {}
    for view in views:
        counts[view.status] = counts.get(view.status, 0) + 1
    return sorted(counts, key=lambda s: (-counts[s], s))


# ---------------------------------------------------------------- sorting


def _money_key(money: Money | None) -> Any:
    return None if money is None else (money.currency, money.amount)


#: the columns one can sort by, and the value each sorts on (``None``: unknown, always last)
SORT_COLUMNS: dict[str, Callable[[SubscriptionView], Any]] = {
    "client": lambda v: v.client.casefold(),
    "product": lambda v: v.product.casefold(),
    "seats": lambda v: v.seats,
    "term": lambda v: (v.term, v.billing),
    "status": lambda v: (not v.active, v.status.casefold()),
    "renewal": lambda v: v.renewal_date if v.active else None,
    "days": lambda v: v.days_left if v.active else None,
    "auto_renew": lambda v: v.auto_renew,
    "price": lambda v: _money_key(v.unit_price),
    "cost": lambda v: _money_key(v.unit_cost),
    "margin": lambda v: _money_key(v.margin),
    "currency": lambda v: v.currency,
    "account": lambda v: v.account,
    "id": lambda v: (len(v.id), v.id),
    "customer": lambda v: v.customer_name.casefold(),
}

T = TypeVar("T")


def sort_views(items: Iterable[T], column: str, *, reverse: bool = False,
               view: Callable[[T], SubscriptionView] = lambda x: x) -> list[T]:  # type: ignore[assignment,return-value]
    """``items`` ordered by ``column`` (a key of :data:`SORT_COLUMNS`); equal ones keep their order and
    unknown values (no price, no renewal date...) come last either way. ``view`` finds the view in an item
    (the screen sorts its table rows)."""
    key = SORT_COLUMNS[column]
    known, unknown = [], []
    for item in items:
        value = key(view(item))
        (unknown if value is None else known).append((value, item))
    known.sort(key=lambda pair: pair[0], reverse=reverse)
    return [item for _, item in known] + [item for _, item in unknown]


# ---------------------------------------------------------------- renewals


@dataclass(frozen=True)
class Renewals:
    """Subscriptions whose term ends within ``within`` days, soonest first: annual (and longer) commitments,
    and monthly roll-overs apart (a monthly term "ends" every month: mixed in, they drown the commitments)."""

    within: int
    annual: list[SubscriptionView]
    monthly: list[SubscriptionView]


def renewals(views: Iterable[SubscriptionView], within: int = RENEWAL_WINDOWS[0]) -> Renewals:
    due = sort_views(SubscriptionFilter(renewing_within=within).apply(views), "days")
    return Renewals(within, [v for v in due if not v.monthly], [v for v in due if v.monthly])


# ---------------------------------------------------------------- totals


@dataclass(frozen=True)
class PeriodTotal:
    """What the active subscriptions shown cost and bring in, in one currency, per one billing period."""

    currency: str
    billing: str  # P1M, P1Y
    subscriptions: int
    seats: int | Decimal
    price: Money
    cost: Money | None  # None when no subscription has a cost in this currency
    margin: Money | None


def totals(views: Iterable[SubscriptionView]) -> list[PeriodTotal]:
    """Price x seats of the active subscriptions, per currency and billing period (ordered by both)."""
    sums: dict[tuple[str, str], list[Any]] = {}
    for view in views:
        amounts = view.amounts()
        if amounts is None:
            continue
        currency, billing, seats, price, cost = amounts
        acc = sums.get((currency, billing))
        if acc is None:
            acc = sums[(currency, billing)] = [0, 0, Decimal(0), Decimal(0), 0]
        acc[0] += 1
        acc[1] += seats
        acc[2] += price
        if cost is not None:
            acc[3] += cost
            acc[4] += 1
    out = []
    for (currency, billing), (count, seats, price, cost, costed) in sorted(sums.items()):
        cost_money = Money(amount=cost, currency=currency) if costed else None
        price_money = Money(amount=price, currency=currency)
        margin = price_money - cost_money if cost_money is not None and costed == count else None
        out.append(PeriodTotal(currency, billing, count, seats, price_money, cost_money, margin))
    return out


def period_words(billing: str, *, short: bool = False) -> str:
    """``a month`` / ``a year`` (short: ``/mo``, ``/yr``); another period by its ISO name."""
    if short:
        return {"P1M": "/mo", "P1Y": "/yr"}.get(billing, f"/{billing}")
    return {"P1M": "a month", "P1Y": "a year"}.get(billing, f"per {billing}")


def describe_totals(found: Sequence[PeriodTotal], *, short: bool = False, margins: bool = True) -> list[str]:
    """One line per currency: "USD 12,345.67 a month + 1,200.00 a year (margin 1,234.56 a month + ...)";
    ``short``: "USD 12,345.67/mo + 1,200.00/yr (margin 1,234.56/mo + ...)"."""
    lines = []
    by_currency: dict[str, list[PeriodTotal]] = {}
    for total in found:
        by_currency.setdefault(total.currency, []).append(total)
    gap = "" if short else " "
    for currency, items in by_currency.items():
        price = " + ".join(f"{amount_text(t.price)}{gap}{period_words(t.billing, short=short)}" for t in items)
        margin = [f"{amount_text(t.margin)}{gap}{period_words(t.billing, short=short)}" for t in items
                  if t.margin is not None and margins]
        lines.append(f"{currency} {price}" + (f" (margin {' + '.join(margin)})" if margin else ""))
    return lines


# ---------------------------------------------------------------- words


def amount_text(money: Money | None) -> str:
    """An amount as a person reads it: ``1,234.50`` (the currency is shown beside it)."""
    return "" if money is None else f"{money.amount:,.2f}"


def age_text(age: timedelta | None) -> str:
    """How old something is, in words: "just now", "3 min ago", "2 h ago", "4 days ago", "never"."""
    if age is None:
        return "never"
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"
