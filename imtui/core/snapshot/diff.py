"""What changed between the previous snapshot of an account and what a refresh just read.

Pure functions: previous records in, API models in, changes and inactive marks out. The rules:
- a subscription in status terminated/removed is inactive for that reason, since its ``lastModifiedDate``;
- a subscription or customer missing from a COMPLETE listing (no unreadable row, nothing short) vanished
  upstream: it is kept and marked inactive today; an incomplete listing never marks anything;
- one that comes back is active again; nothing is ever deleted;
- seats, price and cost are compared only where a detail was read now and had been read before;
- the first refresh of an account reports no changes (everything would be "new").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from imtui.core.api.models import Customer, Money, Order, Subscription, SubscriptionDetail
from imtui.core.snapshot.records import (
    INACTIVE_STATUSES,
    VANISHED,
    Change,
    ChangeKind,
    CustomerRecord,
    SubscriptionRow,
)
from imtui.core.snapshot.writer import Mark

_ORDER_OUTCOMES = {
    "completed": ChangeKind.ORDER_COMPLETED,
    "error": ChangeKind.ORDER_FAILED,
    "cancelled": ChangeKind.ORDER_CANCELLED,
}


@dataclass
class Listing:
    """One list as read: rows by id, ids of rows that could not be parsed, and whether it is whole."""

    rows: dict = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    complete: bool = True


def money_text(money: Money | None) -> str | None:
    """Exact amount and currency, as a change records it (``12.50 USD``)."""
    return None if money is None else f"{money.amount} {money.currency}"


def _same_money(a: Money | None, b: Money | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.currency == b.currency and a.amount == b.amount


def _on_off(value: bool | None) -> str | None:
    return None if value is None else ("on" if value else "off")


# ---------------------------------------------------------------- customers


def customer_changes(account: str, previous: Mapping[str, CustomerRecord], listing: Listing, *, today: date,
                     first: bool) -> tuple[list[Change], dict[str, Mark]]:
    changes: list[Change] = []
    marks: dict[str, Mark] = {}
    current: dict[str, Customer] = listing.rows
    for cid, customer in current.items():
        old = previous.get(cid)
        if old is not None and old.inactive_since is not None:
            marks[cid] = None
        if not first and (old is None or old.inactive_since is not None):
            before = old.inactive_reason if old is not None else None
            changes.append(Change(account, ChangeKind.CUSTOMER_NEW, customer.name, customer.name, customer_id=cid,
                                  before=before, after=customer.status))
    if listing.complete:
        for cid, old in previous.items():
            if cid in current or cid in listing.unreadable or old.inactive_since is not None:
                continue
            marks[cid] = (today, VANISHED)
            changes.append(Change(account, ChangeKind.CUSTOMER_GONE, old.name, old.name, customer_id=cid,
                                  before=old.status, after=VANISHED))
    return changes, marks


# ---------------------------------------------------------------- subscriptions


def subscription_mark(sub: Subscription, old: SubscriptionRow | None, today: date) -> tuple[bool, Mark]:
    """(does the stored mark change, the mark) for a subscription present upstream."""
    if sub.status in INACTIVE_STATUSES:
        if old is not None and old.inactive_reason == sub.status:
            return False, None
        since = sub.last_modified_date if sub.last_modified_date and sub.last_modified_date <= today else today
        return True, (since, sub.status)
    if old is not None and old.inactive_since is not None:
        return True, None
    return False, None


def subscription_changes(account: str, previous: Mapping[str, SubscriptionRow], listing: Listing,
                         details: set[str], names: Mapping[str, str], *, today: date,
                         first: bool) -> tuple[list[Change], dict[str, Mark]]:
    changes: list[Change] = []
    marks: dict[str, Mark] = {}
    current: dict[str, Subscription] = listing.rows
    for sid, sub in current.items():
        old = previous.get(sid)
        changed, mark = subscription_mark(sub, old, today)
        if changed:
            marks[sid] = mark
        if first:
            continue
        detail = sub if sid in details and isinstance(sub, SubscriptionDetail) else None
        changes += _one_subscription(account, sub, old, detail, names.get(sub.customer_id or "", ""))
    if listing.complete:
        for sid, old in previous.items():
            if sid in current or sid in listing.unreadable or old.inactive_since is not None:
                continue
            marks[sid] = (today, VANISHED)
            changes.append(Change(account, ChangeKind.SUBSCRIPTION_GONE, old.name, old.customer_name,
                                  subscription_id=sid, customer_id=old.customer_id, before=old.status, after=VANISHED))
    return changes, marks


def _one_subscription(account: str, sub: Subscription, old: SubscriptionRow | None,
                      detail: SubscriptionDetail | None, customer_name: str) -> list[Change]:
    def change(kind: str, before: object, after: object) -> Change:
        return Change(account, kind, sub.name, customer_name, subscription_id=sub.id, customer_id=sub.customer_id,
                      before=None if before is None else str(before), after=None if after is None else str(after))

    if old is None:
        seats = detail.seats if detail is not None else None
        return [change(ChangeKind.SUBSCRIPTION_NEW, None, f"{seats} seats" if seats is not None else sub.status)]
    out = []
    if old.inactive_reason == VANISHED:
        out.append(change(ChangeKind.STATUS, VANISHED, sub.status))
    elif old.status != sub.status:
        out.append(change(ChangeKind.STATUS, old.status, sub.status))
    if old.auto_renew is not None and sub.renewal_status is not None and old.auto_renew != sub.renewal_status:
        out.append(change(ChangeKind.AUTO_RENEW, _on_off(old.auto_renew), _on_off(sub.renewal_status)))
    if (old.renewal_date and sub.renewal_date and sub.renewal_date > old.renewal_date
            and sub.status not in INACTIVE_STATUSES):
        out.append(change(ChangeKind.RENEWED, old.renewal_date.isoformat(), sub.renewal_date.isoformat()))
    if detail is not None and old.details_loaded:
        main = detail.products[0] if detail.products else None
        if old.seats != detail.seats:
            out.append(change(ChangeKind.SEATS, old.seats, detail.seats))
        price, cost = (main.unit_price, main.unit_cost) if main else (None, None)
        if not _same_money(old.unit_price, price):
            out.append(change(ChangeKind.PRICE, money_text(old.unit_price), money_text(price)))
        if not _same_money(old.unit_cost, cost):
            out.append(change(ChangeKind.COST, money_text(old.unit_cost), money_text(cost)))
    return out


# ---------------------------------------------------------------- orders


def order_changes(account: str, previous: Mapping[str, tuple[str, bool, bool]], orders: Mapping[str, Order],
                  names: Mapping[str, str], *, first: bool) -> list[Change]:
    """Orders that finished since the previous snapshot (completed, failed, withdrawn)."""
    if first:
        return []
    changes = []
    for oid, order in orders.items():
        old = previous.get(oid)
        if old is not None and (old[1] or old[0] == order.status):
            continue
        kind = _ORDER_OUTCOMES.get(order.status)
        if kind is None:
            continue
        subscription = order.subscription_id or next((p.subscription_id for p in order.products if p.subscription_id), None)
        changes.append(Change(
            account, kind, order.order_number or oid, names.get(order.customer_id or "", ""),
            subscription_id=subscription, customer_id=order.customer_id, order_id=oid,
            before=old[0] if old is not None else None, after=order.status,
        ))
    return changes
