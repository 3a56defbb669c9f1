"""The browser's action keys wired to the money path as DESIGN.md describes ``services.orders`` (plan_seats /
plan_auto_renew / plan_cancel → OrderPlan, place(plan) → OrderOutcome, watch(account, order_id, on_update)).

These stand a recorder with exactly those signatures in for the orders service, to check the screen's side
precisely: which plan is asked for, that nothing is placed without the deliberate key, that one confirmation
places once, and that the row shows the order until it ends. The end-to-end tests against the sandbox, through
the real ``services.orders``, are in ``test_ui_subscription_orders.py``.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from textual.widgets import Input

from imtui.core.api.models import Money, Order
from imtui.core.services.plans import MoneyLine, OrderOutcome, OrderPlan, Outcome, PlanKind
from imtui.tui.dialogs.plan import PlanDialog, SeatsDialog
from imtui.tui.messages import OrderPlaced
from imtui.tui.screens.subscription_rows import SubscriptionLine
from imtui.tui.screens.subscriptions import SubscriptionsScreen

SIZE = (180, 45)


class Orders:
    """``services.orders`` as DESIGN.md gives its signatures: records what the screen asks."""

    def __init__(self, *, refusal: str | None = None, final: str = "completed") -> None:
        self.asked: list[tuple] = []
        self.placed: list[OrderPlan] = []
        self.refusal = refusal
        self.final = final
        self.release = asyncio.Event()  # watch() ends when the test sets it

    def _plan(self, kind: str, account: str, subscription_id: str, sentence: str, **extra) -> OrderPlan:
        return OrderPlan(kind=kind, account=account, customer_id="c", customer_name="ACME", client="Acme",
                         sentence=sentence, subscription_id=subscription_id, refusal=self.refusal,
                         money=(MoneyLine("per month", Money(amount=Decimal("10.00"), currency="USD")),), **extra)

    async def plan_seats(self, account, subscription_id, new_total, at_renewal=False):
        self.asked.append(("seats", account, subscription_id, new_total, at_renewal))
        return self._plan(PlanKind.SEATS, account, subscription_id, f"Change to {new_total} seats")

    async def plan_auto_renew(self, account, subscription_id, on):
        self.asked.append(("auto_renew", account, subscription_id, on))
        return self._plan(PlanKind.AUTO_RENEW, account, subscription_id, f"Turn auto-renew {'on' if on else 'off'}",
                          auto_renew=on)

    async def plan_cancel(self, account, subscription_id):
        self.asked.append(("cancel", account, subscription_id))
        return self._plan(PlanKind.CANCEL, account, subscription_id, "Cancel it", confirm_phrase="Acme")

    async def place(self, plan):
        self.placed.append(plan)
        if not plan.sends_order:  # a PATCH: done when it answers
            return OrderOutcome(plan, Outcome.PLACED, "Auto-renew changed.")
        order = Order(id="9000001", order_number="CH000900", type="change", status="submitted")
        return OrderOutcome(plan, Outcome.PLACED, "Order CH000900 placed.", order=order)

    async def watch(self, account, order_id, on_update=None):
        on_update(Order(id=order_id, order_number="CH000900", status="processing"))
        await self.release.wait()
        return Order(id=order_id, order_number="CH000900", status=self.final, status_code="PF" if self.final == "error" else "CP")


@pytest.fixture
def services(make_services, sandbox):
    services = make_services()
    services.sandbox = sandbox
    return services


async def select_active(app, pilot) -> SubscriptionLine:
    screen = app.screen
    assert isinstance(screen, SubscriptionsScreen)
    line = next(l for l in screen.table.shown_rows if isinstance(l, SubscriptionLine) and l.view.active
                and l.view.status == "active" and l.view.seats and l.view.term == "P1Y" and l.view.pending is None)
    screen.table.move_to(line.key)
    await pilot.pause()
    return line


class TestActionFlow:
    async def test_seats_typed_then_confirmed_with_y_places_once_and_the_row_follows_the_order(
        self, services, open_app, notifications
    ):
        orders = services.orders = Orders()
        heard: list[OrderPlaced] = []
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            app.news.subscribe(app, heard.append, immediate=True)
            screen = app.screen
            line = await select_active(app, pilot)
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, SeatsDialog)
            await pilot.press(*str(line.view.seats + 5), "enter")
            await pilot.pause()
            assert orders.asked == [("seats", line.view.account, line.view.id, line.view.seats + 5, False)]
            assert isinstance(app.screen, PlanDialog) and app.focused.id == "cancel"
            assert orders.placed == []
            await pilot.press("y", "y")
            await pilot.pause()
            assert len(orders.placed) == 1
            assert screen.lines[line.view.key].cells[6].value == "processing"  # the row shows the order
            assert screen.active_bindings["e"].enabled is False  # no second change while one is in flight
            assert [m.order_id for m in heard if isinstance(m, OrderPlaced)] == ["9000001"]
            orders.release.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.lines[line.view.key].cells[6].value == "active"
            assert any("CH000900 completed" in n for n in notifications(app))

    async def test_a_failed_order_is_shown_on_its_row_and_said(self, services, open_app):
        orders = services.orders = Orders(final="error")
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = app.screen
            line = await select_active(app, pilot)
            await pilot.press("e")
            await pilot.pause()
            await pilot.press(*str(line.view.seats + 1), "enter")
            await pilot.pause()
            await pilot.press("y")
            orders.release.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.lines[line.view.key].cells[6].value == "failed"
            assert "ended error (PF)" in str(app.screen.query_one("#error-list").query("Static").first().render())

    async def test_auto_renew_is_a_patch_done_when_it_answers(self, services, open_app):
        orders = services.orders = Orders()
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = app.screen
            line = await select_active(app, pilot)
            await pilot.press("ctrl+t")
            await pilot.pause()
            assert orders.asked == [("auto_renew", line.view.account, line.view.id, not line.view.auto_renew)]
            await pilot.press("y")
            await app.workers.wait_for_complete()  # no watch: it would wait for the release forever
            await pilot.pause()
            assert [p.kind for p in orders.placed] == [PlanKind.AUTO_RENEW]
            assert screen.lines[line.view.key].note is None

    async def test_a_refused_plan_places_nothing(self, services, open_app):
        orders = services.orders = Orders(refusal="Over the account's limit of 10 seats per order.")
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            await select_active(app, pilot)
            await pilot.press("ctrl+d")
            await pilot.pause()
            assert isinstance(app.screen, PlanDialog)
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, PlanDialog) and orders.placed == []
            await pilot.press("escape")
            await pilot.pause()
            assert orders.placed == []

    async def test_a_cancellation_needs_the_client_name(self, services, open_app):
        orders = services.orders = Orders()
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            await select_active(app, pilot)
            await pilot.press("ctrl+d")
            await pilot.pause()
            dialog = app.screen
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is dialog and orders.placed == []
            dialog.query_one("#plan-phrase", Input).focus()
            await pilot.press(*"acme", "enter")
            await pilot.pause()
            assert len(orders.placed) == 1 and orders.placed[0].kind == PlanKind.CANCEL
            orders.release.set()
            await app.workers.wait_for_complete()
