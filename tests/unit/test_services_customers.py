"""services.customers: one unreadable customer costs only itself; a failed load keeps the last good one."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from imtui.core.api import ApiError
from imtui.core.api.retry import RetryPolicy
from tests.support import FlakyTransport, customers_of


async def load(services, name: str):
    return [page async for page in services.customers.pages(name)]


async def test_an_unreadable_customer_is_skipped_into_the_report_and_the_rest_kept(make_services, sandbox):
    state = sandbox.state.account("uk-demo")
    bad = list(state.customers)[2]
    state.customers[bad]["contactPersons"] = "nobody"
    services = make_services()
    pages = await load(services, "uk-demo")
    assert pages[-1].loaded == 47 and pages[-1].report.skipped_ids() == [bad]
    assert len(services.customers.cached("uk-demo")) == 47
    assert services.customers.report("uk-demo").summary() == f"1 unreadable row skipped ({bad})"


async def test_a_failed_load_keeps_the_last_good_one_and_when_it_was_loaded(make_services, monkeypatch):
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, retry, rng: 0.001)
    services = make_services()
    transport = FlakyTransport(services.transport)
    services.transport = transport
    then = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)
    services.now = lambda: then
    await load(services, "us-demo")
    kept = services.customers.cached("us-demo")
    assert len(kept) == 48 and services.customers.loaded_at("us-demo") == then

    transport.fail(customers_of("na"))
    services.now = lambda: datetime(2025, 3, 1, 9, 45, tzinfo=timezone.utc)
    with pytest.raises(ApiError):
        await load(services, "us-demo")
    assert services.customers.cached("us-demo") is kept and services.customers.loaded_at("us-demo") == then

    services.customers.forget("us-demo")
    assert services.customers.cached("us-demo") is None and services.customers.loaded_at("us-demo") is None
