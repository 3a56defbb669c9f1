"""The wire under MarketplaceClient: login, one request with its retries, and typed errors.

- Login: ``POST /token`` with Basic auth, ``X-Subscription-Key`` and ``{"marketplace": ...}``. The token is
  cached until 60 s before it expires; concurrent callers share one login; a 401 mid-session triggers one
  re-login and one resend (a 401 is a definite refusal: nothing was done).
- Every request first waits on the subscription key's shared :class:`RateBudget` (``budget.py``).
- Retries only where safe (``retry.py``): GET, PATCH and the side-effect-free POSTs (``/token``,
  ``/orders/estimate``) on transient faults and 429. ``POST /orders`` is never retried: an answer that does
  not say what happened is an :class:`OrderOutcomeUnknownError`, never a guess.
- Timeouts: 30 s, and 120 s for ``POST /orders``; enforced by the client's own deadline too, because httpx
  does not enforce its timeout on custom transports (the in-process sandbox, test transports).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from imtui import __version__
from imtui.core.api import errors
from imtui.core.api.budget import RateBudget, RateBudgets
from imtui.core.api.models import Token, field_problems
from imtui.core.api.retry import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    MAX_RETRIES,
    RATE_LIMIT_PATIENCE,
    RETRY_WINDOW,
    Attempts,
    RetryCallback,
    RetryNotice,
    RetryPolicy,
    announce,
)

log = logging.getLogger("imtui.api")

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
ORDER_TIMEOUT = 120.0
TOKEN_MARGIN = 60.0  # renew this many seconds before the token expires
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
# errors that mean the request never left this machine (the connection was never made)
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


_NOUNS = {
    "SubscriptionDetail": "subscription",
    "Subscription": "subscription",
    "Customer": "customer",
    "Order": "order",
    "Product": "product",
    "Reseller": "reseller record",
    "Token": "login answer",
}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class _Call:
    """One logical request across its tries."""

    method: str
    path: str
    params: dict[str, Any]
    json: Any
    auth: httpx.Auth | None = field(repr=False)
    retry: bool
    authenticated: bool
    limit: float
    order: bool
    attempts: Attempts
    began: datetime
    token: str | None = field(default=None, repr=False)  # never in a repr, a log or a traceback's locals
    relogged: bool = False


class ApiSession:
    """Login, requests, retries and error mapping for one account; the resource methods build on it."""

    def __init__(
        self,
        base_url: str,
        marketplace: str,
        username: str,
        password: str,
        subscription_key: str,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        order_timeout: float = ORDER_TIMEOUT,
        max_retries: int = MAX_RETRIES,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        retry_window: float = RETRY_WINDOW,
        rate_limit_patience: float = RATE_LIMIT_PATIENCE,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utc_now,
        rng: random.Random | None = None,
        budgets: RateBudgets | None = None,
        on_retry: RetryCallback | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.marketplace = marketplace
        self.username = username
        self._password = password
        self._subscription_key = subscription_key
        self.timeout = timeout
        self.order_timeout = order_timeout
        self.policy = RetryPolicy(max_retries, backoff_base, backoff_cap, retry_window, rate_limit_patience)
        self._sleep = sleep
        self._clock = clock
        self._now = now  # wall-clock time as the server sees it: when an order attempt began
        self._rng = rng or random.Random()
        if budgets is None:
            # the process-wide registry runs on the real clock; a client on an injected clock gets its own
            default = sleep is asyncio.sleep and clock is time.monotonic
            budgets = RateBudgets.default() if default else RateBudgets(clock=clock, sleep=sleep)
        self.budget: RateBudget = budgets.for_key(subscription_key)
        #: called with a RetryNotice before every retry ("retrying after HTTP 503 (2 of 10)…")
        self.on_retry = on_retry
        self._token: str | None = None
        self._token_valid_until = 0.0
        self._login_lock = asyncio.Lock()
        self.logins = 0  # how many times this client logged in (visible for diagnostics and tests)
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": f"imtui/{__version__}", "Accept": "application/json"},
        )

    @property
    def max_retries(self) -> int:
        return self.policy.max_retries

    def __repr__(self) -> str:  # never the password, key or token
        return f"{type(self).__name__}(base_url={self.base_url!r}, marketplace={self.marketplace!r}, username={self.username!r})"

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---------------------------------------------------------------- auth

    @property
    def _token_fresh(self) -> bool:
        return self._token is not None and self._clock() < self._token_valid_until

    async def login(self) -> None:
        """Get a token unless a fresh one is cached. Concurrent callers share one login."""
        async with self._login_lock:
            if self._token_fresh:
                return
            response = await self._send(
                "POST",
                "token",
                json={"marketplace": self.marketplace},
                auth=httpx.BasicAuth(self.username, self._password),
                retry=True,
                authenticated=False,
            )
            token = self._parse(response, Token)
            self._token = token.token.get_secret_value()
            ttl = max(token.expires_in_seconds, 0)
            self._token_valid_until = self._clock() + max(ttl - TOKEN_MARGIN, min(ttl, TOKEN_MARGIN) / 2)
            self.logins += 1
            log.info("logged in to %s (%s), token valid %ss", self.base_url, self.marketplace, ttl)

    def forget_token(self) -> None:
        self._token = None
        self._token_valid_until = 0.0

    # ---------------------------------------------------------------- one request

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        auth: httpx.Auth | None = None,
        retry: bool,
        authenticated: bool = True,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send one request, retrying where safe; a 2xx answer comes back with its JSON already checked
        (``response.json()`` works). Any failure is a typed ``ApiError``."""
        path = path.lstrip("/")
        call = _Call(
            method=method,
            path=path,
            params={k: v for k, v in (params or {}).items() if v is not None},
            json=json,
            auth=auth,
            retry=retry,
            authenticated=authenticated,
            limit=timeout or self.timeout,
            order=method == "POST" and path == "orders",  # the one call that moves money
            attempts=Attempts(self.policy, self._clock()),
            began=self._now(),
        )
        while True:
            headers = {"X-Subscription-Key": self._subscription_key}
            if authenticated:
                if not self._token_fresh:
                    await self.login()
                call.token = self._token
                headers["Authorization"] = f"Bearer {call.token}"
            ticket = await self.budget.acquire()
            started = self._clock()
            try:
                async with asyncio.timeout(call.limit):  # httpx does not enforce its timeout on every transport
                    response = await self._http.request(
                        method, path, params=call.params, json=json, headers=headers, auth=auth, timeout=call.limit
                    )
            except (httpx.HTTPError, TimeoutError) as exc:
                self.budget.answered(ticket, None)
                await self._no_answer(call, exc)  # raises unless a retry is due
                continue
            elapsed = self._clock() - started
            self.budget.answered(ticket, response.status_code, elapsed)
            log.debug(
                "%s /%s -> %s in %.0f ms (correlation id %s)",
                method, path, response.status_code, elapsed * 1000, response.headers.get("X-Correlation-ID"),
            )
            if await self._answered(call, response, ticket):
                return response

    async def _no_answer(self, call: "_Call", exc: BaseException) -> None:
        """No HTTP answer: an unknown outcome for an order that left, else a retry or the error."""
        error = self._transport_error(exc, call.method, call.path, call.limit, call.attempts.tries)
        if call.order and error.sent:
            timed_out = isinstance(exc, TimeoutError | httpx.TimeoutException)
            raise self._unknown(error, call.json, call.began, "no answer" if timed_out else "the connection dropped") from None
        if not (call.retry and await self._pause(call, error, None)):
            raise error from None

    async def _answered(self, call: "_Call", response: httpx.Response, ticket: int) -> bool:
        """True: this answer is the result. False: try again (after a re-login, a 429 pause or a back-off).
        Raises the typed error otherwise."""
        status = response.status_code
        if status == 401 and call.authenticated and not call.relogged:
            # the token expired or was revoked mid-session: one re-login, one resend (a 401 changed nothing)
            call.relogged = True
            if self._token == call.token:  # another caller may already have logged in again
                self.forget_token()
            return False
        if status == 429:
            retry_after = self._retry_after(response)
            delay = self.budget.rate_limited(ticket, retry_after)
            if call.retry and call.attempts.may_wait_rate_limit(delay, retry_after):
                correlation = response.headers.get("X-Correlation-ID")
                self._announce(call, call.attempts.rate_retries, None, delay, "HTTP 429", 429, correlation)
                return False  # the wait happens in budget.acquire(), shared with every caller of this key
            raise self._http_error(response, call.method, call.path, call.attempts.tries)
        if status >= 400:
            error = self._http_error(response, call.method, call.path, call.attempts.tries)
            if call.order and status >= 500 and not isinstance(error, errors.BusinessRuleError):
                cause = "the gateway timed out" if status == 504 else f"HTTP {status} without a business message"
                raise self._unknown(error, call.json, call.began, cause)
            if call.retry and self._transient(error) and await self._pause(call, error, status):
                return False
            raise error
        problem = self._unreadable(response, call.attempts.tries)
        if problem is None:
            return True
        if call.order:
            raise self._unknown(problem, call.json, call.began, "the answer could not be read")
        if call.retry and await self._pause(call, problem, status):
            return False
        raise problem

    @staticmethod
    def _transient(error: errors.ApiError) -> bool:
        return isinstance(error, errors.ServerError) and error.status in TRANSIENT_STATUSES

    async def _pause(self, call: "_Call", error: errors.ApiError, status: int | None) -> bool:
        """Wait before retrying a transient fault; False when the retries (or the time for them) ran out."""
        delay = call.attempts.next_transient(self._clock(), self._rng)
        if delay is None:
            return False
        if isinstance(error, errors.ApiTimeoutError):
            reason = "a timeout"
        elif isinstance(error, errors.TransportError):
            reason = "a dropped connection" if error.sent else "a failed connection"
        elif isinstance(error, errors.InvalidResponseError):
            reason = "an unreadable answer"
        else:
            reason = f"HTTP {status}"
        self._announce(call, call.attempts.transient, self.policy.max_retries, delay, reason, status, error.correlation_id)
        await self._sleep(delay)
        return True

    def _announce(self, call: "_Call", retry, limit, delay, reason, status, correlation) -> None:
        notice = RetryNotice(call.method, "/" + call.path, reason, retry, limit, delay, status, correlation)
        announce(notice, self.on_retry)

    def _unknown(self, error: errors.ApiError, body: Any, began: datetime, cause: str) -> errors.OrderOutcomeUnknownError:
        body = body if isinstance(body, dict) else {}
        customer = body.get("customerId")
        po_number = body.get("poNumber")
        return errors.OrderOutcomeUnknownError(
            error.message,
            status=error.status,
            method=error.method,
            path=error.path,
            correlation_id=error.correlation_id,
            attempt_started=began,
            customer_id=str(customer) if customer is not None else None,
            po_number=str(po_number) if po_number is not None else None,
            cause=cause,
            html=getattr(error, "html", False),
        )

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)

    # ---------------------------------------------------------------- errors

    def _scrub(self, text: str | None) -> str | None:
        if not text:
            return text
        for secret in (self._password, self._subscription_key, self._token):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def _relative(self, url_path: str) -> str:
        """``/marketplace/eu/customers`` -> ``/customers`` (a path already relative stays as it is)."""
        base = httpx.URL(self.base_url).path.rstrip("/")
        return url_path[len(base):] if base and url_path.startswith(base + "/") else url_path

    def _transport_error(self, exc: BaseException, method: str, path: str, timeout: float, tries: int) -> errors.TransportError:
        where = {"method": method, "path": "/" + path, "attempts": tries}
        if isinstance(exc, TimeoutError | httpx.TimeoutException) and not isinstance(exc, _NOT_SENT):
            return errors.ApiTimeoutError(f"no answer within {timeout:g} s", **where)
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ssl.SSLError):
                return errors.TlsError(self._scrub(str(cause)), sent=False, **where)
            cause = cause.__cause__ or cause.__context__
        host = httpx.URL(self.base_url).host or self.base_url
        detail = self._scrub(str(exc)) or type(exc).__name__
        return errors.TransportError(f"{host}: {detail}", sent=not isinstance(exc, _NOT_SENT), **where)

    @staticmethod
    def _is_html(response: httpx.Response) -> bool:
        return "html" in response.headers.get("content-type", "") or response.text.lstrip()[:1] == "<"

    def _http_error(self, response: httpx.Response, method: str, path: str, tries: int = 1) -> errors.ApiError:
        status = response.status_code
        html = self._is_html(response)
        body: Any = None
        if not html:
            try:
                body = response.json()
            except ValueError:
                body = None
        message = None
        correlation = response.headers.get("X-Correlation-ID")
        if isinstance(body, dict):
            message = body.get("message") or body.get("error") or body.get("detail")
            if not isinstance(message, str):
                message = None if message is None else str(message)
            correlation = correlation or body.get("correlationId")
        message = self._scrub(message)
        where = {"status": status, "method": method, "path": "/" + path, "correlation_id": correlation, "attempts": tries}
        if status in (401, 403):
            return errors.AuthenticationError(message, **where)
        if status == 404:
            if path == "token" and (html or not message):
                message = f"{self.base_url}/token is not a login address"
            return errors.NotFoundError(message, **where)
        if status == 429:
            return errors.RateLimitedError(message, retry_after=self._retry_after(response), **where)
        if 400 <= status < 500:
            return errors.InvalidRequestError(message, **where)
        if status == 500 and not html and method in ("POST", "PATCH") and path != "token" and errors.is_business_message(message):
            # business rules guard changes (orders, renewal); a 500 on a read or a login is a server fault
            return errors.BusinessRuleError(message, **where)
        if html and not message:
            message = "the gateway answered with an HTML error page"
        if status == 504:
            return errors.GatewayTimeoutError(message, html=html, **where)
        return errors.ServerError(message, html=html, **where)

    def _unreadable(self, response: httpx.Response, tries: int) -> errors.InvalidResponseError | None:
        """A 2xx answer that is not JSON (truncated, garbage, a proxy's HTML page), or None when it is."""
        if not response.content.strip():
            return None if response.status_code == 204 else self._invalid(response, "the answer was empty", tries=tries)
        try:
            response.json()
        except ValueError:
            if self._is_html(response):
                return self._invalid(response, "an HTML page came back where data was expected", html=True, tries=tries)
            return self._invalid(response, "the body is not valid JSON", tries=tries)
        return None

    def _invalid(self, response: httpx.Response, why: str, *, html: bool = False, tries: int = 1) -> errors.InvalidResponseError:
        request = response.request
        return errors.InvalidResponseError(
            why,
            status=response.status_code,
            method=request.method if request else "",
            path=self._relative(request.url.path) if request else "",
            correlation_id=response.headers.get("X-Correlation-ID"),
            html=html,
            attempts=tries,
        )

    # ---------------------------------------------------------------- parsing

    def _parse(self, response: httpx.Response, model: type[T]) -> T:
        return self.parse_row(model, self._json(response), response.request.method, response.request.url.path)

    def parse_row(self, model: type[T], data: Any, method: str = "GET", path: str = "") -> T:
        """Parse one resource; a shape the models cannot take is an InvalidResponseError, never a crash, and
        never pydantic's own text."""
        try:
            return model.model_validate(data)  # type: ignore[attr-defined]
        except ValidationError as exc:
            raise errors.InvalidResponseError(
                f"an unreadable {_NOUNS.get(model.__name__, model.__name__)} ({field_problems(exc)})",
                method=method,
                path=self._relative(path),
            ) from None

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise self._invalid(response, "the body is not valid JSON") from None

