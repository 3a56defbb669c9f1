"""Time in the sandbox: what happens as the sandbox clock moves.

``settle(state, now)`` runs before every request and every state read (under the sandbox lock). In time order:

- live orders whose completion time has passed complete and their effect applies (the day they completed);
- subscriptions whose renewal date has come (00:00 UTC that day) renew or expire:
  with auto-renew on, a completed renewal order (``RN…``) appears (subscriptions with priced product lines
  only), changes scheduled on renewal complete and their quantity applies, the renewal/expiry date moves one
  term and ``lastModifiedDate`` becomes that day; with auto-renew off the subscription expires (``terminated``
  that day) and changes scheduled on renewal fail (``error``/PF).

Renewals are a heap of (date, subscription id) per account, so a request costs a peek at its top unless
something is due: 20,000 subscriptions are never scanned per request.
"""

from __future__ import annotations

import heapq
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from .dates import add_period
from .model import AccountState, Order, Subscription
from .order_rules import whole_subscription_lines

if TYPE_CHECKING:  # pragma: no cover
    from .model import SandboxState

RENEWING = ("active", "hold")


def settle(state: "SandboxState", now: datetime) -> None:
    """Apply every order that completed and every renewal that came by ``now``."""
    today = now.date().toordinal()
    for st in state.built():
        if st.unfinished or (st.renewals and st.renewals[0][0] <= today):
            _settle_account(st, now, today)


def _settle_account(st: AccountState, now: datetime, today: int) -> None:
    due = [o for o in st.unfinished if o.cancelled_at is None and now >= o.completed_at]
    if due:
        done = {id(o) for o in due}
        st.unfinished = [o for o in st.unfinished if id(o) not in done]
        due.sort(key=lambda o: (o.completed_at, int(o.id)))
    i = 0
    while True:
        renewal = st.renewals[0][0] if st.renewals and st.renewals[0][0] <= today else None
        if i < len(due) and (renewal is None or due[i].completed_at < _midnight(renewal)):
            apply(st, due[i])
            i += 1
        elif renewal is not None:
            ordinal, sid = heapq.heappop(st.renewals)
            renew_or_expire(st, sid, ordinal)
        else:
            return


def _midnight(ordinal: int) -> datetime:
    d = date.fromordinal(ordinal)
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- orders completing


def apply(st: AccountState, o: Order) -> None:
    """The effect of a completed order on its subscriptions, dated the day it completed."""
    day = o.completed_at.date()
    o.applied = True
    if o.type == "sales":
        for ln in o.lines:
            sub = st.subscriptions.get(ln.subscription_id or "")
            if sub is None or sub.status != "pending":
                continue
            sub.status = "active"
            sub.expiration_date = sub.renewal_date = add_period(day, sub.subscription_period)
            sub.last_modified = day
            st.push_renewal(sub)
    elif o.type == "change":
        for ln in o.lines:
            sub = st.subscriptions.get(ln.subscription_id or "")
            if sub is None or sub.status not in RENEWING or not sub.lines:
                continue
            sub.lines[ln.line_index].quantity = ln.new_total
            sub.last_modified = day
    elif o.type == "cancellation":
        sub = st.subscriptions.get(o.subscription_id or "")
        if sub is not None and sub.status not in ("terminated", "removed"):
            sub.status = "terminated"
            sub.renewal_status = False
            sub.expiration_date = sub.renewal_date = day
            sub.last_modified = day
    elif o.type == "renewal":
        sub = st.subscriptions.get(o.subscription_id or "")
        if sub is not None and sub.status in RENEWING:
            _complete_scheduled(st, sub, o.completed_at)
            _extend(st, sub, sub.expiration_date or day, day)


def _complete_scheduled(st: AccountState, sub: Subscription, at: datetime) -> None:
    """Changes scheduled on renewal of ``sub`` complete at ``at``: their new quantities apply."""
    for o in st.orders_by_subscription.get(sub.id, ()):
        if o.type != "change" or not o.waits_for_renewal():
            continue
        o.completed_at = max(at, o.processing_at)
        o.applied = True
        for ln in o.lines:
            if ln.subscription_id == sub.id and sub.lines and ln.line_index < len(sub.lines):
                sub.lines[ln.line_index].quantity = ln.new_total


# --------------------------------------------------------------------------- the renewal date coming


def renew_or_expire(st: AccountState, sid: str, ordinal: int) -> None:
    """Subscription ``sid`` reaches its renewal date (``ordinal``): it renews (auto-renew on) or expires."""
    sub = st.subscriptions.get(sid)
    if (sub is None or sub.status not in RENEWING or sub.renewal_date is None
            or sub.renewal_date.toordinal() != ordinal):
        return  # stale entry: removed, cancelled, expired or renewed another way meanwhile
    day = date.fromordinal(ordinal)
    at = _midnight(ordinal)
    if not sub.renewal_status:
        for o in st.orders_by_subscription.get(sid, ()):
            if o.type == "change" and o.waits_for_renewal():
                o.failed_at = at
        sub.status = "terminated"
        sub.last_modified = day
        return
    _complete_scheduled(st, sub, at)
    if sub.lines:
        _renewal_order(st, sub, at)
    _extend(st, sub, day, day)


def _extend(st: AccountState, sub: Subscription, start: date, day: date) -> None:
    """``sub`` renewed on ``day``: one more term from ``start``, and its next renewal date queued."""
    sub.expiration_date = sub.renewal_date = add_period(start, sub.subscription_period)
    sub.last_modified = day
    st.push_renewal(sub)


def _renewal_order(st: AccountState, sub: Subscription, at: datetime) -> Order:
    """The completed renewal order an automatic renewal leaves in the order history."""
    oid, number = st.new_order_ids("RN")
    lines = whole_subscription_lines(st, sub, "renewal")
    total = sum((ln.extended for ln in lines), Decimal("0"))
    order = Order(oid, number, "renewal", sub.customer_id, None, at, lines, total, st.currency, sub.id,
                  at, at, at, ("completed", "CP"), None, True)
    st.add_order(order)
    return order
