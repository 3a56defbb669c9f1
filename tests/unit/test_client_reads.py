"""Tolerant reads: unknown money is None, one unreadable row is reported and the rest kept, paging survives
servers that cap, repeat or misplace pages; advice that fits where an error happened; no pydantic text."""

from __future__ import annotations

import json
import ssl
from decimal import Decimal

import httpx
import pytest

from imtui.core.api import (
    ApiError,
    AuthenticationError,
    InvalidResponseError,
    ListReport,
    NotFoundError,
    OrderRequestError,
    TlsError,
)
from imtui.core.api import models
from imtui.core.api.models import Customer, Order, OrderRequest, SubscriptionDetail
from tests.unit.client_script import Script, answer, error_body, make_client

PYDANTIC_TEXT = ("validation error for", "errors.pydantic.dev", "input_value", "Input should be")


def page(rows, offset, total=None, limit=None):
    pagination = {"offset": offset}
    if total is not None:
        pagination["total"] = total
    if limit is not None:
        pagination["limit"] = limit
    return answer(200, {"data": rows, "pagination": pagination})


def ids(*numbers):
    return [{"id": str(n), "name": f"Customer {n}"} for n in numbers]


# ---------------------------------------------------------------- money


@pytest.mark.parametrize(
    "money",
    [
        {"amount": None, "currency": "USD"},
        {"amount": "", "currency": "USD"},
        {"amount": "70.50"},
        {"amount": "70.50", "currency": ""},
        {"amount": "70.50", "currency": None},
        {"amount": "n/a", "currency": "USD"},
        {},
        "70.50 USD",
    ],
)
async def test_a_money_field_the_server_left_half_empty_is_unknown_not_an_unreadable_subscription(money):
    body = {
        "id": "200001", "status": "active",
        "products": [{"mpn": "M", "quantity": "2.0", "unitPrice": money, "unitCost": money, "extendedPrice": money}],
        "totalPrice": money,
    }
    async with make_client(Script(answer(200, body))) as client:
        detail = await client.get_subscription("200001")
    line = detail.products[0]
    assert detail.seats == 2 and line.unit_price is None and line.unit_cost is None and detail.total_price is None


async def test_good_money_still_reads_as_decimal_with_its_currency():
    body = {"id": "1", "total": {"amount": "70.50", "currency": "EUR"}}
    async with make_client(Script(answer(200, body))) as client:
        order = await client.get_order("1")
    assert order.total.amount == Decimal("70.50") and order.total.currency == "EUR"


def test_catalog_prices_without_currency_are_unknown():
    product = models.Product.model_validate({"mpn": "M", "prices": [{"amount": "5"}], "costs": [{"amount": None, "currency": "USD"}]})
    assert product.price is None and product.cost is None


# ---------------------------------------------------------------- one bad row


async def test_one_unreadable_row_is_reported_by_id_and_the_rest_are_kept():
    rows = ids(1, 2) + [{"id": "3", "address": "not an object"}, {"id": 4, "name": "Four"}, "garbage"]
    report = ListReport()
    async with make_client(Script(page(rows, 0, total=5))) as client:
        customers = await client.list_customers(report=report)
    assert [c.id for c in customers] == ["1", "2", "4"]
    assert report.skipped_ids() == ["3", "row 5"] and report.rows == 3
    assert report.summary().startswith("2 unreadable rows skipped (3, row 5)")
    assert "address" in report.skipped[0].reason


async def test_unreadable_rows_without_a_report_are_skipped_and_logged(caplog):
    async with make_client(Script(page(ids(1) + [None], 0, total=2))) as client:
        customers = await client.list_customers()
    assert [c.id for c in customers] == ["1"]
    assert "skipped an unreadable row" in caplog.text


async def test_details_of_many_hand_back_an_unreadable_one_in_place():
    def detail(request):
        sid = request.url.path.rsplit("/", 1)[-1]
        return answer(200, [] if sid == "2" else {"id": sid})

    async with make_client(Script(detail)) as client:
        results = await client.get_subscriptions(["1", "2", "3"])
    assert [type(r).__name__ for r in results] == ["SubscriptionDetail", "InvalidResponseError", "SubscriptionDetail"]


# ---------------------------------------------------------------- paging


async def test_a_short_page_while_total_says_more_asks_on_from_where_it_stopped():
    script = Script(page(ids(1, 2), 0, total=5, limit=2), page(ids(3, 4), 2, total=5, limit=2), page(ids(5), 4, total=5))
    report = ListReport()
    async with make_client(script) as client:
        customers = await client.list_customers(report=report)
    assert [c.id for c in customers] == ["1", "2", "3", "4", "5"]
    assert [c.url.params["offset"] for c in script.api_calls()] == ["0", "2", "4"]
    assert report.ok and report.pages == 3


async def test_paging_stops_on_an_empty_page_even_when_total_says_more():
    script = Script(page(ids(1, 2), 0, total=10), page([], 2, total=10))
    async with make_client(script) as client:
        customers = await client.list_customers()
    assert len(customers) == 2 and len(script.api_calls()) == 2


async def test_a_page_of_rows_already_seen_stops_paging_with_a_warning(caplog):
    script = Script(page(ids(1, 2), 0, total=6), page(ids(1, 2), 2, total=6))
    report = ListReport()
    async with make_client(script) as client:
        customers = await client.list_customers(report=report)
    assert [c.id for c in customers] == ["1", "2"] and len(script.api_calls()) == 2
    assert "repeats rows already read" in report.warnings[0] and "repeats rows" in caplog.text


async def test_a_page_shifted_by_a_new_row_keeps_its_new_rows_once():
    script = Script(page(ids(9, 8), 0, total=5), page(ids(8, 7, 6), 2, total=5))
    report = ListReport()
    async with make_client(script) as client:
        orders = await client.list_orders(report=report)
    assert [o.id for o in orders] == ["9", "8", "7", "6"]
    assert "already read" in report.warnings[0]


async def test_an_echoed_offset_other_than_asked_stops_paging_with_a_warning():
    script = Script(page(ids(1, 2), 0, total=6), page(ids(3, 4), 0, total=6))
    report = ListReport()
    async with make_client(script) as client:
        customers = await client.list_customers(report=report)
    assert len(script.api_calls()) == 2
    assert "asked for offset 2 but the server answered offset 0" in report.warnings[0]
    assert [c.id for c in customers] == ["1", "2", "3", "4"]  # new rows are kept; paging went no further


async def test_without_total_a_page_shorter_than_the_echoed_limit_is_the_end():
    script = Script(page(ids(1, 2, 3), 0, limit=3), page(ids(4), 3, limit=3))
    async with make_client(script) as client:
        assert len(await client.list_customers()) == 4
    assert len(script.api_calls()) == 2


# ---------------------------------------------------------------- quantities out


@pytest.mark.parametrize("quantity, sent", [(5, 5), (Decimal("5"), 5), (Decimal("5.0"), 5), ("7", 7), (Decimal("2.5"), 2.5)])
def test_quantities_go_out_as_json_numbers(quantity, sent):
    body = json.loads(json.dumps(OrderRequest.sales("1", "M", quantity).to_api()))
    out = body["products"][0]["quantity"]
    assert out == sent and type(out) is type(sent)


@pytest.mark.parametrize("quantity", ["abc", True, float("nan"), "inf"])
def test_a_quantity_that_is_not_a_number_is_refused_in_words(quantity):
    with pytest.raises(OrderRequestError) as caught:
        OrderRequest.sales("1", "M", quantity)
    assert "quantity" in str(caught.value)
    assert not any(text in str(caught.value) for text in PYDANTIC_TEXT)


# ---------------------------------------------------------------- advice that fits


async def test_a_404_at_login_says_to_check_the_api_url():
    script = Script(answer(200, {}), login=[answer(404, "<html>Not Found</html>", headers={"content-type": "text/html"})])
    async with make_client(script) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.get_customer("1")
    text = str(caught.value)
    assert "Check the API URL" in text and "may have been removed" not in text
    assert "https://api.example.test/marketplace/eu/token" in text


async def test_a_404_on_a_detail_says_it_may_be_gone_and_on_a_list_to_check_the_url():
    async with make_client(Script(answer(404, error_body(404, "Customer #9 not found")))) as client:
        with pytest.raises(NotFoundError) as detail:
            await client.get_customer("9")
        with pytest.raises(NotFoundError) as listing:
            await client.list_customers()
    assert "may have been removed" in str(detail.value)
    assert "Check the API URL" in str(listing.value)


async def test_a_404_on_placing_an_order_names_the_missing_customer_not_the_url():
    async with make_client(Script(answer(404, error_body(404, "Customer #1 not found")))) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.place_order(OrderRequest.sales("1", "MPN", 1))
    text = str(caught.value)
    assert "Customer #1 not found" in text and "nothing was changed" in text and "API URL" not in text


async def test_401_at_login_names_the_credentials_and_mid_session_the_session():
    script = Script(answer(200, {}), login=[answer(401, error_body(401, "Unauthorized"))])
    async with make_client(script) as client:
        with pytest.raises(AuthenticationError) as login:
            await client.get_customer("1")
    assert "refused the credentials" in str(login.value) and "API username" in str(login.value)

    script = Script(answer(401, error_body(401, "Unauthorized: invalid token")))
    async with make_client(script) as client:
        with pytest.raises(AuthenticationError) as session:
            await client.get_customer("1")
    assert "refused this session" in str(session.value) and "marketplace code" in str(session.value)

    script = Script(answer(403, error_body(403, "Forbidden")))
    async with make_client(script) as client:
        with pytest.raises(AuthenticationError) as forbidden:
            await client.get_customer("1")
    assert "does not allow this API user" in str(forbidden.value)


async def test_a_tls_failure_says_certificates_and_proxy():
    error = httpx.ConnectError("TLS failed")
    error.__cause__ = ssl.SSLCertVerificationError("certificate verify failed: self-signed certificate")
    async with make_client(Script(error), max_retries=0) as client:
        with pytest.raises(TlsError) as caught:
            await client.get_customer("1")
    assert "certificates" in str(caught.value) and "SSL_CERT_FILE" in str(caught.value)


async def test_an_html_page_on_a_200_is_a_proxy_not_garbage():
    portal = answer(200, "<!DOCTYPE html><html>Sign in to the guest network</html>", headers={"content-type": "text/html"})
    async with make_client(Script(portal), max_retries=1) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await client.get_customer("1")
    assert caught.value.html and "proxy" in str(caught.value) and "HTTPS_PROXY" in str(caught.value)


async def test_a_504_on_a_read_says_slow_not_that_something_may_have_changed():
    async with make_client(Script(answer(504, "<html>504</html>", headers={"content-type": "text/html"})), max_retries=0) as client:
        with pytest.raises(ApiError) as caught:
            await client.get_customer("1")
    assert "slow or overloaded" in str(caught.value) and "carried out" not in str(caught.value)


# ---------------------------------------------------------------- no pydantic text, ever

GARBAGE = [None, [], "text", 42, {"id": {"nested": 1}}, {"address": 5}, {"products": "x"}, {"products": [None]},
           {"contactPersons": [1]}, {"prices": [5]}, {"token": None}, {"billingPeriod": "P1M"}]


@pytest.mark.parametrize("model", [Customer, SubscriptionDetail, Order, models.Product, models.Reseller, models.Token])
async def test_no_error_message_ever_carries_pydantic_text(model):
    texts = []
    async with make_client(Script(answer(200, {}))) as client:
        for data in GARBAGE:
            try:
                client.parse_row(model, data, "GET", "/x")
            except ApiError as exc:
                texts += [str(exc), repr(exc), exc.message or ""]
        report = ListReport()
        client.parse_rows(model, GARBAGE, "x", report)
        texts += [report.summary(), *(str(s) for s in report.skipped)]
    for payload in ([], {"data": "x"}, {"data": GARBAGE, "pagination": {"total": "lots"}}):
        async with make_client(Script(answer(200, payload))) as client:
            try:
                await client.list_customers(report=(report := ListReport()))
                texts.append(report.summary())
            except ApiError as exc:
                texts.append(str(exc))
    assert texts
    for text in texts:
        assert not any(marker in text for marker in PYDANTIC_TEXT), text
