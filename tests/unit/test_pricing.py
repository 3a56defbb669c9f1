"""The MSP's price: an override wins, then the account's markup over cost, then the marketplace's price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from imtui.core.api.models import Money
from imtui.core.config import AccountConfig, Config, ConfigStore, PriceOverride
from imtui.core.pricing import MARKETPLACE, MARKUP, OVERRIDE, PriceBook


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def account(name: str, markup: str | None = None) -> AccountConfig:
    return AccountConfig(
        name=name, api_url="https://api.cloud.im/marketplace/na", marketplace="us", username="a.api",
        markup_percent=Decimal(markup) if markup is not None else None,
    )


def test_without_markup_or_override_the_marketplace_price_stands():
    book = PriceBook(Config(accounts=[account("us")]))
    price = book.price("us", "MPN-1", price=usd("12.00"), cost=usd("10.56"))
    assert (price.price, price.cost, price.margin, price.basis) == (usd("12.00"), usd("10.56"), usd("1.44"), MARKETPLACE)
    assert price.margin_percent == Decimal("12.0")


def test_markup_is_a_uniform_percentage_over_cost_rounded_half_up_to_the_cent():
    book = PriceBook(Config(accounts=[account("us", "15")]))
    price = book.price("us", "MPN-1", price=usd("12.00"), cost=usd("10.01"))
    assert price.price == usd("11.51")  # 10.01 x 1.15 = 11.5115
    assert price.margin == usd("1.50") and price.basis == MARKUP
    assert price.describe_basis == "cost + 15%"


def test_the_most_specific_override_wins_over_the_markup():
    config = Config(
        accounts=[account("us", "15")],
        price_overrides=[
            PriceOverride(account="us", mpn="MPN-1", price=Decimal("20"), currency="usd"),
            PriceOverride(account="us", mpn="MPN-1", term="p1y", billing="P1M", price=Decimal("18.50"), currency="USD"),
        ],
    )
    book = PriceBook(config)
    yearly = book.price("us", "mpn-1", term="P1Y", billing="P1M", price=usd("12"), cost=usd("10"))
    monthly = book.price("us", "MPN-1", term="P1M", billing="P1M", price=usd("12"), cost=usd("10"))
    assert (yearly.price, yearly.basis) == (usd("18.50"), OVERRIDE)
    assert monthly.price == usd("20")
    assert book.price("us", "OTHER", price=usd("12"), cost=usd("10")).basis == MARKUP


def test_a_margin_across_currencies_is_unknown_never_computed():
    config = Config(accounts=[account("uk")],
                    price_overrides=[PriceOverride(account="uk", mpn="M", price=Decimal("9"), currency="USD")])
    price = PriceBook(config).price("uk", "M", cost=Money(amount=Decimal("5"), currency="GBP"))
    assert price.margin is None and price.margin_percent is None


def test_unknown_cost_gives_the_marketplace_price_and_no_margin():
    price = PriceBook(Config(accounts=[account("us", "10")])).price("us", "M", price=usd("3"), cost=None)
    assert (price.price, price.margin, price.basis) == (usd("3"), None, MARKETPLACE)


def test_line_totals_multiply_exactly():
    price = PriceBook(Config(accounts=[account("us", "20")])).price("us", "M", cost=usd("0.10"))
    assert price.times(3).price == usd("0.36") and price.times(3).margin == usd("0.06")


def test_overrides_survive_a_save_and_a_bad_currency_is_refused(tmp_path):
    store = ConfigStore(tmp_path / "config.toml")
    store.load()
    config = Config(accounts=[account("us")],
                    price_overrides=[PriceOverride(account="us", mpn="M", term="P1Y", price=Decimal("1.10"), currency="USD")])
    store.save(config)
    assert "[[price_overrides]]" in store.path.read_text()
    assert ConfigStore(store.path).load().price_overrides == config.price_overrides
    with pytest.raises(ValueError):
        PriceOverride(account="us", mpn="M", price=Decimal("1"), currency="dollars")
