"""The sandbox served over real HTTP (stdlib server on a free port) and its command line."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from imtui.sandbox import Sandbox
from imtui.sandbox.server import build_parser, main_serve, run_serve, serve
from imtui.sandbox.serve_flags import parse_args, sandbox_from_args

ROOT = Path(__file__).resolve().parents[2]


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


# --------------------------------------------------------------------------- flags of `imtui sandbox serve`


@pytest.mark.parametrize("argv,flag,allowed", [
    (["--port", "-1"], "--port", "from 0 to 65535"),
    (["--port", "65536"], "--port", "from 0 to 65535"),
    (["--port", "http"], "--port", "from 0 to 65535"),
    (["--fault-rate", "2"], "--fault-rate", "from 0 to 1"),
    (["--malformed-json-rate", "-0.1"], "--malformed-json-rate", "from 0 to 1"),
    (["--customers", "-5"], "--customers", "from 0 to 100000"),
    (["--subscriptions", "2.5"], "--subscriptions", "from 0 to 1000000"),
    (["--accounts", "4"], "--accounts", "from 1 to 3"),
    (["--seed", "-3"], "--seed", "0 to"),
    (["--token-ttl", "0"], "--token-ttl", "from 1 to 86400"),
    (["--latency-ms", "nan"], "--latency-ms", "from 0 to 60000"),
    (["--rate-limit", "0"], "--rate-limit", "from 1 to 1000000"),
    (["--window-s", "0"], "--window-s", "above 0 and at most 86400"),
    (["--order-seconds", "-1"], "--order-seconds", "from 0 to 3600"),
    (["--order-hang-seconds", "0"], "--order-hang-seconds", "from 1 to 3600"),
    (["--order-504", "sometimes"], "--order-504", "created or not-created"),
    (["--order-hang", "yes"], "--order-hang", "created or not-created"),
    (["--order-drop", ""], "--order-drop", "created or not-created"),
    (["--error-field", "text"], "--error-field", "'message', 'error'"),
    (["--username", ""], "--username", "non-empty"),
    (["--no-retry-after"], "--no-retry-after", "--rate-limit"),
    (["--order-504", "created", "--order-drop", "created"], "--order-drop", "--order-504"),
])
def test_a_bad_flag_exits_2_with_one_line_naming_it(capsys, argv, flag, allowed):
    with pytest.raises(SystemExit) as caught:
        main_serve(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"imtui sandbox: {flag}") and allowed in err, err


def test_a_bad_port_from_the_command_line_is_one_line_not_a_traceback():
    out = subprocess.run([sys.executable, "-m", "imtui.cli", "sandbox", "serve", "--port", "-1"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == "imtui sandbox: --port: must be a whole number from 0 to 65535, not '-1'\n"


def test_help_lists_every_flag_and_says_sizes_are_per_account(capsys):
    with pytest.raises(SystemExit) as caught:
        main_serve(["--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    flags = [s for a in build_parser()._actions for s in a.option_strings if s.startswith("--")]
    assert len(flags) >= 24 and [f for f in flags if f not in text] == []
    for name in ("--order-seconds", "--order-504", "--malformed-json-rate", "--no-retry-after", "--order-hang",
                 "--order-drop", "--accounts"):
        assert name in flags
    assert "PER ACCOUNT" in text and "2,000 customers and 20,000 subscriptions in all" in text
    assert "--accounts 1 --customers 2000 --subscriptions 20000" in text


def test_flags_shape_the_sandbox():
    args = parse_args(["--accounts", "1", "--customers", "30", "--subscriptions", "300", "--order-seconds", "90",
                       "--order-hang", "not-created", "--order-hang-seconds", "20", "--rate-limit", "100",
                       "--window-s", "1", "--no-retry-after", "--malformed-json-rate", "0.25", "--latency-ms", "30"])
    sb = sandbox_from_args(args)
    assert [a.name for a in sb.accounts] == ["us-demo"]
    assert (sb.n_customers, sb.n_subscriptions) == (30, 300)
    t = sb.order_timings
    assert (t.processing_after, t.provisioning_after, t.completed_after) == (30, 60, 90)
    f = sb.faults
    assert (f.order_hang, f.order_hang_s, f.order_gateway_timeout, f.order_drop) == ("not_created", 20, None, None)
    assert (f.rate_limit, f.window_s, f.rate_limit_retry_after) == (100, 1, False)
    assert (f.malformed_json_rate, f.latency_ms) == (0.25, 30)
    f504 = sandbox_from_args(parse_args(["--order-504", "created"])).faults
    assert f504.order_gateway_timeout == "created" and f504.rate_limit_retry_after is True
    assert len(sandbox_from_args(parse_args([])).accounts) == 3


def test_serve_builds_every_account_first_and_says_how_big_it_is():
    args = parse_args(["--port", "0", "--accounts", "2", "--customers", "20", "--subscriptions", "150"])
    out = io.StringIO()
    server, sb = run_serve(args, out, block=False)
    try:
        assert "2 account(s), 40 customers and 300 subscriptions in all" in out.getvalue()
        assert [st.account.name for st in sb.state.built()] == ["us-demo", "uk-demo"]
        assert "de-demo" not in out.getvalue()
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_in_use_is_one_line_and_exit_1(capsys):
    sb = Sandbox(seed=1, clock="real")
    server, _ = serve(sb, "127.0.0.1", 0)
    try:
        assert main_serve(["--port", str(server.server_address[1]), "--customers", "1"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"imtui sandbox: cannot serve on 127.0.0.1:{server.server_address[1]}")
        assert err.count("\n") == 1
    finally:
        server.shutdown()
        server.server_close()
