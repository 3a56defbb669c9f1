"""Withdrawing an order from a screen: the money path's plan, a confirmation, then ``place``.

The one place a screen withdraws an order (``services.orders.plan_withdraw`` → :class:`PlanDialog`, the
confirmation of every money plan: the plan in words, focus on Cancel, ``y`` → ``services.orders.place``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.tui.dialogs.plan import PlanDialog

if TYPE_CHECKING:
    from imtui.core.services.order_reads import OrderView
    from imtui.tui.screens.base import AreaScreen


async def confirm_and_withdraw(screen: AreaScreen, view: OrderView) -> Any | None:
    """Plan, confirm and place the withdrawal of ``view`` (call it in a worker); the ``OrderOutcome``, or None
    when nothing was sent (a refusal, the user said no, the plan could not be made)."""
    money = screen.services.orders
    name = view.number or view.id
    try:
        plan = await money.plan_withdraw(view.account, view.id)
    except (ApiError, ServiceError) as exc:
        screen.imtui.show_error(f"Order {name} cannot be withdrawn", exc)
        return None
    # the one confirmation of every plan: its words, money and warnings; a refusal shown with y inert
    if await screen.app.push_screen_wait(PlanDialog(plan)) is not True or plan.refusal:
        return None
    try:
        outcome = await money.place(plan)
    except (ApiError, ServiceError) as exc:
        screen.imtui.show_error(f"Order {name} was not withdrawn", exc)
        return None
    cid = f" (correlation id {outcome.correlation_id})" if outcome.correlation_id else ""
    screen.notify(outcome.message + cid, title="Withdraw", severity="information" if outcome.placed else "error",
                  markup=False, timeout=10)
    return outcome
