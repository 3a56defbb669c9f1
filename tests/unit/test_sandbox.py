"""Business rules of the sandbox (the in-memory fake of the Cloud Marketplace API), tested over HTTP
through ``sb.transport()``, the way the client talks to it."""

from __future__ import annotations

import ast
import asyncio
import json
import re
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from imtui.sandbox import Faults, Sandbox

from .sandbox_api import (BASIC_MPN, MONTH, YEAR, Api, active_subscription, customer_with_status, login,
                          sales_body, token_response)

SANDBOX_DIR = Path(__file__).resolve().parents[2] / "imtui" / "sandbox"
ROW_KEYS = {"id", "name", "customerId", "status", "renewalStatus", "creationDate", "renewalDate", "expirationDate",
            "lastModifiedDate", "billingModel", "billingPeriod", "subscriptionPeriod"}


# --------------------------------------------------------------------------- independence


def test_sandbox_imports_neither_textual_nor_the_client():
    for path in SANDBOX_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("textual"), f"{path.name} imports {name}"
                assert not name.startswith("imtui.core"), f"{path.name} imports {name}"
    code = ("import sys, imtui.sandbox, imtui.sandbox.server; "
            "bad = [m for m in sys.modules if m.startswith(('textual', 'imtui.core', 'imtui.tui'))]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=SANDBOX_DIR.parent.parent)
    assert out.stdout.strip() == ""


def test_demo_accounts_look_real():
    sb = Sandbox(seed=42)
    assert len(sb.accounts) == 3
    assert {a.marketplace for a in sb.accounts} == {"us", "uk", "de"}
    assert len({a.currency for a in sb.accounts}) >= 2
    for a in sb.accounts:
        assert a.username.endswith(".api")
        assert re.fullmatch(r"[0-9a-f]{32}", a.subscription_key)
        assert len(a.password) >= 12 and not a.password.isalnum()
        assert re.search(r"/marketplace/(na|eu)$", a.base_url)
    assert Sandbox(seed=42).accounts == sb.accounts
    assert Sandbox(seed=7).accounts[0].subscription_key != sb.accounts[0].subscription_key


# --------------------------------------------------------------------------- authentication


async def test_token_and_conventions(sb):
    acct = sb.accounts[0]
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        r = await token_response(sb, client, acct)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json")
        assert re.fullmatch(r"a8n-[0-9a-f]{8,}", r.headers["x-correlation-id"])
        body = r.json()
        assert body["expiresInSeconds"] == 1500
        assert body["token"].count(".") == 2
        r2 = await token_response(sb, client, acct)
        assert r2.json()["token"] != body["token"]
        assert r2.headers["x-correlation-id"] != r.headers["x-correlation-id"]


@pytest.mark.parametrize("bad", ["username", "password", "key", "marketplace"])
async def test_token_rejects_any_wrong_credential(sb, bad):
    acct = sb.accounts[0]
    other = sb.accounts[1]
    wrong = {"username": "nobody.api", "password": "Wrong-pass-123!", "key": other.subscription_key,
             "marketplace": "usa"}
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        r = await token_response(sb, client, acct, **{bad: wrong[bad]})
    assert r.status_code == 401
    err = r.json()
    assert set(err) == {"timeStamp", "status", "message", "path", "correlationId"}
    assert err["status"] == 401 and err["correlationId"] == r.headers["x-correlation-id"]
    assert err["path"].endswith("/token")


async def test_token_needs_basic_auth(sb):
    acct = sb.accounts[0]
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        r = await client.post("/token", headers={"X-Subscription-Key": acct.subscription_key},
                              json={"marketplace": acct.marketplace})
    assert r.status_code == 401


async def test_token_is_tied_to_the_region_of_the_base_url(sb):
    uk = sb.account("uk-demo")
    async with httpx.AsyncClient(transport=sb.transport(), base_url=uk.base_url.replace("/eu", "/na")) as client:
        r = await token_response(sb, client, uk)
    assert r.status_code == 401


async def test_calls_need_bearer_token_and_the_same_key(sb, api):
    assert (await api.client.get("/customers", headers={"X-Subscription-Key": api.account.subscription_key})
            ).status_code == 401
    assert (await api.client.get("/customers", headers={"Authorization": f"Bearer {api.token}"})).status_code == 401
    other_key = sb.accounts[1].subscription_key
    r = await api.client.get("/customers", headers={"Authorization": f"Bearer {api.token}",
                                                    "X-Subscription-Key": other_key})
    assert r.status_code == 401
    r = await api.client.get("/customers", headers={"Authorization": "Bearer not-a-token",
                                                    "X-Subscription-Key": api.account.subscription_key})
    assert r.status_code == 401
    assert (await api.get("/customers")).status_code == 200


async def test_token_expires_on_the_sandbox_clock(sb, api):
    sb.clock.advance(1499)
    assert (await api.get("/resellers")).status_code == 200
    sb.clock.advance(1)
    r = await api.get("/resellers")
    assert r.status_code == 401 and "expired" in r.json()["message"]
    fresh = await login(sb, api.client, api.account)
    assert (await fresh.get("/resellers")).status_code == 200


async def test_expire_tokens(sb, api):
    sb.expire_tokens()
    assert (await api.get("/customers")).status_code == 401
    fresh = await login(sb, api.client, api.account)
    assert (await fresh.get("/customers")).status_code == 200


async def test_short_token_ttl():
    sb = Sandbox(seed=1, token_ttl=60)
    acct = sb.accounts[0]
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        r = await token_response(sb, client, acct)
        assert r.json()["expiresInSeconds"] == 60
        a = Api(sb, client, acct, r.json()["token"])
        sb.clock.advance(61)
        assert (await a.get("/customers")).status_code == 401


def test_handle_routes_with_or_without_prefix(sb):
    acct = sb.accounts[0]
    import base64

    basic = base64.b64encode(f"{acct.username}:{acct.password}".encode()).decode()
    r = sb.handle("POST", "/token", {}, {"Authorization": f"Basic {basic}", "X-Subscription-Key":
                                         acct.subscription_key}, json.dumps({"marketplace": "us"}).encode())
    assert r.status == 200
    h = {"Authorization": f"Bearer {r.json()['token']}", "X-Subscription-Key": acct.subscription_key}
    a = sb.handle("GET", "/customers", {"limit": ["3"]}, h, b"")
    b = sb.handle("GET", "/api/v1/marketplace/na/customers/", "limit=3", h, b"")
    assert a.status == b.status == 200
    assert a.json()["data"] == b.json()["data"] and len(a.json()["data"]) == 3
    assert sb.handle("GET", "/marketplace/na/nothing-here", {}, h, b"").status == 404
    assert [(rq.method, rq.path) for rq in sb.requests][-3:] == [
        ("GET", "/customers"), ("GET", "/customers"), ("GET", "/nothing-here")]


async def test_accounts_are_isolated(sb):
    us, uk = sb.account("us-demo"), sb.account("uk-demo")
    async with httpx.AsyncClient(transport=sb.transport(), base_url=us.base_url) as c1, \
            httpx.AsyncClient(transport=sb.transport(), base_url=uk.base_url) as c2:
        a_us, a_uk = await login(sb, c1, us), await login(sb, c2, uk)
        us_customers = await a_us.all("/customers")
        uk_customers = await a_uk.all("/customers")
        assert not {c["id"] for c in us_customers} & {c["id"] for c in uk_customers}
        assert {c["address"]["countryCode"] for c in uk_customers} == {"GB"}
        assert (await a_uk.get(f"/customers/{us_customers[0]['id']}")).status_code == 404
        us_sub = active_subscription(sb, "us-demo")
        assert (await a_uk.get(f"/subscriptions/{us_sub.id}")).status_code == 404
        assert (await a_uk.ok("GET", "/resellers"))["data"][0]["currency"] == "GBP"
        prices = (await a_uk.ok("GET", "/products", mpn=BASIC_MPN))["data"]
        assert {p["prices"][0]["currency"] for p in prices} == {"GBP"}
        # a token of one account cannot be used with the URL of another region
        r = await c1.get("/customers", headers=a_uk.headers)
        assert r.status_code == 401


# --------------------------------------------------------------------------- errors and lists


async def test_error_field_switch(sb, api):
    r = await api.get("/customers/999")
    assert r.status_code == 404
    assert set(r.json()) == {"timeStamp", "status", "message", "path", "correlationId"}
    sb.faults.error_field = "error"
    r = await api.get("/customers/999")
    body = r.json()
    assert set(body) == {"timestamp", "status", "error", "path", "correlationId"}
    assert "999" in body["error"] and body["path"].endswith("/customers/999")


async def test_pagination(sb, api):
    page = await api.ok("GET", "/customers")
    assert page["pagination"] == {"offset": 0, "limit": 10, "total": 48}
    assert len(page["data"]) == 10
    second = await api.ok("GET", "/customers", offset=10, limit=10)
    assert second["data"][0]["id"] != page["data"][0]["id"]
    everything = await api.all("/customers")
    assert len(everything) == len({c["id"] for c in everything}) == 48
    last = await api.ok("GET", "/customers", offset=45, limit=10)
    assert len(last["data"]) == 3
    beyond = await api.ok("GET", "/customers", offset=100)
    assert beyond["data"] == [] and beyond["pagination"]["total"] == 48
    capped = await api.ok("GET", "/subscriptions", limit=5000)
    assert capped["pagination"]["limit"] == 1000
    assert (await api.ok("GET", "/customers", colour="blue", limit=2))["pagination"]["total"] == 48


@pytest.mark.parametrize("params", [{"offset": "abc"}, {"limit": "ten"}, {"limit": "0"}, {"offset": "-1"}])
async def test_bad_paging_is_400(api, params):
    r = await api.get("/subscriptions", **params)
    assert r.status_code == 400 and r.json()["status"] == 400


@pytest.mark.parametrize("path", ["/subscriptions", "/orders"])
async def test_status_filter_takes_one_value(api, path):
    r = await api.get(path, status="active,pending" if path == "/subscriptions" else "completed,submitted")
    assert r.status_code == 400
    assert "status" in r.json()["message"]


# --------------------------------------------------------------------------- customers and resellers


async def test_customer_search(sb, api):
    acme = await api.all("/customers", name="acme")
    names = {c["name"] for c in acme}
    assert {"Acme Inc", "ACME INC.", "Acme Holdings LLC", "Acme North LLC", "Acme South LLC"} <= names
    assert all("acme" in n.lower() for n in names)
    some = next(c for c in sb.state.account("us-demo").customers.values() if c.get("externalId"))
    found = await api.ok("GET", "/customers", externalId=some["externalId"])
    assert [c["id"] for c in found["data"]] == [some["id"]]
    email = some["contactPersons"][0]["email"]
    found = await api.ok("GET", "/customers", email=email.upper())
    assert some["id"] in [c["id"] for c in found["data"]]
    assert (await api.ok("GET", "/customers", name="zzz-no-such"))["pagination"]["total"] == 0
    amp = (await api.ok("GET", "/customers", name="smith & sons"))["data"]
    assert [c["name"] for c in amp] == ["Smith & Sons Plumbing LLC"]
    one = await api.ok("GET", f"/customers/{some['id']}")
    assert one["name"] == some["name"] and one["resellerId"] == api.account.reseller_id
    r = await api.get("/customers/1")
    assert r.status_code == 404 and "not found" in r.json()["message"]


async def test_customer_seed_data_is_realistic(api):
    customers = await api.all("/customers")
    statuses = {c["status"] for c in customers}
    assert {"active", "creditHold", "adminHold", "pending", "cancelled"} <= statuses
    assert sum(c["status"] == "creditHold" for c in customers) == 1
    names = [c["name"] for c in customers]
    assert any("&" in n for n in names)
    assert any(n.endswith(("Inc", "Inc.")) for n in names) and any(n.endswith("LLC") for n in names)
    assert any("externalId" in c for c in customers) and any("externalId" not in c for c in customers)
    for c in customers:
        assert {"streetAddress", "postalCode", "city", "countryCode"} <= set(c["address"])
        assert c["contactPersons"] and c["language"] and c["name"]
        for p in c["contactPersons"]:
            assert {"type", "firstName", "lastName", "email", "phoneNumber"} <= set(p)
            assert "@" in p["email"]


async def test_near_duplicate_names_in_every_country(sb):
    for name, expected in (("uk-demo", {"Acme Ltd", "ACME LIMITED", "Acme Holdings", "Acme North Ltd",
                                        "Acme South Ltd"}),
                           ("de-demo", {"Acme GmbH", "ACME GMBH", "Acme Nord GmbH", "Acme Süd GmbH"})):
        acct = sb.account(name)
        async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
            a = await login(sb, client, acct)
            found = {c["name"] for c in await a.all("/customers", name="ACME")}
            assert expected <= found


async def test_resellers(api):
    page = await api.ok("GET", "/resellers")
    assert page["pagination"]["total"] == 1
    me = page["data"][0]
    assert me["id"] == api.account.reseller_id and me["currency"] == "USD"
    assert (await api.ok("GET", f"/resellers/{me['id']}"))["name"] == me["name"]
    assert (await api.get("/resellers/2000001")).status_code == 404


# --------------------------------------------------------------------------- products


async def test_products_same_mpn_on_several_terms(api):
    rows = (await api.ok("GET", "/products", mpn=BASIC_MPN))["data"]
    assert len(rows) == 3
    terms = {(r["subscriptionPeriod"]["type"], r["billingPeriod"]["type"]) for r in rows}
    assert terms == {("month", "month"), ("year", "month"), ("year", "year")}
    prices = {Decimal(r["prices"][0]["amount"]) for r in rows}
    assert len(prices) == 3
    monthly = next(r for r in rows if r["subscriptionPeriod"]["type"] == "month")
    yearly = next(r for r in rows if r["subscriptionPeriod"] == YEAR and r["billingPeriod"] == MONTH)
    assert Decimal(monthly["prices"][0]["amount"]) > Decimal(yearly["prices"][0]["amount"])
    for r in rows:
        assert r["minimumQuantity"] == "1" and r["maximumQuantity"] == "300"
        assert r["prices"][0]["type"] == "recurring" and isinstance(r["prices"][0]["amount"], str)
        assert Decimal(r["costs"][0]["amount"]) < Decimal(r["prices"][0]["amount"])


async def test_product_catalog_and_filters(api):
    everything = await api.all("/products")
    names = {p["name"] for p in everything}
    for expected in ("Microsoft 365 Business Basic", "Microsoft 365 Business Premium", "Microsoft 365 E3",
                     "Microsoft 365 E5", "Exchange Online (Plan 1)", "Microsoft Teams Essentials",
                     "Microsoft 365 Copilot", "Azure plan"):
        assert expected in names
    assert {"Microsoft", "Acronis", "Dropbox", "Adobe"} <= {p["vendor"] for p in everything}
    azure = next(p for p in everything if p["name"] == "Azure plan")
    assert "minimumQuantity" not in azure and "maximumQuantity" not in azure
    acronis = await api.all("/products", vendor="acronis")
    assert acronis and all(p["vendor"] == "Acronis" for p in acronis)
    e_products = await api.all("/products", name="microsoft 365 e")
    assert {p["name"] for p in e_products} == {"Microsoft 365 E3", "Microsoft 365 E5"}
    nce = await api.all("/products", serviceName="MICROSOFT_NCE")
    assert nce and all(p["vendor"] == "Microsoft" for p in nce) and len(nce) < len(everything)


# --------------------------------------------------------------------------- subscriptions


async def test_subscription_rows_have_no_quantities(api):
    rows = await api.all("/subscriptions")
    assert len(rows) == 120
    for r in rows:
        assert set(r) <= ROW_KEYS
        assert {"id", "name", "customerId", "status", "renewalStatus", "creationDate", "lastModifiedDate"} <= set(r)
        assert "quantity" not in r and "products" not in r and "totalPrice" not in r
        date.fromisoformat(r["creationDate"])
    statuses = {r["status"] for r in rows}
    # the five the yaml documents, and one it does not (enumerations grow)
    assert statuses == {"pending", "active", "hold", "terminated", "removed", "suspendedByVendor"}
    assert any(r["status"] == "pending" and "expirationDate" not in r for r in rows)
    for status in ("pending", "active", "hold", "terminated", "removed"):
        page = await api.ok("GET", "/subscriptions", status=status)
        assert page["pagination"]["total"] == sum(r["status"] == status for r in rows) > 0
        assert all(r["status"] == status for r in page["data"])


async def test_subscriptions_by_customer(sb, api):
    s = active_subscription(sb)
    rows = await api.all("/subscriptions", customerId=s.customer_id)
    assert s.id in {r["id"] for r in rows}
    assert {r["customerId"] for r in rows} == {s.customer_id}


async def test_subscription_detail(sb, api):
    s = active_subscription(sb)
    d = await api.ok("GET", f"/subscriptions/{s.id}")
    assert d["id"] == s.id and d["status"] == "active"
    [line] = d["products"]
    assert isinstance(line["quantity"], int) and line["quantity"] == s.quantity
    price = Decimal(line["unitPrice"]["amount"])
    assert Decimal(line["extendedPrice"]["amount"]) == price * line["quantity"]
    assert d["totalPrice"] == {"amount": line["extendedPrice"]["amount"], "currency": "USD"}
    assert line["mpn"] == s.lines[0].product.mpn and line["vendorSubscriptionId"]
    assert Decimal(line["unitCost"]["amount"]) < price
    assert (await api.get("/subscriptions/42")).status_code == 404


async def test_subscriptions_without_products(sb, api):
    st = sb.state.account("us-demo")
    azure = next(s for s in st.subscriptions.values() if s.name == "Azure plan")
    internal = next(s for s in st.subscriptions.values() if s.lines is None)
    d = await api.ok("GET", f"/subscriptions/{azure.id}")
    assert d["products"] == []
    d = await api.ok("GET", f"/subscriptions/{internal.id}")
    assert "products" not in d


async def test_patch_subscription_only_renewal_status(sb, api):
    s = active_subscription(sb)
    d = await api.ok("PATCH", f"/subscriptions/{s.id}", {"renewalStatus": False})
    assert d["renewalStatus"] is False and d["products"]
    row = next(r for r in await api.all("/subscriptions", customerId=s.customer_id) if r["id"] == s.id)
    assert row["renewalStatus"] is False
    assert (await api.ok("PATCH", f"/subscriptions/{s.id}", {"renewalStatus": True}))["renewalStatus"] is True
    before = s.quantity
    for body in ({"quantity": 99}, {"status": "terminated"}, {"renewalStatus": True, "products": []},
                 {"renewalStatus": "no"}, {}):
        r = await api.patch(f"/subscriptions/{s.id}", body)
        assert r.status_code == 400, body
        assert r.json()["message"]
    assert "renewalStatus" in (await api.patch(f"/subscriptions/{s.id}", {"quantity": 5})).json()["message"]
    assert sb.state.subscriptions[s.id].quantity == before
    assert (await api.patch("/subscriptions/42", {"renewalStatus": False})).status_code == 404


# --------------------------------------------------------------------------- orders


async def test_estimate_prices_without_side_effects(sb, api):
    cust = customer_with_status(sb, "active")
    n_orders = len(sb.state.account("us-demo").orders)
    n_subs = len(sb.state.account("us-demo").subscriptions)
    est = await api.ok("POST", "/orders/estimate", sales_body(cust["id"], quantity=4))
    [line] = est["products"]
    yearly = next(p for p in (await api.ok("GET", "/products", mpn=BASIC_MPN))["data"]
                  if p["subscriptionPeriod"] == YEAR and p["billingPeriod"] == MONTH)
    assert Decimal(line["extendedPrice"]["amount"]) == Decimal(yearly["prices"][0]["amount"]) * 4
    assert est["total"] == {"amount": line["extendedPrice"]["amount"], "currency": "USD"}
    assert "id" not in est and "orderNumber" not in est
    assert len(sb.state.account("us-demo").orders) == n_orders
    assert len(sb.state.account("us-demo").subscriptions) == n_subs
    # validated the same way as an order
    bad = sales_body(cust["id"], quantity=301)
    assert (await api.post("/orders/estimate", bad)).status_code == 400
    s = active_subscription(sb)
    est = await api.ok("POST", "/orders/estimate", {"type": "change", "customerId": s.customer_id, "products": [
        {"subscriptionId": s.id, "mpn": s.lines[0].product.mpn, "quantity": s.quantity + 2}]})
    assert est["products"][0]["quantity"] == 2
    assert sb.state.subscriptions[s.id].quantity == s.quantity


async def test_sales_order_lifecycle(sb, api):
    cust = customer_with_status(sb, "active")
    order = await api.ok("POST", "/orders", sales_body(cust["id"], quantity=3, parameters=[
        {"name": "domain", "value": "acme.example"}]))
    assert re.fullmatch(r"\d+", order["id"]) and re.fullmatch(r"SO\d{6}", order["orderNumber"])
    assert (order["status"], order["statusCode"]) == ("submitted", "NW")
    assert order["creationDate"] == "2026-11-20T09:00:00Z"
    assert order["poNumber"] == "PO-TEST-1"
    assert order["total"]["currency"] == "USD"
    [line] = order["products"]
    sid = line["subscriptionId"]
    sub = await api.ok("GET", f"/subscriptions/{sid}")
    assert sub["status"] == "pending" and "expirationDate" not in sub
    assert sub["customerId"] == cust["id"] and sub["products"][0]["quantity"] == 3
    assert sb.state.subscriptions[sid].parameters == [{"name": "domain", "value": "acme.example"}]
    seen = []
    for _ in range(4):
        d = await api.ok("GET", f"/orders/{order['id']}")
        seen.append((d["status"], d["statusCode"]))
        sb.clock.advance(2)
    assert seen == [("submitted", "NW"), ("processing", "AS"), ("processing", "LO"), ("completed", "CP")]
    sub = await api.ok("GET", f"/subscriptions/{sid}")
    assert sub["status"] == "active"
    assert sub["expirationDate"] == "2027-11-20" and sub["renewalDate"] == "2027-11-20"
    # newest first; rows lack poNumber and products; detail has them
    rows = (await api.ok("GET", "/orders", customerId=cust["id"]))["data"]
    assert rows[0]["id"] == order["id"]
    assert "poNumber" not in rows[0] and "products" not in rows[0]
    detail = await api.ok("GET", f"/orders/{order['id']}")
    assert detail["poNumber"] == "PO-TEST-1" and detail["products"][0]["mpn"] == BASIC_MPN


async def test_orders_list_is_newest_first(api):
    rows = await api.all("/orders")
    stamps = [r["creationDate"] for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert {r["type"] for r in rows} == {"sales", "change", "cancellation", "renewal", "transfer"}
    assert {"completed", "cancelled", "error", "processing"} <= {r["status"] for r in rows}
    prefixes = {r["type"]: r["orderNumber"][:2] for r in rows}
    assert prefixes == {"sales": "SO", "change": "CH", "cancellation": "CN", "renewal": "RN", "transfer": "TR"}
    for r in rows:
        assert "poNumber" not in r and "products" not in r


async def test_ambiguous_mpn_is_rejected(sb, api):
    cust = customer_with_status(sb, "active")
    body = {"type": "sales", "customerId": cust["id"], "products": [{"mpn": BASIC_MPN, "quantity": 1}]}
    r = await api.post("/orders", body)
    assert r.status_code == 400
    msg = r.json()["message"]
    assert "subscriptionPeriod" in msg and "billingPeriod" in msg and BASIC_MPN in msg
    # vendor alone does not settle it; the term alone still leaves two billing periods
    body["products"][0]["vendor"] = "Microsoft"
    assert (await api.post("/orders", body)).status_code == 400
    body["products"][0]["subscriptionPeriod"] = YEAR
    assert (await api.post("/orders", body)).status_code == 400
    body["products"][0]["billingPeriod"] = YEAR
    order = await api.ok("POST", "/orders", body)
    assert order["products"][0]["billingPeriod"] == YEAR
    # an unambiguous MPN needs nothing more
    r = await api.post("/orders", {"type": "sales", "customerId": cust["id"],
                                   "products": [{"mpn": "CFQ7TTC0LFLZ:0002", "quantity": 1,
                                                 "subscriptionPeriod": "P1M"}]})
    assert r.status_code == 400 and "object" in r.json()["message"]
    one = await api.post("/orders", {"customerId": cust["id"], "products": [{"mpn": "ACR-CPC-WKS-STD",
                                                                             "quantity": "2.0"}]})
    assert one.status_code == 200 and one.json()["products"][0]["quantity"] == 2
    assert [r.status for r in sb.requests if r.method == "POST" and r.path == "/orders"] == [
        400, 400, 400, 200, 400, 200]


@pytest.mark.parametrize("mpn,quantity", [(BASIC_MPN, 0), (BASIC_MPN, 301), ("DBX-BUS-ADV", 2),
                                          (BASIC_MPN, 2.5), (BASIC_MPN, "many")])
async def test_quantity_rules(sb, api, mpn, quantity):
    cust = customer_with_status(sb, "active")
    line = {"mpn": mpn, "quantity": quantity}
    if mpn == BASIC_MPN:
        line.update(subscriptionPeriod=YEAR, billingPeriod=MONTH)
    r = await api.post("/orders", {"type": "sales", "customerId": cust["id"], "products": [line]})
    assert r.status_code == 400
    assert "quantity" in r.json()["message"]


async def test_customer_rules(sb, api):
    held = customer_with_status(sb, "creditHold")
    r = await api.post("/orders", sales_body(held["id"]))
    assert r.status_code == 500
    assert "credit hold" in r.json()["message"] and held["id"] in r.json()["message"]
    assert (await api.post("/orders", sales_body("999999"))).status_code in (400, 404)
    assert (await api.post("/orders", {"type": "sales", "products": []})).status_code == 400
    assert (await api.post("/orders", {"type": "migration", "customerId": held["id"]})).status_code == 400
    # a customer put on credit hold at runtime is refused too
    cust = customer_with_status(sb, "active")
    sb.state.customers[cust["id"]]["status"] = "creditHold"
    assert (await api.post("/orders", sales_body(cust["id"]))).status_code == 500


async def test_change_order(sb, api):
    s = active_subscription(sb)
    before = s.quantity
    mpn = s.lines[0].product.mpn
    order = await api.ok("POST", "/orders", {"type": "change", "customerId": s.customer_id, "products": [
        {"subscriptionId": s.id, "mpn": mpn, "quantity": before + 2}]})
    assert re.fullmatch(r"CH\d{6}", order["orderNumber"])
    assert order["products"][0]["quantity"] == 2 and order["products"][0]["subscriptionId"] == s.id
    unit = Decimal((await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["unitPrice"]["amount"])
    assert Decimal(order["total"]["amount"]) == unit * 2
    # nothing changes before completion
    sb.clock.advance(5)
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["quantity"] == before
    # one change order at a time
    r = await api.post("/orders", {"type": "change", "customerId": s.customer_id, "products": [
        {"subscriptionId": s.id, "mpn": mpn, "quantity": before + 3}]})
    assert r.status_code == 500
    assert r.json()["message"].startswith(
        f"Cannot Upgrade/Downgrade Resources for Subscription #{s.id}: there is already an Upgrade/Downgrade "
        f"Order #{order['orderNumber']} in status Provisioning is in progress(LO).")
    sb.clock.advance(1)
    d = await api.ok("GET", f"/subscriptions/{s.id}")
    assert d["products"][0]["quantity"] == before + 2
    assert d["lastModifiedDate"] == "2026-11-20"
    detail = await api.ok("GET", f"/orders/{order['id']}")
    assert detail["status"] == "completed" and detail["products"][0]["quantity"] == 2
    # downgrade: negative delta, then a new total
    down = await api.ok("POST", "/orders", {"type": "change", "customerId": s.customer_id, "products": [
        {"subscriptionId": s.id, "mpn": mpn, "quantity": before + 1}]})
    assert down["products"][0]["quantity"] == -1
    sb.clock.advance(6)
    assert sb.state.subscriptions[s.id].quantity == before + 1
    # orders of this subscription
    mine = (await api.ok("GET", "/orders", subscriptionId=s.id))["data"]
    assert [o["id"] for o in mine[:2]] == [down["id"], order["id"]]


async def test_change_order_rejections(sb, api):
    s = active_subscription(sb)
    mpn = s.lines[0].product.mpn
    st = sb.state.account("us-demo")
    pending_before = list(st.unfinished)

    async def change(sub_id, quantity, customer=None, m=mpn):
        return await api.post("/orders", {"type": "change", "customerId": customer or s.customer_id,
                                          "products": [{"subscriptionId": sub_id, "mpn": m, "quantity": quantity}]})

    assert (await change(s.id, s.quantity)).status_code == 400  # nothing to change
    assert (await change(s.id, 0)).status_code == 400  # below the minimum
    assert (await change(s.id, 10**6)).status_code == 400  # above the maximum
    assert (await change(s.id, s.quantity + 1, m="NOT-THERE")).status_code == 400
    assert (await change("777", 3)).status_code in (400, 404)
    other_customer = next(c for c in st.customers.values() if c["id"] != s.customer_id and c["status"] == "active")
    assert (await change(s.id, s.quantity + 1, customer=other_customer["id"])).status_code in (400, 404)
    dead = next(x for x in st.subscriptions.values() if x.status == "terminated" and x.lines
                and st.customers[x.customer_id]["status"] == "active")
    r = await change(dead.id, dead.quantity + 1, customer=dead.customer_id, m=dead.lines[0].product.mpn)
    assert r.status_code == 500 and dead.id in r.json()["message"]
    assert st.unfinished == pending_before  # none of the refused orders was placed


async def test_cancellation_order(sb, api):
    s = active_subscription(sb)
    order = await api.ok("POST", "/orders", {"type": "cancellation", "customerId": s.customer_id,
                                             "subscriptionId": s.id})
    assert re.fullmatch(r"CN\d{6}", order["orderNumber"])
    assert order["subscriptionId"] == s.id
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["status"] == "active"
    sb.clock.advance(6)
    d = await api.ok("GET", f"/subscriptions/{s.id}")
    assert d["status"] == "terminated" and d["renewalStatus"] is False
    r = await api.post("/orders", {"type": "cancellation", "customerId": s.customer_id, "subscriptionId": s.id})
    assert r.status_code == 500 and "terminated" in r.json()["message"]
    # subscriptionId on the single product line works too
    s2 = active_subscription(sb, exclude={s.id})
    order2 = await api.ok("POST", "/orders", {"type": "cancellation", "customerId": s2.customer_id,
                                              "products": [{"subscriptionId": s2.id}]})
    sb.clock.advance(6)
    assert sb.state.subscriptions[s2.id].status == "terminated"
    assert (await api.ok("GET", f"/orders/{order2['id']}"))["status"] == "completed"


async def test_renewal_order_extends_the_term(sb, api):
    s = active_subscription(sb, period="year")
    before = s.expiration_date
    order = await api.ok("POST", "/orders", {"type": "renewal", "customerId": s.customer_id,
                                             "subscriptionId": s.id})
    assert re.fullmatch(r"RN\d{6}", order["orderNumber"])
    assert Decimal(order["total"]["amount"]) > 0
    sb.clock.advance(6)
    d = await api.ok("GET", f"/subscriptions/{s.id}")
    try:
        expected = before.replace(year=before.year + 1)
    except ValueError:  # 29 February
        expected = before.replace(year=before.year + 1, day=28)
    assert d["expirationDate"] == expected.isoformat() == d["renewalDate"]


async def test_change_scheduled_on_renewal(sb, api):
    s = active_subscription(sb, period="year")
    q = s.quantity
    mpn = s.lines[0].product.mpn
    await api.ok("POST", "/orders", {"type": "change", "customerId": s.customer_id, "scheduledOn": "renewal",
                                     "products": [{"subscriptionId": s.id, "mpn": mpn, "quantity": q + 4}]})
    sb.clock.advance(6)
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["quantity"] == q
    await api.ok("POST", "/orders", {"type": "renewal", "customerId": s.customer_id, "subscriptionId": s.id})
    sb.clock.advance(6)
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["quantity"] == q + 4


async def test_withdrawing_orders(sb, api):
    s = active_subscription(sb)
    q = s.quantity
    mpn = s.lines[0].product.mpn
    order = await api.ok("POST", "/orders", {"type": "change", "customerId": s.customer_id, "products": [
        {"subscriptionId": s.id, "mpn": mpn, "quantity": q + 5}]})
    sb.clock.advance(3)
    withdrawn = await api.ok("PATCH", f"/orders/{order['id']}", {"statusCode": "CL"})
    assert (withdrawn["status"], withdrawn["statusCode"]) == ("cancelled", "CL")
    sb.clock.advance(60)
    assert (await api.ok("GET", f"/orders/{order['id']}"))["status"] == "cancelled"
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["products"][0]["quantity"] == q
    rows = (await api.ok("GET", "/orders", status="cancelled", subscriptionId=s.id))["data"]
    assert [r["id"] for r in rows] == [order["id"]]
    # a new change is allowed once the blocking one is withdrawn
    again = await api.ok("POST", "/orders", {"type": "change", "customerId": s.customer_id, "products": [
        {"subscriptionId": s.id, "mpn": mpn, "quantity": q + 1}]})
    sb.clock.advance(6)
    r = await api.patch(f"/orders/{again['id']}", {"statusCode": "CL"})
    assert r.status_code == 500 and "completed" in r.json()["message"]
    assert (await api.patch(f"/orders/{again['id']}", {"statusCode": "CP"})).status_code == 400
    assert (await api.patch("/orders/12", {"statusCode": "CL"})).status_code == 404
    # a withdrawn sales order never yields an active subscription
    cust = customer_with_status(sb, "active")
    sale = await api.ok("POST", "/orders", sales_body(cust["id"]))
    await api.ok("PATCH", f"/orders/{sale['id']}", {"statusCode": "CL"})
    sb.clock.advance(10)
    sid = sale["products"][0]["subscriptionId"]
    assert (await api.ok("GET", f"/subscriptions/{sid}"))["status"] != "active"


async def test_order_filters(sb, api):
    cust = customer_with_status(sb, "active")
    sb.clock.advance(3600)
    api = await login(sb, api.client, api.account)  # the first token expired meanwhile
    since = "2026-11-20T09:30:00Z"
    order = await api.ok("POST", "/orders", sales_body(cust["id"]))
    got = (await api.ok("GET", "/orders", creationTimeFrom=since))["data"]
    assert [o["id"] for o in got] == [order["id"]]
    assert (await api.ok("GET", "/orders", orderNumber=order["orderNumber"]))["data"][0]["id"] == order["id"]
    old = (await api.ok("GET", "/orders", creationTimeTo="2026-11-20T09:30:00Z", limit=1000))
    assert order["id"] not in {o["id"] for o in old["data"]} and old["pagination"]["total"] > 100
    assert (await api.ok("GET", "/orders", status="submitted"))["pagination"]["total"] == 1
    assert (await api.get("/orders", creationTimeFrom="yesterday")).status_code == 400
    by_customer = (await api.ok("GET", "/orders", customerId=cust["id"], limit=100))["data"]
    assert by_customer and {o["customerId"] for o in by_customer} == {cust["id"]}


# --------------------------------------------------------------------------- faults


async def test_rate_limit(sb, api):
    sb.faults.rate_limit, sb.faults.window_s = 5, 10
    codes = [(await api.get("/resellers")).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    r = await api.get("/resellers")
    assert r.status_code == 429 and int(r.headers["retry-after"]) == 10
    assert r.json()["status"] == 429 and r.headers["x-correlation-id"]
    sb.clock.advance(4)
    assert int((await api.get("/resellers")).headers["retry-after"]) == 6
    sb.clock.advance(6)
    assert (await api.get("/resellers")).status_code == 200
    # the budget is per subscription key
    uk = sb.account("uk-demo")
    async with httpx.AsyncClient(transport=sb.transport(), base_url=uk.base_url) as client:
        assert (await (await login(sb, client, uk)).get("/resellers")).status_code == 200


async def test_fault_rate(sb, api):
    sb.faults.fault_rate = 1.0
    codes = {(await api.get("/customers")).status_code for _ in range(30)}
    assert codes == {500, 503}
    r = await api.get("/customers")
    assert set(r.json()) == {"timeStamp", "status", "message", "path", "correlationId"}
    # faults are answered before any effect
    cust = customer_with_status(sb, "active")
    n = len(sb.state.account("us-demo").orders)
    assert (await api.post("/orders", sales_body(cust["id"]))).status_code in (500, 503)
    assert len(sb.state.account("us-demo").orders) == n
    sb.faults.fault_rate = 0.3
    codes = [(await api.get("/resellers")).status_code for _ in range(100)]
    assert 10 < sum(c != 200 for c in codes) < 60


def test_fault_rate_is_deterministic():
    def run(seed):
        sb = Sandbox(seed=seed, faults=Faults(fault_rate=0.5))
        return [sb.handle("GET", "/resellers", {}, {}, b"").status for _ in range(40)]

    assert run(3) == run(3)
    assert run(3) != run(4)


@pytest.mark.parametrize("mode", ["created", "not_created"])
async def test_order_gateway_timeout(sb, api, mode):
    cust = customer_with_status(sb, "active")
    sb.faults.order_gateway_timeout = mode
    body = sales_body(cust["id"])
    body["poNumber"] = f"PO-504-{mode}"
    r = await api.post("/orders", body)
    assert r.status_code == 504
    assert r.headers["content-type"].startswith("text/html")
    assert b"504 Gateway Time-out" in r.content
    with pytest.raises(ValueError):
        r.json()
    sb.faults.order_gateway_timeout = None
    rows = (await api.ok("GET", "/orders", customerId=cust["id"], creationTimeFrom="2026-11-20T08:59:00Z"))["data"]
    pos = [(await api.ok("GET", f"/orders/{o['id']}")).get("poNumber") for o in rows]
    assert (f"PO-504-{mode}" in pos) == (mode == "created")
    assert sum(1 for rq in sb.requests if rq.method == "POST" and rq.path == "/orders") == 1


async def test_malformed_json(sb, api):
    sb.faults.malformed_json_rate = 1.0
    r = await api.get("/customers")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.content)
    sb.faults.malformed_json_rate = 0.0
    assert (await api.get("/customers")).json()["data"]


async def test_latency(sb, api):
    sb.faults.latency_ms = 60
    t0 = time.perf_counter()
    await asyncio.gather(*(api.get("/resellers") for _ in range(5)))
    elapsed = time.perf_counter() - t0
    assert 0.055 <= elapsed < 1.0  # concurrent requests wait together, not in a row


# --------------------------------------------------------------------------- determinism and scale


async def _transcript(seed: int) -> list[tuple[int, dict, bytes]]:
    sb = Sandbox(seed=seed)
    acct = sb.accounts[0]
    out = []
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        tok = await token_response(sb, client, acct)
        out.append((tok.status_code, dict(tok.headers), tok.content))
        a = Api(sb, client, acct, tok.json()["token"])
        for path, params in (("/customers", {"limit": 100}), ("/subscriptions", {"limit": 1000}),
                             ("/orders", {"limit": 1000}), ("/products", {"limit": 100}), ("/resellers", {})):
            r = await a.get(path, **params)
            out.append((r.status_code, dict(r.headers), r.content))
        subs = json.loads(out[2][2])["data"]
        for row in subs[:20]:
            r = await a.get(f"/subscriptions/{row['id']}")
            out.append((r.status_code, dict(r.headers), r.content))
        cust = json.loads(out[1][2])["data"][0]["id"]
        r = await a.post("/orders", sales_body(cust))
        out.append((r.status_code, dict(r.headers), r.content))
        sb.clock.advance(10)
        r = await a.get(f"/orders/{r.json()['id']}")
        out.append((r.status_code, dict(r.headers), r.content))
    return out


async def test_same_seed_same_bytes_different_seed_different_data():
    a, b = await _transcript(42), await _transcript(42)
    assert a == b
    c = await _transcript(43)
    assert a[1][2] != c[1][2]  # customers
    assert a[2][2] != c[2][2]  # subscriptions


async def test_large_sandbox_totals():
    sb = Sandbox(seed=5, customers=2000, subscriptions=50000)
    acct = sb.accounts[0]
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        a = await login(sb, client, acct)
        assert (await a.ok("GET", "/customers"))["pagination"]["total"] == 2000
        page = await a.ok("GET", "/subscriptions", limit=1000, offset=49500)
        assert page["pagination"]["total"] == 50000 and len(page["data"]) == 500
        assert len({r["id"] for r in page["data"]}) == 500
        detail = await a.ok("GET", f"/subscriptions/{page['data'][-1]['id']}")
        assert detail["id"] == page["data"][-1]["id"]
        assert (await a.ok("GET", "/orders", limit=1))["pagination"]["total"] > 50000
    # only the account that was used got built
    assert [st.account.name for st in sb.state.built()] == ["us-demo"]


def test_seed_data_does_not_depend_on_the_process():
    """Same seed, different hash randomisation: the same bytes."""
    code = (
        "import base64, hashlib, json\n"
        "from imtui.sandbox import Sandbox\n"
        "sb = Sandbox(seed=9)\n"
        "h = hashlib.sha256()\n"
        "for a in sb.accounts:\n"
        "    basic = base64.b64encode(f'{a.username}:{a.password}'.encode()).decode()\n"
        "    r = sb.handle('POST', '/token', {}, {'Authorization': 'Basic ' + basic,\n"
        "                  'X-Subscription-Key': a.subscription_key}, json.dumps({'marketplace': a.marketplace}).encode())\n"
        "    hd = {'Authorization': 'Bearer ' + r.json()['token'], 'X-Subscription-Key': a.subscription_key}\n"
        "    h.update(r.body)\n"
        "    for p in ('/customers', '/subscriptions', '/orders', '/products'):\n"
        "        h.update(sb.handle('GET', p, {'limit': ['1000']}, hd, b'').body)\n"
        "    for sid in list(sb.state.account(a.name).subscriptions)[:40]:\n"
        "        h.update(sb.handle('GET', '/subscriptions/' + sid, {}, hd, b'').body)\n"
        "print(h.hexdigest())\n"
    )
    import os

    outs = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                             cwd=SANDBOX_DIR.parent.parent)
        outs.add(out.stdout.strip())
    assert len(outs) == 1 and len(outs.pop()) == 64
