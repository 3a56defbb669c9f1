"""Subscriptions renew or expire as the sandbox clock passes their renewal date, as production does, and
cheaply: a request does not look at every subscription."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

import httpx

from imtui.sandbox import Sandbox
from imtui.sandbox.dates import add_period

from .sandbox_api import advance_to, login, midnight, relogin, subscription_where


async def renewal_orders(api, sid: str) -> list[dict]:
    return [o for o in (await api.ok("GET", "/orders", subscriptionId=sid, limit=100))["data"]
            if o["type"] == "renewal"]


@pytest.mark.parametrize("period", ["month", "year"])
async def test_auto_renewal_leaves_a_renewal_order_and_moves_the_term(sb, api, period):
    s = subscription_where(sb, period=period, renewal_status=True)
    day, seats = s.renewal_date, s.quantity
    before = await renewal_orders(api, s.id)
    advance_to(sb, midnight(day) - timedelta(seconds=1))
    api = await relogin(api)
    assert (await api.ok("GET", f"/subscriptions/{s.id}"))["renewalDate"] == day.isoformat()
    sb.clock.advance(2)
    d = await api.ok("GET", f"/subscriptions/{s.id}")
    term = add_period(day, s.subscription_period)
    assert (d["status"], d["renewalDate"], d["expirationDate"]) == ("active", term.isoformat(), term.isoformat())
    assert d["lastModifiedDate"] == day.isoformat() and d["products"][0]["quantity"] == seats
    after = await renewal_orders(api, s.id)
    assert len(after) == len(before) + 1
    rn = await api.ok("GET", f"/orders/{after[0]['id']}")
    assert rn["orderNumber"].startswith("RN") and (rn["status"], rn["statusCode"]) == ("completed", "CP")
    assert rn["creationDate"] == f"{day.isoformat()}T00:00:00Z" and rn["subscriptionId"] == s.id
    assert rn["products"][0]["quantity"] == seats
    assert Decimal(rn["total"]["amount"]) == Decimal(d["totalPrice"]["amount"])
    # the history stays newest first
    stamps = [o["creationDate"] for o in (await api.ok("GET", "/orders", limit=1000))["data"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_without_auto_renew_the_subscription_expires_on_its_date(sb, api):
    s = subscription_where(sb, period="month", renewal_status=True)
    day = s.renewal_date
    await api.ok("PATCH", f"/subscriptions/{s.id}", {"renewalStatus": False})
    before = await renewal_orders(api, s.id)
    advance_to(sb, midnight(day) + timedelta(hours=2))
    api = await relogin(api)
    d = await api.ok("GET", f"/subscriptions/{s.id}")
    assert (d["status"], d["renewalStatus"], d["lastModifiedDate"]) == ("terminated", False, day.isoformat())
    assert d["expirationDate"] == day.isoformat()
    assert await renewal_orders(api, s.id) == before
    assert s.id in {r["id"] for r in (await api.ok("GET", "/subscriptions", status="terminated", limit=1000))["data"]}


async def test_a_scheduled_change_fails_when_its_subscription_expires(sb, api):
    s = subscription_where(sb, period="year", renewal_status=True)
    seats, day = s.quantity, s.renewal_date
    order = await api.ok("POST", "/orders", {"type": "change", "customerId": s.customer_id, "scheduledOn": "renewal",
                                             "products": [{"subscriptionId": s.id, "mpn": s.lines[0].product.mpn,
                                                           "quantity": seats + 2}]})
    await api.ok("PATCH", f"/subscriptions/{s.id}", {"renewalStatus": False})
    advance_to(sb, midnight(day) + timedelta(seconds=1))
    api = await relogin(api)
    detail = await api.ok("GET", f"/orders/{order['id']}")
    assert (detail["status"], detail["statusCode"]) == ("error", "PF")
    d = await api.ok("GET", f"/subscriptions/{s.id}")
    assert d["status"] == "terminated" and d["products"][0]["quantity"] == seats


async def test_a_jump_of_three_months_renews_a_monthly_subscription_three_times(sb, api):
    s = subscription_where(sb, period="month", renewal_status=True)
    day = s.renewal_date
    before = len(await renewal_orders(api, s.id))
    advance_to(sb, midnight(add_period(day, ("month", 2))) + timedelta(hours=1))
    api = await relogin(api)
    d = await api.ok("GET", f"/subscriptions/{s.id}")
    assert d["renewalDate"] == add_period(day, ("month", 3)).isoformat()
    assert d["lastModifiedDate"] == add_period(day, ("month", 2)).isoformat()
    rows = await renewal_orders(api, s.id)
    assert len(rows) == before + 3
    assert [r["creationDate"][:10] for r in rows[:3]] == [add_period(day, ("month", k)).isoformat() for k in (2, 1, 0)]


async def test_renewals_happen_for_every_account_without_a_request_to_it(sb, api):
    uk = sb.state.account("uk-demo")
    s = subscription_where(sb, "uk-demo", period="month", renewal_status=True)
    day = s.renewal_date
    advance_to(sb, midnight(day) + timedelta(minutes=5))
    await relogin(api)  # a request to us-demo settles every built account
    assert uk.subscriptions[s.id].renewal_date == add_period(day, ("month", 1))
    assert uk.subscriptions[s.id].last_modified == day


class CountingDict(dict):
    """A dict that counts lookups and whole scans, to prove a request does not walk every subscription."""

    def __init__(self, *args):
        super().__init__(*args)
        self.lookups = self.scans = 0

    def get(self, key, default=None):
        self.lookups += 1
        return super().get(key, default)

    def __getitem__(self, key):
        self.lookups += 1
        return super().__getitem__(key)

    def values(self):
        self.scans += 1
        return super().values()

    def items(self):
        self.scans += 1
        return super().items()

    def __iter__(self):
        self.scans += 1
        return super().__iter__()


async def test_settling_renewals_is_cheap_with_twenty_thousand_subscriptions():
    sb = Sandbox(seed=3, customers=2000, subscriptions=20000)
    acct = sb.accounts[0]
    st = sb.state.account(acct.name)
    due_tomorrow = sum(1 for s in st.subscriptions.values()
                       if s.status in ("active", "hold") and s.renewal_date == sb.clock.now().date() + timedelta(days=1))
    assert 0 < due_tomorrow < 1000
    live_lines = sum(len(o.lines) for o in st.unfinished)  # seed changes that complete within 48 hours
    st.subscriptions = CountingDict(st.subscriptions)
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        api = await login(sb, client, acct)
        for _ in range(50):
            await api.ok("GET", "/resellers")
        assert (st.subscriptions.lookups, st.subscriptions.scans) == (0, 0)
        sb.clock.advance(86400)
        api = await relogin(api)
        await api.ok("GET", "/resellers")
        # one look at each subscription due and each live order's line, not at the 20,000
        assert st.subscriptions.scans == 0 and due_tomorrow <= st.subscriptions.lookups <= due_tomorrow + live_lines
        assert st.subscriptions.lookups < 1000
        looked = st.subscriptions.lookups
        for _ in range(50):
            await api.ok("GET", "/resellers")
        assert st.subscriptions.lookups == looked
    assert sb.errors == []
