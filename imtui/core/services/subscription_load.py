"""Following a load as it happens: progress per account in words, and the subscriptions as they arrive.

A refresh writes the snapshot once per account, at the end (one transaction). Meanwhile its events carry
what it read: a :class:`LoadTracker` turns them into rows a screen can show at once, list rows first (no
seats or prices yet: production's list rows carry none), then each detail as it comes. When an account is
done, the snapshot holds the truth (inactive marks included) and the screen reads it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from imtui.core.api.models import Customer, Subscription, SubscriptionDetail
from imtui.core.refresh import Phase, RefreshProgress
from imtui.core.snapshot import INACTIVE_STATUSES, SubscriptionRow
from imtui.core.snapshot.records import MoneyCache

__all__ = ["LoadTracker", "row_from_api"]

Key = tuple[str, str]

_PHASE_WORDS = {
    Phase.CUSTOMERS: "customers",
    Phase.SUBSCRIPTIONS: "subscriptions",
    Phase.DETAILS: "details",
    Phase.ORDERS: "orders",
    Phase.ORDER_DETAILS: "order details",
    Phase.SAVING: "saving",
}


def row_from_api(account: str, sub: Subscription, customer_name: str, today: date,
                 money: MoneyCache | None = None) -> SubscriptionRow:
    """A snapshot-shaped row of a subscription just read (a list row, or a detail with seats and prices)."""
    money = money or MoneyCache()
    main = sub.products[0] if isinstance(sub, SubscriptionDetail) and sub.products else None

    def cached(m):  # one Money object per distinct amount, as the snapshot's reads share them
        return None if m is None else money.get(str(m.amount), m.currency)

    price = cached(main.unit_price) if main else None
    cost = cached(main.unit_cost) if main else None
    total = cached(sub.total_price) if isinstance(sub, SubscriptionDetail) else None
    ended = sub.status in INACTIVE_STATUSES
    return SubscriptionRow(
        account, sub.id or "", sub.customer_id or "", customer_name, sub.name, sub.status, sub.renewal_status,
        sub.subscription_period.iso if sub.subscription_period else "unknown",
        sub.billing_period.iso if sub.billing_period else "unknown",
        sub.creation_date, sub.renewal_date, sub.expiration_date, sub.last_modified_date,
        main.mpn if main else None, main.vendor if main else None, main.quantity if main else None,
        price, cost, total, money.margin(price, cost), (price or cost).currency if (price or cost) else None,
        (sub.renewal_date - today).days if sub.renewal_date else None,
        isinstance(sub, SubscriptionDetail), False,
        (sub.last_modified_date or today) if ended else None, sub.status if ended else None,
    )


class LoadTracker:
    """The listener of a load (``services.subscriptions.load(listener=tracker)``): keeps each account's
    progress and what arrived; :meth:`take` hands the new rows over, :meth:`text` says where it is."""

    def __init__(self, accounts: Iterable[str], today: date) -> None:
        self.today = today
        self.progress: dict[str, str] = {name: "waiting" for name in accounts}
        self.finished: set[str] = set()
        self._names: dict[Key, str] = {}  # customers read in this load
        self._lists: dict[Key, Subscription] = {}
        self._details: dict[Key, SubscriptionDetail] = {}
        self._money = MoneyCache()

    def __call__(self, event: RefreshProgress) -> None:
        account = event.account
        if event.phase == Phase.DONE:
            self.finished.add(account)
            self.progress[account] = "done"
            return
        for item in event.items:
            if isinstance(item, SubscriptionDetail):
                self._details[(account, item.id or "")] = item
            elif isinstance(item, Subscription):
                self._lists[(account, item.id or "")] = item
            elif isinstance(item, Customer):
                self._names[(account, item.id or "")] = item.name
        total = f"/{event.total:,}" if event.total is not None else ""
        self.progress[account] = f"{_PHASE_WORDS.get(event.phase, event.phase)} {event.done:,}{total}"

    def failed(self, account: str, reason: str) -> None:
        self.progress[account] = f"failed: {reason}"

    @property
    def pending(self) -> bool:
        """Rows arrived that :meth:`take` has not handed over yet."""
        return bool(self._lists or self._details)

    def take(self, known: Mapping[Key, SubscriptionRow | None],
             name_of: Callable[[Key], str | None] = lambda key: None) -> list[SubscriptionRow]:
        """The rows arrived since the last call: a list row only for a subscription not ``known`` yet (its
        snapshot row has seats and prices the list row lacks), every detail."""
        rows = []
        for key, sub in self._lists.items():
            if key not in known and key not in self._details:
                rows.append(row_from_api(key[0], sub, self._customer(key[0], sub, name_of), self.today, self._money))
        for key, detail in self._details.items():
            rows.append(row_from_api(key[0], detail, self._customer(key[0], detail, name_of), self.today, self._money))
        self._lists.clear()
        self._details.clear()
        return rows

    def _customer(self, account: str, sub: Subscription, name_of: Callable[[Key], str | None]) -> str:
        key = (account, sub.customer_id or "")
        return self._names.get(key) or name_of(key) or ""

    def text(self) -> str:
        """``us-demo: details 120/400 · uk-demo: done``."""
        return " · ".join(f"{name}: {state}" for name, state in self.progress.items())
