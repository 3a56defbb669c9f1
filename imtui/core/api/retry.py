"""When a request is tried again, how long to wait, and how the user hears about it.

Transient faults (a 500 without a business message, 502, 503, 504, a timeout, a dropped connection, an
unreadable answer) are retried on reads, logins, PATCH and estimates: at most ``max_retries`` times, with
capped exponential back-off and jitter, and never starting a retry more than :data:`RETRY_WINDOW` seconds
after the first try began. A 429 is waited out on the key's shared budget (see ``budget.py``) for at most
:data:`RATE_LIMIT_PATIENCE` seconds in all, honouring ``Retry-After`` up to :data:`MAX_RETRY_AFTER`.
``POST /orders`` is never retried.

Every retry is announced as a :class:`RetryNotice` to the client's ``on_retry`` callback and to any listener
installed with :func:`retry_listener` around the calling code (a context variable, so it follows the
operation into the tasks it starts): "retrying after HTTP 503 (2 of 10)…".
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

log = logging.getLogger("imtui.api")

# transient faults: tries = 1 + this (within RETRY_WINDOW). At a 50% fault rate a call then fails 1 time in 2,048;
# at 6 it was 1 in 128, which `imtui sandbox serve --fault-rate 0.5` hit within its first requests
MAX_RETRIES = 10
BACKOFF_BASE = 0.25  # first back-off ceiling (seconds); doubles each retry
BACKOFF_CAP = 8.0  # longest single back-off
RETRY_WINDOW = 60.0  # no transient retry starts later than this after the first try began (so worst case: this + one timeout)
RATE_LIMIT_PATIENCE = 60.0  # a request waits out 429s for about a minute in total, then gives up
MAX_RATE_LIMIT_RETRIES = 30  # and never more often than this (a clock that stands still cannot loop forever)
MAX_RETRY_AFTER = 60.0  # a gateway asking for a longer pause gets a RateLimitedError the user can read


@dataclass(frozen=True)
class RetryNotice:
    """One retry about to happen, in words a status line can show."""

    method: str
    path: str
    reason: str  # "HTTP 503", "a timeout", "a dropped connection", "HTTP 429 (too many requests)"
    retry: int  # this retry's number, from 1
    limit: int | None  # how many retries at most (None: bounded by time, as for 429)
    delay: float  # seconds before it goes
    status: int | None = None
    correlation_id: str | None = None

    @property
    def rate_limited(self) -> bool:
        return self.status == 429

    @property
    def brief(self) -> str:
        """The notice without the request, for a status line: "retrying after HTTP 503 (2 of 10)…"."""
        if self.rate_limited:
            return f"the marketplace asked to slow down (HTTP 429); waiting {self.delay:.0f} s…"
        count = f"{self.retry} of {self.limit}" if self.limit else str(self.retry)
        return f"retrying after {self.reason} ({count})…"

    def __str__(self) -> str:
        if self.rate_limited:
            return f"{self.method} {self.path}: the marketplace asked to slow down (HTTP 429); waiting {self.delay:.1f} s…"
        count = f"{self.retry} of {self.limit}" if self.limit else str(self.retry)
        return f"{self.method} {self.path}: retrying after {self.reason} ({count}) in {self.delay:.1f} s…"


RetryCallback = Callable[[RetryNotice], object]
_LISTENER: contextvars.ContextVar[RetryCallback | None] = contextvars.ContextVar("imtui_retry_listener", default=None)


@contextlib.contextmanager
def retry_listener(callback: RetryCallback) -> Iterator[None]:
    """Tell ``callback`` about every retry made by code run inside this block (and tasks it starts)."""
    token = _LISTENER.set(callback)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def announce(notice: RetryNotice, own: RetryCallback | None) -> None:
    """Log the notice and hand it to the listeners; a listener that fails never fails the request."""
    log.info("%s", notice)
    for callback in (own, _LISTENER.get()):
        if callback is None:
            continue
        try:
            callback(notice)
        except Exception:  # noqa: BLE001 - a UI callback bug must not turn a retry into a failure
            log.exception("a retry listener failed")


@dataclass
class RetryPolicy:
    max_retries: int = MAX_RETRIES
    backoff_base: float = BACKOFF_BASE
    backoff_cap: float = BACKOFF_CAP
    window: float = RETRY_WINDOW
    rate_limit_patience: float = RATE_LIMIT_PATIENCE

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Capped exponential back-off with "equal jitter": never zero, never above the cap."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (retry - 1)))
        return rng.uniform(ceiling / 2, ceiling)


class Attempts:
    """The retry bookkeeping of one call: how many transient retries, how long spent on 429s."""

    def __init__(self, policy: RetryPolicy, started: float) -> None:
        self.policy = policy
        self.started = started
        self.tries = 1
        self.transient = 0
        self.rate_retries = 0
        self.rate_waited = 0.0

    def next_transient(self, now: float, rng: random.Random) -> float | None:
        """The back-off before the next transient retry, or None when the retries are used up."""
        if self.transient >= self.policy.max_retries:
            return None
        delay = self.policy.backoff(self.transient + 1, rng)
        if now - self.started + delay > self.policy.window:
            return None
        self.transient += 1
        self.tries += 1
        return delay

    def may_wait_rate_limit(self, delay: float, retry_after: float | None) -> bool:
        """After a 429: wait ``delay`` more seconds, or give up (patience or count used up, or the gateway
        asked for longer than we wait without the user)."""
        if retry_after is not None and retry_after > MAX_RETRY_AFTER:
            return False
        if self.rate_retries >= MAX_RATE_LIMIT_RETRIES:
            return False
        if self.rate_waited + delay > self.policy.rate_limit_patience * 1.25:  # "about a minute"
            return False
        self.rate_retries += 1
        self.tries += 1
        self.rate_waited += delay
        return True
