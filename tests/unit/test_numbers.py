"""Numbers typed into the account form and ``imtui accounts add``: one reader, and its messages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from imtui.core import rules
from imtui.core.config import AccountConfig
from imtui.core.numbers import NumberError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,000.50", Decimal("1000.50")),
        ("1 000", Decimal("1000")),
        ("12\u00a0500", Decimal("12500")),  # a no-break space, as a spreadsheet copies it
        ("2,500,000", Decimal("2500000")),
        (" 12.5 ", Decimal("12.5")),
        ("0", Decimal("0")),
    ],
)
def test_grouped_numbers_are_read(text, value):
    assert rules.MAX_TOTAL.parse(text) == value


def test_whole_numbers_take_grouping_too():
    assert rules.MAX_SEATS.parse("1,000") == 1000
    assert rules.MAX_SEATS.parse("1 000") == 1000
    assert isinstance(rules.MAX_SEATS.parse("25"), int)


@pytest.mark.parametrize("text", ["inf", "Infinity", "-inf", "nan", "NaN", "sNaN"])
def test_inf_and_nan_are_named_as_not_finite(text):
    message = rules.MAX_TOTAL.check(text)
    assert message is not None and f"'{text}' is not a finite number" in message


@pytest.mark.parametrize("digit", ["²", "٣", "５", "½"])
def test_unicode_digits_are_named(digit):
    for rule in (rules.MAX_SEATS, rules.MAX_TOTAL, rules.MARKUP):
        message = rule.check(f"1{digit}")
        assert message is not None and f"'{digit}' is not one of them" in message and "0-9" in message


@pytest.mark.parametrize(
    ("rule", "text", "words"),
    [
        (rules.MAX_TOTAL, "1,5", "use a point for decimals"),
        (rules.MAX_TOTAL, "1,00,000", "must be a number"),  # commas only between groups of three
        (rules.MAX_TOTAL, "ten", "must be a number, e.g. 12.5, or empty."),
        (rules.MAX_TOTAL, "-1", "at least 0"),
        (rules.MARKUP, "1001", "at least -100 and at most 1000"),
        (rules.MAX_SEATS, "1.5", "whole number above zero"),
        (rules.MAX_SEATS, "0", "whole number above zero, or empty for no limit."),
    ],
)
def test_other_mistakes_are_explained(rule, text, words):
    assert words in rule.check(text)
    with pytest.raises(NumberError):
        rule.parse(text)


def test_empty_means_no_value():
    assert rules.MAX_SEATS.parse("") is None and rules.MAX_SEATS.check("  ") is None


def test_the_model_accepts_what_the_rules_accept_and_refuses_what_they_refuse():
    base = dict(name="uk", api_url="https://api.cloud.im/marketplace/eu", marketplace="uk", username="a.api")
    account = AccountConfig(**base, markup_percent=rules.MARKUP.parse("-100"), max_order_total=rules.MAX_TOTAL.parse("1,000.50"))
    assert account.markup_percent == Decimal("-100") and account.max_order_total == Decimal("1000.50")
    with pytest.raises(ValueError):
        AccountConfig(**base, markup_percent=Decimal("-100.5"))
    # the model and the form agree on the fields' rules too: two or three letters, https off loopback
    for field, value in (("marketplace", "uksouth"), ("api_url", "http://api.cloud.im/marketplace/eu")):
        assert rules.check_marketplace(value) if field == "marketplace" else rules.check_api_url(value)
        with pytest.raises(ValueError):
            AccountConfig(**{**base, field: value})
    assert AccountConfig(**{**base, "api_url": "http://127.0.0.1:8080/marketplace/eu"}).api_url.startswith("http://127")


def test_the_account_flow_reads_the_forms_numbers_with_the_same_rules(make_services):
    from imtui.core.errors import ServiceError
    from imtui.core.services import AccountInput

    services = make_services(accounts=False)
    typed = AccountInput("uk", "https://api.cloud.im/marketplace/eu", "uk", "a.api", max_seats="1,000", max_total="2 500.75", markup="-5")
    account = services.accounts.build(typed)
    assert (account.max_seats_per_order, account.max_order_total, account.markup_percent) == (1000, Decimal("2500.75"), Decimal("-5"))
    assert services.accounts.problems(AccountInput("uk", "https://x.y/z", "uk", "a.api", max_total="nan")) == {
        "max_total": "Max order total must be a number, e.g. 12.5, or empty: 'nan' is not a finite number."
    }
    with pytest.raises(ServiceError, match="'٣' is not one of them"):
        services.accounts.build(AccountInput("uk", "https://x.y/z", "uk", "a.api", max_seats="٣"))
