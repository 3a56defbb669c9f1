"""What a change of money or seats looks like before and after it is confirmed: one shape for every action.

Every action that changes money or seats (seats up or down, auto-renew on/off, cancel, a purchase, withdrawing
an order) is first *planned* (validated, estimated by the marketplace, checked against the account's read-only
flag and limits) into an :class:`OrderPlan` that the UI shows in its confirmation dialog and the CLI prints
without ``--yes``. Confirming hands the same plan to ``services.orders.place``, which returns an
:class:`OrderOutcome`. Nothing else in imtui places an order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from imtui.core.api.models import Money, Order, OrderRequest

if TYPE_CHECKING:
    from imtui.core.services.catalog import Variant

__all__ = ["MoneyLine", "OrderOutcome", "OrderPlan", "Outcome", "PlanKind"]


class PlanKind:
    SEATS = "seats"
    AUTO_RENEW = "auto_renew"
    CANCEL = "cancel"
    PURCHASE = "purchase"
    WITHDRAW = "withdraw"


class Outcome:
    """How a confirmed plan ended (also the journal's outcome words)."""

    PLACED = "ok"  # the order was accepted (it may still be processing); for a PATCH: changed
    REFUSED = "refused"  # the marketplace said no (business rule, 4xx): nothing was changed
    FAILED = "failed"  # certainly not placed (nothing sent, 401, a definite error)
    UNKNOWN = "unknown"  # outcome unknown and the lookup could not tell: never place again blindly
    FOUND = "found"  # outcome was unknown; the lookup found the order: it WAS placed
    NOT_PLACED = "not_found"  # outcome was unknown; the lookup shows it certainly was not placed
    BLOCKED = "blocked"  # imtui refused before sending (already placed under this PO, read-only, limits)


@dataclass(frozen=True)
class MoneyLine:
    """One line of money in a confirmation: "per month", "for the 1-year term", "cost", "margin"."""

    label: str
    amount: Money
    #: a difference: shown with its sign, +12.00 USD / -12.00 USD
    signed: bool = False

    @property
    def text(self) -> str:
        """The amount as shown: ``1,320.00 USD``, or ``+12.00 USD`` for a difference."""
        return f"+{self.amount}" if self.signed and self.amount.amount > 0 else str(self.amount)

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"


@dataclass(frozen=True)
class OrderPlan:
    """A change, ready to confirm (or refused, with the reason, before anything is sent)."""

    kind: str  # PlanKind
    account: str
    customer_id: str
    customer_name: str
    client: str | None
    #: what will happen, in words: "Buy 5 × Microsoft 365 Business Premium, 1-year term billed monthly,
    #: for Acme Ltd: 110.00 USD a month, 1,320.00 USD for the term"
    sentence: str
    subscription_id: str | None = None
    order_id: str | None = None  # a withdrawal: the order to withdraw
    request: OrderRequest | None = None  # None for a PATCH (auto-renew, withdraw)
    po_number: str | None = None
    estimate: Order | None = None  # the marketplace's own estimate (POST /orders/estimate)
    money: tuple[MoneyLine, ...] = ()  # per billing period, for the term, cost, margin: one currency each
    warnings: tuple[str, ...] = ()
    refusal: str | None = None  # why it cannot be placed; the confirm key does nothing
    #: a deliberate step for destructive plans: the text the user must type (e.g. the client name)
    confirm_phrase: str | None = None
    #: what was asked, as plain values, for the journal ("quantity", "mpn", "term", "at_renewal", ...)
    asked: dict[str, Any] = field(default_factory=dict)
    #: seats before and after (a seat change), the quantity bought (a purchase)
    seats_before: int | None = None
    seats_after: int | None = None
    #: a decrease on an annual term: it may only be possible at renewal; the same plan with at_renewal=True is
    #: offered (the UI's toggle, the CLI's --at-renewal)
    offers_at_renewal: bool = False
    #: the auto-renew state an AUTO_RENEW plan sets
    auto_renew: bool | None = None
    #: the catalog variant a PURCHASE buys
    variant: Variant | None = None

    @property
    def can_place(self) -> bool:
        return self.refusal is None

    @property
    def at_renewal(self) -> bool:
        return self.request is not None and self.request.scheduled_on == "renewal"

    @property
    def sends_order(self) -> bool:
        """Placing it is a ``POST /orders`` (seats, cancel, purchase), not a PATCH (auto-renew, withdraw)."""
        return self.kind in (PlanKind.SEATS, PlanKind.CANCEL, PlanKind.PURCHASE)

    def estimate_text(self) -> str:
        """The money the confirmation showed, for the journal: "Marketplace price a month: 110.00 USD; ..."."""
        return "; ".join(str(line) for line in self.money)


@dataclass(frozen=True)
class OrderOutcome:
    """What happened to a confirmed plan, in words, with what the user needs to follow it up."""

    plan: OrderPlan
    outcome: str  # Outcome
    message: str
    order: Order | None = None
    correlation_id: str | None = None
    #: what the user must know even though it worked (the journal could not be written, the snapshot not updated)
    warnings: tuple[str, ...] = ()
    #: blocked by an earlier attempt (this PO or another) whose outcome is unknown: its PO number, to look up first
    unsure_po: str = ""

    @property
    def placed(self) -> bool:
        """The change exists at the marketplace (accepted, or found by the lookup)."""
        return self.outcome in (Outcome.PLACED, Outcome.FOUND)

    @property
    def may_place_again(self) -> bool:
        """Only when it certainly was not placed may the user try again (with the same PO number)."""
        return self.outcome in (Outcome.NOT_PLACED, Outcome.FAILED, Outcome.REFUSED)
