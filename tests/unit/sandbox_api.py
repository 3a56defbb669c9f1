"""Helpers for the sandbox tests: a logged-in client per account and finders for seed data."""

from __future__ import annotations

import httpx

from imtui.sandbox import Sandbox, SandboxAccount

BASIC_MPN = "CFQ7TTC0LH18:0001"  # Microsoft 365 Business Basic, sold on three terms
MONTH = {"type": "month", "duration": 1}
YEAR = {"type": "year", "duration": 1}


class Api:
    """A logged-in client for one sandbox account."""

    def __init__(self, sb: Sandbox, client: httpx.AsyncClient, account: SandboxAccount, token: str) -> None:
        self.sb, self.client, self.account, self.token = sb, client, account, token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Subscription-Key": self.account.subscription_key}

    async def get(self, path: str, **params) -> httpx.Response:
        return await self.client.get(path, params=params or None, headers=self.headers)

    async def post(self, path: str, body) -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.headers)

    async def patch(self, path: str, body) -> httpx.Response:
        return await self.client.patch(path, json=body, headers=self.headers)

    async def ok(self, method: str, path: str, body=None, **params):
        r = await (self.get(path, **params) if method == "GET" else getattr(self, method.lower())(path, body))
        assert r.status_code == 200, r.text
        return r.json()

    async def all(self, path: str, **params) -> list[dict]:
        rows, offset = [], 0
        while True:
            page = await self.ok("GET", path, offset=offset, limit=500, **params)
            rows += page["data"]
            offset += len(page["data"])
            if not page["data"] or offset >= page["pagination"]["total"]:
                return rows


async def token_response(sb: Sandbox, client: httpx.AsyncClient, acct: SandboxAccount, *, username=None,
                         password=None, key=None, marketplace=None) -> httpx.Response:
    return await client.post(
        "/token",
        auth=(username or acct.username, password or acct.password),
        headers={"X-Subscription-Key": key or acct.subscription_key},
        json={"marketplace": marketplace or acct.marketplace},
    )


async def login(sb: Sandbox, client: httpx.AsyncClient, acct: SandboxAccount) -> Api:
    r = await token_response(sb, client, acct)
    assert r.status_code == 200, r.text
    return Api(sb, client, acct, r.json()["token"])



def active_subscription(sb: Sandbox, account: str = "us-demo", *, period: str | None = None, exclude=()):
    """An active subscription with a product line, of an active customer, with no order pending on it."""
    st = sb.state.account(account)
    now = sb.clock.now()
    for s in st.subscriptions.values():
        if (s.status == "active" and s.lines and st.customers[s.customer_id]["status"] == "active"
                and s.id not in exclude and (period is None or s.subscription_period[0] == period)
                and s.lines[0].product.maximum and s.lines[0].quantity + 5 <= s.lines[0].product.maximum
                and not any(o.pending_at(now) for o in st.orders_by_subscription.get(s.id, ()))):
            return s
    raise AssertionError("no suitable subscription in the seed data")


def customer_with_status(sb: Sandbox, status: str, account: str = "us-demo") -> dict:
    return next(c for c in sb.state.account(account).customers.values() if c["status"] == status)


def sales_body(customer_id: str, quantity=3, **extra) -> dict:
    line = {"mpn": BASIC_MPN, "vendor": "Microsoft", "subscriptionPeriod": YEAR, "billingPeriod": MONTH,
            "quantity": quantity}
    line.update(extra)
    return {"type": "sales", "customerId": customer_id, "poNumber": "PO-TEST-1", "products": [line]}


async def relogin(api: Api) -> Api:
    """A fresh token for the same account (after the clock moved past the old one's expiry)."""
    return await login(api.sb, api.client, api.account)


def advance_to(sb: Sandbox, when) -> None:
    """Move the sandbox clock to ``when`` (an aware datetime)."""
    sb.clock.advance(max(0.0, (when - sb.clock.now()).total_seconds()))


def midnight(day):
    """00:00 UTC of ``day`` (a date), when the sandbox renews what renews that day."""
    from datetime import datetime, timezone

    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def subscription_where(sb: Sandbox, account: str = "us-demo", **wanted):
    """The first subscription matching every ``attribute=value`` (and active, of an active customer, with
    product lines and nothing pending) - e.g. ``renewal_status=True``, ``period="year"``."""
    period = wanted.pop("period", None)
    min_days = wanted.pop("min_days", 0)
    st = sb.state.account(account)
    now = sb.clock.now()
    for s in st.subscriptions.values():
        if (s.status == "active" and s.lines and st.customers[s.customer_id]["status"] == "active"
                and (period is None or s.subscription_period[0] == period)
                and all(getattr(s, k) == v for k, v in wanted.items())
                and (s.renewal_date - now.date()).days >= min_days
                and s.lines[0].product.maximum and s.lines[0].quantity + 5 <= s.lines[0].product.maximum
                and not any(o.pending_at(now) for o in st.orders_by_subscription.get(s.id, ()))):
            return s
    raise AssertionError(f"no subscription with {wanted} in the seed data")
