"""A money-moving call never guesses: ``POST /orders`` is sent once, and any answer that does not say what
happened is an OrderOutcomeUnknownError telling the user to look the order up first."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import httpx
import pytest

from imtui.core.api import BusinessRuleError, InvalidRequestError, OrderOutcomeUnknownError, TransportError
from imtui.core.api.models import OrderRequest
from imtui.sandbox import Sandbox
from tests.unit.client_script import Script, answer, error_body, hang, make_client
from tests.unit.virtual_time import virtual_time

STARTED = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
ORDER = OrderRequest.sales("1000101", "MPN-365", 5, po_number="PO-4711")

UNKNOWN = {
    "500 unexpected": answer(500, error_body(500, "An unexpected error occurred")),
    "500 internal": answer(500, error_body(500, "Internal Server Error")),
    "500 no message": answer(500, {"timeStamp": "x", "status": 500, "path": "/orders"}),
    "500 empty": answer(500),
    "502": answer(502, "<html>Bad Gateway</html>", headers={"content-type": "text/html"}),
    "503": answer(503, error_body(503, "Service Unavailable")),
    "504 html": answer(504, "<html><h1>504 Gateway Time-out</h1></html>", headers={"content-type": "text/html"}),
    "504 json": answer(504, error_body(504, "Gateway Timeout")),
    "read timeout": httpx.ReadTimeout("timed out"),
    "write timeout": httpx.WriteTimeout("timed out"),
    "dropped": httpx.RemoteProtocolError("Server disconnected without sending a response."),
    "reset": httpx.ReadError("Connection reset by peer"),
    "unreadable 201": answer(201, '{"id": "5000', headers={"content-type": "application/json"}),
    "proxy page": answer(200, "<html>Welcome to the hotel wifi</html>", headers={"content-type": "text/html"}),
}


@pytest.mark.parametrize("fault", list(UNKNOWN))
async def test_an_order_without_a_definite_answer_is_an_unknown_outcome_sent_once(fault):
    script = Script(UNKNOWN[fault])
    async with make_client(script, now=lambda: STARTED) as client:
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            await client.place_order(ORDER)
    err = caught.value
    assert len(script.api_calls()) == 1 and client.delays == []
    assert err.attempt_started == STARTED and err.customer_id == "1000101" and err.po_number == "PO-4711"
    text = str(err)
    assert "did not say whether the order was placed" in text
    assert "Look it up before trying again" in text and "2026-11-20 09:30:00 UTC" in text and "PO-4711" in text
    assert "Nothing was changed" not in text
    if not isinstance(UNKNOWN[fault], Exception):
        assert err.correlation_id == "a8n-123" and "a8n-123" in text


async def test_a_hanging_order_times_out_after_the_order_timeout_as_an_unknown_outcome():
    async with virtual_time() as vt:
        script = Script(hang)
        async with make_client(script, sleep=asyncio.sleep) as client:
            with pytest.raises(OrderOutcomeUnknownError) as caught:
                await client.place_order(ORDER)
    assert vt.now() == pytest.approx(120, abs=0.05)  # the long order timeout, enforced by the client
    assert caught.value.status is None and len(script.api_calls()) == 1
    assert "no answer within 120 s" in str(caught.value)


async def test_a_business_rule_500_on_an_order_is_a_refusal_and_nothing_changed():
    text = (
        "Cannot Upgrade/Downgrade Resources for Subscription #123456: there is already an Upgrade/Downgrade "
        "Order #CH009999 in status Provisioning is in progress(LO)."
    )
    script = Script(answer(500, error_body(500, text, field="error")))
    async with make_client(script) as client:
        with pytest.raises(BusinessRuleError) as caught:
            await client.place_order(OrderRequest.change("1", "123456", "MPN", 7))
    assert str(caught.value).startswith(text) and "Nothing was changed" in str(caught.value)
    assert len(script.api_calls()) == 1


async def test_a_connection_never_made_says_nothing_was_sent():
    script = Script(httpx.ConnectError("connection refused"))
    async with make_client(script) as client:
        with pytest.raises(TransportError) as caught:
            await client.place_order(ORDER)
    assert not isinstance(caught.value, OrderOutcomeUnknownError) and not caught.value.sent
    assert "Nothing was sent, so nothing was ordered" in str(caught.value)
    assert len(script.api_calls()) == 1


async def test_a_400_on_an_order_is_definite():
    script = Script(answer(400, error_body(400, "products[0]: quantity 0 is outside 1..300")))
    async with make_client(script) as client:
        with pytest.raises(InvalidRequestError):
            await client.place_order(ORDER)
    assert len(script.api_calls()) == 1


@pytest.mark.parametrize("created", [True, False])
async def test_sandbox_504_either_way_is_an_unknown_outcome_with_its_correlation_id(created):
    sandbox = Sandbox(seed=7)
    account = sandbox.account("us-demo")
    from imtui.core.api import MarketplaceClient

    async with MarketplaceClient(
        account.base_url, account.marketplace, account.username, account.password, account.subscription_key,
        transport=sandbox.transport(), now=sandbox.clock.now,
    ) as client:
        sub = (await client.list_subscriptions(status="active"))[0]
        sandbox.faults.order_gateway_timeout = "created" if created else "not_created"
        before = len(sandbox.state.account("us-demo").orders)
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            await client.place_order(OrderRequest.renewal(sub.customer_id, sub.id, po_number="PO-504"))
        sandbox.faults.order_gateway_timeout = None
        # what the lookup will do: the customer's orders since the attempt began, PO in the detail
        since = await client.list_orders(customer_id=sub.customer_id, created_from=caught.value.attempt_started)
        found = [o for o in [await client.get_order(o.id) for o in since] if o.po_number == "PO-504"]
    assert caught.value.correlation_id and caught.value.attempt_started == sandbox.clock.now()
    assert len([r for r in sandbox.requests if r.method == "POST" and r.path == "/orders"]) == 1
    assert len(sandbox.state.account("us-demo").orders) == before + created
    assert len(found) == (1 if created else 0)


async def test_the_body_sent_is_the_order_with_json_numbers():
    script = Script(answer(201, {"id": "5", "orderNumber": "SO000001", "status": "submitted"}))
    async with make_client(script) as client:
        await client.place_order(OrderRequest.change("1", "2", "MPN", __import__("decimal").Decimal("7")))
    sent = json.loads(script.api_calls()[0].content)
    assert sent["products"][0]["quantity"] == 7 and isinstance(sent["products"][0]["quantity"], int)
