"""Load one marketplace account from the API into the local snapshot.

    result = await refresh_account(client, "us-demo", snapshot, listener=print)

1. customers, then subscription list rows (pages; list rows carry no seats or prices), then details
   (``GET /subscriptions/{id}``) with bounded concurrency: on an incremental refresh only for subscriptions
   that are new, whose details were never read (or could not be read last time), whose list row changed, or
   whose ``lastModifiedDate`` is on or after the last sync's day; all of them on a full refresh;
2. orders created since the last one seen (a small margin before it; all on the first refresh); orders the
   snapshot holds as unfinished are looked up in the lists of unfinished orders (a page per status, not a
   call per order) and the detail is read of each that left them (to see it complete or fail), and of
   each new unfinished order (to learn its subscription and PO number);
3. progress to an optional listener as it goes (:class:`RefreshProgress`, list rows as soon as read);
4. what changed against the previous snapshot (``imtui.core.snapshot.diff``);
5. everything written in ONE transaction at the end. A failure or a cancellation before that leaves the
   account's snapshot exactly as it was; an API failure is raised as :class:`RefreshError`, in words.

"The last sync's day" is taken conservatively: ``lastModifiedDate`` is a date without time in a timezone the
API does not state, so the day recorded is the calendar day of the sync's start in the westernmost
timezone (UTC-12), and never later than the newest ``lastModifiedDate`` the server listed (its own "today"
at the latest, whatever our clock says). A detail modified after a sync can then never carry a date before
that day.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from imtui.core.api.errors import ApiError, AuthenticationError, InvalidResponseError, NotFoundError
from imtui.core.api.models import Customer, Order, Subscription, SubscriptionDetail
from imtui.core.snapshot import AccountUpdate, Change, OrderRow, Snapshot, SnapshotError, SubscriptionRow
from imtui.core.snapshot.diff import Listing, customer_changes, order_changes, subscription_changes

T = TypeVar("T")

DEFAULT_CONCURRENCY = 8
ORDER_MARGIN = timedelta(minutes=10)  # re-read orders created this long before the newest one seen
MODIFIED_DAY_LAG = timedelta(hours=12)  # the sync's day, as the westernmost timezone (UTC-12) dates it
UNFINISHED_ORDER_STATUSES = ("submitted", "processing")  # listed to follow held orders without a call each
SYSTEMIC_FAILURES = 5  # this many failed details, and more than half of those wanted: the account fails


class Phase:
    """The ``phase`` of a :class:`RefreshProgress`, in the order they happen."""

    CUSTOMERS = "customers"
    SUBSCRIPTIONS = "subscriptions"
    DETAILS = "details"
    ORDERS = "orders"
    ORDER_DETAILS = "order_details"
    SAVING = "saving"
    DONE = "done"


@dataclass(slots=True, frozen=True)
class RefreshProgress:
    """One step of a refresh. ``items``: what this step read: a page of list rows (``Customer``, ``Subscription``,
    ``Order``), one ``SubscriptionDetail`` or ``Order`` detail (none when it failed); for ``done`` the
    :class:`AccountRefresh`. The listener is called on the event loop: keep it quick."""

    account: str
    phase: str
    done: int
    total: int | None  # None while unknown
    items: tuple[Any, ...] = ()


Listener = Callable[[RefreshProgress], None]


class RefreshError(Exception):
    """One account could not be refreshed; its snapshot is as it was. ``cause``: the API error, if any."""

    def __init__(self, account: str, reason: str, cause: BaseException | None = None) -> None:
        self.account = account
        self.reason = reason
        self.cause = cause
        super().__init__(f"{account}: {reason}")


@dataclass(slots=True)
class AccountRefresh:
    """What one refresh of one account did."""

    account: str
    run_id: int
    full: bool
    first: bool
    started_at: datetime
    finished_at: datetime
    duration: float  # seconds, wall clock
    customers: int
    subscriptions: int
    orders: int  # order rows read (list rows and details)
    requests: int  # API calls made (pages and details; logins and the client's own retries not counted)
    details_fetched: int
    order_details_fetched: int
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Changes per kind."""
        out: dict[str, int] = {}
        for change in self.changes:
            out[change.kind] = out.get(change.kind, 0) + 1
        return out

    def summary(self) -> dict[str, Any]:
        """Counts and warnings (what the run record keeps; JSON-ready)."""
        return {
            "customers": self.customers, "subscriptions": self.subscriptions, "orders": self.orders,
            "requests": self.requests, "details_fetched": self.details_fetched,
            "order_details_fetched": self.order_details_fetched, "duration": round(self.duration, 3),
            "changes": self.counts, "warnings": list(self.warnings),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account, "run": self.run_id, "full": self.full, "first": self.first,
            "started_at": self.started_at.isoformat(), "finished_at": self.finished_at.isoformat(),
            **self.summary(), "changed": [c.to_dict() for c in self.changes],
        }


def sync_day(started_at: datetime, newest_modified: date | None = None) -> date:
    """The day recorded for a sync started at ``started_at``: details dated on or after it are read again.

    Never later than ``newest_modified``, the newest ``lastModifiedDate`` the server listed: a server whose
    clock is behind ours (a sandbox on its own clock, a skewed host) would otherwise date a change after this
    sync before our day, and the next sync would miss it. Earlier is only safe (a few more details read)."""
    day = (_utc(started_at) - MODIFIED_DAY_LAG).date()
    return min(day, newest_modified) if newest_modified is not None else day


def needs_detail(row: Subscription, old: SubscriptionRow | None, since: date | None, full: bool) -> bool:
    """The incremental rule: must this subscription's detail be read?"""
    if full or old is None or since is None or not old.details_loaded or old.details_due:
        return True
    if row.last_modified_date is None or row.last_modified_date >= since:
        return True
    # lastModifiedDate says unchanged, but the list row disagrees with the snapshot: trust the row
    return (row.status != old.status or row.renewal_date != old.renewal_date
            or row.expiration_date != old.expiration_date
            or (row.renewal_status is not None and row.renewal_status != old.auto_renew))


# ---------------------------------------------------------------- the refresh


async def refresh_account(
    client: Any,
    account: str,
    snapshot: Snapshot,
    *,
    now: datetime | None = None,
    full: bool = False,
    concurrency: int | None = None,
    listener: Listener | None = None,
) -> AccountRefresh:
    """Refresh ``account`` (read through ``client``, a ``MarketplaceClient``) into ``snapshot``.

    Details are read ``concurrency`` at a time (default: as many as the key's rate budget can keep busy).
    Holds the data dir's sync lock meanwhile (``SnapshotBusyError`` if another refresh holds it). Raises
    ``RefreshError`` when the API fails or the snapshot cannot be written; the account's data in the
    snapshot is then as it was.
    """
    started = _utc(now or datetime.now(timezone.utc))
    clock = time.monotonic()
    run = _Run(account, listener)
    with snapshot.lock(), snapshot.claim(account):
        try:
            previous = await asyncio.to_thread(_Previous.load, snapshot, account)
        except SnapshotError as exc:
            raise RefreshError(account, str(exc), exc) from exc
        first = previous.last_sync_day is None
        full = full or first
        try:
            update = await _read_account(client, run, previous, started, full=full, first=first, concurrency=concurrency)
        except ApiError as exc:
            finished = started + timedelta(seconds=time.monotonic() - clock)
            try:  # best effort: the failure is raised either way
                await _to_the_end(snapshot.record_failure, account, started, finished, full=full, error=str(exc),
                                  summary={"requests": run.requests, "warnings": run.warnings})
            except SnapshotError:
                pass
            raise RefreshError(account, str(exc), exc) from exc
        duration = time.monotonic() - clock
        update.finished_at = started + timedelta(seconds=duration)
        result = AccountRefresh(
            account, 0, full, first, started, update.finished_at, duration, len(update.customers),
            len(update.subscriptions), len(update.orders), run.requests, len(update.details),
            len(update.order_details), update.changes, run.warnings,
        )
        update.summary = result.summary()
        run.emit(Phase.SAVING, 0, 1)
        try:
            result.run_id = await _to_the_end(snapshot.commit, update)
        except SnapshotError as exc:
            raise RefreshError(account, str(exc), exc) from exc
        run.emit(Phase.DONE, 1, 1, (result,))
    return result


async def refresh_subscription_orders(client: Any, account: str, subscription_id: str, snapshot: Snapshot, *,
                                      now: datetime | None = None) -> list[OrderRow]:
    """The orders of one subscription, read from the API (one list call), stored linked to it, and returned
    from the snapshot (pending first). The refresh links orders only through their details, which it reads
    for unfinished orders alone: this fills a subscription's order history when it is opened."""
    listing = await _read_list(client, _Run(account, None), "orders", Order, {"subscriptionId": subscription_id},
                               Phase.ORDERS, 0)
    at = _utc(now or datetime.now(timezone.utc))
    await _to_the_end(snapshot.link_orders, account, subscription_id, list(listing.rows.values()), now=at)
    return await asyncio.to_thread(snapshot.orders, account, subscription_id=subscription_id)


async def _read_account(client: Any, run: "_Run", previous: "_Previous", started: datetime, *, full: bool,
                        first: bool, concurrency: int | None) -> AccountUpdate:
    async def subscriptions_and_details() -> tuple[Listing, Listing, dict[str, SubscriptionDetail], set[str]]:
        customers, subscriptions = await _together(
            _read_list(client, run, "customers", Customer, {}, Phase.CUSTOMERS, len(previous.customers)),
            _read_list(client, run, "subscriptions", Subscription, {}, Phase.SUBSCRIPTIONS, len(previous.subscriptions)),
        )
        wanted = [
            sid for sid, row in subscriptions.rows.items()
            if needs_detail(row, previous.subscriptions.get(sid), previous.last_sync_day, full)
        ]
        details, due = await _read_details(client, run, wanted, concurrency)
        subscriptions.rows.update(details)
        return customers, subscriptions, details, due

    # the orders need nothing from the subscriptions: read side by side, they keep the key's budget busy
    # while the lists page one after another
    (customers, subscriptions, details, due), (orders, order_details, cursor) = await _together(
        subscriptions_and_details(), _read_orders(client, run, previous, full, concurrency)
    )

    today = started.date()
    names = {cid: c.name for cid, c in previous.customers.items()}
    names.update((cid, c.name) for cid, c in customers.rows.items())
    changes, customer_marks = customer_changes(run.account, previous.customers, customers, today=today, first=first)
    sub_changes, sub_marks = subscription_changes(
        run.account, previous.subscriptions, subscriptions, set(details), names, today=today, first=first
    )
    changes += sub_changes
    changes += order_changes(run.account, previous.orders, orders, names, first=first)
    return AccountUpdate(
        account=run.account, started_at=started, finished_at=started, full=full, first=first,
        sync_day=sync_day(started, _newest_modified(subscriptions)), orders_cursor=cursor,
        customers=list(customers.rows.values()), customer_marks=customer_marks,
        subscriptions=list(subscriptions.rows.values()), details=set(details), details_due=due,
        subscription_marks=sub_marks, orders=list(orders.values()), order_details=order_details, changes=changes,
    )


# ---------------------------------------------------------------- reading


async def _read_list(client: Any, run: "_Run", path: str, model: type, params: dict[str, Any], phase: str,
                     known: int) -> Listing:
    """Every row of a list; unreadable rows skipped with a warning, repeated ones dropped."""
    listing = Listing()
    anonymous = repeated = 0
    total: int | None = None
    async for page in client.pages(path, params):
        run.requests += 1
        fresh = []
        for raw in page.items:
            try:
                row = client.parse_row(model, raw, "GET", "/" + path)
            except InvalidResponseError:
                rid = raw.get("id") if isinstance(raw, dict) else None
                if rid is None or str(rid) == "":
                    anonymous += 1
                else:
                    listing.unreadable.add(str(rid))
                continue
            if not row.id:
                anonymous += 1
            elif row.id in listing.rows:
                repeated += 1
            else:
                listing.rows[row.id] = row
                fresh.append(row)
        total = page.total if page.total is not None else total
        run.emit(phase, len(listing.rows), total, tuple(fresh))
    seen = len(listing.rows) + len(listing.unreadable) + anonymous
    if listing.unreadable or anonymous:
        sample = ", ".join(sorted(listing.unreadable)[:5])
        run.warn(f"{len(listing.unreadable) + anonymous} unreadable {path} row(s) skipped"
                 + (f" (ids {sample})" if sample else "") + "; what the snapshot held for them is kept")
    if repeated:
        run.warn(f"the {path} list repeated {repeated} row(s); kept once")
    if total is not None and seen < total:
        run.warn(f"the {path} list ended after {seen} of {total} rows")
        listing.complete = False
    if anonymous:
        listing.complete = False
    if not listing.rows and known and not params:
        run.warn(f"the marketplace listed no {path}; the {known} in the snapshot are kept as they were")
        listing.complete = False
    return listing


async def _read_details(client: Any, run: "_Run", wanted: list[str],
                        concurrency: int | None) -> tuple[dict[str, SubscriptionDetail], set[str]]:
    done = 0

    def on_done(sid: str, result: Any) -> None:
        nonlocal done
        done += 1
        run.emit(Phase.DETAILS, done, len(wanted), (result,) if isinstance(result, SubscriptionDetail) else ())

    run.emit(Phase.DETAILS, 0, len(wanted))
    results = await client.get_subscriptions(wanted, concurrency=concurrency, on_done=on_done)
    run.requests += len(wanted)
    details = {sid: r for sid, r in zip(wanted, results) if isinstance(r, SubscriptionDetail)}
    failed = _failures(run, "subscription", wanted, results)
    return details, failed


async def _read_orders(client: Any, run: "_Run", previous: "_Previous", full: bool,
                       concurrency: int | None) -> tuple[dict[str, Order], set[str], datetime | None]:
    """Orders created since the cursor (all on a full refresh), and news of the ones held as unfinished."""
    cursor = previous.orders_cursor
    params: dict[str, Any] = {}
    if cursor is not None and not full:
        params["creationTimeFrom"] = (cursor - ORDER_MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")
    listing = await _read_list(client, run, "orders", Order, params, Phase.ORDERS, 0)
    newest = max((_utc(o.creation_date) for o in listing.rows.values() if o.creation_date), default=None)
    if cursor is not None and (newest is None or newest < cursor):
        newest = cursor
    orders: dict[str, Order] = dict(listing.rows)
    known = previous.orders
    held = [oid for oid, (_, finished, _) in known.items() if not finished and oid not in orders]
    if held:  # one list per unfinished status costs a page; a detail per held order would cost one each
        for status in UNFINISHED_ORDER_STATUSES:
            unfinished = await _read_list(client, run, "orders", Order, {"status": status}, Phase.ORDERS, 0)
            orders.update(unfinished.rows)
    # details: new unfinished orders (which subscription, which PO), held ones no longer unfinished (how it ended)
    wanted = [oid for oid, o in orders.items() if not o.finished and not (oid in known and known[oid][2])]
    wanted += [oid for oid in held if oid not in orders]
    done = 0

    def on_done(oid: str, result: Any) -> None:
        nonlocal done
        done += 1
        run.emit(Phase.ORDER_DETAILS, done, len(wanted), (result,) if isinstance(result, Order) else ())

    results = await client.gather_limited(
        wanted, client.get_order, concurrency=concurrency or _concurrency(client), return_exceptions=True,
        on_done=on_done,
    )
    run.requests += len(wanted)
    fetched = {oid for oid, r in zip(wanted, results) if isinstance(r, Order)}
    orders.update((oid, r) for oid, r in zip(wanted, results) if isinstance(r, Order))
    _failures(run, "order", wanted, results)
    return orders, fetched, newest


def _failures(run: "_Run", what: str, wanted: list[str], results: Iterable[Any]) -> set[str]:
    """The ids whose detail failed; raise if the failures say the account, not one record, is broken."""
    failed: dict[str, BaseException] = {}
    for key, result in zip(wanted, results):
        if not isinstance(result, BaseException):
            continue
        if not isinstance(result, ApiError) or isinstance(result, AuthenticationError):
            raise result
        failed[key] = result
    systemic = len(failed) >= SYSTEMIC_FAILURES and len(failed) * 2 > len(wanted)
    if systemic:
        raise next(iter(failed.values()))
    gone = sorted(k for k, e in failed.items() if isinstance(e, NotFoundError))
    if gone:
        run.warn(f"{len(gone)} {what}(s) disappeared while being read ({', '.join(gone[:5])})")
    others = [k for k in failed if k not in gone]
    if others:
        run.warn(f"the details of {len(others)} {what}(s) could not be read and will be read next time; "
                 f"first: {failed[others[0]]}")
    return set(failed)


# ---------------------------------------------------------------- plumbing


class _Run:
    """Per-refresh bookkeeping: the listener, the request count, the warnings."""

    def __init__(self, account: str, listener: Listener | None) -> None:
        self.account = account
        self.listener = listener
        self.requests = 0
        self.warnings: list[str] = []

    def emit(self, phase: str, done: int, total: int | None, items: tuple[Any, ...] = ()) -> None:
        if self.listener is not None:
            self.listener(RefreshProgress(self.account, phase, done, total, items))

    def warn(self, text: str) -> None:
        self.warnings.append(text)


@dataclass(slots=True)
class _Previous:
    """What the snapshot held for the account before this refresh."""

    customers: dict[str, Any]
    subscriptions: dict[str, SubscriptionRow]
    orders: dict[str, tuple[str, bool, bool]]
    last_sync_day: date | None
    orders_cursor: datetime | None

    @classmethod
    def load(cls, snapshot: Snapshot, account: str) -> "_Previous":
        state = snapshot.sync_state(account).get(account)
        return cls(
            {c.id: c for c in snapshot.customers(account)},
            {s.id: s for s in snapshot.subscriptions(account)},
            snapshot.order_states(account),
            state.last_sync_day if state is not None and state.last_sync_at is not None else None,
            state.orders_cursor if state is not None else None,
        )


async def _together(*steps: Awaitable[Any]) -> list[Any]:
    """Run ``steps`` side by side; the first to fail cancels the others and its error is raised as it is."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(step) for step in steps]  # type: ignore[arg-type]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


def _newest_modified(listing: Listing) -> date | None:
    return max((row.last_modified_date for row in listing.rows.values() if row.last_modified_date), default=None)


def _concurrency(client: Any) -> int:
    """Requests to keep in flight: what the key's rate budget can keep busy, or the default."""
    budget = getattr(client, "budget", None)
    return budget.suggested_concurrency(DEFAULT_CONCURRENCY) if budget is not None else DEFAULT_CONCURRENCY


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


async def _to_the_end(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking write in a thread and wait for it even if cancelled meanwhile (then re-raise the cancel):
    the lock must not be released while the transaction is still being written."""
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args, **kwargs))
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(task)
            break
        except asyncio.CancelledError:
            if task.done() and task.cancelled():
                raise
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return result
