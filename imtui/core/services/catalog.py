"""The catalog: what an account can buy, one row per product variant (MPN + term + billing), and the activation
parameters a product needs.

``await services.catalog.variants(account, search=None)`` reads ``GET /products`` once per account per session
(every page) and answers searches from that; ``find(account, mpn, term, billing)`` uses it when it is loaded and
otherwise asks the API for that one MPN (a seat change needs the bounds of one product, not the whole catalog).
Prices are picked by term, billing period and quantity tier (``price_for(quantity)``); setup fees are kept apart
from recurring prices. ``parameters(...)`` asks ``POST /validation/parameters`` which activation parameters a
product needs and whether the values given will do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from imtui.core.api.models import Money, ParameterCheck, Period, Product, ProductPrice
from imtui.core.errors import ServiceError

if TYPE_CHECKING:
    from imtui.core.pricing import Price
    from imtui.core.services import Services

__all__ = ["CatalogArea", "Tier", "Variant"]


@dataclass(frozen=True, slots=True)
class Tier:
    """A price from a quantity on (``lower_limit``; 0 when the price has no tiers)."""

    lower_limit: Decimal
    amount: Money


def _tiers(items: Sequence[ProductPrice], kind: str) -> tuple[Tier, ...]:
    tiers = []
    for item in items:
        money = item.money
        if money is None or (item.type or "recurring") != kind:
            continue
        tiers.append(Tier(item.lower_limit if item.lower_limit is not None else Decimal(0), money))
    return tuple(sorted(tiers, key=lambda t: t.lower_limit))


def _pick(tiers: tuple[Tier, ...], quantity: int | Decimal) -> Money | None:
    """The tier the quantity reaches (the highest lower limit at or below it), else the first tier."""
    chosen = None
    for tier in tiers:
        if tier.lower_limit <= quantity:
            chosen = tier.amount
    return chosen if chosen is not None else (tiers[0].amount if tiers else None)


@dataclass(frozen=True)
class Variant:
    """One product as it can be bought: an MPN in one term and billing period, with its bounds and prices."""

    account: str
    mpn: str
    vendor: str | None
    name: str
    term: str  # ISO 8601: P1M, P1Y
    billing: str
    minimum: int | None
    maximum: int | None
    prices: tuple[Tier, ...] = ()  # recurring, per billing period, by quantity tier
    costs: tuple[Tier, ...] = ()
    setup_prices: tuple[Tier, ...] = ()  # one-off fees, apart from the recurring prices
    setup_costs: tuple[Tier, ...] = ()
    service_name: str | None = None
    billing_model: str | None = None
    product_id: str | None = None
    _haystack: str = field(default="", repr=False, compare=False)

    @classmethod
    def from_product(cls, account: str, product: Product) -> Variant:
        term = product.subscription_period.iso if product.subscription_period else "unknown"
        billing = product.billing_period.iso if product.billing_period else "unknown"
        return cls(
            account=account, mpn=product.mpn, vendor=product.vendor, name=product.name, term=term, billing=billing,
            minimum=_whole(product.minimum_quantity), maximum=_whole(product.maximum_quantity),
            prices=_tiers(product.prices, "recurring"), costs=_tiers(product.costs, "recurring"),
            setup_prices=_tiers(product.prices, "setup"), setup_costs=_tiers(product.costs, "setup"),
            service_name=product.service_name, billing_model=product.billing_model, product_id=product.id,
            _haystack=" ".join(filter(None, (product.name, product.mpn, product.vendor))).casefold(),
        )

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.account, self.mpn, self.term, self.billing)

    @property
    def term_period(self) -> Period | None:
        return _period(self.term)

    @property
    def billing_period(self) -> Period | None:
        return _period(self.billing)

    @property
    def price(self) -> Money | None:
        """The recurring unit price per billing period of the first tier."""
        return self.prices[0].amount if self.prices else None

    @property
    def cost(self) -> Money | None:
        return self.costs[0].amount if self.costs else None

    @property
    def tiered(self) -> bool:
        return len(self.prices) > 1 or len(self.costs) > 1

    def price_for(self, quantity: int | Decimal) -> Money | None:
        """The recurring unit price per billing period for ``quantity`` units (by quantity tier)."""
        return _pick(self.prices, quantity)

    def cost_for(self, quantity: int | Decimal) -> Money | None:
        return _pick(self.costs, quantity)

    def setup_fee_for(self, quantity: int | Decimal) -> Money | None:
        """The one-off setup fee per unit, if the product has one."""
        return _pick(self.setup_prices, quantity)

    @property
    def lowest(self) -> int:
        """The smallest quantity that can be bought (the minimum, else 1)."""
        return self.minimum if self.minimum is not None else 1

    @property
    def allowed(self) -> str:
        """The quantities that can be bought, in words: ``1 to 300 seats``, ``at least 1 seat``."""
        low = self.lowest
        if self.maximum is not None:
            return f"{low:,} to {self.maximum:,} seats"
        return f"at least {low:,} seat{'s' if low != 1 else ''}"

    def bounds_problem(self, quantity: int) -> str | None:
        """Why ``quantity`` is outside the product's minimum/maximum, in words (naming the bounds), or None."""
        low = self.lowest
        if quantity < low or (self.maximum is not None and quantity > self.maximum):
            allowed = f"{low} to {self.maximum}" if self.maximum is not None else f"at least {low}"
            return f"{self.name} ({self.mpn}, {self.term}/{self.billing}) allows {allowed} seats, not {quantity}."
        return None

    def matches(self, words: Sequence[str]) -> bool:
        """Every word appears in the name, MPN or vendor (any case)."""
        return all(word in self._haystack for word in words)


def _whole(value: int | Decimal | None) -> int | None:
    if value is None:
        return None
    return int(value) if value == int(value) else None


def _period(iso: str) -> Period | None:
    try:
        return Period.from_iso(iso)
    except ValueError:
        return None


def search_words(search: str | None) -> list[str]:
    return [w for w in (search or "").casefold().split() if w]


class CatalogArea:
    """``services.catalog``."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._variants: dict[str, list[Variant]] = {}
        self._by_mpn: dict[tuple[str, str], list[Variant]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def forget(self, account: str | None = None) -> None:
        """Read the catalog of ``account`` (every account with None) again next time."""
        if account is None:
            self._variants.clear()
            self._by_mpn.clear()
            return
        self._variants.pop(account, None)
        for key in [k for k in self._by_mpn if k[0] == account]:
            del self._by_mpn[key]

    async def variants(self, account: str, search: str | None = None) -> list[Variant]:
        """Every variant of the account's catalog (read once per session), those matching ``search`` (words
        in the name, MPN or vendor) when given; ordered by vendor, name, term and billing."""
        if account not in self._variants:
            lock = self._locks.setdefault(account, asyncio.Lock())
            async with lock:
                if account not in self._variants:
                    products = await self.services.client(account).list_products()
                    rows = sorted(
                        (Variant.from_product(account, p) for p in products),
                        key=lambda v: ((v.vendor or "").casefold(), v.name.casefold(), v.term, v.billing, v.mpn),
                    )
                    self._variants[account] = rows
        rows = self._variants[account]
        words = search_words(search)
        return [v for v in rows if v.matches(words)] if words else list(rows)

    def price(self, variant: Variant, quantity: int | None = None) -> Price:
        """The MSP's unit price, the unit cost and the margin of ``variant`` per billing period, for ``quantity``
        units (their quantity tier; the lowest quantity it is sold in when None), by the one pricing rule
        (``services.prices``: an override, else the account's markup over cost, else the marketplace's price)."""
        qty = quantity if quantity is not None else variant.lowest
        return self.services.prices.price(variant.account, variant.mpn, term=variant.term, billing=variant.billing,
                                          price=variant.price_for(qty), cost=variant.cost_for(qty))

    async def find(self, account: str, mpn: str, term: str | None = None, billing: str | None = None,
                   vendor: str | None = None) -> list[Variant]:
        """The variants of one MPN (of that term, billing and vendor when given)."""
        if account in self._variants:
            rows = [v for v in self._variants[account] if v.mpn.casefold() == mpn.casefold()]
        else:
            key = (account, mpn.casefold())
            if key not in self._by_mpn:
                products = await self.services.client(account).list_products(mpn=mpn)
                self._by_mpn[key] = [Variant.from_product(account, p) for p in products
                                     if p.mpn.casefold() == mpn.casefold()]
            rows = self._by_mpn[key]
        return [
            v for v in rows
            if (term is None or v.term == term.upper()) and (billing is None or v.billing == billing.upper())
            and (vendor is None or (v.vendor or "").casefold() == vendor.casefold())
        ]

    async def variant(self, account: str, mpn: str, term: str, billing: str, vendor: str | None = None) -> Variant:
        """Exactly one variant, or a ServiceError saying what the catalog has instead."""
        found = await self.find(account, mpn, term, billing, vendor)
        if len(found) == 1:
            return found[0]
        others = await self.find(account, mpn)
        if not others:
            raise ServiceError(f"The catalog of {account} has no product with MPN {mpn}; see `imtui catalog`.")
        offered = ", ".join(sorted({f"{v.term}/{v.billing}" for v in others}))
        if not found:
            raise ServiceError(f"{others[0].name} ({mpn}) is not sold as {term.upper()}/{billing.upper()} "
                               f"(term/billing) in {account}; it is sold as {offered}.")
        vendors = ", ".join(sorted({v.vendor or "?" for v in found}))
        raise ServiceError(f"MPN {mpn} {term}/{billing} is sold by several vendors ({vendors}); name the vendor.")

    async def parameters(self, account: str, customer_id: str, variant: Variant,
                         values: Mapping[str, str] | None = None) -> list[ParameterCheck]:
        """The activation parameters ``variant`` needs, each judged on the value given in ``values`` (the
        marketplace's own check, ``POST /validation/parameters``); empty when it needs none."""
        line: dict = {"mpn": variant.mpn, "parameters": [{"name": k, "value": v} for k, v in (values or {}).items()]}
        if variant.vendor:
            line["vendor"] = variant.vendor
        for name, period in (("subscriptionPeriod", variant.term_period), ("billingPeriod", variant.billing_period)):
            if period is not None:
                line[name] = period.to_api()
        results = await self.services.client(account).validate_parameters(customer_id, [line])
        return [check for result in results for check in result.parameters]
