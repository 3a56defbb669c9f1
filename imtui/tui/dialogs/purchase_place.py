"""The purchase dialog after ``enter``: the confirmation, placing the order once, following it live, and what to
do when the marketplace did not say whether it was placed.

- confirm: :class:`~imtui.tui.dialogs.plan.PlanDialog` (the plan's sentence, focus on Cancel, ``y``); the form's
  fields are locked from then on, so a second ``y`` types nothing and confirms nothing;
- place: ``services.orders.place(plan)``, called once per confirmation (the money path also refuses a second
  placement of the same PO number: lock + journal); ``esc`` does nothing until its answer is in;
- placed (or found by the lookup): ``OrderPlaced`` is broadcast (the orders screen lists it, the browser shows the
  new subscription, pending) and the order is followed (``services.orders.watch``: backoff, no busy loop) in an
  app-level worker, so closing the dialog does not stop it; its end is a notification and ``OrderSettled``;
- outcome unknown: the money path looked it up by PO number; the dialog says what it found in words. Certainly
  not placed: ``p`` goes back to the form with the same PO number (locked). Still unknown: ``l`` asks again;
  nothing is ever sent again by itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.widgets import Button

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.core.services.order_follow import order_subscription
from imtui.core.services.plans import OrderOutcome, Outcome
from imtui.tui.dialogs.errors import explain
from imtui.tui.dialogs.plan import PlanDialog
from imtui.tui.messages import OrderPlaced, OrderSettled

if TYPE_CHECKING:
    from imtui.core.api.models import Order
    from imtui.core.services import OrderPlan
    from imtui.tui.app import ImtuiApp
    from imtui.tui.dialogs.purchase import PurchaseDialog

__all__ = ["CONFIRMING", "DONE", "FORM", "PLACING", "PurchasePlacing", "ending_words", "follow_order"]

FORM = "form"  # the fields take keys; enter reviews
CONFIRMING = "confirming"  # the confirmation is open
PLACING = "placing"  # the order is on its way (or being looked up): esc waits
DONE = "done"  # an outcome is shown


def ending_words(order: Order, plan: OrderPlan) -> str:
    """How a followed purchase ended, in words."""
    number = order.order_number or order.id
    if order.status == "completed":
        sid = order_subscription(order)
        return f"Order {number} completed: {plan.sentence}." + (f" Subscription {sid} is active." if sid else "")
    if order.status == "cancelled":
        return f"Order {number} was withdrawn: nothing was bought."
    if not order.finished:
        return f"Order {number} is {order.status} ({order.status_code}); it is listed on the orders screen."
    said = (order.attributes or {}).get("message") or (order.attributes or {}).get("errorMessage")
    code = f" ({order.status_code})" if order.status_code else ""
    return f"Order {number} ended {order.status}{code}" + (f": the marketplace said {said}" if said else "") + \
        ". Nothing was bought."


def follow_order(app: ImtuiApp, plan: OrderPlan, order: Order, *, on_update: Callable[[Order], Any] | None = None,
                 on_end: Callable[[Order | None, str], Any] | None = None) -> None:
    """Follow a placed order until it ends (``services.orders.watch``: polls with a backoff) in a worker of the
    app, which outlives the dialog; then say how it ended and broadcast ``OrderSettled``."""
    number = order.order_number or order.id

    async def run() -> None:
        services = app.services
        assert services is not None
        try:
            final = await services.orders.watch(plan.account, order.id or "", on_update=on_update)
        except (ApiError, ServiceError) as exc:
            said = (f"Order {number} was placed, but imtui could not follow it: {explain(exc)[0].splitlines()[0]} "
                    "The orders screen (4) shows how it goes.")
            app.notify(said, title="Buy", severity="warning", timeout=15, markup=False)
            if on_end is not None:
                on_end(None, said)
            return
        status = final.status if final.finished else "scheduled"
        sid = order_subscription(final) or order_subscription(order)
        app.broadcast(OrderSettled(plan.account, order.id or "", plan.customer_id, sid, status))
        said = ending_words(final, plan)
        good = final.status == "completed" or not final.finished
        app.notify(said, title="Buy", severity="information" if good else "error", timeout=12, markup=False)
        if on_end is not None:
            on_end(final, said)

    app.run_worker(run(), group="purchase-follow", exit_on_error=False)


class PurchasePlacing:
    """Mixed into :class:`~imtui.tui.dialogs.purchase.PurchaseDialog` (message handlers stay there)."""

    def _init_placing(self: PurchaseDialog) -> None:
        self.last_plan: OrderPlan | None = None
        self.can_look_up = False
        self.can_place_again = False
        self._placed_words = ""
        self._statuses: list[str] = []

    @work(group="purchase-place", exit_on_error=False)
    async def confirm_and_place(self: PurchaseDialog, plan: OrderPlan) -> None:
        """The confirmation; on ``y`` the order, sent once."""
        answer = await self.app.push_screen_wait(PlanDialog(plan))
        if answer is not True or self.phase != CONFIRMING or plan.refusal is not None:
            self.phase = FORM
            self._lock_form(False)
            return
        self.phase = PLACING
        self.last_plan = plan
        self.query_one("#confirm", Button).display = False
        self._say("#purchase-outcome", f"Sending the order, PO {plan.po_number}… It is sent once: another key press "
                  "sends nothing. If the answer is lost, imtui looks the order up by its PO number (up to half a "
                  "minute) and says whether it was placed.", "-hint")
        self._show_outcome()
        try:
            outcome = await self.services.orders.place(plan)
        except (ApiError, ServiceError) as exc:  # before anything was sent (the account went, a bad request)
            outcome = OrderOutcome(plan, Outcome.FAILED, f"Not placed: {explain(exc)[0]}")
        except Exception as exc:  # a fault of this machine (the lock's folder, the disk): never a dialog stuck sending
            outcome = OrderOutcome(plan, Outcome.UNKNOWN, f"imtui stopped while placing the order ({exc}); it may or "
                                                          "may not have been sent.")
        self.settle(outcome)

    def settle(self: PurchaseDialog, outcome: OrderOutcome) -> None:
        """Show how the attempt ended; when placed, tell the app and follow the order."""
        self.outcome = outcome
        self.phase = DONE
        plan = outcome.plan
        self.last_plan = plan
        words = outcome.message
        if outcome.correlation_id:
            words += f"\nCorrelation id: {outcome.correlation_id}"
        words += "".join(f"\n{w}" for w in outcome.warnings)
        self.can_place_again = outcome.may_place_again
        if outcome.unsure_po:  # an earlier attempt at the same purchase is unknown: l looks that one up
            self.last_plan = plan = replace(plan, po_number=outcome.unsure_po)
        self.can_look_up = outcome.outcome == Outcome.UNKNOWN or bool(outcome.unsure_po)
        if outcome.outcome == Outcome.NOT_PLACED:
            words += "\nPress p to place it again (the same PO number is kept), or esc to close."
        elif self.can_look_up:
            words += "\nPress l to look it up again; nothing is sent again until it is known."
        self._placed_words = words
        self._statuses = []
        self._say("#purchase-outcome", words, "-ok" if outcome.placed else "-error")
        self._buttons()
        self._show_outcome()
        order = outcome.order
        if outcome.placed and order is not None and order.id:
            self.notify(outcome.message, title="Buy", markup=False, timeout=10)
            app = cast("ImtuiApp", self.app)
            app.broadcast(OrderPlaced(plan.account, order.id, plan.customer_id, order_subscription(order)))
            self._statuses = [order.status]
            self._progress_text()
            follow_order(app, plan, order, on_update=self._progress, on_end=self._ended)

    def _show_outcome(self: PurchaseDialog) -> None:
        """Scroll the outcome into view (on a small terminal the estimate above it fills the dialog)."""
        outcome = self.query_one("#purchase-outcome")
        self.call_after_refresh(outcome.scroll_visible, animate=False)

    def _buttons(self: PurchaseDialog) -> None:
        done = self.phase == DONE
        self.query_one("#close", Button).label = "Close (esc)" if done else "Cancel (esc)"
        self.query_one("#confirm", Button).display = not done
        self.query_one("#again", Button).display = done and self.can_place_again
        self.query_one("#lookup", Button).display = done and self.can_look_up
        self.query_one("#close", Button).focus()
        self.refresh_bindings()

    # ------------------------------------------------------------ following it

    def _progress(self: PurchaseDialog, order: Order) -> None:
        if self.is_attached and (not self._statuses or self._statuses[-1] != order.status):
            self._statuses.append(order.status)
            self._progress_text()

    def _progress_text(self: PurchaseDialog, end: str = "") -> None:
        trail = " → ".join(self._statuses)
        said = end or f"Following it live: {trail}…"
        self._say("#purchase-outcome", f"{self._placed_words}\n{said}", "-ok")
        self._show_outcome()

    def _ended(self: PurchaseDialog, order: Order | None, said: str) -> None:
        if self.is_attached:
            if order is not None and (not self._statuses or self._statuses[-1] != order.status):
                self._statuses.append(order.status)
            trail = " → ".join(self._statuses)
            self._progress_text(f"{trail}. {said}" if trail else said)

    # ------------------------------------------------------------ unknown, not placed

    def action_lookup(self: PurchaseDialog) -> None:
        if self.phase == DONE and self.can_look_up and self.last_plan is not None:
            self.phase = PLACING
            self.look_up(self.last_plan)

    @work(group="purchase-lookup", exit_on_error=False)
    async def look_up(self: PurchaseDialog, plan: OrderPlan) -> None:
        """Ask the marketplace again whether the order exists (the customer's orders since the attempt, by PO)."""
        orders, po = self.services.orders, plan.po_number or ""
        self._say("#purchase-outcome", f"Looking up the order with PO {po}…", "-hint")
        self._show_outcome()
        try:
            since = await asyncio.to_thread(orders.last_attempt, plan.account, plan.customer_id, po)
            found = await orders.lookup(plan.account, plan.customer_id, po, since or self.services.now())
        except (ApiError, ServiceError) as exc:
            self.settle(OrderOutcome(plan, Outcome.UNKNOWN, f"Looking it up failed: {explain(exc)[0]}"))
            return
        except Exception as exc:  # the journal unreadable, ...: still unknown, and the dialog answers keys again
            self.settle(OrderOutcome(plan, Outcome.UNKNOWN, f"Looking it up failed: {exc}"))
            return
        words = found.words(plan.customer_id, po)
        if found.outcome == Outcome.FOUND:
            message = f"imtui looked it up: {words}. Nothing more was sent."
        elif found.outcome == Outcome.NOT_PLACED:
            message = f"imtui looked it up: {words}. Nothing was placed: you may place it again, with the same PO {po}."
        else:
            message = f"Still unknown: {words}. Do not place it again until it is known."
        self.settle(OrderOutcome(plan, found.outcome, message, order=found.order))

    def action_place_again(self: PurchaseDialog) -> None:
        """Back to the form with the PO number of the order that was not placed (locked: the same one)."""
        if self.phase != DONE or not self.can_place_again or self.last_plan is None:
            return
        self._po_kept = True
        self.phase = FORM
        self.can_place_again = self.can_look_up = False
        self._say("#purchase-outcome", "")
        self._buttons()
        self.po.value = self.last_plan.po_number or self.po.value
        self._lock_form(False)
        self._form_changed()
