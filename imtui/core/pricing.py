"""What the MSP charges for a product: one rule for the browser, the purchase estimate, exports and reports.

The marketplace sends a unit price (what Ingram lists) and a unit cost (what the reseller pays). The MSP may
sell at its own price instead:

1. a per-product override in the config (``[[price_overrides]]``: account, MPN, optionally term and billing
   period as ``P1M``/``P1Y``) wins;
2. otherwise the account's markup, a uniform percentage over cost (``markup_percent``), as AvePoint
   Elements' "set a uniform price" does: ``price = cost × (1 + markup / 100)``, rounded half-up to the cent;
3. otherwise the marketplace's own unit price.

The margin is price minus cost, and exists only when both are known and in the same currency: amounts in
different currencies are never combined.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from imtui.core.api.models import Money
from imtui.core.config import Config

CENT = Decimal("0.01")

MARKETPLACE = "marketplace"
MARKUP = "markup"
OVERRIDE = "override"


@dataclass(frozen=True, slots=True)
class Price:
    """A unit price, cost and margin, and where the price came from (``basis``)."""

    price: Money | None
    cost: Money | None
    basis: str = MARKETPLACE
    markup_percent: Decimal | None = None

    @property
    def margin(self) -> Money | None:
        if self.price is None or self.cost is None or self.price.currency != self.cost.currency:
            return None
        return self.price - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        """Margin as a share of the price, in percent (None when unknown or the price is zero)."""
        margin = self.margin
        if margin is None or not self.price or self.price.amount == 0:
            return None
        return (margin.amount / self.price.amount * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def describe_basis(self) -> str:
        if self.basis == MARKUP and self.markup_percent is not None:
            return f"cost + {self.markup_percent.normalize():f}%"
        return {OVERRIDE: "your price", MARKETPLACE: "marketplace price"}.get(self.basis, self.basis)

    def times(self, quantity: int | Decimal) -> Price:
        """The same prices for ``quantity`` units (a line's total)."""
        return Price(
            self.price * quantity if self.price is not None else None,
            self.cost * quantity if self.cost is not None else None,
            self.basis,
            self.markup_percent,
        )


class PriceBook:
    """The config's markups and overrides, indexed once; build a new one when the config changes."""

    def __init__(self, config: Config) -> None:
        self._markups = {a.name: a.markup_percent for a in config.accounts if a.markup_percent is not None}
        self._overrides: dict[tuple[str, str, str | None, str | None], Money] = {
            (o.account, o.mpn.casefold(), o.term, o.billing): Money(amount=o.price, currency=o.currency)
            for o in config.price_overrides
        }

    def markup(self, account: str) -> Decimal | None:
        return self._markups.get(account)

    def override(self, account: str, mpn: str, term: str | None = None, billing: str | None = None) -> Money | None:
        """The most specific override of this product: term and billing, then term, then the MPN alone."""
        if not self._overrides or not mpn:
            return None
        key = mpn.casefold()
        for candidate in ((term, billing), (term, None), (None, billing), (None, None)):
            found = self._overrides.get((account, key, *candidate))
            if found is not None:
                return found
        return None

    def price(
        self,
        account: str,
        mpn: str,
        *,
        term: str | None = None,
        billing: str | None = None,
        price: Money | None = None,
        cost: Money | None = None,
    ) -> Price:
        """The MSP's unit price of a product of ``account`` given the marketplace's unit ``price`` and ``cost``."""
        override = self.override(account, mpn, term, billing)
        if override is not None:
            return Price(override, cost, OVERRIDE)
        markup = self._markups.get(account)
        if markup is not None and cost is not None:
            amount = (cost.amount * (1 + markup / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
            return Price(Money(amount=amount, currency=cost.currency), cost, MARKUP, markup)
        return Price(price, cost, MARKETPLACE)
