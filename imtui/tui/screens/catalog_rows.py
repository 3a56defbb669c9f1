"""The catalog without Textual: its columns, one row per product variant (MPN, term and billing), and the words
that describe the highlighted one (every price tier, the setup fee apart from the recurring price).

Plain Python (Rich cells only), so what a row shows is unit-tested without an app. Prices are by the one
pricing rule (``services.catalog.price``); the marketplace's price and cost are per billing period, for the
lowest quantity the product is sold in (the tiers are in the words below the table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imtui.core.services.order_words import billing_words, per_period, term_words
from imtui.tui.widgets.table_rows import Cell, ColumnSpec, TableRow

if TYPE_CHECKING:
    from imtui.core.api.models import Money
    from imtui.core.pricing import Price
    from imtui.core.services.catalog import Tier, Variant

MONEY_WIDTH = 12  # "1,079.88 USD"

#: product, term and price never give way; on a narrow terminal the setup fee goes first, then your price, the
#: MPN, the vendor, the bounds, the cost (the words under the table say them all)
CATALOG_COLUMNS = (
    ColumnSpec("vendor", "Vendor", width=11, priority=3),
    ColumnSpec("name", "Product", min_width=30),
    ColumnSpec("mpn", "MPN", width=18, priority=2),
    ColumnSpec("term", "Term", width=7),
    ColumnSpec("bounds", "Min–max", width=9, priority=4),
    ColumnSpec("price", "Price".rjust(MONEY_WIDTH), width=MONEY_WIDTH),
    ColumnSpec("cost", "Cost".rjust(MONEY_WIDTH), width=MONEY_WIDTH, priority=5),
    ColumnSpec("yours", "Your price".rjust(MONEY_WIDTH), width=MONEY_WIDTH, priority=1),
    ColumnSpec("margin", "Margin".rjust(MONEY_WIDTH), width=MONEY_WIDTH, priority=6),
    ColumnSpec("setup", "Setup fee".rjust(MONEY_WIDTH), width=MONEY_WIDTH, priority=0),
)



def _money(amount: Money | None, empty: str = "") -> Cell:
    text = str(amount) if amount is not None else empty
    return Cell(text.rjust(MONEY_WIDTH), sort_key=amount.amount if amount is not None else None)


def bounds_text(variant: Variant) -> str:
    """``1–300``, ``3–1,000``, ``1+`` (no maximum), ``any`` (a usage-rated plan without bounds)."""
    if variant.minimum is None and variant.maximum is None:
        return "any"
    if variant.maximum is None:
        return f"{variant.lowest:,}+"
    return f"{variant.lowest:,}–{variant.maximum:,}"


def variant_key(variant: Variant) -> str:
    return "\x1f".join((variant.account, variant.mpn, variant.term, variant.billing, variant.vendor or ""))


class VariantLine(TableRow):
    """One product variant as the catalog shows it; ``price``: the MSP's price by the pricing rule."""

    __slots__ = ("variant", "price")

    def __init__(self, variant: Variant, price: Price) -> None:
        usage = variant.price is None and variant.cost is None
        cells = (
            Cell(variant.vendor or ""), Cell(variant.name), Cell(variant.mpn),
            Cell(f"{variant.term}/{variant.billing}"), Cell(bounds_text(variant)),
            _money(variant.price_for(variant.lowest), "usage" if usage else ""),
            _money(variant.cost_for(variant.lowest)),
            _money(price.price), _money(price.margin),
            _money(variant.setup_fee_for(variant.lowest)),
        )
        super().__init__(variant_key(variant), cells)
        self.variant = variant
        self.price = price


def _tiers(tiers: tuple[Tier, ...]) -> str:
    return ", ".join(f"{tier.lower_limit:,}+ {tier.amount}" for tier in tiers)


def variant_words(variant: Variant, price: Price) -> str:
    """Everything about one variant in a few sentences: what it is, the bounds, price, cost, your price and
    margin per billing period, the quantity tiers, and a setup fee apart (charged once, per unit)."""
    vendor = f"{variant.vendor}, " if variant.vendor else ""
    out = [f"{variant.name} ({vendor}{variant.mpn}): {term_words(variant.term)} {billing_words(variant.billing)}, "
           f"{variant.allowed if (variant.minimum, variant.maximum) != (None, None) else 'any quantity'}."]
    per = per_period(variant.billing)
    if variant.price is None and variant.cost is None:
        out.append("Usage rated: no price in the catalog; the marketplace bills what is used.")
    else:
        money = [f"price {variant.price_for(variant.lowest)} {per}" if variant.price is not None else "",
                 f"cost {variant.cost_for(variant.lowest)}" if variant.cost is not None else ""]
        if price.price is not None and price.basis != "marketplace":
            money.append(f"your price {price.price} ({price.describe_basis})")
        if price.margin is not None:
            share = f" ({price.margin_percent}%)" if price.margin_percent is not None else ""
            money.append(f"margin {price.margin}{share}")
        said = ", ".join(m for m in money if m)
        out.append(said[:1].upper() + said[1:] + ".")
    if variant.tiered:
        out.append(f"By quantity: {_tiers(variant.prices)}" + (f"; cost {_tiers(variant.costs)}" if len(variant.costs) > 1
                                                               else "") + ".")
    fee = variant.setup_fee_for(variant.lowest)
    out.append(f"One-off setup fee {fee} per unit, apart from the recurring price." if fee is not None
               else "No setup fee.")
    return " ".join(out)
