"""Buying through the app, end to end against the in-process sandbox (manual clock: every wait of the orders
service moves it; nothing sleeps): the catalog (``b`` on the orders screen), the purchase dialog (customer,
term and billing, quantity, PO number, the marketplace's estimate), the confirmation (``y``), the order followed
until the sandbox has the new subscription; and what must never happen: an order placed without ``y``, twice,
on a read-only account, over a limit, or again after a 504 that did place it."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from textual.widgets import Button, Input, Select, Static

from imtui.tui.dialogs.catalog import CatalogDialog
from imtui.tui.dialogs.pick import PickDialog
from imtui.tui.dialogs.plan import PlanDialog
from imtui.tui.dialogs.purchase import PurchaseDialog
from imtui.tui.screens.orders import OrdersScreen
from imtui.tui.screens.subscription_rows import SubscriptionLine
from imtui.tui.screens.subscriptions import SubscriptionsScreen
from tests.money_support import active_customer, estimates, free_subscription, orders_with_po, writes
from tests.unit.sandbox_api import login

SIZE = (140, 45)
ACCOUNT = "us-demo"
PREMIUM = "CFQ7TTC0LCHC:0002"


@pytest.fixture(autouse=True)
def no_typing_pause(monkeypatch):
    """The estimate is asked for as soon as the form is complete (in the app: 0.4 s after the last key)."""
    monkeypatch.setattr(PurchaseDialog, "estimate_delay", 0.0)


@pytest.fixture
def services(make_services, sandbox):
    services = make_services()
    services.sandbox = sandbox  # services.now() is the sandbox's clock

    async def advance(seconds: float) -> None:
        sandbox.clock.advance(seconds)

    services.orders.sleep = advance  # following an order and looking it up move the clock instead of sleeping
    return services


def limit(services, **limits) -> None:
    services.change_config(lambda c: setattr(c, "accounts", [
        a.model_copy(update=limits) if a.name == ACCOUNT else a for a in c.accounts]))


async def until(pilot, condition, what: str) -> None:
    for _ in range(300):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"never happened: {what}")


def said(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def catalog_choice(app, pilot, search: str, term: str = "P1Y/P1M") -> PurchaseDialog:
    """``b`` on the orders screen, the search typed, the row of ``term`` chosen with the arrows, enter."""
    await pilot.press("b")
    await until(pilot, lambda: isinstance(app.screen, CatalogDialog) and app.screen.lines, "the catalog")
    catalog = app.screen
    await pilot.press(*search)
    for _ in range(catalog.table.row_count):
        if catalog.table.selected.cells[3].value == term:
            break
        await pilot.press("down")
    assert catalog.table.selected.cells[3].value == term
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, PurchaseDialog), "the purchase dialog")
    return app.screen


async def pick_customer(app, pilot, customer_id: str) -> None:
    dialog = app.screen
    assert app.focused.id == "customer-pick"  # no customer yet: the dialog starts there
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, PickDialog), "the customer picker")
    await pilot.press(*customer_id, "enter")
    await until(pilot, lambda: app.screen is dialog and dialog.customer is not None, "the customer chosen")
    assert dialog.customer.id == customer_id


async def type_quantity(app, pilot, dialog: PurchaseDialog, text: str, *, plan: bool = True) -> None:
    dialog.quantity.focus()
    dialog.quantity.value = ""
    await pilot.press(*text)
    if plan:
        await until(pilot, lambda: dialog.plan is not None, "the plan with the marketplace's estimate")


async def independent_estimate(sandbox, customer_id: str, quantity: int, term: dict, billing: dict) -> dict:
    """The sandbox's own estimate, asked over its API with a body written by hand (not through imtui)."""
    account = next(a for a in sandbox.accounts if a.name == ACCOUNT)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=account.base_url) as client:
        api = await login(sandbox, client, account)
        body = {"type": "sales", "customerId": customer_id, "products": [
            {"mpn": PREMIUM, "vendor": "Microsoft", "quantity": quantity, "subscriptionPeriod": term,
             "billingPeriod": billing}]}
        return await api.ok("POST", "/orders/estimate", body)


def new_subscriptions(sandbox, customer_id: str, before: set[str]) -> list:
    st = sandbox.state.account(ACCOUNT)
    return [s for sid, s in st.subscriptions.items() if sid not in before and s.customer_id == customer_id]


class TestPurchase:
    async def test_a_purchase_from_the_catalog_reaches_the_sandbox_once_with_the_estimate_shown(
        self, services, sandbox, open_app, notifications
    ):
        """The estimate shown is the marketplace's; the confirmation says the plan's sentence and starts on
        Cancel; a double y places one order, followed until the sandbox has the subscription."""
        cid = active_customer(sandbox)
        before = set(sandbox.state.account(ACCOUNT).subscriptions)
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            orders_screen = app.screen
            dialog = await catalog_choice(app, pilot, "business premium")
            await pick_customer(app, pilot, cid)
            assert [o[0] for o in dialog.query_one("#variant", Select)._options] == [
                "P1M/P1M  1-month term billed monthly", "P1Y/P1M  1-year term billed monthly",
                "P1Y/P1Y  1-year term billed yearly"]
            assert dialog.variant.term == "P1Y" and dialog.variant.billing == "P1M"
            assert dialog.po.value.startswith("IMTUI-")  # a new PO number, unless typed
            await type_quantity(app, pilot, dialog, "5")
            theirs = await independent_estimate(sandbox, cid, 5, {"type": "year", "duration": 1},
                                                 {"type": "month", "duration": 1})
            shown = said(dialog, "#purchase-estimate")
            total = f"{Decimal(str(theirs['total']['amount'])):,.2f} {theirs['total']['currency']}"
            term_total = f"{Decimal(str(theirs['total']['amount'])) * 12:,.2f} USD"
            assert f"Marketplace price a month       {total}" in shown
            assert f"Marketplace price for the term  {term_total}" in shown
            assert "Unit price" in shown and "22.00 USD a month" in shown
            assert "Cost a month" in shown and "Margin a month" in shown and "in USD" in shown
            assert writes(sandbox) == []

            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the confirmation")
            confirm = app.screen
            name = sandbox.state.account(ACCOUNT).customers[cid]["name"]
            assert said(confirm, "#dialog-body") == (
                f"Buy 5 × Microsoft 365 Business Premium, 1-year term billed monthly, for {name}: "
                f"{total} a month, {term_total} for the term")
            assert app.focused.id == "cancel"
            po = dialog.po.value
            await pilot.press("y", "y")
            await until(pilot, lambda: dialog.phase == "done" and "completed" in said(dialog, "#purchase-outcome"),
                        "the order followed to its end")
            assert writes(sandbox) == [("POST", "/orders")]
            assert len(orders_with_po(sandbox, po)) == 1
            # the app asked the money path once (a second call would be journalled "blocked"), and followed it
            assert [e.outcome for e in services.journal.entries(having={"po_number": po})] == [
                "pending", "ok", "completed"]
            new = new_subscriptions(sandbox, cid, before)
            assert [(s.status, s.lines[0].quantity, s.subscription_period, s.billing_period) for s in new] == [
                ("active", 5, ("year", 1), ("month", 1))]
            assert "submitted → processing → completed" in said(dialog, "#purchase-outcome")
            assert any("completed" in n and "Business Premium" in n for n in notifications(app))
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is orders_screen, "back to the orders")
            order = orders_with_po(sandbox, po)[0]
            await until(pilot, lambda: any(r.view.id == order.id for r in orders_screen.table.shown_rows),
                        "the new order listed on the orders screen")

    async def test_buying_again_from_a_subscription_shows_the_new_one_pending_then_active(
        self, services, sandbox, open_app
    ):
        """b on a subscription: its customer and product, its term and billing; the browser lists the new
        subscription as soon as the order is placed (pending) and active once it completes, with no refresh."""
        sub = free_subscription(sandbox, term="year")
        before = set(sandbox.state.account(ACCOUNT).subscriptions)
        gate: list[float] = []

        async def held(seconds: float) -> None:  # the first poll waits until the test has looked
            gate.append(seconds)
            while len(gate) == 1:
                await pilot.pause()
            sandbox.clock.advance(seconds)

        services.orders.sleep = held
        async with open_app(services, start_in="subscriptions", size=(180, 45)) as (app, pilot):
            browser = app.screen
            assert isinstance(browser, SubscriptionsScreen)
            assert browser.table.move_to(f"{ACCOUNT}\x1f{sub.id}")
            await pilot.press("b")
            await until(pilot, lambda: isinstance(app.screen, PurchaseDialog), "the purchase dialog")
            dialog = app.screen
            assert dialog.customer.id == sub.customer_id and dialog.fixed_customer
            product = sub.lines[0].product
            assert (dialog.variant.mpn, dialog.variant.term, dialog.variant.billing) == (
                product.mpn, product.term_label, f"P1{product.billing_period[0][0].upper()}")
            await type_quantity(app, pilot, dialog, "2")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: len(gate) == 1, "the order placed and followed")
            new = new_subscriptions(sandbox, sub.customer_id, before)
            assert len(new) == 1
            key = (ACCOUNT, new[0].id)
            await until(pilot, lambda: key in browser.lines, "the new subscription in the browser")
            line = browser.lines[key]
            assert line.view.status == "pending" and line.cells[6].value == "submitted"  # its order's progress
            gate.append(0)  # let the order go on
            await until(pilot, lambda: browser.lines[key].view.status == "active", "the new subscription active")
            line = browser.lines[key]
            assert isinstance(line, SubscriptionLine) and line.view.seats == 2 and line.view.pending is None
            assert line.cells[6].value == "active"


class TestNothingPlaced:
    async def test_a_cancelled_confirmation_places_nothing_and_the_form_stays(self, services, sandbox, open_app):
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            dialog = await catalog_choice(app, pilot, "premium")
            await pick_customer(app, pilot, active_customer(sandbox))
            await type_quantity(app, pilot, dialog, "3")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the confirmation")
            await pilot.press("enter")  # enter on the focused Cancel
            await until(pilot, lambda: app.screen is dialog and dialog.phase == "form", "back to the form")
            assert not dialog.quantity.disabled and dialog.quantity.value == "3"
            await pilot.press("escape")  # the form's own Cancel
            await until(pilot, lambda: isinstance(app.screen, OrdersScreen), "back to the orders")
        assert writes(sandbox) == []

    async def test_a_read_only_account_shows_why_and_confirm_does_nothing(self, services, sandbox, open_app,
                                                                          notifications):
        limit(services, read_only=True)
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            dialog = await catalog_choice(app, pilot, "premium")
            assert "us-demo is read-only" in said(dialog, "#purchase-refusal")
            await pick_customer(app, pilot, active_customer(sandbox))
            await type_quantity(app, pilot, dialog, "2")
            assert "read-only" in dialog.plan.refusal and "Nothing will be sent" in said(dialog, "#purchase-refusal")
            assert dialog.query_one("#confirm", Button).disabled
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog and any("read-only" in n for n in notifications(app))
            await pilot.press("escape")
            await pilot.press("2")  # the customers screen: b on a customer of that account says why
            await until(pilot, lambda: app.screen.rows, "the customers")
            customers = app.screen
            customers.table.move_to(next(line.key for line in customers.table.shown_rows
                                         if line.customer.account == ACCOUNT))
            await pilot.press("b")
            await pilot.pause()
            assert app.screen is customers
            assert any("read-only" in n for n in notifications(app)[-1:])
        assert writes(sandbox) == [] and estimates(sandbox) == 0

    async def test_the_accounts_limits_are_enforced_with_the_reason(self, services, sandbox, open_app):
        limit(services, max_seats_per_order=3, max_order_total=Decimal("100"))
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            dialog = await catalog_choice(app, pilot, "premium")
            await pick_customer(app, pilot, active_customer(sandbox))
            await type_quantity(app, pilot, dialog, "4", plan=False)
            assert "at most 3 seats added per order" in said(dialog, "#quantity-message")
            assert dialog.plan is None and dialog.query_one("#confirm", Button).disabled
            await type_quantity(app, pilot, dialog, "3")  # 3 × 22.00 a month = 792.00 for the year
            assert "over account us-demo's order limit of 100.00 USD" in said(dialog, "#purchase-refusal")
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog and dialog.phase == "form"
        assert writes(sandbox) == []

    async def test_an_invalid_quantity_is_explained_as_it_is_typed(self, services, sandbox, open_app):
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            dialog = await catalog_choice(app, pilot, "dropbox standard", term="P1M/P1M")
            await pick_customer(app, pilot, active_customer(sandbox))
            asked = estimates(sandbox)
            for typed, words in (("2", "Below the minimum: Dropbox Business Standard (DBX-BUS-STD, P1M/P1M) "
                                       "allows 3 to 1000 seats, not 2."),
                                 ("0", "Below the minimum"),
                                 ("abc", "'abc' is not a whole number: type how many to buy, 3 to 1,000 seats."),
                                 ("2.5", "is not a whole number"),
                                 ("1001", "Above the maximum: Dropbox Business Standard (DBX-BUS-STD, P1M/P1M) "
                                          "allows 3 to 1000 seats, not 1001.")):
                if typed == "1001":  # everything before: nothing asked of the marketplace for a quantity it refuses
                    assert estimates(sandbox) == asked
                await type_quantity(app, pilot, dialog, typed, plan=False)
                message = dialog.query_one("#quantity-message", Static)
                assert words in said(dialog, "#quantity-message") and message.has_class("-error"), typed
                assert dialog.query_one("#confirm", Button).disabled and dialog.plan is None
            await type_quantity(app, pilot, dialog, "3")
            assert "3 (3 to 1,000 seats allowed)" in said(dialog, "#quantity-message")
            assert not dialog.query_one("#confirm", Button).disabled
        assert writes(sandbox) == []


class TestNeverTwice:
    async def _placed_with_fault(self, app, pilot, sandbox, fault: str) -> PurchaseDialog:
        dialog = await catalog_choice(app, pilot, "premium")
        await pick_customer(app, pilot, active_customer(sandbox))
        await type_quantity(app, pilot, dialog, "2")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the confirmation")
        sandbox.faults.order_gateway_timeout = fault
        await pilot.press("y")
        await until(pilot, lambda: dialog.phase == "done", "the outcome")
        return dialog

    async def test_a_504_after_the_order_was_created_says_it_was_placed_and_places_no_second(
        self, services, sandbox, open_app
    ):
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            dialog = await self._placed_with_fault(app, pilot, sandbox, "created")
            po = dialog.po.value
            outcome = said(dialog, "#purchase-outcome")
            assert "did not say whether the order was placed" in outcome and "it was placed: order SO" in outcome
            assert "Nothing more was sent" in outcome
            assert not dialog.query_one("#again", Button).display
            sandbox.faults.order_gateway_timeout = None
            await pilot.press("p", "y")  # nothing offers to place it again: these keys do nothing
            await until(pilot, lambda: "completed" in said(dialog, "#purchase-outcome"), "the found order followed")
            assert dialog.phase == "done" and app.screen is dialog
        assert writes(sandbox) == [("POST", "/orders")] and len(orders_with_po(sandbox, po)) == 1

    async def test_a_504_before_the_order_was_created_says_not_placed_and_a_second_try_keeps_the_po(
        self, services, sandbox, open_app
    ):
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            dialog = await self._placed_with_fault(app, pilot, sandbox, "not_created")
            po = dialog.po.value
            outcome = said(dialog, "#purchase-outcome")
            assert "it was not placed" in outcome and f"you may place it again, with the same PO number {po}" in outcome
            assert orders_with_po(sandbox, po) == [] and dialog.query_one("#again", Button).display
            sandbox.faults.order_gateway_timeout = None
            await pilot.press("p")
            await until(pilot, lambda: dialog.phase == "form" and dialog.plan is not None, "the form again, planned")
            assert dialog.po.value == po and dialog.po.disabled  # the same PO number, kept
            assert dialog.plan.po_number == po
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: "completed" in said(dialog, "#purchase-outcome"), "placed and followed")
        assert writes(sandbox) == [("POST", "/orders"), ("POST", "/orders")]
        assert len(orders_with_po(sandbox, po)) == 1


    async def test_an_earlier_attempt_with_an_unknown_outcome_is_looked_up_before_the_same_purchase_goes_out(
        self, services, sandbox, open_app
    ):
        """An imtui that stopped while sending left an attempt without an outcome; buying the same product for the
        same customer (a new PO number) is refused, l looks the earlier one up, p places it under its PO."""
        cid = active_customer(sandbox)
        services.journal.record(action="order.place", outcome="pending", account=ACCOUNT, customer_id=cid,
                                po_number="PO-CRASHED", asked={"mpn": PREMIUM, "quantity": 2})
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            dialog = await catalog_choice(app, pilot, "premium")
            await pick_customer(app, pilot, cid)
            await type_quantity(app, pilot, dialog, "2")
            assert dialog.po.value != "PO-CRASHED"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: dialog.phase == "done", "the outcome")
            outcome = said(dialog, "#purchase-outcome")
            assert "PO-CRASHED" in outcome and "its outcome is unknown" in outcome and "Press l" in outcome
            assert dialog.query_one("#lookup", Button).display and not dialog.query_one("#again", Button).display
            await pilot.press("p")  # not offered before the lookup: does nothing
            assert dialog.phase == "done" and writes(sandbox) == []
            await pilot.press("l")
            await until(pilot, lambda: dialog.phase == "done" and "looked it up" in said(dialog, "#purchase-outcome"),
                        "the lookup's answer")
            assert "it was not placed" in said(dialog, "#purchase-outcome")
            await pilot.press("p")
            await until(pilot, lambda: dialog.phase == "form" and dialog.plan is not None, "the form again, planned")
            assert dialog.po.value == "PO-CRASHED" and dialog.plan.po_number == "PO-CRASHED"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: "completed" in said(dialog, "#purchase-outcome"), "placed and followed")
        assert writes(sandbox) == [("POST", "/orders")] and len(orders_with_po(sandbox, "PO-CRASHED")) == 1


class TestActivationParameters:
    async def test_a_product_that_needs_a_domain_asks_for_it_and_the_sandbox_gets_it(self, services, sandbox,
                                                                                     open_app):
        cid = active_customer(sandbox)
        before = set(sandbox.state.account(ACCOUNT).subscriptions)
        async with open_app(services, start_in="orders", size=SIZE) as (app, pilot):
            dialog = await catalog_choice(app, pilot, "workspace starter", term="P1M/P1M")
            await pick_customer(app, pilot, cid)
            await until(pilot, lambda: dialog.parameters == ["domain"], "the domain field")
            await type_quantity(app, pilot, dialog, "2", plan=False)
            assert "needs domain" in said(dialog, "#purchase-estimate") and dialog.plan is None
            field = dialog.query_one("#param-0", Input)
            field.focus()
            await pilot.press(*"not a domain")
            await until(pilot, lambda: dialog.plan is not None, "the plan")
            assert "not a valid domain" in said(dialog, "#param-0-message") and dialog.plan.refusal
            field.value = ""
            await pilot.press(*"acme-example.com")
            await until(pilot, lambda: dialog.plan is not None and not dialog.plan.refusal, "a plan that can be placed")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: "completed" in said(dialog, "#purchase-outcome"), "placed and followed")
        new = new_subscriptions(sandbox, cid, before)
        assert [p["value"] for s in new for p in s.parameters if p["name"] == "domain"] == ["acme-example.com"]
