"""Faults a client must survive: POST /orders that hangs or drops with the order placed or not, 429 with and
without Retry-After, and a served sandbox that answers many connections at once."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from imtui.sandbox import Faults, Sandbox
from imtui.sandbox.server import serve

from .sandbox_api import customer_with_status, login, sales_body


def placed(sb: Sandbox, po: str) -> bool:
    return any(o.po_number == po for o in sb.state.account("us-demo").orders.values())


def order_posts(sb: Sandbox) -> list[int]:
    return [r.status for r in sb.requests if r.method == "POST" and r.path == "/orders"]


# --------------------------------------------------------------------------- POST /orders without an answer


@pytest.mark.parametrize("outcome", ["created", "not_created"])
async def test_a_hung_order_is_cut_by_the_clients_read_timeout(sb, outcome):
    sb.faults.order_hang = outcome
    acct = sb.accounts[0]
    body = sales_body(customer_with_status(sb, "active")["id"])
    body["poNumber"] = f"PO-HANG-{outcome}"
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        started = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/orders", json=body, headers=api.headers, timeout=0.2)
        assert time.perf_counter() - started < sb.faults.order_hang_s
        sb.faults.order_hang = None
        assert (await api.get("/resellers")).status_code == 200  # the sandbox answers the next call
    assert placed(sb, body["poNumber"]) == (outcome == "created")
    assert order_posts(sb) == [0]  # one attempt, no answer


async def test_a_hung_order_is_cut_by_the_clients_own_deadline(sb):
    sb.faults = Faults(order_hang="not-created")
    acct = sb.accounts[0]
    body = sales_body(customer_with_status(sb, "active")["id"])
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url, timeout=None) as client:
        api = await login(sb, client, acct)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.post("/orders", json=body, headers=api.headers), 0.1)
    assert not placed(sb, body["poNumber"])


@pytest.mark.parametrize("outcome", ["created", "not-created"])
async def test_a_dropped_connection_on_post_orders(sb, outcome):
    sb.faults.order_drop = outcome
    acct = sb.accounts[0]
    body = sales_body(customer_with_status(sb, "active")["id"])
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        with pytest.raises(httpx.RemoteProtocolError):
            await api.post("/orders", body)
        # reads are not affected
        assert (await api.get("/orders", customerId=body["customerId"])).status_code == 200
    assert placed(sb, body["poNumber"]) == (outcome == "created")
    with httpx.Client(transport=sb.sync_transport(), base_url=acct.base_url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/orders", json=body, headers=api.headers)


async def test_a_refused_body_under_a_created_fault_is_answered_as_usual(sb):
    """"created" loses the answer of an order that was placed; an order the API refuses is refused as usual."""
    sb.faults.order_drop = "created"
    acct = sb.accounts[0]
    n = len(sb.state.account("us-demo").orders)
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        r = await api.post("/orders", {"type": "sales", "customerId": customer_with_status(sb, "active")["id"]})
        assert r.status_code == 400
    assert len(sb.state.account("us-demo").orders) == n


def test_a_misspelt_order_fault_is_reported_not_ignored(sb):
    sb.faults.order_drop = "yes"
    r = sb.handle("POST", "/orders", {}, {}, b"{}")
    assert r.status == 500 and sb.errors and "created" in sb.errors[-1]
    sb.errors.clear()


# --------------------------------------------------------------------------- rate limit


async def test_429_without_retry_after(sb):
    sb.faults = Faults(rate_limit=2, window_s=30, rate_limit_retry_after=False)
    acct = sb.accounts[0]
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)  # the token call is the first of the two
        assert (await api.get("/resellers")).status_code == 200
        r = await api.get("/resellers")
        assert r.status_code == 429 and "retry-after" not in r.headers
        assert r.json()["status"] == 429 and r.headers["x-correlation-id"]
        sb.clock.advance(30)
        assert (await api.get("/resellers")).status_code == 200


async def test_retry_after_is_honest_at_a_hundred_a_second(sb):
    """--rate-limit 100 --window-s 1: whenever a 429 says wait N seconds, a request after N seconds passes."""
    sb.faults = Faults(rate_limit=100, window_s=1)
    acct = sb.accounts[0]
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        refused = 0
        for _ in range(400):  # 400 requests, 7 ms apart: 140 a second asked, 100 allowed
            r = await api.get("/resellers")
            if r.status_code == 429:
                refused += 1
                wait = int(r.headers["retry-after"])
                assert wait == 1  # at most the window, never more
                sb.clock.advance(wait)
                assert (await api.get("/resellers")).status_code == 200
            else:
                sb.clock.advance(0.007)
        assert refused > 0
        # and it refuses exactly at the budget: 100 in the last second, the 101st waits
        sb.clock.advance(1)
        codes = [(await api.get("/resellers")).status_code for _ in range(101)]
        assert codes == [200] * 100 + [429]


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def served():
    sandbox = Sandbox(seed=42, clock="real")
    server, base_url = serve(sandbox, "127.0.0.1", 0)
    try:
        yield sandbox, base_url
    finally:
        server.shutdown()
        server.server_close()
    assert sandbox.errors == []


async def test_over_http_a_drop_closes_the_socket_and_a_hang_times_out(served):
    sandbox, base_url = served
    acct = sandbox.accounts[0]
    body = sales_body(customer_with_status(sandbox, "active")["id"])
    async with httpx.AsyncClient(base_url=base_url) as client:
        api = await login(sandbox, client, acct)
        sandbox.faults.order_drop = "created"
        body["poNumber"] = "PO-HTTP-DROP"
        with pytest.raises(httpx.RemoteProtocolError):
            await api.post("/orders", body)
        sandbox.faults.order_drop = None
        sandbox.faults.order_hang = "not_created"
        body["poNumber"] = "PO-HTTP-HANG"
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/orders", json=body, headers=api.headers, timeout=0.3)
        sandbox.faults.order_hang = None
        assert (await api.get("/resellers")).status_code == 200
    assert placed(sandbox, "PO-HTTP-DROP") and not placed(sandbox, "PO-HTTP-HANG")


async def test_over_http_latency_is_slept_by_many_connections_at_once(served):
    sandbox, base_url = served
    acct = sandbox.accounts[0]
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        api = await login(sandbox, client, acct)
        sandbox.faults.latency_ms = 300
        started = time.perf_counter()
        answers = await asyncio.gather(*(api.get("/customers", offset=i, limit=5) for i in range(40)))
        elapsed = time.perf_counter() - started
    assert [r.status_code for r in answers] == [200] * 40
    assert elapsed < 40 * 0.3 / 4  # one at a time would take 12 s; together it is about 0.3 s
