"""Orders in the sandbox as the order and subscription screens will meet them: changes scheduled on renewal,
business-rule messages that name the blocking order's real status, change lines in order detail, pending
changes in the seed data, activation parameters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx

from imtui.sandbox import OrderTimings, Sandbox

from .sandbox_api import (active_subscription, advance_to, customer_with_status, login, midnight, relogin,
                          subscription_where)


def change_body(s, quantity: int, **extra) -> dict:
    return {"type": "change", "customerId": s.customer_id, **extra,
            "products": [{"subscriptionId": s.id, "mpn": s.lines[0].product.mpn, "quantity": quantity}]}


# --------------------------------------------------------------------------- scheduled on renewal


async def test_a_change_scheduled_on_renewal_waits_for_the_renewal_date(sb, api):
    s = subscription_where(sb, period="year", renewal_status=True, min_days=3)
    seats, renewal = s.quantity, s.renewal_date
    order = await api.ok("POST", "/orders", change_body(s, seats + 3, scheduledOn="renewal", poNumber="PO-SCH"))
    assert (order["status"], order["statusCode"]) == ("submitted", "NW")
    sb.clock.advance(60)
    detail = await api.ok("GET", f"/orders/{order['id']}")
    assert (detail["status"], detail["statusCode"]) == ("processing", "SC")
    assert detail["products"][0]["quantity"] == 3 and detail["poNumber"] == "PO-SCH"
    # it shows on the subscription's orders, and blocks a second change with its real status
    mine = (await api.ok("GET", "/orders", subscriptionId=s.id))["data"]
    assert (mine[0]["id"], mine[0]["statusCode"]) == (order["id"], "SC")
    second = await api.post("/orders", change_body(s, seats + 1))
    assert second.status_code == 500
    assert (f"there is already an Upgrade/Downgrade Order #{order['orderNumber']} in status "
            "Scheduled for the renewal date(SC)") in second.json()["message"]
    # the order clock does not complete it: the renewal date does
    advance_to(sb, midnight(renewal) - timedelta(seconds=1))
    api = await relogin(api)
    assert (await api.ok("GET", f"/orders/{order['id']}"))["statusCode"] == "SC"
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["quantity"] == seats
    sb.clock.advance(2)
    done = await api.ok("GET", f"/orders/{order['id']}")
    sub = await api.ok("GET", f"/subscriptions/{s.id}")
    assert (done["status"], done["statusCode"]) == ("completed", "CP")
    assert sub["products"][0]["quantity"] == seats + 3
    assert sub["lastModifiedDate"] == renewal.isoformat() and sub["renewalDate"] > renewal.isoformat()
    # and a new change may be placed again
    assert (await api.post("/orders", change_body(s, seats + 4))).status_code == 200


async def test_a_scheduled_change_can_be_withdrawn_until_it_completes(sb, api):
    s = subscription_where(sb, period="year", renewal_status=True, min_days=3)
    seats, renewal = s.quantity, s.renewal_date
    order = await api.ok("POST", "/orders", change_body(s, seats - 1 if seats > 1 else seats + 1,
                                                         scheduledOn="renewal"))
    sb.clock.advance(86400)  # a day later, still before the renewal
    api = await relogin(api)
    withdrawn = await api.ok("PATCH", f"/orders/{order['id']}", {"statusCode": "CL"})
    assert (withdrawn["status"], withdrawn["statusCode"]) == ("cancelled", "CL")
    advance_to(sb, midnight(renewal) + timedelta(hours=1))
    api = await relogin(api)
    assert (await api.ok("GET", f"/orders/{order['id']}"))["status"] == "cancelled"
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["quantity"] == seats
    # one that completed cannot be withdrawn
    late = await api.ok("POST", "/orders", change_body(s, seats + 2, scheduledOn="renewal"))
    advance_to(sb, midnight(sb.state.subscriptions[s.id].renewal_date) + timedelta(seconds=1))
    api = await relogin(api)
    r = await api.patch(f"/orders/{late['id']}", {"statusCode": "CL"})
    assert r.status_code == 500 and "completed" in r.json()["message"]
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["quantity"] == seats + 2


async def test_immediate_changes_still_complete_on_the_order_clock():
    sb = Sandbox(seed=42, order_timings=OrderTimings.lasting(90))
    s = active_subscription(sb)
    seats = s.quantity
    acct = sb.accounts[0]
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        order = await api.ok("POST", "/orders", change_body(s, seats + 2))
        seen = []
        for step in (29, 2, 30, 28, 1):  # 29 s, 31 s, 61 s, 89 s, 90 s
            sb.clock.advance(step)
            d = await api.ok("GET", f"/orders/{order['id']}")
            seen.append(d["statusCode"])
        assert seen == ["NW", "AS", "LO", "LO", "CP"]
        assert (await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["quantity"] == seats + 2
    assert sb.errors == []


# --------------------------------------------------------------------------- business-rule messages


async def test_the_business_rule_names_the_blocking_orders_real_status(sb, api):
    s = active_subscription(sb)
    first = await api.ok("POST", "/orders", change_body(s, s.quantity + 1))
    messages = []
    for step in (0, 2.5, 2):  # submitted, processing AS, processing LO
        sb.clock.advance(step)
        r = await api.post("/orders", change_body(s, s.quantity + 2))
        assert r.status_code == 500
        messages.append(r.json()["message"])
    assert [f"Order #{first['orderNumber']} in status {label}." in m for m, label in zip(messages, (
        "Submitted(NW)", "Awaiting provisioning(AS)", "Provisioning is in progress(LO)"))] == [True] * 3
    renewal = await api.ok("POST", "/orders", {"type": "renewal", "customerId": s.customer_id,
                                               "subscriptionId": s.id})
    r = await api.post("/orders", {"type": "renewal", "customerId": s.customer_id, "subscriptionId": s.id})
    assert r.status_code == 500 and f"#{renewal['orderNumber']} in status Submitted(NW)" in r.json()["message"]


async def test_change_lines_carry_the_signed_delta_and_po_is_in_detail_only(sb, api):
    s = active_subscription(sb)
    seats = s.quantity
    target = seats - 1 if seats > 1 else seats + 1
    order = await api.ok("POST", "/orders", change_body(s, target, poNumber="PO-DELTA"))
    sb.clock.advance(10)
    detail = await api.ok("GET", f"/orders/{order['id']}")
    assert detail["products"][0]["quantity"] == target - seats == (-1 if seats > 1 else 1)
    assert sb.state.subscriptions[s.id].quantity == target
    assert detail["poNumber"] == "PO-DELTA" and detail["subscriptionId"] == s.id
    row = next(o for o in (await api.ok("GET", "/orders", subscriptionId=s.id))["data"] if o["id"] == order["id"])
    assert "poNumber" not in row and "products" not in row
    unit = Decimal((await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["unitPrice"]["amount"])
    assert Decimal(detail["total"]["amount"]) == unit * detail["products"][0]["quantity"]


# --------------------------------------------------------------------------- pending changes in the seed


async def test_seed_has_a_change_still_processing_that_blocks_a_second_one(sb, api):
    st = sb.state.account("us-demo")
    pending = [o for o in st.order_list if o.type == "change" and o.status_at(sb.clock.now()) == ("processing", "LO")]
    assert pending, "every account holds a change order still processing"
    o = pending[0]
    sub = st.subscriptions[o.subscription_id]
    seats, target = sub.quantity, o.lines[0].new_total
    listed = (await api.ok("GET", "/orders", subscriptionId=sub.id))["data"][0]
    assert (listed["id"], listed["status"], listed["statusCode"]) == (o.id, "processing", "LO")
    r = await api.post("/orders", change_body(sub, seats + (1 if target != seats + 1 else 2)))
    assert r.status_code == 500
    assert f"Order #{o.number} in status Provisioning is in progress(LO)" in r.json()["message"]
    sb.clock.advance(48 * 3600)
    api = await relogin(api)
    assert (await api.ok("GET", f"/orders/{o.id}"))["status"] == "completed"
    assert (await api.ok("GET", f"/subscriptions/{sub.id}"))["products"][0]["quantity"] == target


async def test_seed_has_a_change_scheduled_on_renewal(sb, api):
    st = sb.state.account("us-demo")
    o = next(o for o in st.order_list if o.type == "change" and o.status_at(sb.clock.now())[1] == "SC")
    sub = st.subscriptions[o.subscription_id]
    seats, target, renewal = sub.quantity, o.lines[0].new_total, sub.renewal_date
    assert sub.renewal_status and sub.subscription_period[0] == "year"
    detail = await api.ok("GET", f"/orders/{o.id}")
    assert detail["products"][0]["quantity"] == target - seats and detail["poNumber"]
    advance_to(sb, midnight(renewal) + timedelta(minutes=1))
    api = await relogin(api)
    assert (await api.ok("GET", f"/orders/{o.id}"))["statusCode"] == "CP"
    assert (await api.ok("GET", f"/subscriptions/{sub.id}"))["products"][0]["quantity"] == target


# --------------------------------------------------------------------------- activation parameters


async def test_a_product_that_needs_a_domain(sb, api):
    cust = customer_with_status(sb, "active")
    line = {"mpn": "GWS-BUS-STARTER", "quantity": 3}
    missing = {"type": "sales", "customerId": cust["id"], "products": [line]}
    for path in ("/orders/estimate", "/orders"):
        r = await api.post(path, missing)
        assert r.status_code == 400 and "'domain'" in r.json()["message"], r.text
    bad = {**missing, "products": [{**line, "parameters": [{"name": "domain", "value": "not a domain"}]}]}
    r = await api.post("/orders", bad)
    assert r.status_code == 400 and "not a valid domain" in r.json()["message"]
    n_orders = len(sb.state.account("us-demo").orders)
    good = {**missing, "products": [{**line, "parameters": [{"name": "domain", "value": "acme-example.com"}]}]}
    order = await api.ok("POST", "/orders", good)
    assert len(sb.state.account("us-demo").orders) == n_orders + 1
    assert order["products"][0]["parameters"] == [{"name": "domain", "value": "acme-example.com"}]
    sb.clock.advance(10)
    detail = await api.ok("GET", f"/orders/{order['id']}")
    assert detail["products"][0]["parameters"] == [{"name": "domain", "value": "acme-example.com"}]
    sub = await api.ok("GET", f"/subscriptions/{detail['products'][0]['subscriptionId']}")
    assert sub["status"] == "active" and sub["orderParameters"] == [{"name": "domain", "value": "acme-example.com"}]
    # products that need nothing still take none
    plain = await api.ok("POST", "/orders", {"type": "sales", "customerId": cust["id"],
                                             "products": [{"mpn": "ACR-CPC-WKS-STD", "quantity": 2}]})
    assert "parameters" not in plain["products"][0]


async def test_validation_of_parameters_says_what_a_product_needs(sb, api):
    cust = customer_with_status(sb, "active")
    body = {"customerId": cust["id"], "products": [
        {"mpn": "GWS-BUS-STARTER", "parameters": []},
        {"mpn": "GWS-BUS-STD", "parameters": [{"name": "domain", "value": "northwind.example"}]},
        {"mpn": "ACR-CPC-WKS-STD", "parameters": []}]}
    data = (await api.ok("POST", "/validation/parameters", body))["data"]
    assert [d["mpn"] for d in data] == ["GWS-BUS-STARTER", "GWS-BUS-STD", "ACR-CPC-WKS-STD"]
    [missing], [given], nothing = (d["parameters"] for d in data)
    assert (missing["name"], missing["result"]) == ("domain", "error") and "required" in missing["message"]
    assert (given["result"], given["value"]) == ("success", "northwind.example")
    assert nothing == []
    assert (await api.post("/validation/parameters", {**body, "customerId": "999"})).status_code == 404
    assert (await api.post("/validation/parameters", {"customerId": cust["id"]})).status_code == 400
    assert (await api.get("/validation/parameters")).status_code == 405
