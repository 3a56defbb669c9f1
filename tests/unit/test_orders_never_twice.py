"""An order is never placed twice: an answer that does not say what happened is looked up by PO number and never
sent again; a double press of confirm places one order; the journal holds every attempt and outcome, and no
secret."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from imtui.core.api import ServerError
from imtui.core.api.client import MarketplaceClient
from imtui.core.journal import Journal, JournalWriteError
from imtui.core.services import Outcome
from imtui.sandbox.transport import SandboxTransport
from tests.money_support import ACCOUNT, active_customer, free_subscription, money, orders_with_po, writes  # noqa: F401

FAULTS = {
    "504": "order_gateway_timeout",
    "hang": "order_hang",
    "drop": "order_drop",
}


async def purchase_plan(money, sandbox, po="PO-NT-1", quantity=2):
    variant = await money.catalog.variant(ACCOUNT, "CFQ7TTC0LH18:0001", "P1M", "P1M")
    return await money.orders.plan_purchase(ACCOUNT, active_customer(sandbox), variant, quantity, po_number=po)


def short_order_timeout(money):
    money.client(ACCOUNT).order_timeout = 0.05  # a hung POST ends at once (no answer is no answer, however soon)


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_an_order_placed_before_its_answer_was_lost_is_found_and_not_placed_again(money, sandbox, fault):
    short_order_timeout(money)
    plan = await purchase_plan(money, sandbox, po=f"PO-{fault}")
    setattr(sandbox.faults, FAULTS[fault], "created")
    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.FOUND and outcome.placed, outcome.message
    assert "it was placed" in outcome.message and outcome.order.po_number == plan.po_number
    assert writes(sandbox) == [("POST", "/orders")] and len(orders_with_po(sandbox, plan.po_number)) == 1
    setattr(sandbox.faults, FAULTS[fault], None)
    again = await money.orders.place(plan)
    assert again.outcome == Outcome.BLOCKED and "already placed as SO" in again.message
    assert len(writes(sandbox)) == 1
    assert [e.outcome for e in money.journal.entries()] == ["pending", "found", "blocked"]
    await money.orders.watch(ACCOUNT, outcome.order.id)
    last = list(money.journal.entries())[-1]
    assert (last.action, last.outcome, last.order_id) == ("order.place", "completed", outcome.order.id)


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_an_order_that_never_arrived_is_reported_not_placed_and_may_be_placed_again(money, sandbox, fault):
    short_order_timeout(money)
    plan = await purchase_plan(money, sandbox, po=f"PO-{fault}-2")
    setattr(sandbox.faults, FAULTS[fault], "not_created")
    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.NOT_PLACED and outcome.may_place_again, outcome.message
    assert "it was not placed" in outcome.message and f"same PO number {plan.po_number}" in outcome.message
    assert money.waited == [5.0, 15.0]  # looked again, for an order still being created behind the gateway
    assert orders_with_po(sandbox, plan.po_number) == []
    setattr(sandbox.faults, FAULTS[fault], None)
    retry = await money.orders.place(plan)  # the same plan: the same PO number
    assert retry.outcome == Outcome.PLACED and len(orders_with_po(sandbox, plan.po_number)) == 1
    assert len(writes(sandbox)) == 2


async def test_when_the_lookup_fails_the_outcome_stays_unknown_and_nothing_is_sent_again(money, sandbox, monkeypatch):
    plan = await purchase_plan(money, sandbox, po="PO-UNK")
    sandbox.faults.order_gateway_timeout = "created"
    real = MarketplaceClient.list_orders

    async def failing(self, **filters):
        raise ServerError("Service Unavailable", status=503, method="GET", path="/orders", correlation_id="a8n-x")

    monkeypatch.setattr(MarketplaceClient, "list_orders", failing)
    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.UNKNOWN and not outcome.may_place_again
    assert "imtui orders lookup --account us-demo" in outcome.message and "PO-UNK" in outcome.message
    sandbox.faults.order_gateway_timeout = None
    blocked = await money.orders.place(plan)
    assert blocked.outcome == Outcome.BLOCKED and "unknown outcome" in blocked.message
    assert len(writes(sandbox)) == 1

    monkeypatch.setattr(MarketplaceClient, "list_orders", real)
    since = money.orders.last_attempt(ACCOUNT, plan.customer_id, "PO-UNK")
    found = await money.orders.lookup(ACCOUNT, plan.customer_id, "PO-UNK", since)
    assert found.outcome == Outcome.FOUND and found.order.order_number.startswith("SO")
    after = await money.orders.place(plan)
    assert "already placed as SO" in after.message and len(writes(sandbox)) == 1


async def test_a_double_press_of_confirm_places_one_order(money, sandbox):
    plan = await purchase_plan(money, sandbox, po="PO-TWICE")
    first, second = await asyncio.gather(money.orders.place(plan), money.orders.place(plan))
    outcomes = sorted([first.outcome, second.outcome])
    assert outcomes == sorted([Outcome.PLACED, Outcome.BLOCKED])
    assert len(orders_with_po(sandbox, "PO-TWICE")) == 1 and len(writes(sandbox)) == 1
    blocked = first if first.outcome == Outcome.BLOCKED else second
    assert "being placed right now" in blocked.message
    third = await money.orders.place(plan)
    assert "already placed" in third.message and len(writes(sandbox)) == 1


async def test_a_seat_change_gets_a_po_number_and_the_same_protection(money, sandbox):
    sub = free_subscription(sandbox)
    plan = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 1)
    results = await asyncio.gather(*(money.orders.place(plan) for _ in range(3)))
    assert [r.outcome for r in results].count(Outcome.PLACED) == 1 and len(writes(sandbox)) == 1


async def test_an_attempt_whose_process_died_before_the_answer_is_unknown(money, sandbox):
    plan = await purchase_plan(money, sandbox, po="PO-CRASH")
    money.journal.record(action="order.place", outcome="pending", account=ACCOUNT, customer_id=plan.customer_id,
                         po_number="PO-CRASH")
    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.BLOCKED and "unknown outcome" in outcome.message and writes(sandbox) == []


async def test_a_new_po_does_not_get_round_an_unknown_attempt_at_the_same_purchase(money, sandbox, monkeypatch):
    """Closing the dialog after "outcome unknown" and buying again gives a new PO number: the same product for the
    same customer is still refused until the first attempt is looked up; another product is not."""
    first = await purchase_plan(money, sandbox, po="PO-FIRST")
    sandbox.faults.order_gateway_timeout = "created"

    async def failing(self, **filters):
        raise ServerError("Service Unavailable", status=503, method="GET", path="/orders", correlation_id="a8n-y")

    real = MarketplaceClient.list_orders
    monkeypatch.setattr(MarketplaceClient, "list_orders", failing)
    assert (await money.orders.place(first)).outcome == Outcome.UNKNOWN
    sandbox.faults.order_gateway_timeout = None
    monkeypatch.setattr(MarketplaceClient, "list_orders", real)

    again = await purchase_plan(money, sandbox, po="PO-SECOND", quantity=3)
    blocked = await money.orders.place(again)
    assert blocked.outcome == Outcome.BLOCKED and blocked.unsure_po == "PO-FIRST", blocked.message
    assert "PO-FIRST" in blocked.message and "imtui orders lookup --account us-demo" in blocked.message
    assert writes(sandbox) == [("POST", "/orders")]

    other = await money.catalog.variant(ACCOUNT, "CFQ7TTC0LCHC:0002", "P1Y", "P1M")
    elsewhere = await money.orders.plan_purchase(ACCOUNT, first.customer_id, other, 1, po_number="PO-OTHER")
    assert (await money.orders.place(elsewhere)).outcome == Outcome.PLACED  # another product is no duplicate

    since = money.orders.last_attempt(ACCOUNT, first.customer_id, "PO-FIRST")
    assert (await money.orders.lookup(ACCOUNT, first.customer_id, "PO-FIRST", since)).outcome == Outcome.FOUND
    after = await money.orders.place(again)  # the first is known now (placed): a second one is the user's call
    assert after.outcome == Outcome.PLACED and len(orders_with_po(sandbox, "PO-FIRST")) == 1


async def test_a_lookup_soon_after_the_attempt_reads_again_before_saying_not_placed(money, sandbox):
    plan = await purchase_plan(money, sandbox, po="PO-SOON")
    money.journal.record(action="order.place", outcome="pending", account=ACCOUNT, customer_id=plan.customer_id,
                         po_number="PO-SOON")
    found = await money.orders.lookup(ACCOUNT, plan.customer_id, "PO-SOON", money.now())
    assert found.outcome == Outcome.NOT_PLACED and money.waited == [5.0, 15.0]


async def test_a_refusal_at_place_time_is_the_marketplaces_own_words(money, sandbox):
    sub = free_subscription(sandbox)
    plan = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 1)
    rival = await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 2)  # planned before the first was placed
    assert (await money.orders.place(plan)).placed
    outcome = await money.orders.place(rival)
    assert outcome.outcome == Outcome.REFUSED and outcome.may_place_again
    assert "already an Upgrade/Downgrade Order" in outcome.message and outcome.correlation_id.startswith("a8n-")
    assert outcome.correlation_id in outcome.message
    entry = list(money.journal.entries())[-1]
    assert (entry.outcome, entry.correlation_id) == ("refused", outcome.correlation_id)


async def test_no_order_is_sent_that_the_journal_cannot_record(money, sandbox, monkeypatch):
    plan = await purchase_plan(money, sandbox, po="PO-NOJOURNAL")

    def broken(self, **entry):
        raise JournalWriteError(self.path, OSError(28, "No space left on device"))

    monkeypatch.setattr(Journal, "record", broken)
    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.FAILED and "nothing was sent" in outcome.message and writes(sandbox) == []


async def test_a_journal_that_fails_after_the_order_does_not_hide_it(money, sandbox, monkeypatch):
    plan = await purchase_plan(money, sandbox, po="PO-LOUD")
    real = Journal.record

    def after_the_attempt(self, **entry):
        if entry["outcome"] != "pending":
            raise JournalWriteError(self.path, OSError(28, "No space left on device"))
        return real(self, **entry)

    monkeypatch.setattr(Journal, "record", after_the_attempt)
    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.PLACED and outcome.order.order_number.startswith("SO")
    assert any("WAS placed" in w and "No space left" in w for w in outcome.warnings)
    monkeypatch.setattr(Journal, "record", real)
    again = await money.orders.place(plan)  # the journal holds only the attempt: unknown, so never sent again
    assert again.outcome == Outcome.BLOCKED and len(writes(sandbox)) == 1


async def test_the_journal_has_success_and_failure_and_no_secret(money, sandbox):
    account = sandbox.account(ACCOUNT)
    good = await purchase_plan(money, sandbox, po="PO-J1")
    await money.orders.place(good)
    sandbox.faults.order_gateway_timeout = "not_created"
    await money.orders.place(await purchase_plan(money, sandbox, po="PO-J2"))
    sandbox.faults.order_gateway_timeout = None
    sub = free_subscription(sandbox)
    money.change_config(lambda c: c.accounts.__setitem__(0, c.accounts[0].model_copy(update={"read_only": True})))
    await money.orders.place(await money.orders.plan_seats(ACCOUNT, sub.id, sub.quantity + 1))
    entries = [(e.po_number or "-", e.outcome) for e in money.journal.entries()]
    assert entries[:4] == [("PO-J1", "pending"), ("PO-J1", "ok"), ("PO-J2", "pending"), ("PO-J2", "not_found")]
    assert entries[4][1] == "blocked"
    assert money.journal.verify().ok
    text = money.paths.journal_file.read_text()
    client = money.client(ACCOUNT)
    for secret in (account.password, account.subscription_key, client._token):
        assert secret and secret not in text
    first = next(money.journal.entries())
    assert first.customer_name and first.estimate.startswith("Marketplace price a month: ")


async def test_watching_backs_off_from_one_second_to_fifteen(money, sandbox):
    from imtui.sandbox import OrderTimings

    sandbox.order_timings = OrderTimings.lasting(120)
    plan = await purchase_plan(money, sandbox, po="PO-SLOW")
    outcome = await money.orders.place(plan)
    statuses = []
    final = await money.orders.watch(ACCOUNT, outcome.order.id, on_update=lambda o: statuses.append(o.status_code))
    assert final.status == "completed" and statuses == ["NW", "AS", "LO", "CP"]
    assert money.waited == [1, 2, 4, 8, 15, 15, 15, 15, 15, 15, 15]
    gets = [r for r in sandbox.requests if r.method == "GET" and r.path == f"/orders/{outcome.order.id}"]
    assert len(gets) == len(money.waited) + 1  # one read per wait: no busy loop


async def test_an_order_that_never_left_is_failed_nothing_was_sent(money, sandbox, monkeypatch):
    plan = await purchase_plan(money, sandbox, po="PO-OFFLINE")
    real = SandboxTransport.handle_async_request

    async def no_connection(self, request):
        if request.method == "POST" and request.url.path.endswith("/orders"):
            raise httpx.ConnectError("connection refused", request=request)
        return await real(self, request)

    monkeypatch.setattr(SandboxTransport, "handle_async_request", no_connection)
    outcome = await money.orders.place(plan)
    assert outcome.outcome == Outcome.FAILED and "nothing was sent" in outcome.message and outcome.may_place_again
    monkeypatch.setattr(SandboxTransport, "handle_async_request", real)
    assert (await money.orders.place(plan)).outcome == Outcome.PLACED
    assert len(orders_with_po(sandbox, "PO-OFFLINE")) == 1


async def test_po_numbers_are_matched_exactly_not_by_prefix(money, sandbox):
    for po in ("PO-10", "PO-1", "po-1"):
        outcome = await money.orders.place(await purchase_plan(money, sandbox, po=po))
        assert outcome.outcome == Outcome.PLACED, (po, outcome.message)
    assert money.journal.mentions(po_number="PO-1") and not money.journal.mentions(po_number="PO-2")
    assert [e.outcome for e in money.journal.entries(having={"po_number": "PO-1"})] == ["pending", "ok"]
