"""Never twice: what stops one confirmed order from being placed a second time.

Two things, both held across ``POST /orders``:

1. a lock file per account, customer and PO number in the data dir (``data/orders/<account>-<customer>-<po>.lock``,
   ``flock``, non-blocking). A second press of confirm in the same process, or a second imtui confirming the same
   purchase, finds it held and is refused at once: nothing more is sent. The kernel drops the lock when its holder
   exits or crashes, so it can never be left stuck.
2. inside the lock, the journal: the newest entry for that account, customer and PO number among the placing
   actions says what happened to an earlier attempt. Placed (``ok``, ``found``, or how the order later ended) →
   refused, naming the order; ``unknown``, or an attempt (``pending``) with no outcome after it (the process
   stopped while the order was on its way) → refused until it is looked up; ``not_found``, ``failed``,
   ``refused`` → the order certainly does not exist, it may be placed again with the same PO number.
3. the same change under another PO number: an attempt at the same purchase (same product) or the same change of
   the same subscription for the customer, whose outcome is still unknown, blocks a new one until it is looked up
   (:func:`unsettled_attempt`): closing the dialog after "outcome unknown" and buying again gets a new PO number,
   which alone would not stop the same order going out twice.

The journal entry of the outcome is written before the lock is released, so whoever takes the lock next sees it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imtui.core.journal import Action, Entry, Journal, JournalFilter
from imtui.core.snapshot.lock import SnapshotBusyError, SyncLock

__all__ = [
    "ATTEMPT", "PLACED_OUTCOMES", "PLACING_ACTIONS", "UNSURE_OUTCOMES", "PoBusyError", "earlier_attempt",
    "order_lock", "unsettled_attempt", "verdict",
]

#: the journal's outcome word for "about to send": written before the POST
ATTEMPT = "pending"
#: the actions whose entries say whether an order under a PO number exists
PLACING_ACTIONS = frozenset({
    Action.ORDER_PLACE.value, Action.SUBSCRIPTION_SEATS.value, Action.SUBSCRIPTION_CANCEL.value,
    Action.ORDER_LOOKUP.value,
})
#: the order exists (accepted, found by a lookup, or followed until it ended)
PLACED_OUTCOMES = frozenset({"ok", "found", "completed", "error", "withdrawn", "scheduled"})
#: it may exist: never place again before looking it up
UNSURE_OUTCOMES = frozenset({"unknown", ATTEMPT})
#: it certainly does not exist: it may be placed again (the same PO number kept)
ABSENT_OUTCOMES = frozenset({"not_found", "failed", "refused"})


class PoBusyError(Exception):
    """Another placement of the same order (same account, customer and PO) holds the lock right now."""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:40]


def lock_path(directory: Path, account: str, customer_id: str, po_number: str) -> Path:
    """The lock file of one order: readable parts, and a hash so that two PO numbers never share one."""
    digest = hashlib.sha256(f"{account}\0{customer_id}\0{po_number}".encode()).hexdigest()[:12]
    return directory / f"{_safe(account)}-{_safe(customer_id)}-{_safe(po_number)}-{digest}.lock"


@contextmanager
def order_lock(directory: Path, account: str, customer_id: str, po_number: str) -> Iterator[None]:
    """Hold the order's lock, or raise :class:`PoBusyError` at once (never waits)."""
    lock = SyncLock(lock_path(directory, account, customer_id, po_number))
    try:
        lock.acquire()
    except SnapshotBusyError:
        raise PoBusyError(
            f"this order (PO {po_number}) is being placed right now, by another imtui or an earlier press of "
            "confirm; nothing more was sent. Wait for it to finish: its outcome goes to the journal."
        ) from None
    try:
        yield
    finally:
        lock.release()


def earlier_attempt(journal: Journal, account: str, customer_id: str, po_number: str) -> Entry | None:
    """The newest journal entry that says what became of an order under this PO number (blocked attempts,
    which sent nothing, do not count), or None."""
    if not journal.mentions(po_number=po_number):
        return None  # a new PO number: one byte search instead of reading every line
    where = JournalFilter(account=account, customer_id=customer_id)
    for entry in journal.entries(newest_first=True, where=where, having={"po_number": po_number}):
        if entry.action not in PLACING_ACTIONS:
            continue
        if entry.outcome in PLACED_OUTCOMES or entry.outcome in UNSURE_OUTCOMES or entry.outcome in ABSENT_OUTCOMES:
            return entry
    return None


def _subject(entry_action: str, asked: object) -> tuple[str, str]:
    """What an attempt changes: the action and its subscription (seats, cancel) or product (a purchase)."""
    fields = asked if isinstance(asked, dict) else {}
    return entry_action, str(fields.get("subscription_id") or fields.get("mpn") or "")


def unsettled_attempt(journal: Journal, account: str, customer_id: str, po_number: str, action: str,
                      asked: object) -> Entry | None:
    """The newest attempt at the same change for this customer under another PO number whose outcome is still
    unknown (its newest entry says ``unknown``, or an attempt without an outcome after it), or None. Only lines
    naming the customer are parsed."""
    subject = _subject(action, asked)
    where = JournalFilter(account=account, customer_id=customer_id)
    newest: dict[str, Entry] = {}
    for entry in journal.entries(newest_first=True, where=where, having={"customer_id": customer_id}):
        if entry.action not in PLACING_ACTIONS or not entry.po_number or entry.po_number == po_number:
            continue
        if entry.outcome not in PLACED_OUTCOMES | UNSURE_OUTCOMES | ABSENT_OUTCOMES:
            continue  # a blocked attempt sent nothing: it says nothing about the order
        first = newest.setdefault(entry.po_number, entry)
        if (first.outcome in UNSURE_OUTCOMES and entry.action != Action.ORDER_LOOKUP.value
                and _subject(entry.action, entry.asked) == subject):
            return first
    return None


@dataclass(frozen=True)
class Verdict:
    """Whether an order under a PO number may be sent now, and why not."""

    may_send: bool
    reason: str = ""
    entry: Entry | None = None


def verdict(entry: Entry | None, po_number: str) -> Verdict:
    """What an earlier attempt (see :func:`earlier_attempt`) allows."""
    if entry is None or entry.outcome in ABSENT_OUTCOMES:
        return Verdict(True, entry=entry)
    when = entry.time.replace("T", " ").replace("Z", " UTC")
    if entry.outcome in PLACED_OUTCOMES:
        number = entry.order_number or entry.order_id or "an order"
        return Verdict(False, f"this order was already placed as {number} (PO {po_number}, journal entry "
                              f"{entry.seq} of {when}); it is not placed again.", entry)
    return Verdict(False, f"an earlier attempt to place this order (PO {po_number}, {when}) has an unknown outcome: "
                          "look it up (imtui orders lookup) before placing it again.", entry)
