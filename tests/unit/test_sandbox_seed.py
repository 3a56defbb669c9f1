"""The seed data holds the awkward shapes production sends, in every account, and the helpers that change a
subscription behind the client's back work as another tool would."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from imtui.sandbox import Sandbox

from .sandbox_api import active_subscription, login, relogin


@pytest.fixture(scope="module")
def seeded():
    return Sandbox(seed=42)


async def walk(sb: Sandbox, name: str) -> tuple[list[dict], list[dict], list[dict]]:
    """(subscription details, order rows, order details) of one account, as a client reads them."""
    acct = sb.account(name)
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        rows = await api.all("/subscriptions")
        details = [await api.ok("GET", f"/subscriptions/{r['id']}") for r in rows]
        orders = await api.all("/orders")
        order_details = [await api.ok("GET", f"/orders/{o['id']}") for o in orders]
    return details, orders, order_details


@pytest.mark.parametrize("account", ["us-demo", "uk-demo", "de-demo"])
async def test_every_account_holds_the_awkward_shapes(seeded, account):
    subs, orders, order_details = await walk(seeded, account)
    assert len(subs) == 120 and len(seeded.state.account(account).customers) == 48
    # several product lines: a base licence and an add-on, priced line by line
    multi = [d for d in subs if len(d.get("products", ())) > 1]
    assert multi
    for d in multi:
        base, addon = d["products"][:2]
        assert base["mpn"] == "ACR-CPC-WKS-STD" and addon["mpn"] in ("ACR-CPC-SRV-STD", "ACR-CPC-M365-SEAT")
        total = sum(Decimal(p["extendedPrice"]["amount"]) for p in d["products"])
        assert Decimal(d["totalPrice"]["amount"]) == total
    # quantities as numeric strings, in subscription details and order lines
    texts = [p["quantity"] for d in subs for p in d.get("products", ()) if isinstance(p["quantity"], str)]
    assert texts and all(q.endswith(".0") and int(q[:-2]) >= 1 for q in texts)
    assert any(isinstance(p["quantity"], str) for o in order_details for p in o["products"])
    # a status and an order type the yaml does not list
    assert any(d["status"] == "suspendedByVendor" for d in subs)
    transfer = [o for o in orders if o["type"] == "transfer"]
    assert transfer and transfer[0]["orderNumber"].startswith("TR")
    # a product sold with its activation parameter
    params = [d for d in subs if d.get("orderParameters")]
    assert params and params[0]["orderParameters"][0]["name"] == "domain"
    # changes still pending: processing (LO) and scheduled on renewal (SC), on active subscriptions
    pending = {o["statusCode"] for o in orders if o["type"] == "change" and o["status"] == "processing"}
    assert pending == {"LO", "SC"}
    active = {d["id"] for d in subs if d["status"] == "active"}
    assert all(o["subscriptionId"] in active for o in order_details
               if o["type"] == "change" and o["status"] == "processing")


def test_the_first_active_subscriptions_are_free_to_change(seeded):
    """Pending changes sit in the later half of the ids: tests and demos that take the first active
    subscription can change it."""
    st = seeded.state.account("us-demo")
    now = seeded.clock.now()
    first = [s for s in st.subscriptions.values() if s.status == "active"][:20]
    assert not [s.id for s in first if any(o.pending_at(now) for o in st.orders_by_subscription.get(s.id, ()))]


def test_a_large_account_has_pending_changes_too():
    sb = Sandbox(seed=1, customers=500, subscriptions=5000)
    st = sb.state.account("us-demo")
    now = sb.clock.now()
    codes = [o.status_at(now)[1] for o in st.order_list if o.type == "change" and o.pending_at(now)]
    assert codes.count("LO") >= 5 and codes.count("SC") >= 2
    assert len(codes) < 100  # a few, as in production, not a backlog


# --------------------------------------------------------------------------- changes upstream


async def test_a_subscription_removed_upstream_vanishes(sb):
    acct = sb.accounts[0]
    s = active_subscription(sb)
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        total = (await api.ok("GET", "/subscriptions"))["pagination"]["total"]
        orders = (await api.ok("GET", "/orders", subscriptionId=s.id))["data"]
        sb.remove_subscription(s.id)
        assert (await api.ok("GET", "/subscriptions"))["pagination"]["total"] == total - 1
        assert s.id not in {r["id"] for r in await api.all("/subscriptions")}
        assert s.id not in {r["id"] for r in await api.all("/subscriptions", customerId=s.customer_id)}
        assert (await api.get(f"/subscriptions/{s.id}")).status_code == 404
        assert (await api.patch(f"/subscriptions/{s.id}", {"renewalStatus": False})).status_code == 404
        change = {"type": "change", "customerId": s.customer_id,
                  "products": [{"subscriptionId": s.id, "mpn": s.lines[0].product.mpn, "quantity": 9}]}
        assert (await api.post("/orders", change)).status_code == 404
        # its orders stay in the history
        assert (await api.ok("GET", "/orders", subscriptionId=s.id))["data"] == orders
    with pytest.raises(KeyError):
        sb.remove_subscription(s.id)


async def test_seats_and_prices_changed_upstream(sb):
    acct = sb.accounts[0]
    s = active_subscription(sb)
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        before = await api.ok("GET", f"/subscriptions/{s.id}")
        n_orders = len(sb.state.account("us-demo").orders)
        sb.clock.advance(3 * 86400)
        api = await relogin(api)
        sb.modify_subscription(s.id, quantity=s.quantity + 7, unit_price="9.99", unit_cost="7.50")
        after = await api.ok("GET", f"/subscriptions/{s.id}")
        line = after["products"][0]
        assert line["quantity"] == before["products"][0]["quantity"] + 7
        assert line["unitPrice"]["amount"] == "9.99" and line["unitCost"]["amount"] == "7.50"
        assert Decimal(line["extendedPrice"]["amount"]) == Decimal("9.99") * line["quantity"]
        assert after["totalPrice"]["amount"] == line["extendedPrice"]["amount"]
        assert after["lastModifiedDate"] == (sb.clock.now().date()).isoformat() != before["lastModifiedDate"]
        assert len(sb.state.account("us-demo").orders) == n_orders  # no order: another tool did it
        # a change estimate prices the delta at the new price
        est = await api.ok("POST", "/orders/estimate", {"type": "change", "customerId": s.customer_id, "products": [
            {"subscriptionId": s.id, "mpn": line["mpn"], "quantity": line["quantity"] + 1}]})
        assert est["total"]["amount"] == "9.99"
        sb.modify_subscription(s.id, status="suspendedByVendor", renewal_status=False)
        row = next(r for r in await api.all("/subscriptions", customerId=s.customer_id) if r["id"] == s.id)
        assert (row["status"], row["renewalStatus"]) == ("suspendedByVendor", False)
    with pytest.raises(ValueError):
        sb.modify_subscription(s.id, quantity=3, line=5)
    assert sb.clock.now() - sb.clock.start >= timedelta(days=3)
