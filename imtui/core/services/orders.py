"""``services.orders``: the one path for money. The subscription browser, the purchase dialog and the CLI all
plan, place and follow changes here; nothing else in imtui sends ``POST /orders`` or changes a subscription.

    plan = await services.orders.plan_seats("us-demo", "1200045", 12)      # checks + the marketplace's estimate
    plan.sentence, plan.money, plan.warnings, plan.refusal                   # what the confirmation shows
    outcome = await services.orders.place(plan)                              # once, ever (see order_guard)
    order = await services.orders.watch("us-demo", outcome.order.id, on_update=print)

``place`` sends at most one ``POST /orders`` per plan, ever: a per-order lock and the journal stop a second
press of confirm and a second imtui (:mod:`.order_guard`); the journal gets an entry before the request and
one after, both fsynced before ``place`` returns; an answer that does not say what happened is looked up by
PO number, never retried (:mod:`.order_follow`). Plans are built in :mod:`.order_plans`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from imtui.core.api import (
    ApiError, AuthenticationError, BusinessRuleError, InvalidRequestError, NotFoundError, OrderOutcomeUnknownError,
    RateLimitedError, TransportError,
)
from imtui.core.api.models import Order
from imtui.core.errors import ServiceError
from imtui.core.journal import Action, Entry, JournalError, JournalFilter
from imtui.core.services.catalog import Variant
from imtui.core.services.order_follow import LookupResult, find_by_po, follow, order_subscription, refresh_snapshot
from imtui.core.services.order_guard import (
    ATTEMPT, PLACING_ACTIONS, UNSURE_OUTCOMES, PoBusyError, earlier_attempt, order_lock, unsettled_attempt,
    verdict,
)
from imtui.core.services.order_plans import Planner, status_words
from imtui.core.services.plans import OrderOutcome, OrderPlan, Outcome, PlanKind

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["ACTIONS", "LookupResult", "OrdersArea"]

#: the journal's action for each kind of plan
ACTIONS = {
    PlanKind.SEATS: Action.SUBSCRIPTION_SEATS.value,
    PlanKind.CANCEL: Action.SUBSCRIPTION_CANCEL.value,
    PlanKind.PURCHASE: Action.ORDER_PLACE.value,
    PlanKind.AUTO_RENEW: Action.SUBSCRIPTION_AUTO_RENEW.value,
    PlanKind.WITHDRAW: Action.ORDER_WITHDRAW.value,
}
#: the placing action of each order type (for the ending of an order a lookup found)
_ACTION_OF_TYPE = {"sales": ACTIONS[PlanKind.PURCHASE], "change": ACTIONS[PlanKind.SEATS],
                   "cancellation": ACTIONS[PlanKind.CANCEL]}
#: how a followed order ended, as the journal says it
_ENDINGS = {"completed": "completed", "error": "error", "cancelled": "withdrawn"}
#: after an unknown outcome found nothing, look again after these many seconds (an order still being created)
RECHECKS = (5.0, 15.0)
#: a lookup of an attempt younger than this reads again after RECHECKS before it says "not placed"
RECENT_ATTEMPT = timedelta(minutes=5)
#: the attempt entry's note of when the order was sent, by the marketplace's clock (``services.now()``)
SENT_AT = "sent_at"


class OrdersArea:
    """``services.orders``. ``sleep`` (awaited between polls and lookups) and ``clock`` (monotonic seconds) may
    be replaced, on the instance or the class, by tests: nothing here waits on the wall clock otherwise."""

    sleep: Callable[[float], Awaitable[Any]] = staticmethod(asyncio.sleep)
    clock: Callable[[], float] = staticmethod(time.monotonic)
    #: after an unknown outcome found nothing, look again after these many seconds
    rechecks: tuple[float, ...] = RECHECKS

    def __init__(self, services: Services) -> None:
        self.services = services
        self.planner = Planner(services)

    def forget(self, account: str) -> None:
        """What was read of ``account`` this session (its currency) is read again next time."""
        self.planner.forget(account)

    # ---------------------------------------------------------------- plans

    async def plan_seats(self, account: str, subscription_id: str, new_total: object, *, at_renewal: bool = False,
                         po_number: str | None = None) -> OrderPlan:
        """Change the seats of a subscription to ``new_total`` (now, or at its renewal)."""
        return await self.planner.seats(account, subscription_id, new_total, at_renewal=at_renewal,
                                        po_number=po_number)

    async def plan_auto_renew(self, account: str, subscription_id: str, on: bool) -> OrderPlan:
        """Turn auto-renew on or off (a PATCH: no estimate, no PO number)."""
        return await self.planner.auto_renew(account, subscription_id, on)

    async def plan_cancel(self, account: str, subscription_id: str, *, po_number: str | None = None) -> OrderPlan:
        """Cancel a subscription; ``confirm_phrase`` is the client's name, which the user must type."""
        return await self.planner.cancel(account, subscription_id, po_number=po_number)

    async def plan_purchase(self, account: str, customer_id: str, variant: Variant, quantity: object, *,
                            po_number: str | None = None, parameters: Mapping[str, str] | None = None) -> OrderPlan:
        """Buy ``quantity`` of a catalog variant for a customer (a new PO number unless one is given)."""
        return await self.planner.purchase(account, customer_id, variant, quantity, po_number=po_number,
                                           parameters=parameters)

    async def plan_withdraw(self, account: str, order_id: str) -> OrderPlan:
        """Withdraw an order that has not completed (``PATCH statusCode CL``)."""
        return await self.planner.withdraw(account, order_id)

    # ---------------------------------------------------------------- placing

    async def place(self, plan: OrderPlan) -> OrderOutcome:
        """Carry out a confirmed plan: at most one ``POST /orders`` per plan, ever; journalled before and after."""
        blocked = self._blocked(plan)
        if blocked is not None:
            return await self._settle(OrderOutcome(plan, Outcome.BLOCKED, f"Not placed: {blocked}"))
        if plan.kind == PlanKind.AUTO_RENEW:
            return await self._patch(plan, self._send_auto_renew, self._auto_renew_done)
        if plan.kind == PlanKind.WITHDRAW:
            return await self._patch(plan, self._send_withdraw, self._withdraw_done)
        try:
            with order_lock(self.services.paths.data_dir / "orders", plan.account, plan.customer_id,
                            plan.po_number or ""):
                outcome = await self._place_locked(plan)
        except PoBusyError as exc:
            return await self._settle(OrderOutcome(plan, Outcome.BLOCKED, f"Not placed: {exc}"))
        if outcome.placed:
            warning = await refresh_snapshot(self.services, plan.account, outcome.order, plan.subscription_id)
            if warning:
                outcome = replace(outcome, warnings=(*outcome.warnings, warning))
        return outcome

    def _blocked(self, plan: OrderPlan) -> str | None:
        """Why imtui refuses the plan before sending anything (checked again now, not only when planned)."""
        if plan.refusal:
            return plan.refusal
        account = self.services.config.account(plan.account)
        if account is None:
            return f"there is no account called {plan.account} any more."
        if account.read_only:
            return f"account {plan.account} is read-only: imtui places no orders and changes nothing there."
        if plan.sends_order and (plan.request is None or not plan.po_number):
            return "this plan has no order to send (no request or no PO number)."
        return None

    async def _place_locked(self, plan: OrderPlan) -> OrderOutcome:
        """Inside the order's lock: the journal's word on earlier attempts, the attempt entry, the POST, the
        outcome entry (written before the lock is released)."""
        journal = self.services.journal
        try:
            earlier = await asyncio.to_thread(earlier_attempt, journal, plan.account, plan.customer_id,
                                              plan.po_number or "")
        except (OSError, JournalError) as exc:
            return OrderOutcome(plan, Outcome.FAILED, f"Not placed: the audit journal could not be read ({exc}), so "
                                                      "imtui cannot tell whether this order was placed before.")
        allowed = verdict(earlier, plan.po_number or "")
        if not allowed.may_send:
            unsure = allowed.entry is not None and allowed.entry.outcome in UNSURE_OUTCOMES
            return await self._settle(OrderOutcome(plan, Outcome.BLOCKED, f"Not placed: {allowed.reason}",
                                                   unsure_po=(plan.po_number or "") if unsure else ""))
        try:
            unsure = await asyncio.to_thread(unsettled_attempt, journal, plan.account, plan.customer_id,
                                             plan.po_number or "", ACTIONS[plan.kind], plan.asked)
        except (OSError, JournalError) as exc:
            return OrderOutcome(plan, Outcome.FAILED, f"Not placed: the audit journal could not be read ({exc}), so "
                                                      "imtui cannot tell whether this order was placed before.")
        if unsure is not None:
            when = unsure.time.replace("T", " ").replace("Z", " UTC")
            since = _attempt_time(unsure)
            return await self._settle(OrderOutcome(
                plan, Outcome.BLOCKED,
                f"Not placed: the same change for this customer was sent before (PO {unsure.po_number}, {when}) and "
                f"its outcome is unknown: it may have been placed. Look it up before placing it again: "
                f"{_lookup_command(plan.account, plan.customer_id, unsure.po_number, since)}.",
                unsure_po=unsure.po_number))
        client = self.services.client(plan.account)  # before the attempt entry: failing here sends nothing
        began = self.services.now()
        try:  # the attempt, with when it began by the marketplace's clock (a later lookup starts there)
            await self._record(plan, ATTEMPT, sent_at=began)
        except JournalError as exc:
            return OrderOutcome(plan, Outcome.FAILED, f"Not placed: {exc}. imtui sends no order it cannot record; "
                                                      "nothing was sent.")
        try:
            order = await client.place_order(plan.request)
        except OrderOutcomeUnknownError as exc:
            outcome = await self._resolve(plan, exc, exc.attempt_started or began)
        except ApiError as exc:
            outcome = _failure(plan, exc)
        except BaseException:  # cancelled mid-request, or a bug: the order may exist; the journal must say so
            await asyncio.shield(self._settle(OrderOutcome(plan, Outcome.UNKNOWN, "Interrupted while the order "
                                                           "was being sent: look it up before placing it again.")))
            raise
        else:
            outcome = OrderOutcome(plan, Outcome.PLACED, _placed_words(plan, order), order=order)
        return await self._settle(outcome)

    async def _resolve(self, plan: OrderPlan, exc: OrderOutcomeUnknownError, began: datetime) -> OrderOutcome:
        """No definite answer: look the order up by its PO number; never send it again."""
        client = self.services.client(plan.account)
        found = await find_by_po(client, plan.customer_id, plan.po_number or "", began, rechecks=self.rechecks,
                                 sleep=self.sleep)
        lead = f"The marketplace did not say whether the order was placed ({exc.cause})"
        words = found.words(plan.customer_id, plan.po_number or "")
        if found.outcome == Outcome.FOUND:
            message = f"{lead}; imtui looked it up and {words}. Nothing more was sent."
        elif found.outcome == Outcome.NOT_PLACED:
            message = (f"{lead}; imtui looked it up and {words}. Nothing was placed: you may place it again, with "
                       f"the same PO number {plan.po_number}.")
        else:
            message = (f"{lead}, and {words}. Do not place it again until it is looked up: "
                       f"{_lookup_command(plan.account, plan.customer_id, plan.po_number or '', began)}.")
        return OrderOutcome(plan, found.outcome, message, order=found.order, correlation_id=exc.correlation_id)

    # ---------------------------------------------------------------- PATCH kinds (auto-renew, withdraw)

    async def _patch(self, plan: OrderPlan, send: Callable[[OrderPlan], Awaitable[Any]],
                     done: Callable[[OrderPlan, Any], bool]) -> OrderOutcome:
        """A PATCH is idempotent: when its answer is lost, read the thing back to see whether it happened."""
        try:
            await self._record(plan, ATTEMPT)
        except JournalError as exc:
            return OrderOutcome(plan, Outcome.FAILED, f"Not changed: {exc}. imtui changes nothing it cannot record.")
        try:
            result = await send(plan)
            outcome = OrderOutcome(plan, Outcome.PLACED, _patched_words(plan, result), order=_as_order(result))
        except ApiError as exc:
            outcome = _failure(plan, exc)
            if outcome.outcome == Outcome.UNKNOWN:
                outcome = await self._read_back(plan, exc, done)
        outcome = await self._settle(outcome)
        if outcome.placed:
            order = outcome.order if plan.kind == PlanKind.WITHDRAW else None
            warning = await refresh_snapshot(self.services, plan.account, order, plan.subscription_id)
            if warning:
                outcome = replace(outcome, warnings=(*outcome.warnings, warning))
        return outcome

    async def _read_back(self, plan: OrderPlan, exc: ApiError, done: Callable[[OrderPlan, Any], bool]) -> OrderOutcome:
        client = self.services.client(plan.account)
        try:
            now = await (client.get_order(plan.order_id or "") if plan.kind == PlanKind.WITHDRAW
                         else client.get_subscription(plan.subscription_id or ""))
        except ApiError as again:
            return OrderOutcome(plan, Outcome.UNKNOWN, f"The change may or may not have been made ({exc}); reading "
                                                       f"it back failed too ({again}). Refresh before trying again.",
                                correlation_id=exc.correlation_id)
        if done(plan, now):
            return OrderOutcome(plan, Outcome.FOUND, f"The answer was lost ({exc.title.lower()}), but reading it back "
                                                     f"shows the change was made. {_patched_words(plan, now)}",
                                order=_as_order(now), correlation_id=exc.correlation_id)
        return OrderOutcome(plan, Outcome.NOT_PLACED, f"The change was not made ({exc}); you may try again.",
                            correlation_id=exc.correlation_id)

    async def _send_auto_renew(self, plan: OrderPlan) -> Any:
        return await self.services.client(plan.account).set_renewal(plan.subscription_id or "", bool(plan.auto_renew))

    @staticmethod
    def _auto_renew_done(plan: OrderPlan, detail: Any) -> bool:
        return getattr(detail, "renewal_status", None) is plan.auto_renew

    async def _send_withdraw(self, plan: OrderPlan) -> Any:
        return await self.services.client(plan.account).withdraw_order(plan.order_id or "")

    @staticmethod
    def _withdraw_done(plan: OrderPlan, order: Any) -> bool:
        return getattr(order, "status", None) == "cancelled"

    # ---------------------------------------------------------------- the journal

    async def _record(self, plan: OrderPlan, outcome: str, *, order: Order | None = None, error: str = "",
                      correlation_id: str | None = None, sent_at: datetime | None = None) -> None:
        """One journal entry for ``plan`` (fsynced when this returns); raises JournalError."""
        journal = self.services.journal
        asked = {**plan.asked, SENT_AT: _iso(sent_at)} if sent_at is not None else plan.asked
        entry = dict(
            action=ACTIONS[plan.kind], outcome=outcome, account=plan.account, customer_id=plan.customer_id,
            customer_name=plan.customer_name, client=plan.client or "", asked=asked,
            order_id=(order.id if order else None) or plan.order_id or "",
            order_number=(order.order_number if order else None) or "", po_number=plan.po_number or "",
            correlation_id=correlation_id or "", error=error, estimate=plan.estimate_text(),
        )
        try:
            await asyncio.to_thread(journal.record, **entry)
        except ValueError as exc:  # an entry the journal will not hold (UnsafeEntryError): never silently lost
            raise JournalError(f"the journal refused the entry: {exc}") from exc

    async def _settle(self, outcome: OrderOutcome) -> OrderOutcome:
        """Journal the outcome; if that fails the outcome still comes back, with a loud warning."""
        error = "" if outcome.outcome == Outcome.PLACED else outcome.message
        try:
            await self._record(outcome.plan, outcome.outcome, order=outcome.order, error=error,
                               correlation_id=outcome.correlation_id)
        except JournalError as exc:
            if outcome.placed:
                number = outcome.order.order_number if outcome.order else "the order"
                warning = (f"WARNING: {number} WAS placed, but the audit journal could not record it ({exc}). Note it "
                           "down, and do not place it again.")
            else:
                warning = f"WARNING: the audit journal could not record this ({exc})."
            return replace(outcome, warnings=(*outcome.warnings, warning))
        return outcome

    # ---------------------------------------------------------------- lookup and watch

    async def lookup(self, account: str, customer_id: str, po_number: str, since: datetime) -> LookupResult:
        """Is there an order of ``customer_id`` with ``po_number`` created since ``since``? Journalled
        (``order.lookup``), so that a FOUND order is never placed again and a NOT_PLACED one may be."""
        self.planner.account(account)
        # an attempt of the last few minutes may still be being created behind a gateway timeout: read again
        # after the same pauses as the first lookup before saying it is absent
        recent = since.tzinfo is not None and self.services.now() - since < RECENT_ATTEMPT
        result = await find_by_po(self.services.client(account), customer_id, po_number, since,
                                  rechecks=self.rechecks if recent else (), sleep=self.sleep)
        order = result.order
        try:
            await asyncio.to_thread(
                self.services.journal.record, action=Action.ORDER_LOOKUP.value, outcome=result.outcome,
                account=account, customer_id=customer_id, po_number=po_number,
                order_id=(order.id if order else None) or "", order_number=(order.order_number if order else None) or "",
                asked={"since": _iso(since)},
                error=result.reason,
            )
        except (JournalError, ValueError):
            pass  # the lookup's answer still stands; the caller shows it
        return result

    def last_attempt(self, account: str, customer_id: str, po_number: str) -> datetime | None:
        """When the journal last saw an attempt under this PO number (the lookup's default "since")."""
        where = JournalFilter(account=account, customer_id=customer_id)
        for entry in self.services.journal.entries(newest_first=True, where=where, having={"po_number": po_number}):
            if entry.outcome == ATTEMPT:
                return _attempt_time(entry)
        return None

    async def watch(self, account: str, order_id: str, on_update: Callable[[Order], Any] | None = None, *,
                    timeout: float | None = None) -> Order:
        """Follow an order until it completes, fails, is withdrawn, or waits for the renewal date (statusCode
        SC: it will not move before then), calling ``on_update`` on each change of status; then journal how it
        ended (an order imtui placed) and show it in the snapshot. Returns the order as last read."""
        client = self.services.client(account)
        order = await follow(client, order_id, on_update, sleep=self.sleep, clock=self.clock, timeout=timeout)
        if order.finished:
            await self._record_end(account, order)
        await refresh_snapshot(self.services, account, order, order_subscription(order))
        return order

    async def _record_end(self, account: str, order: Order) -> None:
        """Journal how an order imtui placed ended (once), under the action that placed it."""
        def find() -> Any:
            for entry in self.services.journal.entries(newest_first=True, where=JournalFilter(account=account),
                                                       having={"order_id": order.id or ""}):
                if entry.action in PLACING_ACTIONS | {Action.ORDER_WITHDRAW.value}:
                    return entry
            return None

        try:
            entry = await asyncio.to_thread(find)
            ending = _ENDINGS[order.status]
            if entry is None or entry.outcome == ending or entry.action == Action.ORDER_WITHDRAW.value:
                return
            action = _ACTION_OF_TYPE.get(order.type, entry.action)  # a lookup found it: the action that placed it
            await asyncio.to_thread(
                self.services.journal.record, action=action, outcome=ending, account=account,
                customer_id=entry.customer_id, customer_name=entry.customer_name, client=entry.client,
                order_id=order.id or "", order_number=order.order_number or "", po_number=entry.po_number,
                error="" if ending == "completed" else f"the order ended {order.status} ({order.status_code})",
            )
        except (JournalError, OSError, ValueError, KeyError):
            pass  # following an order must not fail because its ending could not be journalled

    # ---------------------------------------------------------------- which account

    async def account_of(self, subscription_id: str, account: str | None = None) -> str:
        """The account a subscription belongs to: ``account`` if given, the only account, the snapshot's, or
        the one account whose marketplace has it."""
        if account:
            return self.planner.account(account).name
        names = [a.name for a in self.services.config.accounts]
        if not names:
            raise ServiceError("There are no accounts yet; add one with `imtui accounts add`.")
        if len(names) == 1:
            return names[0]
        try:
            record = self.services.snapshot.subscription(subscription_id)
        except LookupError as exc:
            raise ServiceError(f"{exc} (--account)") from None
        except Exception:  # noqa: BLE001 - no usable snapshot: ask the accounts
            record = None
        if record is not None:
            return record.row.account

        async def has(name: str) -> bool:
            try:
                await self.services.client(name).get_subscription(subscription_id)
                return True
            except NotFoundError:
                return False

        found = [n for n, yes in zip(names, await asyncio.gather(*(has(n) for n in names))) if yes]
        if len(found) != 1:
            where = "no account has it" if not found else f"accounts {', '.join(found)} all have it"
            raise ServiceError(f"Subscription {subscription_id}: {where}; name the account with --account.")
        return found[0]


# ---------------------------------------------------------------- words


def _failure(plan: OrderPlan, exc: ApiError) -> OrderOutcome:
    """A definite answer that is not success (the outcome is known: nothing was changed), or UNKNOWN for a PATCH
    whose answer was lost."""
    if exc.path == "/token" or (plan.sends_order and exc.path != "/orders"):
        return OrderOutcome(plan, Outcome.FAILED, f"Not placed: nothing was sent ({exc})", correlation_id=exc.correlation_id)
    if isinstance(exc, BusinessRuleError | InvalidRequestError | NotFoundError):
        return OrderOutcome(plan, Outcome.REFUSED, f"The marketplace refused it: {exc}", correlation_id=exc.correlation_id)
    if isinstance(exc, AuthenticationError | RateLimitedError):
        return OrderOutcome(plan, Outcome.FAILED, f"Not done: {exc}", correlation_id=exc.correlation_id)
    if isinstance(exc, TransportError) and not exc.sent:
        return OrderOutcome(plan, Outcome.FAILED, f"Not done: nothing was sent ({exc})", correlation_id=exc.correlation_id)
    return OrderOutcome(plan, Outcome.UNKNOWN, f"No definite answer: {exc}", correlation_id=exc.correlation_id)


def _placed_words(plan: OrderPlan, order: Order) -> str:
    number = order.order_number or order.id
    if plan.kind == PlanKind.PURCHASE:
        what = "Bought"
    elif plan.kind == PlanKind.CANCEL:
        what = "Cancellation ordered"
    elif plan.at_renewal:
        what = "Seat change scheduled for the renewal"
    else:
        what = "Seat change ordered"
    return f"{what}: order {number} ({status_words(order)}), PO {plan.po_number}."


def _patched_words(plan: OrderPlan, result: Any) -> str:
    if plan.kind == PlanKind.AUTO_RENEW:
        return f"Auto-renew of subscription {plan.subscription_id} is now {'on' if plan.auto_renew else 'off'}."
    number = getattr(result, "order_number", None) or plan.order_id
    return f"Order {number} is withdrawn ({getattr(result, 'status', 'cancelled')})."


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def _as_order(result: Any) -> Order | None:
    return result if isinstance(result, Order) else None


def _attempt_time(entry: Entry) -> datetime:
    """When an attempt was sent, by the marketplace's clock when the entry has it, else the entry's time."""
    try:
        return datetime.fromisoformat(str(entry.asked[SENT_AT]))
    except (KeyError, ValueError):
        return entry.when


def _lookup_command(account: str, customer_id: str, po_number: str, since: datetime) -> str:
    stamp = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"imtui orders lookup --account {account} --customer {customer_id} --po '{po_number}' --since {stamp}"
