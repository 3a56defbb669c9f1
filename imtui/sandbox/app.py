"""The Sandbox: an in-memory, deterministic fake of the Cloud Marketplace API.

This module holds the ``Sandbox`` itself (construction, the lock, the request entry point and the helpers tests
use); each resource lives in its own module. See the package docstring (:mod:`imtui.sandbox`) for the public
surface.
"""

from __future__ import annotations

import hashlib
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import unquote

from . import lifecycle
from .accounts import REGION_RE, SandboxAccount, default_accounts
from .auth import Tokens
from .clock import Clock
from .gateway import Faults, Gateway
from .model import AccountState, SandboxState
from .seed import build_account
from .wire import ApiError, RequestRecord, SandboxResponse, error_response, parse_query

__all__ = ["Faults", "OrderTimings", "RequestRecord", "Sandbox", "SandboxAccount", "SandboxResponse",
           "default_accounts"]

DEMO_CUSTOMERS = 48
DEMO_SUBSCRIPTIONS_PER_CUSTOMER = 2.5


@dataclass
class OrderTimings:
    """Seconds after creation at which a live order moves on (read on sb.clock)."""

    processing_after: float = 2.0  # submitted (NW) -> processing (AS)
    provisioning_after: float = 4.0  # AS -> processing (LO)
    completed_after: float = 6.0  # LO -> completed (CP), effect applied

    @classmethod
    def lasting(cls, seconds: float) -> "OrderTimings":
        """Orders that take ``seconds`` from submitted to completed, a third of it in each state."""
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("an order cannot take less than 0 seconds")
        return cls(seconds / 3, seconds * 2 / 3, seconds)


class Sandbox:
    """A faithful in-memory fake of the Cloud Marketplace API.

    ``customers`` and ``subscriptions`` are sizes *per account* (None = demo size:
    48 customers, 2.5 subscriptions per customer).  Each account's data is built on
    its first use (a token request, a call, or a state read).
    """

    def __init__(
        self,
        seed: int = 42,
        customers: int | None = None,
        subscriptions: int | None = None,
        token_ttl: int = 1500,
        clock: str | Clock = "manual",
        *,
        accounts: list[SandboxAccount] | None = None,
        faults: Faults | None = None,
        order_timings: OrderTimings | None = None,
        start: datetime | None = None,
    ) -> None:
        self.seed = seed
        self.n_customers = DEMO_CUSTOMERS if customers is None else int(customers)
        if subscriptions is None:
            subscriptions = round(self.n_customers * DEMO_SUBSCRIPTIONS_PER_CUSTOMER)
        self.n_subscriptions = int(subscriptions)
        self.token_ttl = token_ttl
        self.clock = clock if isinstance(clock, Clock) else Clock(clock, start)
        self.accounts: list[SandboxAccount] = accounts if accounts is not None else default_accounts(seed)
        self.faults = faults or Faults()
        self.order_timings = order_timings or OrderTimings()
        self.requests: list[RequestRecord] = []
        #: tracebacks of unexpected exceptions (answered 500); tests assert it stays empty
        self.errors: list[str] = []
        self._lock = threading.RLock()
        self._counter = 0
        self.tokens = Tokens(self)
        self.gateway = Gateway(self)
        self.state = SandboxState(self._build_account, [a.name for a in self.accounts], self.settle, self._lock)

    # ----------------------------------------------------------------- public helpers

    def account(self, name: str) -> SandboxAccount:
        for a in self.accounts:
            if a.name == name:
                return a
        raise KeyError(name)

    def transport(self):
        """An ``httpx.AsyncBaseTransport`` answering from this sandbox, in process."""
        from .transport import SandboxTransport

        return SandboxTransport(self)

    def sync_transport(self):
        """An ``httpx.BaseTransport`` (for ``httpx.Client``)."""
        from .transport import SyncSandboxTransport

        return SyncSandboxTransport(self)

    def expire_tokens(self) -> None:
        """Every token issued so far is expired from now on."""
        with self._lock:
            self.tokens.expire_all(self.clock.now())

    def settle(self, now: datetime | None = None) -> None:
        """Apply every order that completed by ``clock.now()`` (reads do this themselves)."""
        with self._lock:
            lifecycle.settle(self.state, now or self.clock.now())

    # ----------------------------------------------------------------- changes upstream (test helpers)

    def remove_subscription(self, subscription_id: str) -> None:
        """The subscription vanishes upstream, as when deleted behind the client's back: it leaves every list
        and its detail answers 404 (its orders stay in the order history)."""
        with self._lock:
            self.settle()
            st = self._owner(subscription_id)
            st.remove_subscription(subscription_id)

    def modify_subscription(self, subscription_id: str, *, quantity: int | None = None, line: int = 0,
                            unit_price: Decimal | str | None = None, unit_cost: Decimal | str | None = None,
                            status: str | None = None, renewal_status: bool | None = None) -> None:
        """Change a subscription upstream without an order, as another tool (or the vendor) would: seats or
        prices of product line ``line``, its status or auto-renew. ``lastModifiedDate`` becomes today on the
        sandbox clock, as production stamps it."""
        with self._lock:
            self.settle()
            sub = self._owner(subscription_id).subscriptions[subscription_id]
            if quantity is not None or unit_price is not None or unit_cost is not None:
                if not sub.lines or not 0 <= line < len(sub.lines):
                    raise ValueError(f"subscription {subscription_id} has no product line {line}")
                ln = sub.lines[line]
                if quantity is not None:
                    ln.quantity = int(quantity)
                if unit_price is not None:
                    ln.unit_price = Decimal(str(unit_price))
                if unit_cost is not None:
                    ln.unit_cost = Decimal(str(unit_cost))
            if status is not None:
                sub.status = status
            if renewal_status is not None:
                sub.renewal_status = bool(renewal_status)
            sub.last_modified = self.clock.now().date()

    def _owner(self, subscription_id: str) -> AccountState:
        for st in self.state.all_accounts():
            if subscription_id in st.subscriptions:
                return st
        raise KeyError(f"no subscription {subscription_id} in any account")

    # ----------------------------------------------------------------- building

    def _build_account(self, name: str) -> AccountState:
        idx = next(i for i, a in enumerate(self.accounts) if a.name == name)
        return build_account(self.accounts[idx], idx, self.seed, self.n_customers, self.n_subscriptions,
                             self.clock.start)

    # ----------------------------------------------------------------- entry point

    def handle(self, method: str, url_path: str, query: dict[str, list[str]] | str | None = None,
               headers: dict[str, str] | None = None, body: bytes | None = b"") -> SandboxResponse:
        """Answer one HTTP request. Thread-safe (one lock). Latency is not applied here."""
        with self._lock:
            return self._handle(method, url_path, query, headers or {}, body or b"")

    def _handle(self, method, url_path, query, headers, body) -> SandboxResponse:
        method = method.upper()
        if "?" in url_path:
            url_path, _, qs = url_path.partition("?")
            if not query:
                query = qs
        q = parse_query(query)
        h = {k.lower(): v for k, v in headers.items()}
        url_path = unquote(url_path)
        m = REGION_RE.search(url_path)
        region, path = (m.group(1), url_path[m.end():]) if m else (None, url_path)
        path = "/" + path.strip("/")
        self._counter += 1
        corr = "a8n-" + hashlib.sha256(f"{self.seed}:{self._counter}".encode()).hexdigest()[:32]
        now = self.clock.now()
        self.settle(now)
        try:
            resp = self.gateway.answer(method, path, region, q, h, body, corr, now)
        except ApiError as e:
            resp = error_response(e.status, e.message, url_path, corr, now, self.faults.error_field, e.headers)
        except Exception:  # a sandbox bug: answer like production would, keep the trace
            self.errors.append(traceback.format_exc())
            resp = error_response(500, "Internal Server Error", url_path, corr, now, self.faults.error_field)
        self.requests.append(RequestRecord(method, path, q, resp.status, corr))
        return resp
