"""The subscriptions screen's action keys: change seats, auto-renew, cancel, on the selected subscription.

Each goes the one way money goes (``services.orders``, DESIGN.md): plan (``plan_seats`` /
``plan_auto_renew`` / ``plan_cancel`` → ``OrderPlan``) → :class:`~imtui.tui.dialogs.plan.PlanDialog` →
``place(plan)`` → ``watch(account, order_id, on_update)``. Meanwhile the row shows the order in progress
("placing…", "submitted", "processing"); when it ends the row is read again from the snapshot (which
``watch`` refreshed), or shows "failed" with the marketplace's words in a dialog.

Whether a key applies is :meth:`SubscriptionActions.why_not`: the services' refusal (read-only account,
ended subscription, marketplace unreachable), an order already in progress, no subscription selected.
``check_action`` dims the keys with it, and the app says the reason when a dimmed key is pressed
(``why_disabled``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from imtui.core.api import ApiError
from imtui.core.api.models import Order
from imtui.core.errors import ServiceError
from imtui.core.services.plans import OrderOutcome, OrderPlan, PlanKind
from imtui.core.services.subscription_views import SubscriptionView
from imtui.tui.dialogs.plan import AT_RENEWAL, PlanDialog, SeatsDialog
from imtui.tui.messages import OrderPlaced

if TYPE_CHECKING:
    from imtui.tui.screens.subscriptions import SubscriptionsScreen

#: the screen's actions that change a subscription, and the plan each makes
MONEY_ACTIONS = {
    "edit_seats": PlanKind.SEATS,
    "toggle_auto_renew": PlanKind.AUTO_RENEW,
    "cancel_subscription": PlanKind.CANCEL,
}
FAILED = "failed"

Key = tuple[str, str]


class SubscriptionActions:
    """Mixed into :class:`~imtui.tui.screens.subscriptions.SubscriptionsScreen`."""

    def why_not(self: SubscriptionsScreen, action: str) -> str | None:
        """Why the action cannot apply to the selected subscription now (``None``: it can)."""
        if not self.services_ready:
            return "Opening…"
        view = self.current_view()
        if view is None:
            return "Select a subscription first."
        reason = self.services.subscriptions.refusal(view)
        if reason is not None:
            return reason
        note = self.notes.get(view.key)
        if note is not None and note != FAILED:
            return f"An order is in progress on this subscription ({note}); wait until it ends."
        if action == "toggle_auto_renew" and view.auto_renew is None:
            return "The marketplace does not say whether this subscription renews automatically."
        return None

    def why_not_buy(self: SubscriptionsScreen) -> str | None:
        """Why ``b`` cannot buy the selected subscription's product again (none selected, no product in the
        catalog, a read-only account), or None. An ended subscription's product can be bought again."""
        from imtui.tui.screens.purchase import buy_refusal

        if not self.services_ready:
            return "Opening…"
        view = self.current_view()
        if view is None:
            return "Select a subscription first."
        if not view.row.mpn:
            return (f"Subscription {view.id} has no catalog product (a plan without products); press b on the "
                    "orders screen (4) to choose one from the catalog.")
        return buy_refusal(self, view.account)

    def action_buy(self: SubscriptionsScreen) -> None:
        reason = self.why_not_buy()
        view = self.current_view()
        if reason is not None or view is None:
            self.notify(reason or "Select a subscription first.", title="Buy", severity="warning", markup=False)
            return
        self.buy_again(view)

    @work(group="subscription-buy", exclusive=True, exit_on_error=False)
    async def buy_again(self: SubscriptionsScreen, view: SubscriptionView) -> None:
        """The purchase dialog for this subscription's product and customer, its term and billing chosen."""
        from imtui.core.services.order_reads import CustomerChoice
        from imtui.tui.screens.purchase import buy

        customer = CustomerChoice(view.account, view.customer_id, view.customer_name, view.client if view.mapped else "")
        await buy(self, customer=customer, mpn=view.row.mpn, term=view.term, billing=view.billing,
                  vendor=view.row.vendor)

    def action_edit_seats(self: SubscriptionsScreen) -> None:
        self._start("edit_seats")

    def action_toggle_auto_renew(self: SubscriptionsScreen) -> None:
        self._start("toggle_auto_renew")

    def action_cancel_subscription(self: SubscriptionsScreen) -> None:
        self._start("cancel_subscription")

    def _start(self: SubscriptionsScreen, action: str) -> None:
        reason = self.why_not(action)
        view = self.current_view()
        if reason is not None or view is None:
            self.notify(reason or "Select a subscription first.", severity="warning", markup=False)
            return
        self.run_change(MONEY_ACTIONS[action], view)

    # ---------------------------------------------------------------- plan, confirm, place, watch

    @work(group="subscription-orders", exit_on_error=False)
    async def run_change(self: SubscriptionsScreen, kind: str, view: SubscriptionView) -> None:
        plan = await self._plan(kind, view)
        while plan is not None:
            choice = await self.app.push_screen_wait(PlanDialog(plan))
            if choice == AT_RENEWAL:  # the dialog offered the same change scheduled for the renewal date
                plan = await self._plan(kind, view, at_renewal=True, seats=plan.seats_after)
                continue
            if choice is not True:
                return
            break
        if plan is None:
            return
        self.set_note(view.key, "placing…")
        try:
            outcome: OrderOutcome = await self.services.orders.place(plan)
        except (ApiError, ServiceError) as exc:
            self.set_note(view.key, None)
            self.imtui.show_error(f"Not placed: {plan.sentence}", exc)
            return
        for warning in outcome.warnings:  # it may have worked, and still there is something to know
            self.notify(warning, title=view.product, severity="warning", timeout=30, markup=False)
        if not outcome.placed:
            self.set_note(view.key, None)
            self.imtui.show_error(f"Not placed: {plan.sentence}", _outcome_words(outcome))
            return
        self.notify(outcome.message, title=view.product, markup=False)
        order = outcome.order
        if not plan.sends_order or order is None or not order.id:  # a PATCH (auto-renew) is done when it answers
            await self.reread(view)
            self.set_note(view.key, None)
            return
        self.imtui.broadcast(OrderPlaced(plan.account, order.id, plan.customer_id))
        await self._follow(view, plan, order.id, order.status)

    async def _plan(self: SubscriptionsScreen, kind: str, view: SubscriptionView, *, at_renewal: bool = False,
                    seats: int | None = None) -> OrderPlan | None:
        orders = self.services.orders
        try:
            if kind == PlanKind.SEATS:
                if seats is None:
                    choice = await self.app.push_screen_wait(SeatsDialog(view))
                    if choice is None:
                        return None
                    seats, at_renewal = choice.new_total, choice.at_renewal
                return await orders.plan_seats(view.account, view.id, seats, at_renewal=at_renewal)
            if kind == PlanKind.AUTO_RENEW:
                return await orders.plan_auto_renew(view.account, view.id, not view.auto_renew)
            return await orders.plan_cancel(view.account, view.id)
        except (ApiError, ServiceError) as exc:
            self.imtui.show_error("The change could not be prepared", exc)
            return None

    async def _follow(self: SubscriptionsScreen, view: SubscriptionView, plan: OrderPlan, order_id: str,
                      status: str) -> None:
        self.set_note(view.key, status)

        def on_update(order: Order) -> None:
            self.set_note(view.key, "scheduled" if order.status_code == "SC" else order.status)

        try:
            final = await self.services.orders.watch(plan.account, order_id, on_update=on_update)
        except (ApiError, ServiceError) as exc:
            self.set_note(view.key, "unknown")
            self.imtui.show_error(f"Order {order_id} was placed but could not be followed", exc)
            return
        number = final.order_number or order_id
        if final.status == "completed" or not final.finished:  # done, or waiting for the renewal date (SC)
            await self.reread(view)  # watch() put it in the snapshot: the row shows it, pending or done
            self.set_note(view.key, None)
            done = "completed" if final.finished else "is scheduled for the renewal date"
            self.notify(f"Order {number} {done}: {plan.sentence}", title=view.product, markup=False)
            return
        self.set_note(view.key, FAILED if final.status == "error" else final.status)
        words = f"Order {number} ended {final.status}" + (f" ({final.status_code})" if final.status_code else "")
        message = (final.attributes.get("message") or final.attributes.get("errorMessage")) if final.attributes else None
        self.imtui.show_error(f"{plan.sentence}: not done", words + (f". The marketplace said: {message}" if message else "."))


def _outcome_words(outcome: OrderOutcome) -> str:
    words = outcome.message
    if outcome.correlation_id:
        words += f"\nCorrelation id: {outcome.correlation_id}"
    return words
