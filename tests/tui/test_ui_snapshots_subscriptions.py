"""How the subscription browser looks: with the details panel, the renewals view, and the confirmation of a
seat change, at 120x36 and 80x24 (snapshots, deterministic: seeded sandbox on its own clock, fixed size)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Input

from imtui.core.api.models import Money
from imtui.core.services.plans import MoneyLine, OrderPlan, PlanKind
from imtui.tui.app import ImtuiApp
from imtui.tui.dialogs.plan import PlanDialog
from imtui.tui.screens.subscription_rows import SubscriptionLine

SIZES = {"120x36": (120, 36), "80x24": (80, 24)}
SUBSCRIPTION = ("us-demo", "1200009")  # an active annual subscription of the seed


@pytest.fixture
def services(make_services, sandbox):
    services = make_services()
    services.sandbox = sandbox  # days left and the snapshot's age by the sandbox's clock
    return services


async def _loaded(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _steps(*keys: str, select: tuple[str, str] | None = None, then=None):
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        screen = pilot.app.screen
        if select is not None:
            screen.table.move_to("\x1f".join(select))
        for key in keys:
            await pilot.press(key)
            await _loaded(pilot)
        if then is not None:
            then(pilot.app)
            await _loaded(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


def seats_plan(app: ImtuiApp) -> OrderPlan:
    """A seat change of the selected subscription, as the orders service plans one."""
    view = app.screen.lines[SUBSCRIPTION].view
    price = view.unit_price
    return OrderPlan(
        kind=PlanKind.SEATS, account=view.account, customer_id=view.customer_id, customer_name=view.customer_name,
        client=view.client, subscription_id=view.id, po_number="IMTUI-20261120-7K3Q9A",
        sentence=f"Change {view.product} for {view.client} from {view.seats} to {view.seats + 5} seats, "
                 f"term {view.term} billed {view.billing}",
        money=(MoneyLine("per month", price * 5), MoneyLine("for the rest of the term", price * 5 * 6),
               MoneyLine("margin per month", Money(amount=Decimal("13.20"), currency=price.currency))),
        warnings=("The marketplace charges the new seats from today, prorated to the renewal date.",),
    )


def _open_plan(app: ImtuiApp) -> None:
    app.push_screen(PlanDialog(seats_plan(app)))


@pytest.mark.parametrize("size", SIZES)
def test_browser_with_details(snap_compare, services, size):
    app = ImtuiApp(services, start_in="subscriptions")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_steps("enter", select=SUBSCRIPTION))


@pytest.mark.parametrize("size", SIZES)
def test_renewals_view(snap_compare, services, size):
    app = ImtuiApp(services, start_in="subscriptions")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_steps("R"))


@pytest.mark.parametrize("size", SIZES)
def test_seat_change_confirmation(snap_compare, services, size):
    app = ImtuiApp(services, start_in="subscriptions")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_steps(select=SUBSCRIPTION, then=_open_plan))


def test_the_subscription_shown_is_an_active_annual_one(services):
    """The snapshots above rely on the seed: the subscription they open is active, annual, priced."""
    import asyncio

    async def check() -> SubscriptionLine:
        await services.subscriptions.load()
        return SubscriptionLine(services.subscriptions.detail(SUBSCRIPTION[1], SUBSCRIPTION[0]).view)

    line = asyncio.run(check())
    assert line.view.status == "active" and line.view.term == "P1Y" and line.view.unit_price is not None and line.view.seats
