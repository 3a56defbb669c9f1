"""Money as the API sends it: ``{"amount": "70.50", "currency": "USD"}``, a ``Decimal`` and its currency.

Different currencies are never added together; a money object the server sent without a readable amount or
currency is unknown (``None``), not an unreadable resource.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class CurrencyMismatchError(ValueError):
    """Two amounts in different currencies were about to be added together."""


def _to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)  # never through binary float arithmetic
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _money_amount(value: Any) -> Any:
    number = _to_decimal(value)
    return value if number is None else number  # leave junk for pydantic to reject


class Money(BaseModel):
    amount: Annotated[Decimal, BeforeValidator(_money_amount)]
    currency: str

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    def __add__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot add {other.currency} to {self.currency}; amounts in different currencies are kept apart"
            )
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot subtract {other.currency} from {self.currency}")
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __mul__(self, factor: int | Decimal) -> "Money":
        if isinstance(factor, float):
            raise TypeError("multiply money by int or Decimal, never float")
        return Money(amount=self.amount * factor, currency=self.currency)

    __rmul__ = __mul__

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"

    def to_api(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}


def _to_money(value: Any) -> Any:
    """A money object whose amount is null, empty or not a number, or whose currency is missing, is unknown
    (None): production sends such rows, and they are still readable subscriptions."""
    if value is None or isinstance(value, Money):
        return value
    if not isinstance(value, dict):
        return None
    amount = _to_decimal(value.get("amount"))
    currency = value.get("currency")
    if amount is None or not amount.is_finite() or not isinstance(currency, str) or not currency.strip():
        return None
    return {"amount": amount, "currency": currency.strip()}


#: a money field of a resource: a readable amount and currency, or None when the server sent less
OptMoney = Annotated[Money | None, BeforeValidator(_to_money)]


def totals_by_currency(amounts: Iterable[Money | None]) -> dict[str, Money]:
    """Sum amounts per currency; the only honest way to total money from several marketplaces."""
    totals: dict[str, Money] = {}
    for money in amounts:
        if money is None:
            continue
        totals[money.currency] = totals[money.currency] + money if money.currency in totals else money
    return totals
