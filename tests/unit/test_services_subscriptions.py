"""services.subscriptions: the rows the browser and the CLI show, and the rules over them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from imtui.core.api import MarketplaceClient
from imtui.core.api.models import Money
from imtui.core.config import Mapping, PriceOverride
from imtui.core.refresh import Phase
from imtui.core.services.subscription_views import (
    SORT_COLUMNS,
    SubscriptionFilter,
    age_text,
    describe_totals,
    renewals,
    sort_views,
    totals,
)


@pytest.fixture
async def services(make_services, sandbox):
    """Services on the sandbox's clock (days left agree with its data), every account loaded once."""
    services = make_services()
    services.sandbox = sandbox  # services.now()/today() follow the sandbox clock, as in the demo
    result = await services.subscriptions.load()
    assert result.exit_code == 0
    yield services
    await services.aclose()


def upstream(sandbox):
    return {(a.name, sid): sub for a in sandbox.accounts for sid, sub in sandbox.state.account(a.name).subscriptions.items()}


async def test_rows_join_the_snapshot_with_clients_read_only_flags_and_prices(services, sandbox):
    views = services.subscriptions.rows()
    subs = upstream(sandbox)
    assert {v.key for v in views} == set(subs)
    view = next(v for v in views if v.seats and v.unit_price and v.account == "uk-demo")
    sub = subs[view.key]
    assert view.seats == sub.quantity and view.unit_price == Money(amount=sub.lines[0].price("GBP"), currency="GBP")
    assert view.client == view.customer_name and not view.mapped and not view.read_only
    assert view.days_left == (sub.renewal_date - sandbox.clock.now().date()).days

    def change(config):
        config.mappings = [Mapping(account="uk-demo", customer_id=view.customer_id, client="Zed Dental", how="manual")]
        config.accounts = [a.model_copy(update={"read_only": True, "markup_percent": Decimal(20)})
                           if a.name == "uk-demo" else a for a in config.accounts]

    services.change_config(change)
    again = next(v for v in services.subscriptions.rows("uk-demo") if v.key == view.key)
    assert again.client == "Zed Dental" and again.mapped and again.read_only
    assert again.unit_price.amount == (view.unit_cost.amount * Decimal("1.2")).quantize(Decimal("0.01"))
    assert again.margin == again.unit_price - again.unit_cost and again.price.basis == "markup"


async def test_a_price_override_wins_over_the_markup(services):
    view = next(v for v in services.subscriptions.rows("us-demo") if v.unit_cost and v.row.mpn)
    services.change_config(lambda c: c.price_overrides.append(
        PriceOverride(account="us-demo", mpn=view.row.mpn, price=Decimal("99.50"), currency="USD")))
    again = next(v for v in services.subscriptions.rows("us-demo") if v.key == view.key)
    assert again.unit_price == Money(amount=Decimal("99.50"), currency="USD") and again.price.basis == "override"


async def test_filters_status_term_window_account_customer_client_and_text(services, sandbox):
    views = services.subscriptions.rows()
    subs = upstream(sandbox)
    today = sandbox.clock.now().date()
    pick = SubscriptionFilter
    assert {v.key for v in pick(status="HOLD").apply(views)} == {k for k, s in subs.items() if s.status == "hold"}
    assert {v.key for v in pick(term="P1M").apply(views)} == {k for k, s in subs.items() if s.subscription_period == ("month", 1)}
    due = {k for k, s in subs.items() if s.status not in ("terminated", "removed") and s.renewal_date
           and 0 <= (s.renewal_date - today).days <= 60}
    assert {v.key for v in pick(renewing_within=60).apply(views)} == due
    assert {v.account for v in pick(account="de-demo").apply(views)} == {"de-demo"}
    one = views[0]
    mine = pick(account=one.account, customer_id=one.customer_id).apply(views)
    assert mine and all(v.customer_id == one.customer_id for v in mine)
    by_name = pick(client=one.customer_name.lower()).apply(views)  # any case: "ACME GMBH" and "Acme GmbH" both
    assert one in by_name and all(v.customer_name.casefold() == one.customer_name.casefold() for v in by_name)
    words = f"{one.product.split()[0].lower()} {one.id}"
    assert [v.key for v in pick(text=words).apply(views)] == [one.key]
    assert all(v.active for v in pick(active_only=True).apply(views))
    assert {v.key for v in pick(status="inactive").apply(views)} == {k for k, s in subs.items() if s.status in ("terminated", "removed")}


async def test_sorting_by_any_column_puts_unknown_values_last_either_way(services):
    views = services.subscriptions.rows()
    for column in SORT_COLUMNS:
        for reverse in (False, True):
            ordered = sort_views(views, column, reverse=reverse)
            keys = [SORT_COLUMNS[column](v) for v in ordered]
            known = [k for k in keys if k is not None]
            assert known == sorted(known, reverse=reverse), column
            assert keys[len(known):] == [None] * (len(keys) - len(known)), column
    seats = [v.seats for v in sort_views(views, "seats", reverse=True) if v.seats is not None]
    assert seats[0] == max(seats)


async def test_renewals_keep_annual_commitments_apart_from_monthly_roll_overs(services, sandbox):
    views = services.subscriptions.rows()
    due = renewals(views, 30)
    assert due.annual and due.monthly
    assert all(v.term != "P1M" for v in due.annual) and all(v.term == "P1M" for v in due.monthly)
    assert all(v.active and 0 <= v.days_left <= 30 for v in due.annual + due.monthly)
    assert [v.days_left for v in due.annual] == sorted(v.days_left for v in due.annual)
    assert len(renewals(views, 90).annual) >= len(due.annual)


async def test_totals_are_per_currency_and_billing_period_never_across(services):
    views = services.subscriptions.rows()
    found = totals(views)
    assert {t.currency for t in found} == {"USD", "GBP", "EUR"}
    usd_monthly = next(t for t in found if (t.currency, t.billing) == ("USD", "P1M"))
    expected = sum((v.unit_price.amount * v.seats for v in views
                    if v.active and v.account == "us-demo" and v.billing == "P1M" and v.unit_price and v.seats), Decimal(0))
    assert usd_monthly.price == Money(amount=expected, currency="USD")
    assert usd_monthly.margin == usd_monthly.price - usd_monthly.cost
    lines = describe_totals(found)
    assert len(lines) == 3 and lines[0].startswith("EUR ") and "a month" in lines[0]


async def test_detail_and_history_of_one_subscription(services, sandbox):
    view = next(v for v in services.subscriptions.rows("us-demo") if v.seats and v.active)
    details = services.subscriptions.detail(view.id)
    assert details.view.key == view.key and details.record.lines[0].vendor_subscription_id
    orders = await services.subscriptions.history(view.account, view.id)
    assert {o.id for o in orders} >= {o.id for o in details.orders}
    assert [o.pending for o in orders] == sorted((o.pending for o in orders), reverse=True)


async def test_freshness_and_refusals(services, sandbox):
    view = next(v for v in services.subscriptions.rows("us-demo") if v.active)
    ended = next(v for v in services.subscriptions.rows("us-demo") if not v.active)
    assert services.subscriptions.refusal(view) is None
    assert "terminated" in services.subscriptions.refusal(ended) or "removed" in services.subscriptions.refusal(ended)
    assert services.subscriptions.describe_freshness() == "as of just now"
    sandbox.clock.advance(3 * 3600)
    assert services.subscriptions.describe_freshness() == "as of 3 h ago"

    class Unreachable(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            raise httpx.ConnectError("connection refused", request=request)

    account = sandbox.account("us-demo")
    services._clients["us-demo"] = MarketplaceClient(  # the account's one client, its host down, no retry waits
        account.base_url, account.marketplace, account.username, account.password, account.subscription_key,
        transport=Unreachable(), max_retries=0,
    )
    result = await services.subscriptions.load()
    assert set(result.failed) == {"us-demo"}
    fresh = services.subscriptions.freshness()["us-demo"]
    assert fresh.error and fresh.refreshed_at is not None
    reason = services.subscriptions.refusal(view)
    assert "could not be reached" in reason and "3 h ago" in reason
    assert "STALE us-demo" in services.subscriptions.describe_freshness()
    assert services.subscriptions.rows("us-demo")  # the snapshot is still there


async def test_a_read_only_account_refuses_changes(services):
    services.change_config(lambda c: setattr(c, "accounts", [
        a.model_copy(update={"read_only": True}) if a.name == "de-demo" else a for a in c.accounts]))
    view = next(v for v in services.subscriptions.rows("de-demo") if v.active)
    assert "read-only" in services.subscriptions.refusal(view)


async def test_the_tracker_hands_over_list_rows_first_then_details(make_services, sandbox):
    services = make_services()
    services.sandbox = sandbox
    tracker = services.subscriptions.tracker()
    seen: list[tuple[str, int]] = []

    def listener(event):
        tracker(event)
        if event.phase in (Phase.SUBSCRIPTIONS, Phase.DETAILS) and tracker.pending:
            rows = tracker.take({})
            seen.append((event.phase, sum(1 for r in rows if r.details_loaded)))
            assert all(r.customer_name for r in rows)

    await services.subscriptions.load(listener)
    phases = [p for p, _ in seen]
    assert phases.index(Phase.DETAILS) > phases.index(Phase.SUBSCRIPTIONS)
    assert all(with_details == 0 for phase, with_details in seen if phase == Phase.SUBSCRIPTIONS)
    assert any(with_details for phase, with_details in seen if phase == Phase.DETAILS)
    assert set(tracker.progress.values()) == {"done"} and "us-demo: done" in tracker.text()
    await services.aclose()


def test_age_in_words():
    assert age_text(None) == "never"
    assert age_text(timedelta(seconds=20)) == "just now"
    assert age_text(timedelta(minutes=3, seconds=5)) == "3 min ago"
    assert age_text(timedelta(hours=5)) == "5 h ago"
    assert age_text(timedelta(days=3)) == "3 days ago"
