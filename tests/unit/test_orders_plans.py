"""services.orders plans and places seat changes, auto-renew, cancellations, purchases and withdrawals against the
sandbox: each end to end (the sandbox holds the change once the order completes), each refusal said before
anything is sent."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from imtui.core.config import Mapping
from imtui.core.errors import ServiceError
from imtui.core.services import Outcome
from tests.money_support import ACCOUNT, active_customer, estimates, free_subscription, money, writes  # noqa: F401


def sub_of(sandbox, sid):
    return sandbox.state.account(ACCOUNT).subscriptions[sid]


async def test_seats_up_end_to_end_the_sandbox_has_the_new_quantity_once_the_order_completes(money, sandbox):
    sub = free_subscription(sandbox, term="year")
    before = sub.quantity
    plan = await money.orders.plan_seats(ACCOUNT, sub.id, before + 2)
    assert plan.refusal is None and plan.seats_before == before and plan.seats_after == before + 2
    assert f"from {before} to {before + 2} seats now" in plan.sentence
    price = sub.lines[0].price("USD")
    assert plan.estimate.total.amount == price * 2  # the marketplace's own estimate, shown as it is
    labels = {line.label.split(" (")[0]: line.amount for line in plan.money}
    assert labels["Difference a month"].amount == price * 2 and labels["Difference a month"].currency == "USD"
    assert "Difference for the rest of the term" in labels and "Margin difference a month" in labels
    assert re.fullmatch(r"IMTUI-\d{8}-[2-9A-HJ-NP-Z]{6}", plan.po_number)

    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.PLACED and outcome.order.order_number.startswith("CH")
    assert writes(sandbox) == [("POST", "/orders")]
    seen = []
    final = await money.orders.watch(ACCOUNT, outcome.order.id, on_update=lambda o: seen.append(o.status))
    assert final.status == "completed" and seen[-1] == "completed" and seen[0] in ("submitted", "processing")
    assert sub_of(sandbox, sub.id).quantity == before + 2
    record = money.snapshot.subscription(sub.id, ACCOUNT)
    assert record.row.seats == before + 2  # the browser shows it without waiting for a sync
    assert any(o.id == outcome.order.id and o.status == "completed" for o in record.orders)
    journal = [(e.action, e.outcome) for e in money.journal.entries()]
    assert journal == [("subscription.seats", "pending"), ("subscription.seats", "ok"),
                       ("subscription.seats", "completed")]


async def test_seats_down_now_on_a_monthly_term_needs_no_renewal(money, sandbox):
    sub = free_subscription(sandbox, term="month")
    plan = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity - 1)
    assert plan.refusal is None and not plan.offers_at_renewal and plan.warnings == ()
    assert str(plan.money[0]).startswith("Difference a month: -")
    outcome = await money.orders.place(plan)
    await money.orders.watch(ACCOUNT, outcome.order.id)
    assert sub_of(sandbox, sub.id).quantity == plan.seats_after


async def test_an_annual_decrease_warns_and_scheduled_at_renewal_shows_as_pending(money, sandbox):
    sub = free_subscription(sandbox, term="year")
    before = sub.quantity
    plan = await money.orders.plan_seats(ACCOUNT, sub.id, before - 2)
    assert plan.offers_at_renewal and "may only be possible at renewal" in plan.warnings[0]
    scheduled = await money.orders.plan_seats(ACCOUNT, sub.id, before - 2, at_renewal=True)
    assert scheduled.at_renewal and scheduled.sentence.startswith(f"At the renewal on {sub.renewal_date}")
    outcome = await money.orders.place(scheduled)
    order = await money.orders.watch(ACCOUNT, outcome.order.id)
    assert (order.status, order.status_code) == ("processing", "SC")  # waits for the renewal: not followed for months
    assert sub_of(sandbox, sub.id).quantity == before
    pending = [o for o in money.snapshot.subscription(sub.id, ACCOUNT).orders if o.pending]
    assert [(o.id, o.status_code) for o in pending] == [(order.id, "SC")]

    posts, estimated = len(writes(sandbox)), estimates(sandbox)
    again = await money.orders.plan_seats(ACCOUNT, sub.id, before + 1)
    assert again.refusal and order.order_number in again.refusal and "scheduled for the renewal date" in again.refusal
    assert len(writes(sandbox)) == posts and estimates(sandbox) == estimated  # refused before anything was sent
    blocked = await money.orders.place(again)
    assert blocked.outcome == Outcome.BLOCKED and len(writes(sandbox)) == posts


async def test_a_change_pending_from_elsewhere_is_refused_naming_the_order_and_its_status(money, sandbox):
    st = sandbox.state.account(ACCOUNT)
    now = sandbox.clock.now()
    blocking = next(o for o in st.order_list if o.type == "change" and o.pending_at(now)
                    and st.subscriptions[o.subscription_id].status == "active")
    sub = st.subscriptions[blocking.subscription_id]
    plan = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 1)
    assert blocking.number in plan.refusal and "still pending" in plan.refusal
    assert writes(sandbox) == [] and estimates(sandbox) == 0


async def test_seat_counts_outside_the_products_bounds_or_not_whole_are_explained(money, sandbox):
    sub = free_subscription(sandbox)
    product = sub.lines[0].product
    too_many = await money.orders.plan_seats(ACCOUNT, sub.id, product.maximum + 1)
    assert f"allows {product.minimum} to {product.maximum} seats, not {product.maximum + 1}" in too_many.refusal
    for typed, words in ((0, "whole number above zero"), ("2.5", "whole number"), ("ten", "whole number"),
                         (sub.quantity, "already has")):
        plan = await money.orders.plan_seats(ACCOUNT, sub.id, typed)
        assert words in plan.refusal, (typed, plan.refusal)
    assert writes(sandbox) == [] and estimates(sandbox) == 0


async def test_auto_renew_is_toggled_and_journalled(money, sandbox):
    sub = next(s for s in sandbox.state.account(ACCOUNT).subscriptions.values()
               if s.status == "active" and s.renewal_status)
    plan = await money.orders.plan_auto_renew(ACCOUNT, sub.id, False)
    assert plan.refusal is None and plan.request is None and "ends on" in plan.sentence
    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.PLACED and "now off" in outcome.message
    assert sub_of(sandbox, sub.id).renewal_status is False
    assert money.snapshot.subscription(sub.id, ACCOUNT).row.auto_renew is False
    assert writes(sandbox) == [("PATCH", f"/subscriptions/{sub.id}")]
    again = await money.orders.plan_auto_renew(ACCOUNT, sub.id, False)
    assert "already off" in again.refusal
    on = await money.orders.place(await money.orders.plan_auto_renew(ACCOUNT, sub.id, True))
    assert on.placed and sub_of(sandbox, sub.id).renewal_status is True
    assert [e.outcome for e in money.journal.entries()] == ["pending", "ok", "pending", "ok"]


async def test_cancel_asks_for_the_client_name_and_terminates_the_subscription(money, sandbox):
    sub = free_subscription(sandbox)
    money.change_config(lambda c: c.set_mapping(Mapping(account=ACCOUNT, customer_id=sub.customer_id,
                                                        client="Acme Ltd", how="manual")))
    plan = await money.orders.plan_cancel(ACCOUNT, sub.id)
    assert plan.refusal is None and plan.confirm_phrase == "Acme Ltd" and "of Acme Ltd" in plan.sentence
    outcome = await money.orders.place(plan)
    assert outcome.placed and outcome.order.order_number.startswith("CN")
    await money.orders.watch(ACCOUNT, outcome.order.id)
    assert sub_of(sandbox, sub.id).status == "terminated"
    row = money.snapshot.subscription(sub.id, ACCOUNT).row
    assert row.status == "terminated" and row.inactive_reason == "terminated"
    assert "already terminated" in (await money.orders.plan_cancel(ACCOUNT, sub.id)).refusal


async def test_a_read_only_account_blocks_every_write_even_a_plan_made_before(money, sandbox):
    sub = free_subscription(sandbox)
    ready = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 1)
    money.change_config(lambda c: c.accounts.__setitem__(
        0, c.accounts[0].model_copy(update={"read_only": True})))
    variant = await money.catalog.variant(ACCOUNT, "CFQ7TTC0LCHC:0002", "P1Y", "P1M")
    plans = [
        await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 1),
        await money.orders.plan_auto_renew(ACCOUNT, sub.id, not sub.renewal_status),
        await money.orders.plan_cancel(ACCOUNT, sub.id),
        await money.orders.plan_purchase(ACCOUNT, sub.customer_id, variant, 1),
    ]
    for plan in plans:
        assert "read-only" in plan.refusal
        assert (await money.orders.place(plan)).outcome == Outcome.BLOCKED
    late = await money.orders.place(ready)  # planned while it could still buy: checked again at place time
    assert late.outcome == Outcome.BLOCKED and "read-only" in late.message
    assert writes(sandbox) == []


async def test_the_accounts_limits_are_enforced_with_the_reason(money, sandbox):
    sub = free_subscription(sandbox, term="year", room=5)
    money.change_config(lambda c: c.accounts.__setitem__(0, c.accounts[0].model_copy(
        update={"max_seats_per_order": 3, "max_order_total": Decimal("100")})))
    more = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 4)
    assert "adds 4 seats" in more.refusal and "at most 3" in more.refusal
    fewer = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity - 4)
    assert fewer.refusal is None  # the limit bounds what an order adds
    variant = await money.catalog.variant(ACCOUNT, "CFQ7TTC0LCHC:0002", "P1Y", "P1M")
    costly = await money.orders.plan_purchase(ACCOUNT, sub.customer_id, variant, 2)
    assert costly.refusal == ("528.00 USD for the term is over account us-demo's order limit of 100.00 USD "
                              "(max order total).")
    assert writes(sandbox) == []


async def test_a_purchase_says_what_it_does_in_words_and_the_new_subscription_appears(money, sandbox):
    cid = active_customer(sandbox)
    money.change_config(lambda c: c.set_mapping(Mapping(account=ACCOUNT, customer_id=cid, client="Acme Ltd",
                                                        how="manual")))
    variant = await money.catalog.variant(ACCOUNT, "CFQ7TTC0LCHC:0002", "P1Y", "P1M")
    plan = await money.orders.plan_purchase(ACCOUNT, cid, variant, 5)
    assert plan.sentence == ("Buy 5 × Microsoft 365 Business Premium, 1-year term billed monthly, for Acme Ltd: "
                             "110.00 USD a month, 1,320.00 USD for the term")
    assert plan.estimate.total.amount == Decimal("110.00") and plan.refusal is None
    outcome = await money.orders.place(plan)
    assert outcome.placed and outcome.order.order_number.startswith("SO")
    await money.orders.watch(ACCOUNT, outcome.order.id)
    st = sandbox.state.account(ACCOUNT)
    new = st.subscriptions[outcome.order.products[0].subscription_id]
    assert (new.status, new.quantity, new.subscription_period, new.billing_period) == (
        "active", 5, ("year", 1), ("month", 1))
    assert money.snapshot.subscription(new.id, ACCOUNT).row.seats == 5
    assert st.orders[outcome.order.id].po_number == plan.po_number


async def test_the_marketplaces_refusal_at_the_estimate_is_the_plans_refusal(money, sandbox):
    cid = active_customer(sandbox, status="creditHold")
    variant = await money.catalog.variant(ACCOUNT, "CFQ7TTC0LCHC:0002", "P1M", "P1M")
    plan = await money.orders.plan_purchase(ACCOUNT, cid, variant, 1)
    assert "credit hold" in plan.refusal and "correlation id a8n-" in plan.refusal
    assert (await money.orders.place(plan)).outcome == Outcome.BLOCKED and writes(sandbox) == []


async def test_activation_parameters_are_asked_for_and_sent(money, sandbox):
    cid = active_customer(sandbox)
    variant = await money.catalog.variant(ACCOUNT, "GWS-BUS-STARTER", "P1M", "P1M")
    missing = await money.orders.plan_purchase(ACCOUNT, cid, variant, 3)
    assert "domain" in missing.refusal and "--param domain=VALUE" in missing.refusal
    bad = await money.orders.plan_purchase(ACCOUNT, cid, variant, 3, parameters={"domain": "not a domain"})
    assert "not a valid domain" in bad.refusal
    good = await money.orders.plan_purchase(ACCOUNT, cid, variant, 3, parameters={"domain": "acme.example"},
                                            po_number="PO-GWS-1")
    assert good.refusal is None and good.po_number == "PO-GWS-1"
    outcome = await money.orders.place(good)
    assert outcome.order.products[0].parameters[0].value == "acme.example"


async def test_a_typed_po_number_is_checked(money, sandbox):
    variant = await money.catalog.variant(ACCOUNT, "CFQ7TTC0LCHC:0002", "P1M", "P1M")
    plan = await money.orders.plan_purchase(ACCOUNT, active_customer(sandbox), variant, 1, po_number="PO\n1")
    assert "PO number" in plan.refusal


async def test_an_order_not_completed_is_withdrawn(money, sandbox):
    sub = free_subscription(sandbox)
    placed = await money.orders.place(await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 1))
    plan = await money.orders.plan_withdraw(ACCOUNT, placed.order.id)
    assert plan.refusal is None and plan.sentence.startswith(f"Withdraw order {placed.order.order_number}")
    outcome = await money.orders.place(plan)
    assert outcome.placed and outcome.order.status == "cancelled"
    sandbox.clock.advance(60)
    assert sub_of(sandbox, sub.id).quantity == sub.quantity  # never applied
    assert "already cancelled" in (await money.orders.plan_withdraw(ACCOUNT, placed.order.id)).refusal


async def test_the_account_of_a_subscription_is_found_when_not_named(money, sandbox):
    sub = free_subscription(sandbox, "uk-demo")
    assert await money.orders.account_of(sub.id) == "uk-demo"
    assert await money.orders.account_of(sub.id, "uk-demo") == "uk-demo"
    with pytest.raises(ServiceError, match="no account has it"):
        await money.orders.account_of("999999999")


async def test_a_subscription_the_marketplace_cannot_be_asked_about_is_shown_from_the_snapshot_refused(money, sandbox):
    await money.sync.run(["us-demo"])
    sub = free_subscription(sandbox)
    sandbox.faults.fault_rate = 1.0  # every request fails: the marketplace is unreachable in effect
    money.client(ACCOUNT).policy.max_retries = 0
    plan = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 1)
    assert plan.refusal.startswith("The subscription could not be read fresh from the marketplace")
    assert plan.customer_id == sub.customer_id and f"from {sub.quantity} to" in plan.sentence
    sandbox.faults.fault_rate = 0.0
    assert (await money.orders.place(plan)).outcome == Outcome.BLOCKED and writes(sandbox) == []
