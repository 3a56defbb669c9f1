"""The gateway in front of the resources: rate limit per subscription key, injected faults, and routing of a
path to its resource handler (:mod:`.customers`, :mod:`.products`, :mod:`.subscriptions`, :mod:`.orders`)."""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import customers, orders, parameters, products, subscriptions
from .wire import ApiError, SandboxResponse, json_body, json_response

if TYPE_CHECKING:  # pragma: no cover
    from .app import Sandbox

GATEWAY_TIMEOUT_HTML = (
    b"<html><head><title>504 Gateway Time-out</title></head>\r\n"
    b"<body><h1>504 Gateway Time-out</h1>\r\n"
    b"The server didn't respond in time.\r\n</body></html>\r\n"
)
RESOURCES = {"customers", "resellers", "products", "subscriptions", "orders"}


ORDER_OUTCOMES = ("created", "not_created")


@dataclass
class Faults:
    """Gateway and service faults; all off by default, mutable at runtime.

    The three faults of ``POST /orders`` take ``"created"`` (the order is placed, then the answer is lost; a
    body the API refuses is answered as usual) or ``"not_created"`` (nothing is placed, whatever the body);
    ``"not-created"`` is read the same. When several are set the first
    of ``order_gateway_timeout``, ``order_hang``, ``order_drop`` applies. None of them is retried by the
    sandbox; each is one request in ``sb.requests`` (status 504, or 0 when no answer was sent).
    """

    #: added to every request by the transport (asyncio.sleep) and the server (time.sleep), outside the lock
    latency_ms: float = 0.0
    #: requests allowed per ``window_s`` per subscription key (sliding window on sb.clock); None = off
    rate_limit: int | None = None
    window_s: float = 60.0
    #: 429 answers carry ``Retry-After`` (whole seconds until the window frees a slot); False leaves it out
    rate_limit_retry_after: bool = True
    #: share of requests answered 500 or 503 (deterministic RNG), before any effect
    fault_rate: float = 0.0
    #: POST /orders answers 504 with the gateway's HTML body
    order_gateway_timeout: str | None = None
    #: POST /orders gets no answer: the connection hangs ``order_hang_s`` seconds, then closes. In process the
    #: client's own read timeout cuts it (httpx.ReadTimeout); over HTTP the socket stays silent
    order_hang: str | None = None
    order_hang_s: float = 300.0
    #: POST /orders: the connection closes without an answer (httpx.RemoteProtocolError)
    order_drop: str | None = None
    #: share of 200 JSON answers whose body is truncated (the effect still happens)
    malformed_json_rate: float = 0.0
    #: "message" -> {"timeStamp", "message", ...}; "error" -> {"timestamp", "error", ...}
    error_field: str = "message"

    def order_fault(self) -> tuple[str, str] | None:
        """(kind, outcome) of the POST /orders fault in force: kind "504", "hang" or "drop"."""
        for kind, mode in (("504", self.order_gateway_timeout), ("hang", self.order_hang), ("drop", self.order_drop)):
            if mode:
                outcome = mode.replace("-", "_")
                if outcome not in ORDER_OUTCOMES:
                    raise ValueError(f"Faults: a POST /orders fault is 'created' or 'not_created', not {mode!r}")
                return kind, outcome
        return None


class Gateway:
    """Rate limit, faults and routing for one sandbox (called under the sandbox lock)."""

    def __init__(self, sb: "Sandbox") -> None:
        self.sb = sb
        self._fault_rng = random.Random(f"imtui-sandbox-faults:{sb.seed}")
        self._rate: dict[str, deque] = {}

    def answer(self, method: str, path: str, region: str | None, q, h: dict, body: bytes, corr: str,
               now: datetime) -> SandboxResponse:
        f = self.sb.faults
        if f.rate_limit is not None:
            self._spend(h.get("x-subscription-key", ""), f)
        if f.fault_rate and self._fault_rng.random() < f.fault_rate:
            if self._fault_rng.random() < 0.5:
                raise ApiError(500, "An unexpected error occurred while processing the request.")
            raise ApiError(503, "Service Unavailable")
        fault = f.order_fault() if path == "/orders" and method == "POST" else None
        if fault and fault[1] == "not_created":
            return _order_fault(fault[0], corr, f)
        resp = self.route(method, path, region, q, h, body, corr, now)
        if fault:  # created: the order was placed (when the body was good), the answer is lost
            return _order_fault(fault[0], corr, f)
        if (f.malformed_json_rate and resp.status == 200
                and self._fault_rng.random() < f.malformed_json_rate):
            resp.body = resp.body[: max(1, len(resp.body) // 2)]
        return resp

    def _spend(self, key: str, f: Faults) -> None:
        """One request from the key's budget (a sliding window on the sandbox clock), or 429."""
        window = float(f.window_s)
        t = self.sb.clock.elapsed()
        dq = self._rate.setdefault(key, deque())
        while dq and dq[0] <= t - window:
            dq.popleft()
        if len(dq) >= f.rate_limit:
            retry = max(1, math.ceil(dq[0] + window - t))
            if not f.rate_limit_retry_after:
                raise ApiError(429, "Rate limit is exceeded. Try again later.")
            raise ApiError(429, f"Rate limit is exceeded. Try again in {retry} seconds.", {"Retry-After": str(retry)})
        dq.append(t)

    def route(self, method: str, path: str, region: str | None, q, h: dict, body: bytes, corr: str,
              now: datetime) -> SandboxResponse:
        sb = self.sb
        parts = [p for p in path.split("/") if p]
        if parts == ["token"]:
            if method != "POST":
                raise ApiError(405, f"Method {method} is not allowed on /token")
            return sb.tokens.issue(h, body, region, now, corr)
        if parts == ["validation", "parameters"]:
            if method != "POST":
                raise ApiError(405, f"Method {method} is not allowed on {path}")
            st = sb.tokens.authenticate(h, region, now)
            return json_response(200, parameters.validate(st, json_body(body)), corr)
        if not parts or parts[0] not in RESOURCES or len(parts) > 2:
            raise ApiError(404, f"No resource at {path}")
        st = sb.tokens.authenticate(h, region, now)
        res = parts[0]
        rid = parts[1] if len(parts) == 2 else None
        if res == "orders" and rid == "estimate":
            if method != "POST":
                raise ApiError(405, f"Method {method} is not allowed on {path}")
            return json_response(200, orders.estimate(st, json_body(body), now), corr)
        handler = _HANDLERS.get((method, res, rid is not None))
        if handler is None:
            raise ApiError(405, f"Method {method} is not allowed on {path}")
        return json_response(200, handler(sb, st, rid, q, body, now), corr)


def _order_fault(kind: str, corr: str, f: Faults) -> SandboxResponse:
    if kind == "504":
        return SandboxResponse(504, {"Content-Type": "text/html", "X-Correlation-ID": corr}, GATEWAY_TIMEOUT_HTML)
    return SandboxResponse(0, {}, b"", fault=kind, hang_s=float(f.order_hang_s) if kind == "hang" else 0.0)


_Handler = Any  # (sb, st, rid, q, body, now) -> JSON-able
_HANDLERS: dict[tuple[str, str, bool], _Handler] = {
    ("GET", "customers", False): lambda sb, st, rid, q, body, now: customers.list_customers(st, q),
    ("GET", "customers", True): lambda sb, st, rid, q, body, now: customers.get_customer(st, rid),
    ("GET", "resellers", False): lambda sb, st, rid, q, body, now: customers.list_resellers(st, q),
    ("GET", "resellers", True): lambda sb, st, rid, q, body, now: customers.get_reseller(st, rid),
    ("GET", "products", False): lambda sb, st, rid, q, body, now: products.list_products(st, q),
    ("GET", "subscriptions", False): lambda sb, st, rid, q, body, now: subscriptions.list_subscriptions(st, q),
    ("GET", "subscriptions", True): lambda sb, st, rid, q, body, now: subscriptions.subscription_detail(
        st, subscriptions.find_subscription(st, rid), sb.seed),
    ("PATCH", "subscriptions", True): lambda sb, st, rid, q, body, now: subscriptions.patch_subscription(
        st, rid, json_body(body), now, sb.seed),
    ("GET", "orders", False): lambda sb, st, rid, q, body, now: orders.list_orders(st, q, now),
    ("GET", "orders", True): lambda sb, st, rid, q, body, now: orders.order_detail(orders.find_order(st, rid), now),
    ("POST", "orders", False): lambda sb, st, rid, q, body, now: orders.place_order(
        st, json_body(body), now, sb.order_timings),
    ("PATCH", "orders", True): lambda sb, st, rid, q, body, now: orders.patch_order(st, rid, json_body(body), now),
}
