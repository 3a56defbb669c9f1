"""One rate budget per subscription key: 429s pause every caller of the key, a proactive rate keeps a sync at
the key's budget without 429s, and a 429 without Retry-After is waited out for about a minute."""

from __future__ import annotations

import asyncio
import math

import httpx
import pytest

from imtui.core.api import MarketplaceClient, RateBudget, RateBudgets, RateLimitedError
from imtui.core.api.budget import key_fingerprint
from imtui.sandbox import Clock, Sandbox
from tests.unit.client_script import KEY, Script, answer, error_body, make_client
from tests.unit.virtual_time import virtual_time

TOO_MANY = error_body(429, "Too Many Requests")


def detail(request: httpx.Request) -> httpx.Response:
    sid = request.url.path.rsplit("/", 1)[-1]
    return httpx.Response(200, json={"id": sid, "products": [{"mpn": "M", "quantity": 3}]})


# ---------------------------------------------------------------- 429 on one caller


async def test_429_without_retry_after_backs_off_growing_for_about_a_minute():
    script = Script(answer(429, TOO_MANY))
    notices = []
    async with make_client(script, on_retry=notices.append) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.get_customer("1")
    waits = client.delays
    assert 55 <= sum(waits) <= 75, waits  # today: 6.7 s
    assert all(later > earlier for earlier, later in zip(waits[:4], waits[1:5])), "grows"
    assert waits[0] >= 0.5
    assert all("asked to slow down (HTTP 429)" in str(n) for n in notices) and len(notices) == len(waits)
    assert "imtui waited about a minute" in str(caught.value)


async def test_429_then_success_is_a_success():
    script = Script(answer(429, TOO_MANY), answer(429, TOO_MANY), answer(200, {"id": "1"}))
    async with make_client(script) as client:
        assert (await client.get_customer("1")).id == "1"
        stats = client.budget.stats()
    assert stats.rate_limited == 2 and stats.requests == 4  # login + 3 tries
    assert 1.5 <= client.delays[0] + client.delays[1] <= 3.0


async def test_a_long_retry_after_is_handed_to_the_user_in_minutes():
    script = Script(answer(429, TOO_MANY, headers={"Retry-After": "600"}))
    async with make_client(script) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.get_customer("1")
    assert client.delays == [] and caught.value.retry_after == 600
    assert "Wait 10 minutes and try again" in str(caught.value)


async def test_post_orders_is_not_retried_on_429_and_says_nothing_was_ordered():
    from imtui.core.api.models import OrderRequest

    script = Script(answer(429, TOO_MANY, headers={"Retry-After": "5"}))
    async with make_client(script) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.place_order(OrderRequest.sales("1", "MPN", 1))
    assert len(script.api_calls()) == 1
    assert "Nothing was ordered" in str(caught.value) and "Wait 5 s" in str(caught.value)


# ---------------------------------------------------------------- one budget per key


async def test_clients_of_one_key_share_one_budget_and_the_key_is_never_in_it():
    one = MarketplaceClient("https://a.test/marketplace/eu", "uk", "u.api", "pw", KEY)
    two = MarketplaceClient("https://a.test/marketplace/eu", "de", "v.api", "pw2", KEY)
    other = MarketplaceClient("https://a.test/marketplace/eu", "uk", "u.api", "pw", "f" * 32)
    try:
        assert one.budget is two.budget is RateBudgets.default().for_key(KEY)
        assert other.budget is not one.budget
        assert KEY not in repr(one.budget) and KEY not in one.budget.name
        assert key_fingerprint(KEY) in one.budget.name
    finally:
        for client in (one, two, other):
            await client.aclose()


async def test_a_429_pauses_every_caller_of_the_key_in_every_client():
    """Two clients of one key, eight calls in flight: after one 429 with Retry-After 5, nobody sends for 5 s."""
    async with virtual_time() as vt:
        sent: list[tuple[float, str]] = []
        limited = {"done": False}

        async def gateway(request: httpx.Request) -> httpx.Response:
            sent.append((vt.now(), request.url.path))
            await asyncio.sleep(0.05)
            if not request.url.path.endswith("/token") and vt.now() >= 1 and not limited["done"]:
                limited["done"], limited["at"] = True, vt.now()
                return answer(429, TOO_MANY, headers={"Retry-After": "5"})
            if request.url.path.endswith("/token"):
                return httpx.Response(200, json={"token": "t", "expiresInSeconds": 1500})
            return detail(request)

        budgets = RateBudgets(clock=vt.time, sleep=asyncio.sleep)
        clients = [make_client(Script(gateway), sleep=asyncio.sleep, clock=vt.time, budgets=budgets) for _ in range(2)]
        outsider = make_client(Script(gateway), sleep=asyncio.sleep, clock=vt.time, budgets=budgets)
        outsider._subscription_key = "e" * 32  # noqa: SLF001 - another key: its own budget
        outsider.budget = budgets.for_key("e" * 32)

        async def worker(client, n):
            for i in range(40):
                await client.get_subscription(f"{n}{i}")

        await asyncio.gather(*(worker(clients[n % 2], n) for n in range(8)))
        for client in (*clients, outsider):
            await client.aclose()
    during = [t for t, _ in sent if limited["at"] < t < limited["at"] + 5]
    assert during == [], f"{len(during)} requests went out during the pause"
    stats = clients[0].budget.stats()
    assert stats.rate_limited == 1 and stats.pauses == 1
    assert stats.requests == 8 * 40 + 2 + 1  # every detail, two logins, one retry
    assert stats.waited_s >= 7 * 5 * 0.9  # the other callers waited out the pause too


def test_the_429s_of_one_burst_pause_once_and_grow_the_back_off_once():
    now = [0.0]
    budget = RateBudget("t", clock=lambda: now[0], sleep=None)
    tickets = [budget._epoch for _ in range(10)]  # noqa: SLF001 - ten requests sent before any answer
    first = budget.rate_limited(tickets[0], None)
    rest = [budget.rate_limited(t, None) for t in tickets[1:]]
    assert 0.5 <= first <= 1.0 and all(d == pytest.approx(first) for d in rest)
    assert budget.stats().pauses == 1 and budget.stats().rate_limited == 10
    now[0] += first
    second = budget.rate_limited(budget._epoch, None)  # noqa: SLF001 - a request sent after the pause
    assert 1.0 <= second <= 2.0  # the back-off grew once
    budget.answered(budget._epoch, 200)  # noqa: SLF001 - a success after the latest pause resets it
    now[0] += second
    assert 0.5 <= budget.rate_limited(budget._epoch, None) <= 1.0  # noqa: SLF001


# ---------------------------------------------------------------- the proactive budget


async def test_a_proactive_rate_spaces_requests_exactly():
    async with virtual_time() as vt:
        budget = RateBudget("t", rate=10, burst=3, clock=vt.time, sleep=asyncio.sleep)
        times = []

        async def one():
            await budget.acquire()
            times.append(round(vt.now(), 2))

        await asyncio.gather(*(one() for _ in range(8)))
    assert times == [0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert budget.stats().requests == 8 and budget.stats().waited_s == pytest.approx(1.5, abs=0.01)


async def test_a_sync_of_details_runs_at_the_budget_and_far_faster_than_one_at_a_time():
    """The sync's shape in small: 400 details at 60 ms each against a 100/s budget."""
    count, rate, latency = 400, 100.0, 0.06

    async def run(concurrency):
        async with virtual_time() as vt:
            async def slow(request):
                await asyncio.sleep(latency)
                if request.url.path.endswith("/token"):
                    return httpx.Response(200, json={"token": "t", "expiresInSeconds": 1500})
                return detail(request)

            budgets = RateBudgets(clock=vt.time, sleep=asyncio.sleep)
            budgets.for_key(KEY).configure(rate=rate, burst=5)
            async with make_client(Script(slow), sleep=asyncio.sleep, clock=vt.time, budgets=budgets) as client:
                await client.login()
                started = vt.now()
                details = await client.get_subscriptions([str(i) for i in range(count)], concurrency=concurrency)
                elapsed = vt.now() - started
        assert all(d.seats == 3 for d in details)
        return elapsed, client.budget

    parallel, budget = await run(None)  # the budget picks the concurrency
    serial, _ = await run(1)
    bound = count / rate
    assert parallel <= 1.2 * bound, (parallel, bound)
    assert serial / parallel >= 5, (serial, parallel)
    assert budget.suggested_concurrency() >= math.ceil(rate * latency)


class _VirtualSandboxClock(Clock):
    """The sandbox's clock on the test's virtual loop time, so its rate window and our budget agree."""

    def __init__(self, time) -> None:
        super().__init__("manual")
        self._time = time
        self._zero = time()

    def elapsed(self) -> float:
        return self._time() - self._zero


async def test_against_a_sandbox_allowing_100_a_second_the_budget_provokes_no_429():
    async with virtual_time() as vt:
        sandbox = Sandbox(seed=7, clock=_VirtualSandboxClock(vt.time))
        sandbox.faults.rate_limit, sandbox.faults.window_s = 100, 1.0
        account = sandbox.account("us-demo")
        budgets = RateBudgets(clock=vt.time, sleep=asyncio.sleep)
        budgets.for_key(account.subscription_key).configure(rate=95, burst=5)
        async with MarketplaceClient(
            account.base_url, account.marketplace, account.username, account.password, account.subscription_key,
            transport=sandbox.transport(), sleep=asyncio.sleep, clock=vt.time, budgets=budgets,
        ) as client:
            ids = [s.id for s in await client.list_subscriptions()]
            started = vt.now()
            details = await client.get_subscriptions(ids * 3)
            elapsed = vt.now() - started
    assert not [d for d in details if isinstance(d, Exception)]
    assert not [r for r in sandbox.requests if r.status == 429]
    assert elapsed <= 1.2 * len(ids) * 3 / 95
    assert client.budget.stats().rate_limited == 0


async def test_without_a_proactive_rate_a_429_storm_is_survived_by_pausing():
    async with virtual_time() as vt:
        sandbox = Sandbox(seed=7, clock=_VirtualSandboxClock(vt.time))
        sandbox.faults.rate_limit, sandbox.faults.window_s = 50, 2.0
        account = sandbox.account("us-demo")
        budgets = RateBudgets(clock=vt.time, sleep=asyncio.sleep)
        async with MarketplaceClient(
            account.base_url, account.marketplace, account.username, account.password, account.subscription_key,
            transport=sandbox.transport(), sleep=asyncio.sleep, clock=vt.time, budgets=budgets,
        ) as client:
            ids = [s.id for s in await client.list_subscriptions()]
            details = await client.get_subscriptions(ids * 2, concurrency=20)
    assert not [d for d in details if isinstance(d, Exception)]
    limited = client.budget.stats().rate_limited
    assert 0 < limited < len(ids)  # 429s happened, and the pause kept them few


def test_a_429_despite_the_proactive_rate_lowers_it_but_not_below_a_quarter():
    now = [0.0]
    budget = RateBudget("t", rate=100, burst=5, clock=lambda: now[0], sleep=None)
    budget.rate_limited(budget._epoch, 1.0)  # noqa: SLF001
    assert budget.rate == pytest.approx(90) and budget.configured_rate == 100
    for _ in range(30):
        budget.rate_limited(budget._epoch, 1.0)  # noqa: SLF001
    assert budget.rate == pytest.approx(25)


def test_a_rate_lowered_by_a_429_climbs_back_once_429s_stop():
    now = [0.0]
    budget = RateBudget("t", rate=100, burst=1, clock=lambda: now[0], sleep=None)
    budget.rate_limited(budget._epoch, 1.0)  # noqa: SLF001
    assert budget.rate == pytest.approx(90)
    now[0] = 4.0
    budget._reserve(now[0])  # noqa: SLF001 - still within the quiet period: unchanged
    assert budget.rate == pytest.approx(90)
    now[0] = 7.0  # 2 s after the quiet period: +2% of 100 a second
    budget._reserve(now[0])  # noqa: SLF001
    assert budget.rate == pytest.approx(94)
    now[0] = 60.0
    budget._reserve(now[0])  # noqa: SLF001
    assert budget.rate == pytest.approx(100)  # never above the configured rate


def test_a_known_limit_is_paced_below_it():
    budget = RateBudget("t")
    budget.configure_limit(100)
    assert (budget.rate, budget.burst) == (pytest.approx(95), 1)
    budget.configure_limit(1000)
    assert (budget.rate, budget.burst) == (pytest.approx(950), 10)
    with pytest.raises(ValueError):
        budget.configure_limit(0)
    budget.configure_limit(None)
    assert budget.rate is None


def test_budget_configuration_is_checked():
    budget = RateBudget("t")
    for rate in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            budget.configure(rate=rate)
    with pytest.raises(ValueError):
        budget.configure(rate=10, burst=0)
    budget.configure(rate=50, burst=10)
    assert (budget.rate, budget.burst) == (50, 10)
    assert "50/s, burst 10" in str(budget.stats())
    budget.configure(rate=None)
    assert budget.rate is None and budget.burst == 10

