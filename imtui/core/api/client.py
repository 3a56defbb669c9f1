"""MarketplaceClient: one ``httpx.AsyncClient`` per marketplace account.

- Login: ``POST /token`` with Basic auth, ``X-Subscription-Key`` and ``{"marketplace": ...}``. The token is
  cached until 60 s before it expires; concurrent callers share one login; a 401 mid-session triggers one
  re-login and one retry.
- Retries only where safe: GET, PATCH and the side-effect-free POSTs (``/token``, ``/orders/estimate``) on
  429 (honouring ``Retry-After``), 502/503/504 and connection errors, with capped exponential backoff and
  jitter. ``POST /orders`` is never retried: it is not idempotent.
- Timeouts: 30 s, and 120 s for ``POST /orders`` (placement can take over a minute in production).
- Every failure is a typed ``ApiError`` carrying status, the API's message, path and correlation id.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from imtui import __version__
from imtui.core.api import errors
from imtui.core.api.models import (
    Customer,
    Order,
    OrderRequest,
    Page,
    Product,
    Reseller,
    Subscription,
    SubscriptionDetail,
    Token,
)

log = logging.getLogger("imtui.api")

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_TIMEOUT = 30.0
ORDER_TIMEOUT = 120.0
PAGE_LIMIT = 500
TOKEN_MARGIN = 60.0  # renew this many seconds before the token expires
SAFE_RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 60.0  # a gateway asking for a longer pause gets a RateLimitedError the user can read


class MarketplaceClient:
    """Async client of the Ingram Micro Cloud Marketplace API for one account."""

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
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 20.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.marketplace = marketplace
        self.username = username
        self._password = password
        self._subscription_key = subscription_key
        self.timeout = timeout
        self.order_timeout = order_timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
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

    def __repr__(self) -> str:  # never the password, key or token
        return f"MarketplaceClient(base_url={self.base_url!r}, marketplace={self.marketplace!r}, username={self.username!r})"

    async def __aenter__(self) -> "MarketplaceClient":
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

    # ---------------------------------------------------------------- transport

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
        """Send one request with retries where safe; raise a typed error for any failure."""
        path = path.lstrip("/")
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        relogged = False
        attempt = 0
        while True:
            headers = {"X-Subscription-Key": self._subscription_key}
            used_token = None
            if authenticated:
                if not self._token_fresh:
                    await self.login()
                used_token = self._token
                headers["Authorization"] = f"Bearer {used_token}"
            started = self._clock()
            try:
                response = await self._http.request(
                    method,
                    path,
                    params=clean_params,
                    json=json,
                    headers=headers,
                    auth=auth,
                    timeout=timeout or self.timeout,
                )
            except httpx.HTTPError as exc:
                error = self._transport_error(exc, method, path, timeout or self.timeout)
                if retry and attempt < self.max_retries:
                    attempt += 1
                    await self._sleep(self._backoff(attempt))
                    continue
                raise error from None
            correlation = response.headers.get("X-Correlation-ID")
            log.debug(
                "%s /%s -> %s in %.0f ms (correlation id %s)",
                method, path, response.status_code, (self._clock() - started) * 1000, correlation,
            )
            if response.status_code == 401 and authenticated and not relogged:
                # the token expired or was revoked mid-session: one re-login, one retry
                relogged = True
                if self._token == used_token:  # another caller may already have logged in again
                    self.forget_token()
                continue
            if response.status_code in SAFE_RETRY_STATUSES and retry and attempt < self.max_retries:
                retry_after = self._retry_after(response)
                if retry_after is None or retry_after <= MAX_RETRY_AFTER:  # a long wait is the user's call
                    attempt += 1
                    await self._sleep(self._backoff(attempt, retry_after))
                    continue
            if response.status_code >= 400:
                raise self._http_error(response, method, path)
            return response

    def _backoff(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return max(retry_after, 0.0) + self._rng.uniform(0, self.backoff_base)
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return self._rng.uniform(ceiling / 2, ceiling)  # "equal jitter": never zero, never above the cap

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)

    def _scrub(self, text: str | None) -> str | None:
        if not text:
            return text
        for secret in (self._password, self._subscription_key, self._token):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def _transport_error(self, exc: httpx.HTTPError, method: str, path: str, timeout: float) -> errors.ApiError:
        where = {"method": method, "path": "/" + path}
        if isinstance(exc, httpx.TimeoutException):
            return errors.ApiTimeoutError(f"no answer within {timeout:g} s", **where)
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ssl.SSLError):
                return errors.TlsError(self._scrub(str(cause)), **where)
            cause = cause.__cause__ or cause.__context__
        host = httpx.URL(self.base_url).host or self.base_url
        detail = self._scrub(str(exc)) or type(exc).__name__
        return errors.TransportError(f"{host}: {detail}", **where)

    def _http_error(self, response: httpx.Response, method: str, path: str) -> errors.ApiError:
        status = response.status_code
        body: Any = None
        content_type = response.headers.get("content-type", "")
        html = "html" in content_type or response.text.lstrip()[:1] == "<"
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
        where = {"status": status, "method": method, "path": "/" + path, "correlation_id": correlation}
        if status in (401, 403):
            return errors.AuthenticationError(message, **where)
        if status == 404:
            return errors.NotFoundError(message, **where)
        if status == 429:
            return errors.RateLimitedError(message, retry_after=self._retry_after(response), **where)
        if 400 <= status < 500:
            return errors.InvalidRequestError(message, **where)
        if status == 500 and message and not html and method in ("POST", "PATCH") and path != "token":
            # business rules guard changes (orders, renewal); a 500 on a read or a login is a server fault
            return errors.BusinessRuleError(message, **where)
        if status == 504:
            return errors.GatewayTimeoutError(
                message or ("the gateway answered with an HTML error page" if html else None), html=html, **where
            )
        if html and not message:
            message = "the gateway answered with an HTML error page"
        return errors.ServerError(message, html=html, **where)

    def _parse(self, response: httpx.Response, model: type[T]) -> T:
        return self.parse_row(model, self._json(response), response.request.method, response.request.url.path)

    def parse_row(self, model: type[T], data: Any, method: str = "GET", path: str = "") -> T:
        """Parse one resource; a shape the models cannot take is an InvalidResponseError, never a crash."""
        try:
            return model.model_validate(data)  # type: ignore[attr-defined]
        except ValidationError as exc:
            raise errors.InvalidResponseError(
                f"unexpected {model.__name__} shape ({exc.error_count()} problem(s))",
                method=method,
                path=path.removeprefix(httpx.URL(self.base_url).path),
            ) from None

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise self._invalid(response, "the body is not valid JSON") from None

    def _invalid(self, response: httpx.Response, why: str) -> errors.InvalidResponseError:
        request = response.request
        return errors.InvalidResponseError(
            why,
            status=response.status_code,
            method=request.method if request else "",
            path=request.url.path.removeprefix(httpx.URL(self.base_url).path) if request else "",
            correlation_id=response.headers.get("X-Correlation-ID"),
        )

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._json(await self._send("GET", path, params=params, retry=True))

    async def _get_one(self, path: str, model: type[T]) -> T:
        return self._parse(await self._send("GET", path, retry=True), model)

    # ---------------------------------------------------------------- paging

    async def pages(
        self, path: str, params: dict[str, Any] | None = None, *, limit: int = PAGE_LIMIT, offset: int = 0
    ) -> AsyncIterator[Page]:
        """Yield every page of a list until ``offset >= total`` or a short or empty page."""
        params = dict(params or {})
        while True:
            response = await self._send("GET", path, params={**params, "offset": offset, "limit": limit}, retry=True)
            body = self._json(response)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise self._invalid(response, "a list answer without a data array")
            rows = body["data"]
            pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else {}
            total = pagination.get("total")
            total = int(total) if isinstance(total, (int, str)) and str(total).isdigit() else None
            page_limit = pagination.get("limit") if isinstance(pagination.get("limit"), int) else limit
            yield Page(items=rows, offset=offset, total=total)
            offset += len(rows)
            if not rows or len(rows) < min(limit, page_limit or limit) or (total is not None and offset >= total):
                return

    async def rows(
        self, path: str, model: type[T], params: dict[str, Any] | None = None, *, limit: int = PAGE_LIMIT
    ) -> AsyncIterator[T]:
        """Every row of a list, parsed into ``model``."""
        async for page in self.pages(path, params, limit=limit):
            for row in page.items:
                yield self.parse_row(model, row, "GET", "/" + path)

    async def collect(self, path: str, model: type[T], params: dict[str, Any] | None = None) -> list[T]:
        return [row async for row in self.rows(path, model, params)]

    @staticmethod
    async def gather_limited(
        items: Iterable[T],
        fetch: Callable[[T], Awaitable[R]],
        *,
        concurrency: int = 8,
        return_exceptions: bool = False,
        on_done: Callable[[T, R | BaseException], None] | None = None,
    ) -> list[R | BaseException]:
        """Run ``fetch`` over ``items`` with at most ``concurrency`` in flight; results in input order."""
        items = list(items)
        results: list[Any] = [None] * len(items)
        semaphore = asyncio.Semaphore(max(1, concurrency))

        async def one(index: int, item: T) -> None:
            async with semaphore:
                try:
                    results[index] = await fetch(item)
                except Exception as exc:  # noqa: BLE001 - handed back or re-raised below
                    if not return_exceptions:
                        raise
                    results[index] = exc
            if on_done is not None:
                on_done(item, results[index])

        try:
            async with asyncio.TaskGroup() as group:
                for index, item in enumerate(items):
                    group.create_task(one(index, item))
        except BaseExceptionGroup as group_error:
            raise group_error.exceptions[0] from None
        return results

    # ---------------------------------------------------------------- resellers

    async def list_resellers(self) -> list[Reseller]:
        return await self.collect("resellers", Reseller)

    async def get_reseller(self, reseller_id: str | None = None) -> Reseller:
        """The account itself (``GET /resellers`` first row), or one reseller by id."""
        if reseller_id is not None:
            return await self._get_one(f"resellers/{reseller_id}", Reseller)
        body = await self._get("resellers", {"limit": 1})
        rows = body.get("data") if isinstance(body, dict) else None
        if not rows:
            raise errors.NotFoundError("the account has no reseller record", method="GET", path="/resellers")
        return self.parse_row(Reseller, rows[0], "GET", "/resellers")

    # ---------------------------------------------------------------- customers

    def iter_customers(
        self, *, name: str | None = None, email: str | None = None, external_id: str | None = None
    ) -> AsyncIterator[Customer]:
        return self.rows("customers", Customer, {"name": name, "email": email, "externalId": external_id})

    async def list_customers(self, **filters: str | None) -> list[Customer]:
        return [c async for c in self.iter_customers(**filters)]

    async def customers_page(self, *, offset: int = 0, limit: int = 10) -> tuple[list[Customer], int | None]:
        """One page of customers and the total: the connection test's cheap read."""
        body = await self._get("customers", {"offset": offset, "limit": limit})
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise errors.InvalidResponseError("a list answer without a data array", method="GET", path="/customers")
        total = (body.get("pagination") or {}).get("total")
        return [self.parse_row(Customer, row, "GET", "/customers") for row in body["data"]], total

    async def get_customer(self, customer_id: str) -> Customer:
        return await self._get_one(f"customers/{customer_id}", Customer)

    # ---------------------------------------------------------------- products

    def iter_products(
        self,
        *,
        name: str | None = None,
        mpn: str | None = None,
        vendor: str | None = None,
        service_name: str | None = None,
    ) -> AsyncIterator[Product]:
        return self.rows("products", Product, {"name": name, "mpn": mpn, "vendor": vendor, "serviceName": service_name})

    async def list_products(self, **filters: str | None) -> list[Product]:
        return [p async for p in self.iter_products(**filters)]

    # ---------------------------------------------------------------- subscriptions

    @staticmethod
    def _one_status(status: str | None) -> str | None:
        if status is not None and ("," in status or not status.strip()):
            raise ValueError("the API filters on one status at a time; call once per status")
        return status

    def iter_subscriptions(
        self, *, customer_id: str | None = None, status: str | None = None
    ) -> AsyncIterator[Subscription]:
        return self.rows("subscriptions", Subscription, {"customerId": customer_id, "status": self._one_status(status)})

    async def list_subscriptions(self, **filters: str | None) -> list[Subscription]:
        return [s async for s in self.iter_subscriptions(**filters)]

    async def get_subscription(self, subscription_id: str) -> SubscriptionDetail:
        return await self._get_one(f"subscriptions/{subscription_id}", SubscriptionDetail)

    async def get_subscriptions(
        self, subscription_ids: Sequence[str], *, concurrency: int = 8, on_done: Callable | None = None
    ) -> list[SubscriptionDetail | BaseException]:
        """Details of many subscriptions (one call each), bounded concurrency; failures handed back."""
        return await self.gather_limited(
            subscription_ids, self.get_subscription, concurrency=concurrency, return_exceptions=True, on_done=on_done
        )

    async def set_renewal(self, subscription_id: str, auto_renew: bool) -> SubscriptionDetail:
        """Turn auto-renew on or off (the only field PATCH may change)."""
        response = await self._send(
            "PATCH", f"subscriptions/{subscription_id}", json={"renewalStatus": bool(auto_renew)}, retry=True
        )
        return self._parse(response, SubscriptionDetail)

    # ---------------------------------------------------------------- orders

    @staticmethod
    def _body(order: OrderRequest | dict[str, Any]) -> dict[str, Any]:
        return order.to_api() if isinstance(order, OrderRequest) else dict(order)

    async def estimate_order(self, order: OrderRequest | dict[str, Any]) -> Order:
        """Prices of an order without placing it (no side effects, so safe to retry)."""
        response = await self._send("POST", "orders/estimate", json=self._body(order), retry=True)
        return self._parse(response, Order)

    async def place_order(self, order: OrderRequest | dict[str, Any]) -> Order:
        """Place an order. Never retried: after a timeout or 504 the order may exist; look before placing again."""
        response = await self._send(
            "POST", "orders", json=self._body(order), retry=False, timeout=self.order_timeout
        )
        return self._parse(response, Order)

    def iter_orders(
        self,
        *,
        customer_id: str | None = None,
        subscription_id: str | None = None,
        order_number: str | None = None,
        status: str | None = None,
        created_from: datetime | str | None = None,
        created_to: datetime | str | None = None,
    ) -> AsyncIterator[Order]:
        def stamp(value: datetime | str | None) -> str | None:
            if isinstance(value, datetime):
                value = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            return value

        return self.rows(
            "orders",
            Order,
            {
                "customerId": customer_id,
                "subscriptionId": subscription_id,
                "orderNumber": order_number,
                "status": self._one_status(status),
                "creationTimeFrom": stamp(created_from),
                "creationTimeTo": stamp(created_to),
            },
        )

    async def list_orders(self, **filters: Any) -> list[Order]:
        return [o async for o in self.iter_orders(**filters)]

    async def get_order(self, order_id: str) -> Order:
        return await self._get_one(f"orders/{order_id}", Order)

    async def withdraw_order(self, order_id: str) -> Order:
        """Withdraw an order that has not completed yet (``statusCode: CL``)."""
        response = await self._send("PATCH", f"orders/{order_id}", json={"statusCode": "CL"}, retry=True)
        return self._parse(response, Order)
