"""Withdrawing an order from a screen: the money path's plan, a confirmation, then ``place``.

The one place a screen withdraws an order (``services.orders.plan_withdraw`` → the plan in words, focus on
Cancel, ``y`` → ``services.orders.place``), so a later dialog for plans is swapped in here only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.tui.dialogs import ConfirmDialog, MessageDialog

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
    if plan.refusal:
        await screen.app.push_screen_wait(MessageDialog(f"Order {name} cannot be withdrawn", plan.refusal))
        return None
    body = "\n".join([plan.sentence, *map(str, plan.money), *(f"Warning: {w}" for w in plan.warnings)])
    if not await screen.app.push_screen_wait(ConfirmDialog(f"Withdraw order {name}?", body, "Withdraw it (y)")):
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
