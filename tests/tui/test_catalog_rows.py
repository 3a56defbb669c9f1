"""What a catalog row and the words under the catalog say (no app): prices and cost per billing period at the
lowest quantity sold, your price by the pricing rule, every quantity tier, and a setup fee apart."""

from __future__ import annotations

from decimal import Decimal

from imtui.core.api.models import Product
from imtui.core.config import AccountConfig, Config, PriceOverride
from imtui.core.pricing import PriceBook
from imtui.core.services.catalog import Variant
from imtui.tui.screens.catalog_rows import CATALOG_COLUMNS, VariantLine, bounds_text, variant_words

TIERED = {
    "mpn": "TIER-1", "vendor": "Acme", "name": "Tiered backup", "minimumQuantity": "5", "maximumQuantity": "1000",
    "prices": [
        {"amount": "10.00", "currency": "EUR", "type": "recurring", "lowerLimit": 1},
        {"amount": "8.00", "currency": "EUR", "type": "recurring", "lowerLimit": 50},
        {"amount": "25.00", "currency": "EUR", "type": "setup"},
    ],
    "costs": [{"amount": "7.00", "currency": "EUR", "type": "recurring", "lowerLimit": 1},
              {"amount": "5.00", "currency": "EUR", "type": "recurring", "lowerLimit": 50}],
    "subscriptionPeriod": {"type": "year", "duration": 1}, "billingPeriod": {"type": "month", "duration": 1},
}


def variant(**changes) -> Variant:
    return Variant.from_product("eu-main", Product.model_validate({**TIERED, **changes}))


def book(**account) -> PriceBook:
    config = Config(accounts=[AccountConfig(name="eu-main", api_url="https://api.cloud.im/marketplace/eu",
                                            marketplace="de", username="x.api", **account)])
    return config, PriceBook(config)


def cells(line: VariantLine) -> dict[str, str]:
    return {spec.key: cell.value.strip() for spec, cell in zip(CATALOG_COLUMNS, line.cells)}


def test_a_row_shows_the_variant_with_the_setup_fee_apart_and_your_price_by_the_markup():
    v = variant()
    _, prices = book(markup_percent=Decimal("20"))
    price = prices.price("eu-main", v.mpn, term=v.term, billing=v.billing, price=v.price_for(5), cost=v.cost_for(5))
    row = cells(VariantLine(v, price))
    assert row == {"vendor": "Acme", "name": "Tiered backup", "mpn": "TIER-1", "term": "P1Y/P1M", "bounds": "5–1,000",
                   "price": "10.00 EUR", "cost": "7.00 EUR", "yours": "8.40 EUR", "margin": "1.40 EUR",
                   "setup": "25.00 EUR"}
    words = variant_words(v, price)
    assert "1-year term billed monthly, 5 to 1,000 seats." in words
    assert "Price 10.00 EUR a month, cost 7.00 EUR, your price 8.40 EUR (cost + 20%), margin 1.40 EUR" in words
    assert "By quantity: 1+ 10.00 EUR, 50+ 8.00 EUR; cost 1+ 7.00 EUR, 50+ 5.00 EUR." in words
    assert "One-off setup fee 25.00 EUR per unit, apart from the recurring price." in words


def test_an_override_is_your_price_and_a_usage_rated_plan_says_so():
    v = variant()
    config, _ = book()
    config.price_overrides = [PriceOverride(account="eu-main", mpn="TIER-1", price=Decimal("12.00"), currency="EUR")]
    price = PriceBook(config).price("eu-main", v.mpn, term=v.term, billing=v.billing, price=v.price_for(5),
                                    cost=v.cost_for(5))
    assert cells(VariantLine(v, price))["yours"] == "12.00 EUR"
    usage = variant(prices=[], costs=[], minimumQuantity=None, maximumQuantity=None)
    row = cells(VariantLine(usage, PriceBook(config).price("eu-main", "X")))
    assert (row["price"], row["cost"], row["bounds"], row["setup"]) == ("usage", "", "any", "")
    assert "Usage rated" in variant_words(usage, PriceBook(config).price("eu-main", "X"))
    assert bounds_text(variant(maximumQuantity=None)) == "5+"
