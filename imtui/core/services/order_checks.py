"""The checks a money plan and a money form share, each one rule with its words: a read-only account, a typed
number of seats, the account's seats-per-order limit, the quantity of a purchase (typed, checked against the
product's minimum/maximum and the account's limit), and the unit price of the marketplace's estimate.

Pure functions (no I/O): the planner (:mod:`.order_plans`) refuses a plan with them, and the purchase dialog
says the same words under the field as the user types, so what the form accepts the plan accepts too.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from imtui.core import rules
from imtui.core.api.models import Money, Order
from imtui.core.numbers import NumberError

if TYPE_CHECKING:
    from imtui.core.config import AccountConfig
    from imtui.core.services.catalog import Variant

__all__ = ["quantity_problem", "read_only", "seats_limit", "unit_price", "whole_seats"]

_NOT_POSITIVE = re.compile(r"-[0-9]+|[+-]?0+")  # a whole number of zero or below


def read_only(account: AccountConfig) -> str | None:
    """Why nothing may be placed on ``account`` (its read-only flag), or None."""
    if account.read_only:
        return f"Account {account.name} is read-only: imtui places no orders and changes nothing there."
    return None


def whole_seats(value: object, what: str = "The number of seats") -> tuple[int | None, str | None]:
    """A typed quantity as a whole number above zero, or why not (the rule the forms use too)."""
    if isinstance(value, bool):
        return None, f"{what} must be a whole number above zero."
    if isinstance(value, int):
        return (value, None) if value > 0 else (None, f"{what} must be a whole number above zero, not {value}.")
    try:
        parsed = rules.SEATS.parse(str(value))
    except NumberError as exc:
        return None, str(exc)
    if parsed is None:
        return None, f"{what} must be a whole number above zero."
    return int(parsed), None


def seats_limit(account: AccountConfig, added: int) -> str | None:
    """``max_seats_per_order`` bounds the seats one order ADDS: a purchase's quantity, a change's increase."""
    limit = account.max_seats_per_order
    if limit is not None and added > limit:
        return (f"This order adds {added} seats; account {account.name} allows at most {limit} seats added per "
                "order (max seats per order).")
    return None


def quantity_problem(value: object, variant: Variant, account: AccountConfig | None = None
                     ) -> tuple[int | None, str | None]:
    """The quantity of a purchase as typed: the whole number, or why it cannot be bought (not a whole number,
    below the product's minimum, above its maximum, over the account's seats-per-order limit)."""
    text = str(value).strip() if not isinstance(value, int) or isinstance(value, bool) else str(value)
    if not text:
        return None, f"Type how many to buy: {variant.allowed}."
    qty, _ = whole_seats(value if isinstance(value, int) and not isinstance(value, bool) else text)
    if qty is None:
        if _NOT_POSITIVE.fullmatch(text):  # under every product's minimum
            return None, f"Below the minimum: {variant.bounds_problem(int(text))}"
        return None, f"{text!r} is not a whole number: type how many to buy, {variant.allowed}."
    bounds = variant.bounds_problem(qty)
    if bounds is not None:
        return None, f"{'Below the minimum' if qty < variant.lowest else 'Above the maximum'}: {bounds}"
    if account is not None:
        limit = seats_limit(account, qty)
        if limit is not None:
            return None, limit
    return qty, None


def unit_price(estimate: Order | None, quantity: int | None) -> Money | None:
    """The unit price per billing period the marketplace's estimate works out to (its total over the quantity),
    or None when there is no estimate or it does not say."""
    if estimate is None or estimate.total is None or not quantity:
        return None
    amount = (estimate.total.amount / quantity).quantize(Decimal("0.0001")).normalize()
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return Money(amount=amount, currency=estimate.total.currency)
