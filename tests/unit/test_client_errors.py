"""The client against scripted answers: error types, retries, timeouts, login sharing.

These use ``httpx.MockTransport`` to send exactly what production has been seen to send (HTML 504 pages,
``error`` instead of ``message``, ``Retry-After``) where the sandbox is not the point of the test."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from imtui.core.api import (
    ApiTimeoutError,
    AuthenticationError,
    BusinessRuleError,
    InvalidRequestError,
    InvalidResponseError,
    MarketplaceClient,
    NotFoundError,
    OrderOutcomeUnknownError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from imtui.core.api.models import OrderRequest
from imtui.core.api.paging import ListReport
from tests.unit.client_script import KEY, PASSWORD, Script, answer, error_body, make_client

LIST_OK = answer(200, {"data": [], "pagination": {"offset": 0, "limit": 500, "total": 0}})


@pytest.mark.parametrize("field", ["message", "error"])
@pytest.mark.parametrize(
    "status, kind",
    [(400, InvalidRequestError), (401, AuthenticationError), (403, AuthenticationError), (404, NotFoundError)],
)
async def test_error_types_read_message_or_error(status, kind, field):
    script = Script(answer(status, error_body(status, "Customer 99 was not found", field)))
    async with make_client(script) as client:
        with pytest.raises(kind) as caught:
            await client.get_customer("99")
    err = caught.value
    assert err.status == status
    assert err.message == "Customer 99 was not found"
    assert err.correlation_id == "a8n-123"
    assert err.path == "/customers/99"
    assert "Customer 99 was not found" in str(err) and "a8n-123" in str(err)


async def test_business_rule_500_shows_the_api_sentence_and_is_not_retried():
    text = (
        "Cannot Upgrade/Downgrade Resources for Subscription #123456: there is already an Upgrade/Downgrade "
        "Order #CH009999 in status Provisioning is in progress(LO)."
    )
    script = Script(answer(500, error_body(500, text)))
    async with make_client(script) as client:
        with pytest.raises(BusinessRuleError) as caught:
            await client.place_order(OrderRequest.change("1", "123456", "MPN", 5))
    assert str(caught.value).startswith(text)
    assert "a8n-123" in str(caught.value)
    assert len(script.api_calls()) == 1


async def test_html_504_on_post_orders_is_an_unknown_outcome_and_never_retried():
    html = "<html><body><h1>504 Gateway Time-out</h1>The server didn't respond in time.</body></html>"
    script = Script(answer(504, html, headers={"content-type": "text/html"}))
    async with make_client(script) as client:
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            await client.place_order(OrderRequest.sales("1", "MPN", 1, po_number="PO-9"))
    assert caught.value.html and caught.value.status == 504 and caught.value.correlation_id == "a8n-123"
    assert caught.value.customer_id == "1" and caught.value.po_number == "PO-9"
    assert "Look it up before trying again" in str(caught.value) and "PO-9" in str(caught.value)
    assert len(script.api_calls()) == 1  # the purchase was sent exactly once


async def test_500_without_message_is_a_server_error_and_gets_retried_only_for_gets():
    script = Script(answer(503, "<html>Service Unavailable</html>"), LIST_OK)
    async with make_client(script) as client:
        assert await client.list_customers() == []
    assert len(script.api_calls()) == 2

    script = Script(answer(503, "<html>Service Unavailable</html>"))
    async with make_client(script) as client:
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            await client.place_order(OrderRequest.sales("1", "MPN", 1))
    assert len(script.api_calls()) == 1
    assert "HTML error page" in str(caught.value)


async def test_retry_on_429_honours_retry_after():
    script = Script(answer(429, error_body(429, "Too Many Requests"), headers={"Retry-After": "7"}), LIST_OK)
    async with make_client(script) as client:
        await client.list_customers()
    assert len(script.api_calls()) == 2
    assert 7 <= client.delays[0] < 8


async def test_429_with_retry_after_is_waited_out_for_about_a_minute_then_a_rate_limited_error():
    script = Script(answer(429, error_body(429, "Too Many Requests"), headers={"Retry-After": "2"}))
    async with make_client(script, max_retries=3) as client:  # transient retries do not bound 429 waits
        with pytest.raises(RateLimitedError) as caught:
            await client.list_customers()
    assert 55 <= sum(client.delays) <= 75
    assert all(2 <= d <= 2.25 for d in client.delays)
    assert len(script.api_calls()) == len(client.delays) + 1
    assert caught.value.retry_after == 2
    assert "Wait 2 s" in str(caught.value)


async def test_backoff_is_capped_exponential_with_jitter():
    script = Script(answer(502, "bad gateway"))
    async with make_client(script, max_retries=6, backoff_base=1.0, backoff_cap=8.0) as client:
        with pytest.raises(ServerError):
            await client.list_products()
    ceilings = [1, 2, 4, 8, 8, 8]
    assert len(client.delays) == 6
    for delay, ceiling in zip(client.delays, ceilings):
        assert ceiling / 2 <= delay <= ceiling


async def test_patch_is_retried_but_post_orders_is_not_on_connection_errors():
    script = Script(httpx.ConnectError("connection refused"), answer(200, {"id": "5", "renewalStatus": False}))
    async with make_client(script) as client:
        detail = await client.set_renewal("5", False)
    assert detail.renewal_status is False
    assert json.loads(script.api_calls()[-1].content) == {"renewalStatus": False}

    script = Script(httpx.ConnectError("connection refused"))
    async with make_client(script) as client:
        with pytest.raises(TransportError) as caught:
            await client.place_order(OrderRequest.sales("1", "MPN", 1))
    assert len(script.api_calls()) == 1
    assert "api.example.test" in str(caught.value)


async def test_timeouts_are_30s_and_120s_for_placing_orders():
    seen = {}

    def handler(request):
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"token": "t", "expiresInSeconds": 1500})
        seen[request.url.path] = request.extensions["timeout"]["read"]
        return httpx.Response(200, json={"id": "1", "status": "submitted"})

    async with make_client(handler) as client:
        await client.get_order("1")
        await client.place_order(OrderRequest.sales("1", "MPN", 1))
    assert seen["/marketplace/eu/orders/1"] == 30
    assert seen["/marketplace/eu/orders"] == 120


async def test_timeout_is_reported_in_words():
    script = Script(httpx.ReadTimeout("timed out"))
    async with make_client(script, max_retries=0) as client:
        with pytest.raises(ApiTimeoutError) as caught:
            await client.get_customer("1")
    assert "did not answer in time" in str(caught.value)
    assert "GET /customers/1" in str(caught.value)


async def test_garbage_body_is_an_invalid_response_not_a_crash():
    script = Script(answer(200, '{"data": [{"id": "1", "na', headers={"content-type": "application/json"}))
    async with make_client(script) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await client.list_customers()
    assert caught.value.correlation_id == "a8n-123"


async def test_relogin_once_on_401_mid_session():
    script = Script(answer(401, error_body(401, "Token expired")), answer(200, {"id": "7", "name": "Acme"}))
    async with make_client(script) as client:
        customer = await client.get_customer("7")
    assert customer.name == "Acme"
    assert script.tokens == 2
    bearer = [c.headers["Authorization"] for c in script.api_calls()]
    assert bearer == ["Bearer tok-1", "Bearer tok-2"]


async def test_a_second_401_is_an_authentication_error():
    script = Script(answer(401, error_body(401, "Unauthorized")))
    async with make_client(script) as client:
        with pytest.raises(AuthenticationError):
            await client.get_customer("7")
    assert script.tokens == 2 and len(script.api_calls()) == 2


async def test_concurrent_callers_share_one_login():
    async def slow_token(request):
        if request.url.path.endswith("/token"):
            await asyncio.sleep(0)
            return httpx.Response(200, json={"token": "only", "expiresInSeconds": 1500})
        return httpx.Response(200, json={"id": "1"})

    script = Script(answer(200, {"id": "1"}))
    async with make_client(script) as client:
        await asyncio.gather(*(client.get_customer(str(i)) for i in range(20)))
    assert script.tokens == 1


async def test_token_is_renewed_60s_before_expiry():
    now = [1000.0]
    script = Script(answer(200, {"id": "1"}), token_ttl=1500)
    async with make_client(script, clock=lambda: now[0]) as client:
        await client.get_customer("1")
        now[0] += 1500 - 61
        await client.get_customer("1")
        assert script.tokens == 1
        now[0] += 2
        await client.get_customer("1")
    assert script.tokens == 2


async def test_login_sends_basic_auth_key_and_marketplace():
    script = Script(answer(200, {"id": "1"}))
    async with make_client(script) as client:
        await client.get_customer("1")
    login = script.calls[0]
    assert login.method == "POST" and login.url.path == "/marketplace/eu/token"
    assert login.headers["Authorization"] == httpx.BasicAuth("acme.api", PASSWORD)._auth_header
    assert login.headers["X-Subscription-Key"] == KEY
    assert json.loads(login.content) == {"marketplace": "uk"}
    assert script.calls[1].headers["X-Subscription-Key"] == KEY


async def test_secrets_never_appear_in_errors_or_repr():
    leaky = answer(401, error_body(401, f"bad password {PASSWORD} for key {KEY}"))
    script = Script(leaky)
    async with make_client(script) as client:
        assert PASSWORD not in repr(client) and KEY not in repr(client)
        with pytest.raises(AuthenticationError) as caught:
            await client.get_customer("1")
    for text in (str(caught.value), repr(caught.value)):
        assert PASSWORD not in text and KEY not in text and "tok-" not in text


async def test_status_filter_takes_one_value():
    async with make_client(Script(LIST_OK)) as client:
        with pytest.raises(ValueError):
            await client.list_subscriptions(status="active,hold")


async def test_paging_stops_on_a_short_page_without_total():
    pages = [
        answer(200, {"data": [{"id": str(i)} for i in range(3)], "pagination": {"offset": 0, "limit": 3}}),
        answer(200, {"data": [{"id": "9"}], "pagination": {"offset": 3, "limit": 3}}),
    ]
    script = Script(*pages)
    async with make_client(script) as client:
        ids = [c.id async for c in client.rows("customers", __import__("imtui.core.api.models", fromlist=["Customer"]).Customer, limit=3)]
    assert ids == ["0", "1", "2", "9"]
    offsets = [c.url.params["offset"] for c in script.api_calls()]
    assert offsets == ["0", "3"]


async def test_gather_limited_bounds_concurrency_and_keeps_order():
    running = 0
    peak = 0

    async def fetch(n):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        return n * 2

    results = await MarketplaceClient.gather_limited(range(50), fetch, concurrency=5)
    assert results == [n * 2 for n in range(50)]
    assert peak == 5


async def test_odd_rows_parse_or_fail_as_invalid_response_never_a_validation_crash():
    body = {"data": [{"id": 1, "name": None, "status": None}], "pagination": {"offset": 0, "limit": 500, "total": 1}}
    async with make_client(Script(answer(200, body))) as client:
        [customer] = await client.list_customers()
    assert customer.id == "1" and customer.name == "" and customer.status == "unknown"

    body = {"data": [{"id": "1", "name": "ok"}, None], "pagination": {"offset": 0, "limit": 500, "total": 2}}
    report = ListReport()
    async with make_client(Script(answer(200, body))) as client:
        customers = await client.list_customers(report=report)
    assert [c.name for c in customers] == ["ok"]
    assert report.skipped_ids() == ["row 2"] and "/customers" in str(report.skipped[0])


async def test_a_500_on_a_read_is_a_server_fault_with_advice_not_a_business_rule():
    script = Script(answer(500, error_body(500, "An unexpected error occurred while processing the request.")))
    async with make_client(script) as client:
        with pytest.raises(ServerError) as caught:
            await client.get_customer("1")
    assert not isinstance(caught.value, BusinessRuleError)
    assert "try again" in str(caught.value) and "a8n-123" in str(caught.value)
