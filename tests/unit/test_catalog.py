"""services.catalog: one row per variant (MPN + term + billing), searchable, read once per account per session;
prices by quantity tier, setup fees apart."""

from __future__ import annotations

from decimal import Decimal

import pytest

from imtui.core.api.models import Money, Product
from imtui.core.errors import ServiceError
from imtui.core.services.catalog import Variant
from tests.money_support import ACCOUNT, money  # noqa: F401


def product_reads(sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.path == "/products")


async def test_every_variant_is_a_row_and_search_matches_name_mpn_or_vendor(money, sandbox):
    rows = await money.catalog.variants(ACCOUNT)
    premium = [v for v in rows if v.mpn == "CFQ7TTC0LCHC:0002"]
    assert {(v.term, v.billing) for v in premium} == {("P1M", "P1M"), ("P1Y", "P1M"), ("P1Y", "P1Y")}
    yearly = next(v for v in premium if (v.term, v.billing) == ("P1Y", "P1M"))
    assert (yearly.minimum, yearly.maximum) == (1, 300)
    assert yearly.price == Money(amount=Decimal("22.00"), currency="USD") and yearly.cost.amount == Decimal("19.36")
    assert {v.mpn for v in await money.catalog.variants(ACCOUNT, "business premium")} == {"CFQ7TTC0LCHC:0002"}
    assert {v.vendor for v in await money.catalog.variants(ACCOUNT, "dropbox")} == {"Dropbox"}
    assert [v.mpn for v in await money.catalog.variants(ACCOUNT, "gws-bus-std")] == ["GWS-BUS-STD"]
    assert await money.catalog.variants(ACCOUNT, "no such thing") == []
    assert product_reads(sandbox) == 1  # cached for the session: searches read nothing more


async def test_one_variant_is_named_by_mpn_term_and_billing_or_the_choices_are_said(money, sandbox):
    found = await money.catalog.variant(ACCOUNT, "CFQ7TTC0LCHC:0002", "p1y", "P1Y")
    assert found.price.amount == Decimal("264.00")
    with pytest.raises(ServiceError, match=r"sold as P1M/P1M, P1Y/P1M, P1Y/P1Y"):
        await money.catalog.variant(ACCOUNT, "CFQ7TTC0LCHC:0002", "P3Y", "P1M")
    with pytest.raises(ServiceError, match="no product with MPN NOPE"):
        await money.catalog.variant(ACCOUNT, "NOPE", "P1M", "P1M")


def test_prices_are_picked_by_quantity_tier_and_setup_fees_kept_apart():
    product = Product.model_validate({
        "mpn": "TIER-1", "vendor": "Acme", "name": "Tiered backup",
        "minimumQuantity": "1", "maximumQuantity": "1000",
        "prices": [
            {"amount": "10.00", "currency": "EUR", "type": "recurring", "model": "VOLUME_SUBSCRIPTION", "lowerLimit": 1},
            {"amount": "8.00", "currency": "EUR", "type": "recurring", "model": "VOLUME_SUBSCRIPTION", "lowerLimit": 50},
            {"amount": "6.50", "currency": "EUR", "type": "recurring", "model": "VOLUME_SUBSCRIPTION", "lowerLimit": 200},
            {"amount": "25.00", "currency": "EUR", "type": "setup"},
        ],
        "costs": [{"amount": "7.00", "currency": "EUR", "type": "recurring", "lowerLimit": 1},
                  {"amount": "5.00", "currency": "EUR", "type": "recurring", "lowerLimit": 50}],
        "subscriptionPeriod": {"type": "year", "duration": 1}, "billingPeriod": {"type": "month", "duration": 1},
    })
    variant = Variant.from_product("eu", product)
    assert (variant.term, variant.billing, variant.tiered) == ("P1Y", "P1M", True)
    assert [variant.price_for(q).amount for q in (1, 49, 50, 199, 200, 1000)] == [
        Decimal("10.00"), Decimal("10.00"), Decimal("8.00"), Decimal("8.00"), Decimal("6.50"), Decimal("6.50")]
    assert variant.cost_for(60).amount == Decimal("5.00")
    assert variant.price.amount == Decimal("10.00")  # the recurring price, never the setup fee
    assert variant.setup_fee_for(5) == Money(amount=Decimal("25.00"), currency="EUR")
    assert variant.bounds_problem(1001) == "Tiered backup (TIER-1, P1Y/P1M) allows 1 to 1000 seats, not 1001."
    assert variant.bounds_problem(1000) is None


def test_a_usage_rated_product_has_no_price_and_no_bounds():
    product = Product.model_validate({"mpn": "AZ", "name": "Azure plan", "prices": [], "costs": [],
                                      "subscriptionPeriod": {"type": "month", "duration": 1},
                                      "billingPeriod": {"type": "month", "duration": 1}})
    variant = Variant.from_product("us", product)
    assert variant.price is None and variant.price_for(3) is None and variant.bounds_problem(1) is None
