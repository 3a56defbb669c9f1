"""Subscriptions: what the browser (key 3) and ``imtui subscriptions`` show, from the local snapshot.

``services.subscriptions``:

- :meth:`SubscriptionsArea.rows`: every subscription (of one account / customer) as a
  :class:`~imtui.core.services.subscription_views.SubscriptionView`: the snapshot's row, the client it is
  mapped to (else the Ingram name), the account's read-only flag, the MSP's price, cost and margin, days
  left from ``services.today()``, an unfinished order on it;
- :meth:`detail` (lines, parameters, vendor subscription id, orders pending first) and :meth:`history`
  (its orders read from the marketplace, one call);
- :meth:`load`: the background refresh, which is ``services.sync.run`` (one loader for the app and the CLI);
  :meth:`freshness`: when each account was last refreshed and whether the last attempt failed;
- :meth:`refusal`: why no change can be made to a subscription right now (read-only account, ended
  subscription, the marketplace unreachable at the last refresh), in words, before anything is asked of the
  marketplace: the screen dims its keys with it. The plan (``services.orders``) checks again, fresh.

Filtering, sorting, renewals and totals are plain functions in :mod:`.subscription_views`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from imtui.core.errors import ServiceError
from imtui.core.refresh import RefreshProgress, refresh_subscription_orders
from imtui.core.services.subscription_load import LoadTracker
from imtui.core.services.subscription_views import SubscriptionFilter, SubscriptionView, age_text
from imtui.core.snapshot import OrderRow, SubscriptionRecord, SubscriptionRow

if TYPE_CHECKING:
    from imtui.core.services import Services
    from imtui.core.services.sync import SyncResult

__all__ = ["CustomerChoice", "Freshness", "SubscriptionDetails", "SubscriptionsArea"]

Key = tuple[str, str]


@dataclass(frozen=True)
class Freshness:
    """How current one account's part of the snapshot is."""

    account: str
    refreshed_at: datetime | None  # the last successful refresh (None: never)
    attempted_at: datetime | None
    error: str | None  # the last attempt failed, and why (the snapshot holds the data of before)

    def age(self, now: datetime) -> timedelta | None:
        return None if self.refreshed_at is None else now - self.refreshed_at

    def describe(self, now: datetime) -> str:
        """``as of 3 min ago``; ``stale (as of 2 h ago): <why>``; ``never loaded``."""
        if self.refreshed_at is None:
            return f"never loaded: {self.error}" if self.error else "never loaded"
        age = f"as of {age_text(self.age(now))}"
        return f"stale ({age}): {self.error}" if self.error else age


@dataclass(frozen=True)
class SubscriptionDetails:
    """One subscription with everything the snapshot holds about it."""

    view: SubscriptionView
    record: SubscriptionRecord

    @property
    def orders(self) -> list[OrderRow]:
        return self.record.orders  # pending first, then newest first


@dataclass(frozen=True)
class CustomerChoice:
    """A customer that has subscriptions, as the browser's left pane lists it."""

    account: str
    customer_id: str
    client: str  # the mapped client, else the Ingram name
    customer_name: str  # the Ingram name
    mapped: bool
    subscriptions: int


class SubscriptionsArea:
    """``services.subscriptions``."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._freshness: dict[str, Freshness] | None = None

    # ---------------------------------------------------------------- rows

    def rows(self, account: str | None = None, customer_id: str | None = None, *,
             include_inactive: bool = True) -> list[SubscriptionView]:
        """Every subscription in the snapshot (of one account / customer), joined; blocking (a worker's
        thread in the UI): 20,000 rows take a few hundred milliseconds."""
        rows = self.services.snapshot.subscriptions(
            account, customer_id, today=self.services.today(), include_inactive=include_inactive
        )
        return self.views(rows)

    def list(self, wanted: SubscriptionFilter) -> list[SubscriptionView]:
        """The subscriptions ``wanted`` keeps, in the snapshot's order (account, customer, product)."""
        return wanted.apply(self.rows(wanted.account, wanted.customer_id, include_inactive=not wanted.active_only))

    def views(self, rows: Iterable[SubscriptionRow], *,
              pending: Mapping[Key, OrderRow] | None = None) -> list[SubscriptionView]:
        """Rows joined with the config (client, read-only flag), the prices and the pending orders (read
        from the snapshot unless given)."""
        config = self.services.config
        mappings = config.mapping_index()
        read_only = {a.name: a.read_only for a in config.accounts}
        book = self.services.prices
        pending = self.pending_orders() if pending is None else pending
        # rows of one read share their Money objects: price each pair once (kept alive here, so ids stay unique)
        prices: dict[tuple, tuple] = {}
        out = []
        for row in rows:
            mapping = mappings.get((row.account, row.customer_id))
            client = mapping.client if mapping is not None and mapping.client else None
            key = (row.account, row.mpn, row.term, row.billing, id(row.unit_price), id(row.unit_cost))
            found = prices.get(key)
            if found is None:
                price = book.price(row.account, row.mpn or "", term=row.term, billing=row.billing,
                                   price=row.unit_price, cost=row.unit_cost)
                found = prices[key] = (price, price.margin, row.unit_price, row.unit_cost)
            out.append(SubscriptionView(row, client or row.customer_name, client is not None,
                                        read_only.get(row.account, False), found[0],
                                        pending.get((row.account, row.id)), found[1]))
        return out

    def pending_orders(self) -> dict[Key, OrderRow]:
        """The unfinished order on each subscription that has one, as the snapshot knows it."""
        found: dict[Key, OrderRow] = {}
        for order in self.services.snapshot.orders(unfinished_only=True):
            ids = {order.subscription_id, *(line.subscription_id for line in order.lines)} - {None}
            for sid in ids:
                found.setdefault((order.account, sid), order)
        return found

    def customers(self, views: Sequence[SubscriptionView]) -> list[CustomerChoice]:
        """The customers of ``views``, by account, then client name."""
        seen: dict[Key, list] = {}
        for view in views:
            entry = seen.get((view.account, view.customer_id))
            if entry is None:
                seen[(view.account, view.customer_id)] = [view, 1]
            else:
                entry[1] += 1
        order = {a.name: i for i, a in enumerate(self.services.config.accounts)}
        choices = [
            CustomerChoice(v.account, v.customer_id, v.client, v.customer_name, v.mapped, count)
            for v, count in seen.values()
        ]
        choices.sort(key=lambda c: (order.get(c.account, len(order)), c.account, c.client.casefold(), c.customer_id))
        return choices

    # ---------------------------------------------------------------- one subscription

    def detail(self, subscription_id: str, account: str | None = None) -> SubscriptionDetails | None:
        """One subscription with its lines, parameters and orders; ``ServiceError`` if the id is in several
        accounts and none is named."""
        try:
            record = self.services.snapshot.subscription(subscription_id, account, today=self.services.today())
        except LookupError as exc:
            raise ServiceError(f"{str(exc)[:1].upper()}{str(exc)[1:]} (--account).") from None
        if record is None:
            return None
        return SubscriptionDetails(self.views([record.row])[0], record)

    async def history(self, account: str, subscription_id: str) -> list[OrderRow]:
        """Its orders, read from the marketplace (one list call), kept in the snapshot; pending first."""
        return await refresh_subscription_orders(
            self.services.client(account), account, subscription_id, self.services.snapshot, now=self.services.now()
        )

    # ---------------------------------------------------------------- loading and freshness

    def tracker(self, accounts: Sequence[str] | None = None) -> LoadTracker:
        """A listener for :meth:`load` that keeps progress and the rows as they arrive."""
        names = list(accounts) if accounts else [a.name for a in self.services.config.accounts]
        return LoadTracker(names, self.services.today())

    async def load(self, listener: Callable[[RefreshProgress], None] | None = None, *,
                   accounts: Sequence[str] | None = None, full: bool = False) -> SyncResult:
        """Refresh the snapshot from the marketplace: ``services.sync.run`` (raises ``SnapshotBusyError`` if
        another sync of this data dir runs). Each account's failure is kept with it (``result.failed``)."""
        try:
            return await self.services.sync.run(accounts, full=full, listener=listener)
        finally:
            self._freshness = None

    def freshness(self) -> dict[str, Freshness]:
        """Per configured account: when it was last refreshed, and the last attempt's failure if it failed."""
        if self._freshness is None:
            states = self.services.snapshot.sync_state()
            fresh = {}
            for account in self.services.config.accounts:
                s = states.get(account.name)
                fresh[account.name] = Freshness(
                    account.name, s.last_sync_at if s else None, s.last_attempt_at if s else None,
                    s.last_error if s else None,
                )
            self._freshness = fresh
        return self._freshness

    def describe_freshness(self) -> str:
        """The snapshot's age in words, stale accounts named with the reason."""
        now = self.services.now()
        fresh = list(self.freshness().values())
        if not fresh:
            return "no account"
        stale = [f for f in fresh if f.error]
        known = [f.refreshed_at for f in fresh if f.refreshed_at is not None]
        if not known and not stale:
            return "nothing loaded yet"
        text = f"as of {age_text(now - min(known))}" if known else "never loaded"
        if stale:
            text += " · STALE " + "; ".join(f"{f.account}: {f.error}" for f in stale)
        return text

    # ---------------------------------------------------------------- may it change?

    def refusal(self, view: SubscriptionView) -> str | None:
        """Why no change (seats, auto-renew, cancel) can be made to this subscription now, or ``None``."""
        account = self.services.config.account(view.account)
        if account is None:
            return f"The account {view.account} is no longer configured."
        from imtui.core.services.order_plans import Planner

        read_only = Planner.read_only(account)  # the money path's own rule and words
        if read_only:
            return read_only
        if not view.active:
            since = view.row.inactive_since.isoformat() if view.row.inactive_since else "?"
            return f"This subscription is {view.row.inactive_reason or 'inactive'} since {since}: there is nothing to change."
        fresh = self.freshness().get(view.account)
        if fresh is not None and fresh.error:
            age = age_text(fresh.age(self.services.now()))
            return (f"The marketplace could not be reached for {view.account} ({fresh.error}); what is shown is "
                    f"from {age}. Refresh (r) once it answers again.")
        return None
