"""The browser's changes end to end, through the real money path (``services.orders``) against the sandbox: the
sandbox has the new seats once the order completes, a decrease scheduled at renewal shows as pending, a second
change is refused before anything is sent, min/max and the account's limits are explained, auto-renew is
toggled, a subscription is cancelled. Every wait of the orders service moves the sandbox's clock."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Static

from imtui.tui.dialogs.plan import PlanDialog, SeatsDialog
from imtui.tui.screens.subscriptions import SubscriptionsScreen
from tests.money_support import free_subscription, writes

SIZE = (180, 45)
ACCOUNT = "us-demo"


@pytest.fixture
def services(make_services, sandbox):
    services = make_services()
    services.sandbox = sandbox  # the services tell time by the sandbox's clock

    async def advance(seconds: float) -> None:
        sandbox.clock.advance(seconds)

    services.orders.sleep = advance  # following an order moves the clock instead of sleeping
    return services


async def until(pilot, condition, what: str) -> None:
    """Let the app work until ``condition()`` holds (each round lets the event loop and the workers run)."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"never happened: {what}")


async def choose(app, pilot, subscription_id: str) -> SubscriptionsScreen:
    screen = app.screen
    assert isinstance(screen, SubscriptionsScreen)
    assert screen.table.move_to(f"{ACCOUNT}\x1f{subscription_id}")
    await pilot.pause()
    return screen


async def plan_dialog(app, pilot) -> PlanDialog:
    await until(pilot, lambda: isinstance(app.screen, PlanDialog), "the plan's confirmation")
    return app.screen


def said(dialog, selector: str) -> str:
    return str(dialog.query_one(selector, Static).render())


async def type_seats(app, pilot, total: int, *, at_renewal: bool = False) -> None:
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, SeatsDialog), "the seats dialog")
    dialog = app.screen
    dialog.query_one("#seats", Input).value = str(total)
    if at_renewal:
        dialog.query_one("#at-renewal", Checkbox).value = True
    dialog.query_one("#seats", Input).focus()
    await pilot.press("enter")


class TestSeats:
    async def test_more_seats_confirmed_reach_the_sandbox_and_the_row(self, services, sandbox, open_app):
        sub = free_subscription(sandbox, term="year")
        before = sub.lines[0].quantity
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = await choose(app, pilot, sub.id)
            await type_seats(app, pilot, before + 2)
            dialog = await plan_dialog(app, pilot)
            assert f"from {before} to {before + 2} seats" in said(dialog, "#dialog-body")
            money = said(dialog, "#plan-money")
            assert f"{before} → {before + 2}" in money and "+" in money and "USD" in money
            assert app.focused.id == "cancel" and writes(sandbox) == []
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert sandbox.state.account(ACCOUNT).subscriptions[sub.id].lines[0].quantity == before + 2
            line = screen.lines[(ACCOUNT, sub.id)]
            assert line.view.seats == before + 2 and line.note is None
            assert len(writes(sandbox)) == 1

    async def test_a_decrease_scheduled_at_renewal_shows_pending_and_a_second_change_is_refused(
        self, services, sandbox, open_app
    ):
        sub = free_subscription(sandbox, term="year")
        before = sub.lines[0].quantity
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = await choose(app, pilot, sub.id)
            await type_seats(app, pilot, before - 1)
            dialog = await plan_dialog(app, pilot)
            assert "only be possible at renewal" in said(dialog, "#plan-warning-0")
            await pilot.press("r")  # the same change, scheduled for the renewal date
            await until(pilot, lambda: isinstance(app.screen, PlanDialog) and app.screen is not dialog,
                        "the plan at renewal")
            assert "At the renewal" in said(app.screen, "#dialog-body")
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert sandbox.state.account(ACCOUNT).subscriptions[sub.id].lines[0].quantity == before  # not yet
            assert screen.lines[(ACCOUNT, sub.id)].cells[6].value == "scheduled"
            sent = len(writes(sandbox))

            await type_seats(app, pilot, before + 1)
            dialog = await plan_dialog(app, pilot)
            assert "still pending" in said(dialog, "#plan-refusal")
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is dialog and len(writes(sandbox)) == sent
            await pilot.press("escape")

    async def test_beyond_the_products_maximum_and_the_accounts_limit_are_explained(self, services, sandbox, open_app):
        sub = free_subscription(sandbox, term="year")
        before = sub.lines[0].quantity
        services.change_config(lambda c: setattr(c, "accounts", [
            a.model_copy(update={"max_seats_per_order": 1}) if a.name == ACCOUNT else a for a in c.accounts]))
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            await choose(app, pilot, sub.id)
            await type_seats(app, pilot, 100_000)
            dialog = await plan_dialog(app, pilot)
            assert "not 100000" in said(dialog, "#plan-refusal")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, SubscriptionsScreen), "back to the browser")
            await type_seats(app, pilot, before + 2)
            dialog = await plan_dialog(app, pilot)
            assert "at most 1 seats added per order" in said(dialog, "#plan-refusal")
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is dialog and writes(sandbox) == []


class TestAutoRenewAndCancel:
    async def test_auto_renew_is_toggled(self, services, sandbox, open_app):
        sub = free_subscription(sandbox, term="year")
        was = sub.renewal_status
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = await choose(app, pilot, sub.id)
            await pilot.press("ctrl+t")
            dialog = await plan_dialog(app, pilot)
            assert ("off" if was else "on") in said(dialog, "#dialog-body")
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert sandbox.state.account(ACCOUNT).subscriptions[sub.id].renewal_status is (not was)
            assert screen.lines[(ACCOUNT, sub.id)].view.auto_renew is (not was)

    async def test_a_cancellation_needs_the_client_name_and_ends_the_subscription(self, services, sandbox, open_app):
        sub = free_subscription(sandbox, term="month")
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = await choose(app, pilot, sub.id)
            await pilot.press("ctrl+d")
            dialog = await plan_dialog(app, pilot)
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is dialog and writes(sandbox) == []  # y alone does nothing
            phrase = dialog.plan.confirm_phrase
            dialog.query_one("#plan-phrase", Input).value = phrase
            dialog.query_one("#plan-phrase", Input).focus()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert sandbox.state.account(ACCOUNT).subscriptions[sub.id].status == "terminated"
            view = screen.lines[(ACCOUNT, sub.id)].view
            assert view.status == "terminated" and not view.active
            assert screen.active_bindings["e"].enabled is False  # nothing to change on it any more
