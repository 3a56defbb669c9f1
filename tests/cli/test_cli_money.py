"""The money commands, headless, against the sandbox over real HTTP: dry runs change nothing, --yes acts, --wait
follows the order, and each way of ending has its own exit code. Two processes confirming one purchase place one
order."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time

import pytest

from imtui.cli import main
from imtui.core.api import MarketplaceClient, ServerError
from imtui.core.paths import resolve_paths
from imtui.core.services.orders import OrdersArea
from imtui.sandbox import Sandbox
from imtui.sandbox.clock import current_start
from imtui.sandbox.server import serve, served_base_url
from tests.money_support import active_customer, free_subscription, orders_with_po, writes

ACCOUNT = "us-demo"
PREMIUM = ["--mpn", "CFQ7TTC0LCHC:0002", "--term", "P1Y", "--billing", "P1M"]


def add_account(sb, url, monkeypatch, *flags, name="us-main"):
    account = sb.account(ACCOUNT)
    prefix = "IMTUI_" + name.upper().replace("-", "_")
    monkeypatch.setenv(f"{prefix}_PASSWORD", account.password)
    monkeypatch.setenv(f"{prefix}_SUBSCRIPTION_KEY", account.subscription_key)
    assert main(["accounts", "add", name, "--url", url, "--marketplace", account.marketplace,
                 "--username", account.username, *flags]) == 0


@pytest.fixture
def served(monkeypatch, capsys):
    """The sandbox over HTTP, its clock starting now as `imtui sandbox serve`'s does; an account us-main on it.
    Waiting for an order moves the sandbox's clock instead of sleeping."""
    sb = Sandbox(seed=7, clock="real", start=current_start())
    server, _ = serve(sb)
    url = served_base_url(server, sb.account(ACCOUNT))

    async def advance(seconds):
        sb.clock.advance(seconds)

    monkeypatch.setattr(OrdersArea, "sleep", staticmethod(advance))
    add_account(sb, url, monkeypatch)
    capsys.readouterr()
    yield sb, url
    server.shutdown()
    server.server_close()
    assert sb.errors == []


def state(sb):
    st = sb.state.account(ACCOUNT)
    return ({sid: (s.status, s.quantity, s.renewal_status) for sid, s in st.subscriptions.items()}, len(st.orders))


def test_dry_runs_print_the_estimate_and_change_nothing(served, capsys):
    sb, _ = served
    sub = free_subscription(sb, term="year")
    before, requests = state(sb), len(sb.requests)
    cid = active_customer(sb)
    runs = [
        (["buy", "--account", "us-main", "--customer", cid, *PREMIUM, "--quantity", "5"],
         "Buy 5 × Microsoft 365 Business Premium, 1-year term billed monthly, for"),
        (["subscriptions", "seats", sub.id, str(sub.quantity + 2)], f"from {sub.quantity} to {sub.quantity + 2} seats"),
        (["subscriptions", "auto-renew", sub.id, "off" if sub.renewal_status else "on"], "Turn auto-renew"),
        (["subscriptions", "cancel", sub.id], "Cancel "),
    ]
    for argv, words in runs:
        assert main(argv) == 0, argv
        out = capsys.readouterr().out
        assert words in out and "Dry run: nothing was sent" in out, out
    assert state(sb) == before and writes(sb) == []
    assert len(sb.requests) > requests  # it did ask (details, estimates), it only changed nothing
    assert not resolve_paths().journal_file.exists()


def test_buy_with_yes_and_wait_follows_the_order_to_the_new_subscription(served, capsys):
    sb, _ = served
    cid = active_customer(sb)
    code = main(["buy", "--account", "us-main", "--customer", cid, *PREMIUM, "--quantity", "5", "--po", "PO-CLI-1",
                 "--yes", "--wait"])
    out = capsys.readouterr().out
    assert code == 0 and "Bought: order SO" in out and re.search(r"Order SO\d+ completed\.", out), out
    (order,) = orders_with_po(sb, "PO-CLI-1")
    new = sb.state.account(ACCOUNT).subscriptions[order.subscription_id]
    assert (new.status, new.quantity, new.subscription_period, new.billing_period) == (
        "active", 5, ("year", 1), ("month", 1))


def test_seats_with_yes_and_wait_change_the_subscription(served, capsys):
    sb, _ = served
    sub = free_subscription(sb)
    before = sub.quantity
    assert main(["subscriptions", "seats", sub.id, str(before + 1), "--yes", "--wait"]) == 0
    assert "completed" in capsys.readouterr().out
    assert sb.state.account(ACCOUNT).subscriptions[sub.id].quantity == before + 1


def test_refused_before_sending_exits_2_with_the_reason(served, capsys, monkeypatch):
    sb, url = served
    sub = free_subscription(sb)
    assert main(["subscriptions", "seats", sub.id, "0", "--yes"]) == 2
    assert "whole number above zero" in capsys.readouterr().err
    assert main(["subscriptions", "seats", sub.id, "301", "--yes"]) == 2
    assert "allows 1 to" in capsys.readouterr().err
    add_account(sb, url, monkeypatch, "--read-only", name="us-watch")
    assert main(["buy", "--account", "us-watch", "--customer", sub.customer_id, *PREMIUM, "--quantity", "1",
                 "--yes"]) == 2
    assert "read-only" in capsys.readouterr().err
    assert writes(sb) == []


def test_cancel_needs_the_client_name_typed_out(served, capsys):
    sb, _ = served
    sub = free_subscription(sb)
    name = sb.state.account(ACCOUNT).customers[sub.customer_id]["name"]
    assert main(["subscriptions", "cancel", sub.id, "--yes"]) == 2
    assert "--confirm" in capsys.readouterr().err
    assert main(["subscriptions", "cancel", sub.id, "--yes", "--confirm", "someone else"]) == 2
    assert writes(sb) == []
    assert main(["subscriptions", "cancel", sub.id, "--yes", "--confirm", name.upper(), "--wait"]) == 0
    assert sb.state.account(ACCOUNT).subscriptions[sub.id].status == "terminated"


def test_an_order_that_certainly_was_not_placed_exits_1(served, capsys):
    sb, _ = served
    sb.faults.order_gateway_timeout = "not_created"
    code = main(["buy", "--account", "us-main", "--customer", active_customer(sb), *PREMIUM, "--quantity", "1",
                 "--po", "PO-CLI-NP", "--yes"])
    assert code == 1 and "it was not placed" in capsys.readouterr().err
    sb.faults.order_gateway_timeout = None
    assert main(["buy", "--account", "us-main", "--customer", active_customer(sb), *PREMIUM, "--quantity", "1",
                 "--po", "PO-CLI-NP", "--yes"]) == 0
    assert len(orders_with_po(sb, "PO-CLI-NP")) == 1


def test_an_outcome_still_unknown_after_the_lookup_exits_3_and_lookup_finds_it(served, capsys, monkeypatch):
    sb, _ = served
    cid = active_customer(sb)
    sb.faults.order_gateway_timeout = "created"
    real = MarketplaceClient.list_orders

    async def failing(self, **filters):
        raise ServerError("Service Unavailable", status=503, method="GET", path="/orders")

    monkeypatch.setattr(MarketplaceClient, "list_orders", failing)
    buy = ["buy", "--account", "us-main", "--customer", cid, *PREMIUM, "--quantity", "1", "--po", "PO-CLI-U", "--yes"]
    assert main(buy) == 3
    err = capsys.readouterr().err
    assert "imtui orders lookup" in err
    sb.faults.order_gateway_timeout = None
    assert main(buy) == 2  # refused: the earlier attempt's outcome is unknown
    assert "unknown outcome" in capsys.readouterr().err
    monkeypatch.setattr(MarketplaceClient, "list_orders", real)
    assert main(["orders", "lookup", "--account", "us-main", "--customer", cid, "--po", "PO-CLI-U"]) == 0
    assert "Found: it was placed" in capsys.readouterr().out
    assert main(buy) == 2 and len(orders_with_po(sb, "PO-CLI-U")) == 1


def test_an_order_that_ends_in_error_while_waiting_exits_4(served, capsys, monkeypatch):
    sb, _ = served

    async def the_order_fails(seconds):
        st = sb.state.account(ACCOUNT)
        st.order_list[-1].failed_at = sb.clock.now()

    monkeypatch.setattr(OrdersArea, "sleep", staticmethod(the_order_fails))
    sub = free_subscription(sb)
    assert main(["subscriptions", "seats", sub.id, str(sub.quantity + 1), "--yes", "--wait"]) == 4
    assert "ended error (PF)" in capsys.readouterr().err


def test_withdraw_and_auto_renew_act_with_yes(served, capsys):
    sb, _ = served
    sub = free_subscription(sb)
    assert main(["subscriptions", "seats", sub.id, str(sub.quantity + 1), "--yes"]) == 0
    order = sb.state.account(ACCOUNT).order_list[-1]
    assert main(["orders", "withdraw", order.id, "--account", "us-main", "--yes"]) == 0
    assert order.status_at(sb.clock.now())[0] == "cancelled"
    flip = "off" if sub.renewal_status else "on"
    assert main(["subscriptions", "auto-renew", sub.id, flip, "--yes"]) == 0
    assert sb.state.account(ACCOUNT).subscriptions[sub.id].renewal_status is (flip == "on")


def _serve_subprocess(tmp_path, *flags):
    process = subprocess.Popen(
        [sys.executable, "-m", "imtui.cli", "sandbox", "serve", "--port", "0", "--accounts", "1", "--seed", "7", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines = []
    while len(lines) < 9:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(process.stderr.read())
        lines.append(line)
    text = "".join(lines)
    fields = dict(re.findall(r"^  (base URL|password|subscription key|username)\s+(\S+)$", text, re.MULTILINE))
    return process, fields


async def _count_orders(fields, customer_id, po_number):
    async with MarketplaceClient(fields["base URL"], "us", fields["username"], fields["password"],
                                 fields["subscription key"]) as client:
        orders = await client.list_orders(customer_id=customer_id)
        details = [await client.get_order(o.id) for o in orders[:20]]
    return sum(1 for d in details if d.po_number == po_number)


def test_two_processes_confirming_the_same_purchase_place_one_order(tmp_path):
    server, fields = _serve_subprocess(tmp_path, "--latency-ms", "150")
    try:
        env = {**os.environ, "IMTUI_HOME": str(tmp_path / "home"), "IMTUI_US_PASSWORD": fields["password"],
               "IMTUI_US_SUBSCRIPTION_KEY": fields["subscription key"]}
        env.pop("NO_COLOR", None)
        add = subprocess.run([sys.executable, "-m", "imtui.cli", "accounts", "add", "us", "--url", fields["base URL"],
                              "--marketplace", "us", "--username", fields["username"]],
                             env=env, capture_output=True, text=True, timeout=60)
        assert add.returncode == 0, add.stderr
        customer = "1000120"
        buy = [sys.executable, "-m", "imtui.cli", "buy", "--account", "us", "--customer", customer, *PREMIUM,
               "--quantity", "3", "--po", "PO-TWO-PROCESSES", "--yes"]
        started = time.monotonic()
        both = [subprocess.Popen(buy, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        results = [(p.wait(timeout=120), *p.communicate()) for p in both]
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 2], results
        loser = next(err for code, _, err in results if code == 2)
        assert "being placed right now" in loser or "already placed as SO" in loser, loser
        assert asyncio.run(_count_orders(fields, customer, "PO-TWO-PROCESSES")) == 1
        assert time.monotonic() - started < 60
    finally:
        server.terminate()
        server.wait(timeout=10)
