"""One request budget per subscription key, shared by every caller in the process.

The Marketplace gateway counts requests per subscription key in a time window and answers ``429`` when the
key is over budget (MARKETPLACE_API.md, "Rate and scale"). The budget is the key's, not the caller's: when
one request gets a 429, every concurrent request of that key would get one too. So:

- every request calls :meth:`RateBudget.acquire` first;
- a 429 calls :meth:`RateBudget.rate_limited`, which pauses the whole budget (every caller, every
  ``MarketplaceClient`` of that key) until the gateway's ``Retry-After``, or for a growing, jittered back-off
  when it gave none;
- optionally a proactive rate (requests per second and a burst) spaces requests so a sync runs at the key's
  rate without provoking 429s at all; a 429 despite it lowers the rate by 10% (the key's real budget may be
  lower than the one configured), never below a quarter of it, and once 429s stop for a few seconds the rate
  climbs back towards the configured one (a 429 from jitter in arrival times does not slow a sync for good).

Budgets live in a :class:`RateBudgets` registry keyed by a hash of the subscription key (the key itself is
never stored or logged). ``RateBudgets.default()`` is the process-wide registry on the real clock; tests build
their own with an injected clock and sleep so waits are exact and instant.

No asyncio primitive is held here (they bind to one event loop): waiting is computed from the clock, and
reservations happen between awaits, which asyncio runs one at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger("imtui.api.budget")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

RATE_LIMIT_BACKOFF_BASE = 1.0  # first pause after a 429 without Retry-After (seconds, before jitter)
RATE_LIMIT_BACKOFF_CAP = 16.0  # longest single pause after a 429 without Retry-After (then ~8-16 s steps to a minute)
LATENCY_SMOOTHING = 0.2  # weight of the newest response time in the moving average
MAX_CONCURRENCY = 64
RATE_DECREASE = 0.9  # a 429 despite a proactive rate: the key's real budget is lower, slow down by this
RATE_FLOOR = 0.25  # ... but never below this share of the rate configured
CLOCK_TOLERANCE = 1e-4  # a wait shorter than this is clock rounding, not a wait
LIMIT_SHARE = 0.95  # a key allowed N requests a second is paced at this share of N ...
LIMIT_BURST_SHARE = 0.01  # ... with a burst of this share of N (at least 1): at most 96% of N in any second
LIMIT_WINDOW_SHARE = 0.97  # ... and never more than this share of N actually sent in any second
RATE_RECOVERY_AFTER = 5.0  # seconds without a 429 before a rate lowered by one climbs back ...
RATE_RECOVERY = 0.02  # ... by this share of the configured rate a second, up to the configured rate


def key_fingerprint(subscription_key: str) -> str:
    """A short, stable, one-way name for a subscription key: safe to log, never the key itself."""
    return hashlib.sha256(("imtui-rate-budget:" + subscription_key).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class BudgetStats:
    """What a budget has seen: for benchmarks, ``imtui sync`` summaries and diagnostics."""

    requests: int = 0  # requests let through by acquire()
    rate_limited: int = 0  # 429 answers seen
    pauses: int = 0  # times the whole budget was paused (several 429s of one burst make one pause)
    waited_s: float = 0.0  # seconds callers spent waiting in acquire(), summed over callers
    rate: float | None = None
    burst: int = 1

    def __str__(self) -> str:
        text = f"{self.requests:,} requests, {self.rate_limited:,} rate-limited (429)"
        if self.pauses:
            text += f" in {self.pauses:,} pause(s)"
        text += f", {self.waited_s:.1f} s waited"
        if self.rate:
            text += f" (budget {self.rate:g}/s, burst {self.burst})"
        return text


class RateBudget:
    """The request budget of one subscription key. Share it; never build one per request."""

    def __init__(
        self,
        name: str = "budget",
        *,
        rate: float | None = None,
        burst: int = 1,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._rate: float | None = None
        self._burst = 1
        self._tat = float("-inf")  # theoretical arrival time of the next request (GCRA)
        self._paused_until = float("-inf")
        self._epoch = 0  # bumped by every pause: a 429 of a request sent before it is the same burst
        self._streak = 0  # pauses in a row without a success: how far the back-off has grown
        self._latency: float | None = None
        self._limited_at = float("-inf")  # clock time of the latest pause a 429 caused
        self._window = 1.0  # with a known limit (configure_limit): at most _cap sends in any second
        self._cap = 0
        self._sent: deque[float] = deque()
        self._raised_at = float("-inf")  # clock time the rate last climbed back
        self._requests = 0
        self._rate_limited = 0
        self._pauses = 0
        self._waited = 0.0
        self.configure(rate=rate, burst=burst)

    def __repr__(self) -> str:
        return f"RateBudget({self.name!r}, rate={self._rate!r}, burst={self._burst})"

    # ------------------------------------------------------------ configuration

    def configure(self, rate: float | None = None, burst: int | None = None) -> None:
        """Set the proactive budget: at most ``rate`` requests a second, ``burst`` of them back to back.
        ``rate=None`` turns it off (only 429s slow callers down). To fit a gateway that allows N requests per
        W seconds, use a rate a little under N/W and a small burst."""
        if rate is not None and (not math.isfinite(rate) or rate <= 0):
            raise ValueError("the rate must be a positive number of requests per second, or None")
        if burst is not None:
            if int(burst) < 1:
                raise ValueError("the burst must be at least 1")
            self._burst = int(burst)
        self._rate = float(rate) if rate is not None else None
        self._configured_rate = self._rate

    def configure_limit(self, requests_per_second: float | None) -> None:
        """Pace requests for a key the gateway allows ``requests_per_second`` (the user's word for it):
        95% of it with a burst of 2%, so no second ever sees more than 97% of the limit and a little jitter
        in arrival times provokes no 429. ``None`` turns the proactive pace off (429s alone slow down)."""
        if requests_per_second is None:
            self.configure(rate=None, burst=1)
            self._cap = 0
            return
        if not math.isfinite(requests_per_second) or requests_per_second <= 0:
            raise ValueError("the request budget must be a positive number of requests per second")
        self.configure(rate=requests_per_second * LIMIT_SHARE,
                       burst=max(1, int(requests_per_second * LIMIT_BURST_SHARE)))
        self._cap = max(1, int(requests_per_second * LIMIT_WINDOW_SHARE))

    @property
    def rate(self) -> float | None:
        """The proactive rate now (lowered by 10% after each pause a 429 caused despite it)."""
        return self._rate

    @property
    def configured_rate(self) -> float | None:
        return self._configured_rate

    @property
    def burst(self) -> int:
        return self._burst

    @property
    def paused_until(self) -> float:
        """Clock time before which no request of this key is sent."""
        return self._paused_until

    @property
    def latency(self) -> float | None:
        """Moving average of response times, seconds (None before the first answer)."""
        return self._latency

    def stats(self) -> BudgetStats:
        return BudgetStats(
            requests=self._requests,
            rate_limited=self._rate_limited,
            pauses=self._pauses,
            waited_s=self._waited,
            rate=self._rate,
            burst=self._burst,
        )

    def reset_stats(self) -> None:
        self._requests = self._rate_limited = self._pauses = 0
        self._waited = 0.0

    # ------------------------------------------------------------ the request path

    async def _wait(self, seconds: float) -> None:
        self._waited += seconds
        await self._sleep(seconds)

    async def acquire(self) -> int:
        """Wait until this key may send one more request; returns a ticket for :meth:`rate_limited`.

        Waits out a pause (and any extension of it made while waiting), then the proactive rate. Each pause
        is waited once: a clock that does not move while sleeping (a test's) cannot make this spin."""
        waited_for = float("-inf")
        while True:
            now = self._clock()
            until = self._paused_until
            if until - now > CLOCK_TOLERANCE and until > waited_for:
                waited_for = until
                await self._wait(until - now)
                continue
            if self._rate is None:
                break
            send_at = self._reserve(now)
            if send_at - now > CLOCK_TOLERANCE:
                await self._wait(send_at - now)
                if self._paused_until > waited_for and self._paused_until > self._clock():
                    continue  # a 429 paused the key while this caller waited for its slot
            break
        if self._cap:
            await self._within_window()
        self._requests += 1
        return self._epoch

    async def _within_window(self) -> None:
        """With a known limit: never more than ``cap`` requests in any trailing window of sends. The pace
        alone lets requests an overloaded event loop sent late bunch up with the next ones; this holds them
        (each wait taken once: a clock that stands still cannot make it spin)."""
        sent, window = self._sent, self._window
        target = float("-inf")
        while True:
            now = self._clock()
            while sent and sent[0] <= now - window:
                sent.popleft()
            if len(sent) < self._cap:
                break
            free_at = sent[0] + window
            if free_at <= target + CLOCK_TOLERANCE:
                break
            target = free_at
            await self._wait(free_at - now + CLOCK_TOLERANCE)
        sent.append(self._clock())

    def _recover(self, now: float) -> None:
        """A rate lowered after a 429 climbs back to the configured one once 429s stop (additive increase):
        one 429 from jitter in arrival times must not slow a long sync down for good."""
        configured = self._configured_rate
        if configured is None or self._rate is None or self._rate >= configured:
            return
        quiet_since = self._limited_at + RATE_RECOVERY_AFTER
        if now <= quiet_since:
            return
        elapsed = now - max(quiet_since, self._raised_at)
        self._rate = min(configured, self._rate + configured * RATE_RECOVERY * elapsed)
        self._raised_at = now

    def _reserve(self, now: float) -> float:
        """Generic cell rate algorithm: the time this request may go, and book the slot."""
        self._recover(now)
        interval = 1.0 / self._rate  # type: ignore[operator]
        tat = max(self._tat, now)
        send_at = max(now, tat - (self._burst - 1) * interval)
        self._tat = tat + interval
        return send_at

    def answered(self, ticket: int, status: int | None, seconds: float | None = None) -> None:
        """Record an answer (``status=None``: none came). A success ends a 429 streak, unless the request
        was sent before the latest pause (its success says nothing about the budget now)."""
        if seconds is not None and seconds >= 0:
            self._latency = seconds if self._latency is None else (
                LATENCY_SMOOTHING * seconds + (1 - LATENCY_SMOOTHING) * self._latency
            )
        if status is not None and status != 429 and ticket == self._epoch:
            self._streak = 0

    def pause_until(self, until: float) -> None:
        """No request of this key goes before clock time ``until`` (a pause only ever grows)."""
        if until > self._paused_until:
            self._paused_until = until
            self._tat = max(self._tat, until)  # after a pause the rate starts again from its end
            log.info("rate budget %s paused for %.1f s", self.name, until - self._clock())

    def rate_limited(self, ticket: int, retry_after: float | None) -> float:
        """A request sent with ``ticket`` got a 429: pause every caller; returns seconds until the key may
        send again. Only the first 429 of a burst (requests sent before the pause) grows the back-off."""
        self._rate_limited += 1
        now = self._clock()
        if ticket == self._epoch:
            self._epoch += 1
            self._pauses += 1
            if retry_after is not None:
                delay = max(retry_after, 0.0) + self._rng.uniform(0, 0.25)
            else:
                ceiling = min(RATE_LIMIT_BACKOFF_CAP, RATE_LIMIT_BACKOFF_BASE * 2**self._streak)
                delay = self._rng.uniform(ceiling / 2, ceiling)  # equal jitter: grows, never zero
            self._streak += 1
            self.pause_until(now + delay)
            self._limited_at = now
            if self._rate is not None and self._configured_rate is not None:
                self._rate = max(self._rate * RATE_DECREASE, self._configured_rate * RATE_FLOOR)
                log.info("rate budget %s lowered to %.1f requests a second after a 429", self.name, self._rate)
        elif retry_after is not None:
            self.pause_until(now + max(retry_after, 0.0))
        return max(self._paused_until - now, 0.0)

    def suggested_concurrency(self, default: int = 8) -> int:
        """How many requests to keep in flight: ``default`` without a rate; with one, enough to keep the rate
        busy at the measured response time (Little's law, doubled for spread), never fewer than ``default``."""
        if self._rate is None or self._latency is None:
            return default
        return max(default, min(MAX_CONCURRENCY, math.ceil(self._rate * self._latency * 2) + 2))


class RateBudgets:
    """Budgets by subscription key (hashed). One registry per clock: the default one for the process."""

    _default: "RateBudgets | None" = None

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._budgets: dict[str, RateBudget] = {}

    @classmethod
    def default(cls) -> "RateBudgets":
        """The process-wide registry (real clock): every client of a key shares that key's budget."""
        if cls._default is None:
            cls._default = cls()
        return cls._default

    def for_key(self, subscription_key: str) -> RateBudget:
        name = key_fingerprint(subscription_key)
        budget = self._budgets.get(name)
        if budget is None:
            budget = self._budgets[name] = RateBudget(f"key {name}", clock=self._clock, sleep=self._sleep)
        return budget

    def __iter__(self):
        return iter(list(self._budgets.values()))

    def __len__(self) -> int:
        return len(self._budgets)

    def clear(self) -> None:
        """Forget every budget (tests; a fresh start)."""
        self._budgets.clear()
