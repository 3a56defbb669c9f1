"""The purchase's quantity rule, shared by the purchase dialog (said under the field as typed) and the planner
(the plan's refusal): whole numbers only, within the product's min/max, within the account's seats per order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from imtui.core.api.models import Money, Order, Product
from imtui.core.config import AccountConfig
from imtui.core.services.catalog import Variant
from imtui.core.services.order_checks import quantity_problem, unit_price

DROPBOX = Variant.from_product("us", Product.model_validate({
    "mpn": "DBX-BUS-STD", "vendor": "Dropbox", "name": "Dropbox Business Standard", "minimumQuantity": "3",
    "maximumQuantity": "1000", "subscriptionPeriod": {"type": "month", "duration": 1},
    "billingPeriod": {"type": "month", "duration": 1}}))
ACCOUNT = AccountConfig(name="us-main", api_url="https://api.cloud.im/marketplace/na", marketplace="us",
                        username="x.api", max_seats_per_order=20)


@pytest.mark.parametrize(("typed", "words"), [
    ("", "Type how many to buy: 3 to 1,000 seats."),
    ("2", "Below the minimum: Dropbox Business Standard (DBX-BUS-STD, P1M/P1M) allows 3 to 1000 seats, not 2."),
    ("0", "Below the minimum: Dropbox Business Standard (DBX-BUS-STD, P1M/P1M) allows 3 to 1000 seats, not 0."),
    ("-4", "not -4."),
    ("1001", "Above the maximum: Dropbox Business Standard (DBX-BUS-STD, P1M/P1M) allows 3 to 1000 seats, not 1001."),
    ("ten", "'ten' is not a whole number: type how many to buy, 3 to 1,000 seats."),
    ("2.5", "'2.5' is not a whole number"),
    ("1,5", "'1,5' is not a whole number"),
    ("25", "This order adds 25 seats; account us-main allows at most 20 seats added per order"),
])
def test_a_quantity_that_cannot_be_bought_says_why(typed, words):
    qty, problem = quantity_problem(typed, DROPBOX, ACCOUNT)
    assert qty is None and words in problem


@pytest.mark.parametrize(("typed", "account", "qty"), [("3", ACCOUNT, 3), (" 20 ", ACCOUNT, 20), (7, ACCOUNT, 7),
                                                    ("1,000", None, 1000)])
def test_a_quantity_within_the_bounds_and_the_limit_is_the_number(typed, account, qty):
    assert quantity_problem(typed, DROPBOX, account) == (qty, None)


def test_the_unit_price_is_the_estimates_total_over_the_quantity():
    usd = lambda a: Money(amount=Decimal(a), currency="USD")  # noqa: E731
    assert unit_price(Order(total=usd("110.00")), 5) == usd("22.00")
    assert str(unit_price(Order(total=usd("10.00")), 3)) == "3.33 USD"
    assert unit_price(Order(total=usd("10.00")), 3).amount == Decimal("3.3333")
    assert unit_price(None, 5) is None and unit_price(Order(), 5) is None
