"""Test doubles shared by several test modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keyring
import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real-looking keyring that lives in a dict."""

    priority = 1  # type: ignore[assignment]
    # keyring registers every backend subclass for its own auto-detection: keep test backends out of it,
    # so they never become some other test's "default" keyring.
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.items[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


@dataclass
class WithdrawalStandIn:
    """Stands in for ``services.orders`` (the money path) until it is merged: a withdrawal plan in words,
    then the PATCH. Once the real money path is there, ``with_money_path`` leaves it in place."""

    services: Any

    async def plan_withdraw(self, account: str, order_id: str) -> Any:
        from imtui.core.services.plans import OrderPlan, PlanKind

        view = self.services.orders_view.find(order_id, account)
        return OrderPlan(PlanKind.WITHDRAW, account, view.customer_id, view.customer_name, view.client or None,
                         f"Withdraw order {view.number} ({view.type}, {view.total}) for {view.customer_name}.",
                         order_id=order_id)

    async def place(self, plan: Any) -> Any:
        from imtui.core.services.plans import OrderOutcome, Outcome

        order = await self.services.client(plan.account).withdraw_order(plan.order_id)
        return OrderOutcome(plan, Outcome.PLACED, f"Order {order.order_number} withdrawn.", order)


def with_money_path(services: Any) -> Any:
    """``services`` with a money path: the real ``services.orders`` once merged, else the stand-in."""
    if not hasattr(services, "orders"):
        services.orders = WithdrawalStandIn(services)
    return services
