"""Time in the sandbox: live orders complete on the sandbox clock and their effect applies then.

``settle(sb, now)`` runs before every request and every state read (under the sandbox lock); it applies every
order whose completion time has passed, in completion order."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .dates import add_period
from .model import AccountState, Order

if TYPE_CHECKING:  # pragma: no cover
    from .model import SandboxState


def settle(state: "SandboxState", now: datetime) -> None:
    """Apply the effect of every live order that completed by ``now``."""
    for st in state.built():
        if not st.unfinished:
            continue
        due = [o for o in st.unfinished if o.cancelled_at is None and now >= o.completed_at]
        if not due:
            continue
        st.unfinished = [o for o in st.unfinished if o not in due]
        for o in sorted(due, key=lambda o: (o.completed_at, int(o.id))):
            apply(st, o)


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
    elif o.type == "change":
        for ln in o.lines:
            sub = st.subscriptions.get(ln.subscription_id or "")
            if sub is None or sub.status not in ("active", "hold") or not sub.lines:
                continue
            if o.scheduled_on == "renewal":
                sub.scheduled_quantities[ln.line_index] = ln.new_total
            else:
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
        if sub is not None and sub.status in ("active", "hold"):
            base = sub.expiration_date or day
            sub.expiration_date = sub.renewal_date = add_period(base, sub.subscription_period)
            for idx, q in sub.scheduled_quantities.items():
                if sub.lines and idx < len(sub.lines):
                    sub.lines[idx].quantity = q
            sub.scheduled_quantities.clear()
            sub.last_modified = day
