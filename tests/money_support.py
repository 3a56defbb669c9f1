"""Shared by the tests of the money path (services.orders, services.catalog, the money commands): services on
the in-process sandbox that tell time by its clock and wait by moving it, and ways to read what the sandbox did."""

from __future__ import annotations

import pytest

from imtui.sandbox import Sandbox

ACCOUNT = "us-demo"


@pytest.fixture
async def money(make_services, sandbox):
    """Services on the sandbox (seed 7, manual clock). ``services.now()`` is the sandbox's clock (as in the demo)
    and every wait of ``services.orders`` moves that clock instead of sleeping."""
    services = make_services()
    services.sandbox = sandbox
    waited: list[float] = []

    async def advance(seconds: float) -> None:
        waited.append(seconds)
        sandbox.clock.advance(seconds)

    services.orders.sleep = advance
    services.waited = waited
    yield services
    await services.aclose()
    assert sandbox.errors == []


def free_subscription(sandbox: Sandbox, account: str = ACCOUNT, *, term: str | None = None, room: int = 3,
                      skip: int = 0):
    """An active subscription of an active customer with one priced line, nothing pending on it, and ``room``
    seats to spare on both sides of its quantity. ``term``: "year" or "month"."""
    st = sandbox.state.account(account)
    now = sandbox.clock.now()
    found = []
    for sub in st.subscriptions.values():
        if (sub.status != "active" or not sub.lines or len(sub.lines) != 1 or sub.lines[0].product.usd_price is None
                or st.customers[sub.customer_id]["status"] != "active"):
            continue
        if term is not None and sub.subscription_period[0] != term:
            continue
        product, qty = sub.lines[0].product, sub.lines[0].quantity
        if qty - room < (product.minimum or 1) or (product.maximum is not None and qty + room > product.maximum):
            continue
        if any(o.pending_at(now) for o in st.orders_by_subscription.get(sub.id, ())):
            continue
        found.append(sub)
    return found[skip]


def active_customer(sandbox: Sandbox, account: str = ACCOUNT, *, status: str = "active") -> str:
    st = sandbox.state.account(account)
    return next(cid for cid, c in st.customers.items() if c["status"] == status)


def orders_with_po(sandbox: Sandbox, po_number: str, account: str = ACCOUNT) -> list:
    return [o for o in sandbox.state.account(account).order_list if o.po_number == po_number]


def writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    """Every request that could change something: POST /orders (not the estimate) and PATCH."""
    return [(r.method, r.path) for r in sandbox.requests
            if (r.method == "POST" and r.path.endswith("/orders")) or r.method == "PATCH"]


def estimates(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.method == "POST" and r.path.endswith("/orders/estimate"))
