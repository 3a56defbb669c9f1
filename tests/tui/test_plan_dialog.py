"""The confirmation of a money plan (PlanDialog) and the new-seats dialog, with hand-made plans: what they say,
where focus starts, which key confirms, and that a refused plan or an untyped client name confirms nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textual.widgets import Button, Checkbox, Input, Static

from imtui.core.api.models import Money
from imtui.core.pricing import Price
from imtui.core.services.plans import MoneyLine, OrderPlan, PlanKind
from imtui.core.services.subscription_views import SubscriptionView
from imtui.core.snapshot import SubscriptionRow
from imtui.tui.dialogs.plan import PlanDialog, SeatsChoice, SeatsDialog, phrase_matches
from tests.tui.test_dialogs import DialogApp


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def seats_plan(**changes) -> OrderPlan:
    plan = dict(
        kind=PlanKind.SEATS, account="us-demo", customer_id="1000101", customer_name="ACME INC.", client="Acme Inc",
        sentence="Change Microsoft 365 Business Premium for Acme Inc from 20 to 25 seats: +110.00 USD a month",
        subscription_id="1200001", po_number="IMTUI-20261120-7K3Q9A",
        money=(MoneyLine("per month", usd("110.00")), MoneyLine("for the rest of the term", usd("1100.00"))),
        warnings=("The change applies at once; the next invoice is prorated.",),
    )
    plan.update(changes)
    return OrderPlan(**plan)


def text_of(dialog, selector: str) -> str:
    return str(dialog.query_one(selector, Static).render())


class TestPlanDialog:
    """What the confirmation says, and how deliberate confirming is."""

    async def test_it_says_what_will_happen_and_starts_on_cancel(self):
        app = DialogApp(PlanDialog(seats_plan()))
        async with app.run_test(size=(120, 36)) as pilot:
            dialog = app.screen
            assert "from 20 to 25 seats" in text_of(dialog, "#dialog-body")
            money = text_of(dialog, "#plan-money")
            assert "per month" in money and "110.00 USD" in money and "1,100.00 USD" in money
            assert "prorated" in text_of(dialog, "#plan-warning-0")
            assert "Acme Inc" in text_of(dialog, "#plan-who") and "IMTUI-20261120-7K3Q9A" in text_of(dialog, "#plan-who")
            assert app.focused.id == "cancel"
            await pilot.press("enter")  # enter on the focused Cancel: nothing placed
            await pilot.pause()
        assert app.results == [None]

    async def test_y_confirms_once(self):
        app = DialogApp(PlanDialog(seats_plan()))
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("y", "y")
            await pilot.pause()
        assert app.results == [True]

    async def test_a_refused_plan_shows_why_and_y_does_nothing(self):
        plan = seats_plan(refusal="The account us-demo is read-only.")
        app = DialogApp(PlanDialog(plan))
        async with app.run_test(size=(120, 36)) as pilot:
            dialog = app.screen
            assert "read-only" in text_of(dialog, "#plan-refusal") and "Nothing will be sent" in text_of(dialog, "#plan-refusal")
            assert dialog.query_one("#confirm", Button).disabled
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is dialog and app.results == []
            await pilot.press("escape")
            await pilot.pause()
        assert app.results == [None]

    async def test_a_cancellation_needs_the_client_name_typed(self):
        plan = seats_plan(kind=PlanKind.CANCEL, sentence="Cancel Microsoft 365 Business Premium of Acme Inc",
                          confirm_phrase="Acme Inc", money=(), warnings=())
        app = DialogApp(PlanDialog(plan))
        async with app.run_test(size=(120, 36)) as pilot:
            dialog = app.screen
            assert app.focused.id == "cancel"
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is dialog, "y confirmed a cancellation without the name typed"
            phrase = dialog.query_one("#plan-phrase", Input)
            phrase.focus()
            await pilot.press(*"Acme", "enter")
            await pilot.pause()
            assert app.screen is dialog and dialog.query_one("#confirm", Button).disabled
            await pilot.press(*" inc")
            await pilot.pause()
            assert not dialog.query_one("#confirm", Button).disabled
            await pilot.press("enter")
            await pilot.pause()
        assert app.results == [True]

    @pytest.mark.parametrize("typed, ok", [("acme  INC", True), (" Acme Inc ", True), ("Acme", False), ("", False)])
    def test_the_phrase_matches_ignoring_case_and_spacing(self, typed, ok):
        assert phrase_matches(typed, "Acme Inc") is ok


def view(seats: int = 20, term: str = "P1Y") -> SubscriptionView:
    row = SubscriptionRow(
        "us-demo", "1200001", "1000101", "ACME INC.", "Microsoft 365 Business Premium", "active", True, term, "P1M",
        date(2025, 1, 1), date(2027, 5, 21), date(2027, 5, 21), date(2026, 1, 1), "CFQ7TTC0LCHC:0002", "Microsoft",
        seats, usd("22.00"), usd("19.36"), usd("440.00"), usd("2.64"), "USD", 182, True, False, None, None,
    )
    return SubscriptionView(row, "Acme Inc", True, False, Price(usd("22.00"), usd("19.36")))


class TestSeatsDialog:
    """The new total is typed and checked as it is typed; enter goes on only with a valid number."""

    async def test_typing_is_checked_and_enter_gives_the_new_total(self):
        app = DialogApp(SeatsDialog(view()))
        async with app.run_test(size=(120, 36)) as pilot:
            dialog = app.screen
            assert app.focused.id == "seats"
            await pilot.press(*"ten")
            await pilot.pause()
            assert "whole number" in text_of(dialog, "#seats-message") and dialog.query_one("#confirm", Button).disabled
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog
            dialog.query_one("#seats", Input).value = "20"
            await pilot.pause()
            assert "It has 20 seats now" in text_of(dialog, "#seats-message")
            dialog.query_one("#seats", Input).value = "25"
            await pilot.pause()
            message = text_of(dialog, "#seats-message")
            assert "20 → 25: 5 more seats" in message and "+110.00 USD a month" in message
            assert not dialog.query_one("#confirm", Button).disabled
            await pilot.press("enter")
            await pilot.pause()
        assert app.results == [SeatsChoice(25, False)]

    async def test_a_decrease_on_an_annual_term_offers_the_renewal(self):
        app = DialogApp(SeatsDialog(view()))
        async with app.run_test(size=(120, 36)) as pilot:
            dialog = app.screen
            dialog.query_one("#seats", Input).value = "15"
            await pilot.pause()
            assert "only be possible at renewal" in text_of(dialog, "#seats-message")
            dialog.query_one("#at-renewal", Checkbox).value = True
            dialog.query_one("#seats", Input).focus()
            await pilot.press("enter")
            await pilot.pause()
        assert app.results == [SeatsChoice(15, True)]

    async def test_zero_seats_points_to_cancel_and_a_monthly_term_has_no_renewal_box(self):
        app = DialogApp(SeatsDialog(view(term="P1M")))
        async with app.run_test(size=(120, 36)) as pilot:
            dialog = app.screen
            assert not dialog.query("#at-renewal")
            dialog.query_one("#seats", Input).value = "0"
            await pilot.pause()
            assert "cancel it instead" in text_of(dialog, "#seats-message")
