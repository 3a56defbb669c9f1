"""services.pricing: the account form's markup and the per-product overrides reach the one pricing rule
(services.prices), are saved atomically, and what is not on the form survives an edit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from imtui.core.api.models import Money
from imtui.core.errors import ServiceError
from imtui.core.services.accounts import AccountInput


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


async def test_the_markup_typed_in_the_account_form_flows_into_the_prices(make_services, sandbox):
    services = make_services()
    account = services.config.account("us-demo")
    typed = AccountInput(account.name, account.api_url, account.marketplace, account.username, markup="15")
    outcome = await services.accounts.save(typed, None, replacing="us-demo")
    assert outcome.saved, outcome.problems
    price = services.prices.price("us-demo", "ANY", price=usd("12.00"), cost=usd("10.00"))
    assert (price.price, price.basis) == (usd("11.50"), "markup")


async def test_an_edit_in_the_form_keeps_the_accounts_request_budget(make_services):
    services = make_services()

    def change(config):
        config.accounts = [a.model_copy(update={"requests_per_second": 100.0}) if a.name == "us-demo" else a
                           for a in config.accounts]

    services.change_config(change)
    account = services.config.account("us-demo")
    typed = AccountInput(account.name, account.api_url, account.marketplace, account.username, read_only=True)
    assert (await services.accounts.save(typed, None, replacing="us-demo")).saved
    assert services.store.reload().account("us-demo").requests_per_second == 100.0


def test_an_override_is_set_replaced_and_removed_and_the_price_follows(make_services):
    services = make_services()
    before = services.config
    services.pricing.set_override("us-demo", "MPN-1", "12.50", currency="usd", term="p1y")
    services.pricing.set_override("us-demo", "mpn-1", "13.00", currency="USD", term="P1Y")  # same product: replaced
    assert [(o.mpn, o.term, o.price, o.currency) for o in services.store.reload().price_overrides] == [
        ("mpn-1", "P1Y", Decimal("13.00"), "USD")]
    assert before.price_overrides == []  # the previous config object is untouched (undo keeps it)
    assert services.prices.price("us-demo", "MPN-1", term="P1Y", cost=usd("10")).price == usd("13.00")
    assert services.prices.price("us-demo", "MPN-1", term="P1M", price=usd("9"), cost=usd("8")).basis == "marketplace"
    assert services.pricing.remove_override("us-demo", "MPN-1", term="P1Y") == 1
    assert services.store.reload().price_overrides == []
    with pytest.raises(ServiceError, match="no price override"):
        services.pricing.remove_override("us-demo", "MPN-1", term="P1Y")


def test_bad_prices_are_refused_with_a_reason(make_services):
    services = make_services()
    for bad, words in (("-1", "0 or more"), ("abc", "is a number"), ("1.123456", "4 decimal")):
        with pytest.raises(ServiceError, match=words):
            services.pricing.set_override("us-demo", "MPN", bad, currency="USD")
    with pytest.raises(ServiceError, match="no account"):
        services.pricing.set_override("nope", "MPN", "1", currency="USD")
    with pytest.raises(ServiceError, match="Markup"):
        services.pricing.set_markup("us-demo", "2000")
    assert services.store.reload().price_overrides == []
