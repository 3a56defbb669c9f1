"""The sandbox served over real HTTP (stdlib server on a free port) and its command line."""

from __future__ import annotations

import io
import re

import httpx
import pytest

from imtui.sandbox import Sandbox
from imtui.sandbox.server import build_parser, run_serve, serve


@pytest.fixture
def served():
    sb = Sandbox(seed=42, clock="real")
    server, base_url = serve(sb, "127.0.0.1", 0)
    try:
        yield sb, base_url
    finally:
        server.shutdown()
        server.server_close()


def test_token_and_customers_over_http(served):
    sb, base_url = served
    acct = sb.accounts[0]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/marketplace/na", base_url)
    with httpx.Client(base_url=base_url, timeout=10) as client:
        r = client.post("/token", auth=(acct.username, acct.password),
                        headers={"X-Subscription-Key": acct.subscription_key}, json={"marketplace": "us"})
        assert r.status_code == 200, r.text
        assert r.headers["x-correlation-id"].startswith("a8n-")
        h = {"Authorization": f"Bearer {r.json()['token']}", "X-Subscription-Key": acct.subscription_key}
        r = client.get("/customers", params={"name": "acme", "limit": 3}, headers=h)
        assert r.status_code == 200
        page = r.json()
        assert len(page["data"]) == 3 and page["pagination"]["total"] >= 5
        assert all("acme" in c["name"].lower() for c in page["data"])
        cid = page["data"][0]["id"]
        assert client.get(f"/customers/{cid}", headers=h).json()["id"] == cid
        assert client.get("/customers", headers={"X-Subscription-Key": acct.subscription_key}).status_code == 401
        # a body-carrying call, keep-alive on the same connection
        body = {"type": "sales", "customerId": cid, "products": [{"mpn": "ACR-CPC-WKS-STD", "quantity": 2}]}
        r = client.post("/orders", json=body, headers=h)
        assert r.status_code == 200 and r.json()["orderNumber"].startswith("SO")
    assert [(q.method, q.path) for q in sb.requests][-1] == ("POST", "/orders")
    assert sb.errors == []


def test_real_clock_moves_on_its_own(served):
    sb, _ = served
    t0 = sb.clock.now()
    assert t0.year == 2026 and t0.tzinfo is not None
    sb.clock.advance(30)
    assert (sb.clock.now() - t0).total_seconds() >= 30


def test_run_serve_prints_the_credentials():
    args = build_parser().parse_args(["--port", "0", "--seed", "7", "--username", "me.api",
                                      "--subscription-key", "0" * 32, "--rate-limit", "100", "--window-s", "60"])
    out = io.StringIO()
    server, sb = run_serve(args, out, block=False)
    try:
        text = out.getvalue()
        port = server.server_address[1]
        assert f"http://127.0.0.1:{port}/marketplace/na" in text
        assert f"http://127.0.0.1:{port}/marketplace/eu" in text
        for acct in sb.accounts:
            assert acct.password in text and acct.subscription_key in text and acct.username in text
        assert sb.accounts[0].username == "me.api" and sb.faults.rate_limit == 100
        assert sb.clock.mode == "real"
        acct = sb.accounts[0]
        r = httpx.post(f"http://127.0.0.1:{port}/marketplace/na/token", auth=("me.api", acct.password),
                       headers={"X-Subscription-Key": "0" * 32}, json={"marketplace": "us"}, timeout=10)
        assert r.status_code == 200
    finally:
        server.shutdown()
        server.server_close()
