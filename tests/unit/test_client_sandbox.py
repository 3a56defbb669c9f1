"""The real client against the sandbox: every method, paging, token renewal, faults, order lifecycle."""

from __future__ import annotations

from decimal import Decimal

import pytest

from imtui.core.api import (
    AuthenticationError,
    BusinessRuleError,
    InvalidRequestError,
    InvalidResponseError,
    MarketplaceClient,
    NotFoundError,
    OrderOutcomeUnknownError,
    RateLimitedError,
    ServerError,
)
from imtui.core.api.models import CurrencyMismatchError, Money, OrderRequest, Period, totals_by_currency
from imtui.sandbox import Sandbox


def client_for(sandbox, name="us-demo", *, advance=True, **kwargs):
    account = sandbox.account(name)
    delays = []

    async def fake_sleep(seconds):
        delays.append(seconds)
        if advance:
            sandbox.clock.advance(seconds)  # a retry waits on the sandbox's clock, not the wall clock

    client = MarketplaceClient(
        account.base_url, account.marketplace, account.username, account.password, account.subscription_key,
        transport=sandbox.transport(), sleep=fake_sleep, clock=lambda: sandbox.clock.now().timestamp(), **kwargs,
    )
    client.delays = delays
    return client


def api_calls(sandbox, method, path):
    return [r for r in sandbox.requests if r.method == method and r.path == path]


async def test_login_then_reads_the_reseller_and_customers(sandbox):
    async with client_for(sandbox) as client:
        reseller = await client.get_reseller()
        customers = await client.list_customers()
        one = await client.get_customer(customers[0].id)
    assert reseller.currency == "USD" and reseller.id == sandbox.account("us-demo").reseller_id
    assert len(customers) == 48
    assert one.name == customers[0].name and one.address.city
    assert len(api_calls(sandbox, "POST", "/token")) == 1


async def test_paging_walks_every_page(sandbox):
    async with client_for(sandbox) as client:
        pages = [page async for page in client.pages("customers", limit=10)]
    assert [len(p.items) for p in pages] == [10, 10, 10, 10, 8]
    assert [p.offset for p in pages] == [0, 10, 20, 30, 40]
    ids = [row["id"] for p in pages for row in p.items]
    assert len(set(ids)) == 48


async def test_token_is_renewed_after_expiry_without_a_failed_call():
    sandbox = Sandbox(seed=7, token_ttl=300)
    async with client_for(sandbox) as client:
        await client.customers_page()
        sandbox.clock.advance(241)  # 59 s before expiry: inside the 60 s margin
        await client.customers_page()
    assert len(api_calls(sandbox, "POST", "/token")) == 2
    assert all(r.status == 200 for r in sandbox.requests)


async def test_revoked_token_mid_session_relogs_in_once(sandbox):
    async with client_for(sandbox) as client:
        await client.customers_page()
        sandbox.expire_tokens()
        customers, total = await client.customers_page()
    assert total == 48
    assert [r.status for r in sandbox.requests if r.path == "/customers"] == [200, 401, 200]


async def test_wrong_password_is_an_authentication_error_with_correlation_id(sandbox):
    account = sandbox.account("us-demo")
    async with MarketplaceClient(
        account.base_url, account.marketplace, account.username, "nope", account.subscription_key,
        transport=sandbox.transport(),
    ) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.customers_page()
    assert caught.value.status == 401 and caught.value.correlation_id
    assert "nope" not in str(caught.value)


async def test_products_with_one_mpn_in_two_terms(sandbox):
    async with client_for(sandbox) as client:
        products = await client.list_products()
        for product in products:
            assert product.mpn and product.name
        by_mpn = {}
        for product in products:
            by_mpn.setdefault(product.mpn, []).append(product)
        terms = next(v for v in by_mpn.values() if len({p.subscription_period.iso for p in v}) > 1)
    assert {"P1M", "P1Y"} <= {p.subscription_period.iso for p in terms}
    priced = [p for p in products if p.price is not None]
    assert all(isinstance(p.price.amount, Decimal) and p.price.currency == "USD" for p in priced)


async def test_subscriptions_list_rows_and_details(sandbox):
    async with client_for(sandbox) as client:
        rows = await client.list_subscriptions()
        statuses = {r.status for r in rows}
        active = await client.list_subscriptions(status="active")
        detail = next(d for d in await client.get_subscriptions([a.id for a in active]) if d.products)
        details = await client.get_subscriptions([r.id for r in rows[:30]], concurrency=5)
    assert {"active", "pending", "hold", "terminated", "removed"} <= statuses
    assert all(r.status == "active" for r in active)
    assert detail.seats and detail.products[0].unit_price.currency == "USD"
    assert detail.subscription_period.iso in {"P1M", "P1Y", "P3Y"}
    assert all(not isinstance(d, Exception) for d in details)
    assert any(d.seats is None for d in await _all_details(sandbox)), "plans without products parse with no seats"


async def _all_details(sandbox):
    async with client_for(sandbox) as client:
        rows = await client.list_subscriptions()
        return await client.get_subscriptions([r.id for r in rows])


async def test_comma_status_filter_is_refused_before_sending(sandbox):
    async with client_for(sandbox) as client:
        with pytest.raises(ValueError):
            await client.list_subscriptions(status="active,hold")


async def test_renewal_toggle_changes_only_renewal_status(sandbox):
    async with client_for(sandbox) as client:
        sub = (await client.list_subscriptions(status="active"))[0]
        before = await client.get_subscription(sub.id)
        after = await client.set_renewal(sub.id, not before.renewal_status)
        again = await client.get_subscription(sub.id)
    assert after.renewal_status is (not before.renewal_status) and again.renewal_status is after.renewal_status
    assert again.seats == before.seats and again.status == before.status


async def test_order_lifecycle_sales_estimate_place_poll_complete(sandbox):
    async with client_for(sandbox) as client:
        customer = next(c for c in await client.list_customers() if c.status == "active")
        product = next(p for p in await client.list_products() if p.vendor == "Microsoft" and p.minimum_quantity)
        order = OrderRequest.sales(
            customer.id, product.mpn, 3, vendor=product.vendor, subscription_period=product.subscription_period,
            billing_period=product.billing_period, po_number="PO-4711",
        )
        estimate = await client.estimate_order(order)
        assert estimate.total.currency == "USD" and estimate.total.amount > 0
        assert api_calls(sandbox, "POST", "/orders") == []
        placed = await client.place_order(order)
        assert placed.status == "submitted" and placed.order_number.startswith("SO")
        sandbox.clock.advance(3)
        assert (await client.get_order(placed.id)).status == "processing"
        sandbox.clock.advance(5)
        done = await client.get_order(placed.id)
        assert done.status == "completed" and done.finished and done.po_number == "PO-4711"
        listed = await client.list_orders(customer_id=customer.id)
        assert listed[0].id == placed.id  # newest first
        subs = await client.list_subscriptions(customer_id=customer.id)
        assert any(s.name == product.name or s.status == "active" for s in subs)


async def test_change_order_delta_and_second_change_is_a_business_rule(sandbox):
    async with client_for(sandbox) as client:
        good = {c.id for c in await client.list_customers() if c.status == "active"}
        rows = [r for r in await client.list_subscriptions(status="active") if r.customer_id in good]
        details = await client.get_subscriptions([r.id for r in rows])
        sub = next(d for d in details if d.seats and d.seats >= 2 and d.products[0].mpn)
        line = sub.products[0]
        first = await client.place_order(OrderRequest.change(sub.customer_id, sub.id, line.mpn, sub.seats + 2))
        with pytest.raises(BusinessRuleError) as caught:
            await client.place_order(OrderRequest.change(sub.customer_id, sub.id, line.mpn, sub.seats + 3))
        assert "already an Upgrade/Downgrade Order" in str(caught.value) and caught.value.correlation_id
        assert len(api_calls(sandbox, "POST", "/orders")) == 2  # the refused one was not retried
        sandbox.clock.advance(10)
        detail = await client.get_order(first.id)
        assert detail.status == "completed" and detail.products[0].quantity == 2
        assert (await client.get_subscription(sub.id)).seats == sub.seats + 2


async def test_cancellation_and_withdrawal(sandbox):
    async with client_for(sandbox) as client:
        sub = (await client.list_subscriptions(status="active"))[0]
        cancel = await client.place_order(OrderRequest.cancellation(sub.customer_id, sub.id))
        withdrawn = await client.withdraw_order(cancel.id)
        assert withdrawn.status == "cancelled"
        sandbox.clock.advance(10)
        assert (await client.get_subscription(sub.id)).status == "active"
        cancel = await client.place_order(OrderRequest.cancellation(sub.customer_id, sub.id))
        sandbox.clock.advance(10)
        assert (await client.get_subscription(sub.id)).status == "terminated"
        with pytest.raises((InvalidRequestError, BusinessRuleError)):
            await client.withdraw_order(cancel.id)  # completed: too late


async def test_renewal_extends_the_term(sandbox):
    async with client_for(sandbox) as client:
        rows = [r for r in await client.list_subscriptions(status="active") if r.expiration_date]
        sub = rows[0]
        await client.place_order(OrderRequest.renewal(sub.customer_id, sub.id))
        sandbox.clock.advance(10)
        after = await client.get_subscription(sub.id)
    assert after.expiration_date > sub.expiration_date


async def test_quantity_outside_limits_and_ambiguous_mpn_are_400(sandbox):
    async with client_for(sandbox) as client:
        customer = next(c for c in await client.list_customers() if c.status == "active")
        products = await client.list_products()
        bounded = next(p for p in products if p.maximum_quantity)
        with pytest.raises(InvalidRequestError):
            await client.estimate_order(
                OrderRequest.sales(customer.id, bounded.mpn, bounded.maximum_quantity + 1, vendor=bounded.vendor,
                                   subscription_period=bounded.subscription_period, billing_period=bounded.billing_period)
            )
        ambiguous = next(p.mpn for p in products if sum(q.mpn == p.mpn for q in products) > 1)
        with pytest.raises(InvalidRequestError) as caught:
            await client.place_order(OrderRequest.sales(customer.id, ambiguous, 1))
        assert "period" in str(caught.value).lower() or "vendor" in str(caught.value).lower()


async def test_credit_hold_customer_is_refused_in_words(sandbox):
    async with client_for(sandbox) as client:
        held = next(c for c in await client.list_customers() if c.status == "creditHold")
        product = next(p for p in await client.list_products() if p.vendor == "Microsoft")
        with pytest.raises(BusinessRuleError) as caught:
            await client.place_order(
                OrderRequest.sales(held.id, product.mpn, 1, vendor=product.vendor,
                                   subscription_period=product.subscription_period, billing_period=product.billing_period)
            )
    assert caught.value.message


async def test_unknown_ids_are_not_found(sandbox):
    async with client_for(sandbox) as client:
        for call in (client.get_customer, client.get_subscription, client.get_order):
            with pytest.raises(NotFoundError) as caught:
                await call("999999999")
            assert caught.value.correlation_id


@pytest.mark.parametrize("field", ["message", "error"])
async def test_error_bodies_with_message_or_error(sandbox, field):
    sandbox.faults.error_field = field
    async with client_for(sandbox) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.get_customer("424242")
    assert caught.value.message  # read from whichever field the deployment sends


async def test_rate_limit_is_retried_after_retry_after(sandbox):
    sandbox.faults.rate_limit = 3
    sandbox.faults.window_s = 10
    async with client_for(sandbox) as client:
        for _ in range(6):
            await client.customers_page()
    limited = [r for r in sandbox.requests if r.status == 429]
    assert limited, "the budget was exceeded"
    assert client.delays and all(d >= 1 for d in client.delays)


async def test_rate_limit_gives_up_with_a_clear_error(sandbox):
    sandbox.faults.rate_limit = 2
    sandbox.faults.window_s = 30
    async with client_for(sandbox, advance=False, max_retries=2) as client:
        await client.customers_page()
        with pytest.raises(RateLimitedError) as caught:
            await client.customers_page()
    assert caught.value.retry_after and "Wait" in str(caught.value)
    assert len(client.delays) == 2  # retried twice on the budget, then handed the user a clear error


async def test_a_long_retry_after_is_not_waited_out(sandbox):
    sandbox.faults.rate_limit = 2
    sandbox.faults.window_s = 3600
    async with client_for(sandbox, advance=False) as client:
        await client.customers_page()
        with pytest.raises(RateLimitedError) as caught:
            await client.customers_page()
    assert client.delays == [] and caught.value.retry_after > 60


@pytest.mark.parametrize("created", [True, False])
async def test_html_504_on_post_orders_is_not_retried(sandbox, created):
    sandbox.faults.order_gateway_timeout = "created" if created else "not_created"
    async with client_for(sandbox) as client:
        sub = (await client.list_subscriptions(status="active"))[0]
        before = len(sandbox.state.account("us-demo").orders)
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            await client.place_order(OrderRequest.renewal(sub.customer_id, sub.id, po_number="PO-504"))
    assert caught.value.html and caught.value.status == 504 and caught.value.po_number == "PO-504"
    assert len(api_calls(sandbox, "POST", "/orders")) == 1
    assert len(sandbox.state.account("us-demo").orders) == before + (1 if created else 0)


async def test_server_faults_on_a_read_are_retried_then_reported_with_correlation_id(sandbox):
    async with client_for(sandbox) as client:
        await client.customers_page()  # logged in
        sandbox.faults.fault_rate = 1.0
        with pytest.raises(ServerError) as caught:
            await client.customers_page()
    statuses = [r.status for r in sandbox.requests if r.path == "/customers"][1:]
    assert set(statuses) == {500, 503}  # the sandbox's generic 500 and its 503 are both transient on a read
    assert len(statuses) == 1 + client.max_retries
    assert caught.value.correlation_id and caught.value.status in (500, 503)
    assert f"{len(statuses)} tries" in str(caught.value)


async def test_malformed_json_is_an_invalid_response(sandbox):
    sandbox.faults.malformed_json_rate = 1.0
    async with client_for(sandbox) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await client.customers_page()
    assert caught.value.correlation_id


def test_money_keeps_currencies_apart():
    usd = Money(amount="10.50", currency="USD")
    assert usd + Money(amount=Decimal("0.25"), currency="USD") == Money(amount="10.75", currency="USD")
    with pytest.raises(CurrencyMismatchError):
        usd + Money(amount="1", currency="EUR")
    totals = totals_by_currency([usd, Money(amount="2", currency="EUR"), usd])
    assert totals["USD"].amount == Decimal("21.00") and totals["EUR"].amount == Decimal("2")
    assert Period(type="month", duration=1).iso == "P1M" and Period.from_iso("P3Y").to_api() == {"type": "year", "duration": 3}
