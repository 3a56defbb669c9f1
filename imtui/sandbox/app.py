"""The Sandbox: an in-memory, deterministic fake of the Cloud Marketplace API.

See the package docstring (:mod:`imtui.sandbox`) for the public surface.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import random
import re
import threading
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, unquote

from .catalog import PRODUCTS, CatalogProduct, money
from .clock import Clock
from .model import AccountState, Order, OrderLine, SandboxState, Subscription, SubscriptionLine
from .seed import add_period, build_account, vendor_subscription_id

DEMO_CUSTOMERS = 48
DEMO_SUBSCRIPTIONS_PER_CUSTOMER = 2.5
LIST_LIMIT_CAP = 1000
ORDER_PREFIXES = {"sales": "SO", "change": "CH", "cancellation": "CN", "renewal": "RN"}
SUBSCRIPTION_STATUSES = ("pending", "active", "hold", "terminated", "removed", "unknown")
ORDER_STATUSES = ("submitted", "processing", "error", "completed", "cancelled")
GATEWAY_TIMEOUT_HTML = (
    b"<html><head><title>504 Gateway Time-out</title></head>\r\n"
    b"<body><h1>504 Gateway Time-out</h1>\r\n"
    b"The server didn't respond in time.\r\n</body></html>\r\n"
)
_REGION_RE = re.compile(r"/marketplace/([^/?#]+)")


# --------------------------------------------------------------------------- public records


@dataclass
class SandboxAccount:
    """One reseller login. Each account sees only its own customers, subscriptions, orders."""

    name: str
    base_url: str
    marketplace: str
    username: str
    password: str = field(repr=False)  # even fake secrets stay out of reprs, logs and tracebacks
    subscription_key: str = field(repr=False)
    currency: str = "USD"
    reseller_id: str = ""
    #: ISO country of the seed customers ("US", "GB", "DE"); "" = from the marketplace code
    country: str = ""

    @property
    def region(self) -> str | None:
        m = _REGION_RE.search(self.base_url)
        return m.group(1) if m else None


@dataclass
class Faults:
    """Gateway and service faults; all off by default, mutable at runtime."""

    #: added to every request by the transport (asyncio.sleep) and the server (time.sleep)
    latency_ms: float = 0.0
    #: requests allowed per ``window_s`` per subscription key (sliding window on sb.clock); None = off
    rate_limit: int | None = None
    window_s: float = 60.0
    #: share of requests answered 500 or 503 (deterministic RNG), before any effect
    fault_rate: float = 0.0
    #: POST /orders answers 504 with an HTML body: "created" (the order exists) or "not_created"
    order_gateway_timeout: str | None = None
    #: share of 200 JSON answers whose body is truncated (the effect still happens)
    malformed_json_rate: float = 0.0
    #: "message" -> {"timeStamp", "message", ...}; "error" -> {"timestamp", "error", ...}
    error_field: str = "message"


@dataclass
class OrderTimings:
    """Seconds after creation at which a live order moves on (read on sb.clock)."""

    processing_after: float = 2.0  # submitted (NW) -> processing (AS)
    provisioning_after: float = 4.0  # AS -> processing (LO)
    completed_after: float = 6.0  # LO -> completed (CP), effect applied


@dataclass
class SandboxResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RequestRecord:
    method: str
    path: str  # routed path, without the /marketplace/<region> prefix, e.g. "/orders"
    query: dict[str, list[str]]
    status: int
    correlation_id: str = ""


@dataclass
class _Token:
    account: str
    expires_at: datetime


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# --------------------------------------------------------------------------- helpers


def default_accounts(seed: int = 42) -> list[SandboxAccount]:
    """The three demo accounts; passwords and subscription keys derive from the seed."""
    rng = random.Random(f"imtui-sandbox-accounts:{seed}")
    specs = [
        ("us-demo", "na", "us", "USD", "US"),
        ("uk-demo", "eu", "uk", "GBP", "GB"),
        ("de-demo", "eu", "de", "EUR", "DE"),
    ]
    out = []
    for i, (name, region, mkt, cur, country) in enumerate(specs):
        key = f"{rng.getrandbits(128):032x}"
        out.append(SandboxAccount(
            name=name,
            base_url=f"https://sandbox.imtui.invalid/marketplace/{region}",
            marketplace=mkt,
            username=f"northwind-{mkt}.api",
            password=_password(rng),
            subscription_key=key,
            currency=cur,
            reseller_id=str((i + 1) * 1_000_000 + 1),
            country=country,
        ))
    return out


def _password(rng: random.Random) -> str:
    lower, upper, digits, special = "abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "!#$%*+-?@"
    chars = [rng.choice(lower), rng.choice(upper), rng.choice(digits), rng.choice(special)]
    chars += [rng.choice(lower + upper + digits + special) for _ in range(12)]
    rng.shuffle(chars)
    return "".join(chars)


def _iso_dt(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _period_json(p: tuple[str, int]) -> dict:
    return {"type": p[0], "duration": p[1]}


def _money(amount: Decimal, currency: str) -> dict:
    return {"amount": money(amount), "currency": currency}


def _first(q: dict[str, list[str]], name: str) -> str | None:
    vals = q.get(name)
    if not vals:
        return None
    v = vals[0].strip()
    return v or None


def _parse_quantity(value: Any, what: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ApiError(400, f"{what}: quantity is required and must be a number")
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApiError(400, f"{what}: quantity {value!r} is not a number") from None
    if not d.is_finite() or d != d.to_integral_value():
        raise ApiError(400, f"{what}: quantity {value!r} must be a whole number")
    return int(d)


def _parse_period(value: Any, field_name: str) -> tuple[str, int] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or "type" not in value:
        raise ApiError(400, f"{field_name} must be an object like {{\"type\": \"month\", \"duration\": 1}}, not {value!r}")
    try:
        duration = int(value.get("duration", 1))
    except (TypeError, ValueError):
        raise ApiError(400, f"{field_name}.duration must be an integer") from None
    return (str(value["type"]), duration)


def _parse_time(value: str, name: str) -> datetime:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}: {value!r} is not an ISO 8601 date-time") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t


@dataclass
class _Prepared:
    type: str
    customer_id: str
    po_number: str | None
    lines: list[OrderLine]
    total: Decimal
    subscription_id: str | None = None
    scheduled_on: str | None = None
    parameters: list = field(default_factory=list)


# --------------------------------------------------------------------------- the sandbox


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
        self._tokens: dict[str, _Token] = {}
        self._counter = 0
        self._token_counter = 0
        self._fault_rng = random.Random(f"imtui-sandbox-faults:{seed}")
        self._rate: dict[str, deque] = {}
        self._secret = hashlib.sha256(f"imtui-sandbox-secret:{seed}".encode()).digest()
        self.state = SandboxState(self._build_account, [a.name for a in self.accounts], self._settle_locked, self._lock)

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
            now = self.clock.now()
            for tok in self._tokens.values():
                tok.expires_at = min(tok.expires_at, now)

    def settle(self) -> None:
        """Apply every order that completed by ``clock.now()`` (reads do this themselves)."""
        self._settle_locked()

    # ----------------------------------------------------------------- building

    def _build_account(self, name: str) -> AccountState:
        idx = next(i for i, a in enumerate(self.accounts) if a.name == name)
        return build_account(self.accounts[idx], idx, self.seed, self.n_customers, self.n_subscriptions, self.clock.start)

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
        if query is None or isinstance(query, (str, bytes)):
            qs = query.decode() if isinstance(query, bytes) else (query or "")
            q = parse_qs(qs.lstrip("?"), keep_blank_values=True)
        else:
            q = {k: list(v) if isinstance(v, (list, tuple)) else [str(v)] for k, v in query.items()}
        h = {k.lower(): v for k, v in headers.items()}
        url_path = unquote(url_path)
        m = _REGION_RE.search(url_path)
        if m:
            region, path = m.group(1), url_path[m.end():]
        else:
            region, path = None, url_path
        path = "/" + path.strip("/")
        self._counter += 1
        corr = "a8n-" + hashlib.sha256(f"{self.seed}:{self._counter}".encode()).hexdigest()[:32]
        now = self.clock.now()
        self._settle_locked(now)
        try:
            resp = self._gateway(method, path, url_path, region, q, h, body, corr, now)
        except ApiError as e:
            resp = self._error(e.status, e.message, url_path, corr, now, e.headers)
        except Exception:  # a sandbox bug: answer like production would, keep the trace
            self.errors.append(traceback.format_exc())
            resp = self._error(500, "Internal Server Error", url_path, corr, now)
        self.requests.append(RequestRecord(method, path, q, resp.status, corr))
        return resp

    # ----------------------------------------------------------------- responses

    def _json(self, status: int, obj: Any, corr: str, extra: dict | None = None) -> SandboxResponse:
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", "X-Correlation-ID": corr}
        if extra:
            headers.update(extra)
        return SandboxResponse(status, headers, body)

    def _error(self, status: int, message: str, url_path: str, corr: str, now: datetime,
               extra: dict | None = None) -> SandboxResponse:
        ts = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"
        if self.faults.error_field == "error":
            obj = {"timestamp": ts, "status": status, "error": message, "path": url_path, "correlationId": corr}
        else:
            obj = {"timeStamp": ts, "status": status, "message": message, "path": url_path, "correlationId": corr}
        return self._json(status, obj, corr, extra)

    # ----------------------------------------------------------------- gateway layer

    def _gateway(self, method, path, url_path, region, q, h, body, corr, now) -> SandboxResponse:
        f = self.faults
        key = h.get("x-subscription-key", "")
        if f.rate_limit is not None:
            window = float(f.window_s)
            t = self.clock.elapsed()
            dq = self._rate.setdefault(key, deque())
            while dq and dq[0] <= t - window:
                dq.popleft()
            if len(dq) >= f.rate_limit:
                retry = max(1, math.ceil(dq[0] + window - t))
                raise ApiError(429, f"Rate limit is exceeded. Try again in {retry} seconds.", {"Retry-After": str(retry)})
            dq.append(t)
        if f.fault_rate and self._fault_rng.random() < f.fault_rate:
            if self._fault_rng.random() < 0.5:
                raise ApiError(500, "An unexpected error occurred while processing the request.")
            raise ApiError(503, "Service Unavailable")
        if path == "/orders" and method == "POST" and f.order_gateway_timeout == "not_created":
            return SandboxResponse(504, {"Content-Type": "text/html", "X-Correlation-ID": corr}, GATEWAY_TIMEOUT_HTML)
        resp = self._route(method, path, url_path, region, q, h, body, corr, now)
        if path == "/orders" and method == "POST" and f.order_gateway_timeout == "created":
            return SandboxResponse(504, {"Content-Type": "text/html", "X-Correlation-ID": corr}, GATEWAY_TIMEOUT_HTML)
        if (f.malformed_json_rate and resp.status == 200
                and self._fault_rng.random() < f.malformed_json_rate):
            resp.body = resp.body[: max(1, len(resp.body) // 2)]
        return resp

    # ----------------------------------------------------------------- auth

    def _issue_token(self, h, body, region, now, corr) -> SandboxResponse:
        key = h.get("x-subscription-key", "")
        auth = h.get("authorization", "")
        user = password = None
        if auth[:6].lower() == "basic ":
            try:
                user, _, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except Exception:
                user = password = None
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "Malformed JSON request body") from None
        marketplace = payload.get("marketplace") if isinstance(payload, dict) else None
        for acc in self.accounts:
            if (acc.username == user and acc.password == password and acc.subscription_key == key
                    and acc.marketplace == marketplace and (region is None or acc.region in (None, region))):
                break
        else:
            if not any(a.subscription_key == key for a in self.accounts):
                raise ApiError(401, "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.")
            raise ApiError(401, "Unauthorized: bad credentials or marketplace")
        self.state.account(acc.name)  # build its data now
        self._token_counter += 1
        iat = int(now.timestamp())
        header = _b64url(json.dumps({"alg": "HS384", "typ": "JWT"}, separators=(",", ":")).encode())
        claims = _b64url(json.dumps({"sub": acc.username, "marketplace": acc.marketplace, "resellerId": acc.reseller_id,
                                     "iat": iat, "exp": iat + self.token_ttl, "jti": self._token_counter},
                                    separators=(",", ":")).encode())
        sig = _b64url(hmac.new(self._secret, f"{header}.{claims}".encode(), hashlib.sha384).digest())
        token = f"{header}.{claims}.{sig}"
        self._tokens[token] = _Token(acc.name, now + timedelta(seconds=self.token_ttl))
        return self._json(200, {"token": token, "expiresInSeconds": self.token_ttl}, corr)

    def _authenticate(self, h, region, now) -> AccountState:
        key = h.get("x-subscription-key", "")
        if not key or not any(a.subscription_key == key for a in self.accounts):
            raise ApiError(401, "Access denied due to missing or invalid subscription key. Make sure to include the X-Subscription-Key header with a valid key.")
        auth = h.get("authorization", "")
        if auth[:7].lower() != "bearer ":
            raise ApiError(401, "Unauthorized: a Bearer token is required")
        tok = self._tokens.get(auth[7:].strip())
        if tok is None:
            raise ApiError(401, "Unauthorized: invalid token")
        if now >= tok.expires_at:
            raise ApiError(401, "Unauthorized: the token has expired")
        acc = self.account(tok.account)
        if acc.subscription_key != key:
            raise ApiError(401, "Unauthorized: the token was not issued for this subscription key")
        if region is not None and acc.region is not None and acc.region != region:
            raise ApiError(401, f"Unauthorized: the token is not valid for marketplace region '{region}'")
        return self.state.account(acc.name)

    # ----------------------------------------------------------------- routing

    def _route(self, method, path, url_path, region, q, h, body, corr, now) -> SandboxResponse:
        parts = [p for p in path.split("/") if p]
        if parts == ["token"]:
            if method != "POST":
                raise ApiError(405, f"Method {method} is not allowed on /token")
            return self._issue_token(h, body, region, now, corr)
        known = {"customers", "resellers", "products", "subscriptions", "orders"}
        if not parts or parts[0] not in known or len(parts) > 2:
            raise ApiError(404, f"No resource at {path}")
        st = self._authenticate(h, region, now)
        res = parts[0]
        rid = parts[1] if len(parts) == 2 else None

        def payload() -> Any:
            try:
                return json.loads(body or b"null")
            except ValueError:
                raise ApiError(400, "Malformed JSON request body") from None

        if res == "orders" and rid == "estimate":
            if method != "POST":
                raise ApiError(405, f"Method {method} is not allowed on {path}")
            return self._json(200, self._estimate(st, payload(), now), corr)
        handlers = {
            ("GET", "customers", False): lambda: self._list_customers(st, q),
            ("GET", "customers", True): lambda: self._get_customer(st, rid),
            ("GET", "resellers", False): lambda: self._list_resellers(st, q),
            ("GET", "resellers", True): lambda: self._get_reseller(st, rid),
            ("GET", "products", False): lambda: self._list_products(st, q),
            ("GET", "subscriptions", False): lambda: self._list_subscriptions(st, q),
            ("GET", "subscriptions", True): lambda: self._subscription_detail(st, self._sub(st, rid)),
            ("PATCH", "subscriptions", True): lambda: self._patch_subscription(st, rid, payload(), now),
            ("GET", "orders", False): lambda: self._list_orders(st, q, now),
            ("GET", "orders", True): lambda: self._order_detail(self._order(st, rid), now),
            ("POST", "orders", False): lambda: self._place_order(st, payload(), now),
            ("PATCH", "orders", True): lambda: self._patch_order(st, rid, payload(), now),
        }
        fn = handlers.get((method, res, rid is not None))
        if fn is None:
            raise ApiError(405, f"Method {method} is not allowed on {path}")
        return self._json(200, fn(), corr)

    # ----------------------------------------------------------------- lists

    @staticmethod
    def _page(q) -> tuple[int, int]:
        out = []
        for name, default, minimum in (("offset", 0, 0), ("limit", 10, 1)):
            raw = _first(q, name)
            if raw is None:
                out.append(default)
                continue
            try:
                v = int(raw)
            except ValueError:
                raise ApiError(400, f"Invalid value for {name}: {raw!r} is not an integer") from None
            if v < minimum:
                raise ApiError(400, f"Invalid value for {name}: must be at least {minimum}")
            out.append(v)
        return out[0], min(out[1], LIST_LIMIT_CAP)

    @staticmethod
    def _status_filter(q, allowed) -> str | None:
        status = _first(q, "status")
        if status is not None and "," in status:
            raise ApiError(400, f"Invalid status filter {status!r}: only one status value is allowed")
        return status

    def _envelope(self, q, rows: list, render) -> dict:
        offset, limit = self._page(q)
        return {"data": [render(r) for r in rows[offset:offset + limit]],
                "pagination": {"offset": offset, "limit": limit, "total": len(rows)}}

    def _list_customers(self, st: AccountState, q) -> dict:
        self._page(q)
        name = _first(q, "name")
        email = _first(q, "email")
        ext = _first(q, "externalId")
        rows = list(st.customers.values())
        if name:
            needle = name.casefold()
            rows = [c for c in rows if needle in c["name"].casefold()]
        if email:
            e = email.casefold()
            rows = [c for c in rows if any(p["email"].casefold() == e for p in c["contactPersons"])]
        if ext:
            rows = [c for c in rows if c.get("externalId") == ext]
        return self._envelope(q, rows, lambda c: c)

    def _get_customer(self, st: AccountState, cid: str) -> dict:
        c = st.customers.get(cid)
        if c is None:
            raise ApiError(404, f"Customer #{cid} not found")
        return c

    def _list_resellers(self, st: AccountState, q) -> dict:
        return self._envelope(q, [st.reseller], lambda r: r)

    def _get_reseller(self, st: AccountState, rid: str) -> dict:
        if rid != st.reseller["id"]:
            raise ApiError(404, f"Reseller #{rid} not found")
        return st.reseller

    def _list_products(self, st: AccountState, q) -> dict:
        self._page(q)
        rows = st.product_json
        name, mpn, vendor, service = (_first(q, k) for k in ("name", "mpn", "vendor", "serviceName"))
        if name:
            rows = [p for p in rows if name.casefold() in p["name"].casefold()]
        if mpn:
            rows = [p for p in rows if p["mpn"].casefold() == mpn.casefold()]
        if vendor:
            rows = [p for p in rows if p["vendor"].casefold() == vendor.casefold()]
        if service:
            rows = [p for p in rows if p["serviceName"] == service]
        return self._envelope(q, rows, lambda p: p)

    # ----------------------------------------------------------------- subscriptions

    def _sub(self, st: AccountState, sid: str) -> Subscription:
        s = st.subscriptions.get(str(sid))
        if s is None:
            raise ApiError(404, f"Subscription #{sid} not found")
        return s

    def _list_subscriptions(self, st: AccountState, q) -> dict:
        self._page(q)
        status = self._status_filter(q, SUBSCRIPTION_STATUSES)
        cid = _first(q, "customerId")
        if cid is not None:
            rows = [st.subscriptions[s] for s in st.subs_by_customer.get(cid, ())]
        else:
            rows = list(st.subscriptions.values())
        if status:
            rows = [s for s in rows if s.status == status]
        for name, op in (("creationDateFrom", "ge"), ("creationDateTo", "le")):
            raw = _first(q, name)
            if raw:
                try:
                    d = date.fromisoformat(raw[:10])
                except ValueError:
                    raise ApiError(400, f"Invalid value for {name}: {raw!r} is not a date") from None
                rows = [s for s in rows if (s.creation_date >= d if op == "ge" else s.creation_date <= d)]
        return self._envelope(q, rows, self._subscription_row)

    @staticmethod
    def _subscription_row(s: Subscription) -> dict:
        d = {"id": s.id, "name": s.name, "customerId": s.customer_id, "status": s.status,
             "renewalStatus": s.renewal_status, "creationDate": s.creation_date.isoformat()}
        if s.renewal_date:
            d["renewalDate"] = s.renewal_date.isoformat()
        if s.expiration_date:
            d["expirationDate"] = s.expiration_date.isoformat()
        d["lastModifiedDate"] = s.last_modified.isoformat()
        d["billingModel"] = s.billing_model
        d["billingPeriod"] = _period_json(s.billing_period)
        d["subscriptionPeriod"] = _period_json(s.subscription_period)
        return d

    def _subscription_detail(self, st: AccountState, s: Subscription) -> dict:
        d = self._subscription_row(s)
        cur = st.currency
        if s.lines is not None:
            products = []
            total = Decimal("0")
            for i, ln in enumerate(s.lines):
                if ln.vendor_subscription_id is None:
                    ln.vendor_subscription_id = vendor_subscription_id(self.seed, s.id, i)
                price, cost = ln.product.price(cur), ln.product.cost(cur)
                ext = price * ln.quantity
                total += ext
                products.append({
                    "id": ln.product.id, "mpn": ln.product.mpn, "vendor": ln.product.vendor,
                    "name": ln.product.name, "quantity": ln.quantity,
                    "unitPrice": _money(price, cur), "unitCost": _money(cost, cur),
                    "extendedPrice": _money(ext, cur), "vendorSubscriptionId": ln.vendor_subscription_id,
                })
            d["totalPrice"] = _money(total, cur)
            d["products"] = products
        d["planId"] = s.plan_id
        return d

    def _patch_subscription(self, st: AccountState, sid: str, body: Any, now: datetime) -> dict:
        s = self._sub(st, sid)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        other = sorted(k for k in body if k != "renewalStatus")
        if other:
            raise ApiError(400, f"Field(s) {', '.join(other)} cannot be updated with PATCH /subscriptions/{{id}}: "
                                "only renewalStatus can. Change quantities, status or products with an order (POST /orders).")
        if "renewalStatus" not in body or not isinstance(body["renewalStatus"], bool):
            raise ApiError(400, "renewalStatus is required and must be true or false")
        if s.status in ("terminated", "removed"):
            raise ApiError(500, f"Cannot change the auto-renewal of Subscription #{s.id}: the subscription is {s.status}.")
        s.renewal_status = body["renewalStatus"]
        s.last_modified = now.date()
        return self._subscription_detail(st, s)

    # ----------------------------------------------------------------- orders: read

    def _order(self, st: AccountState, oid: str) -> Order:
        o = st.orders.get(str(oid))
        if o is None:
            raise ApiError(404, f"Order #{oid} not found")
        return o

    def _order_row(self, o: Order, now: datetime) -> dict:
        status, code = o.status_at(now)
        d = {"id": o.id, "orderNumber": o.number, "type": o.type, "customerId": o.customer_id,
             "creationDate": _iso_dt(o.created)}
        if o.processing_at is not None and status not in ("submitted",) and not (
                o.cancelled_at is not None and o.cancelled_at < o.processing_at):
            d["provisioningDate"] = _iso_dt(o.processing_at)
        d["status"] = status
        d["statusCode"] = code
        d["total"] = _money(o.total, o.currency)
        return d

    def _line_json(self, ln: OrderLine, currency: str) -> dict:
        d: dict = {"mpn": ln.mpn, "vendor": ln.vendor}
        if ln.product is not None:
            d["id"] = ln.product.id
            d["subscriptionPeriod"] = _period_json(ln.product.subscription_period)
            d["billingPeriod"] = _period_json(ln.product.billing_period)
        d["name"] = ln.name
        d["quantity"] = ln.quantity
        d["extendedPrice"] = _money(ln.extended, currency)
        if ln.subscription_id:
            d["subscriptionId"] = ln.subscription_id
        return d

    def _order_detail(self, o: Order, now: datetime) -> dict:
        d = self._order_row(o, now)
        if o.po_number:
            d["poNumber"] = o.po_number
        d["products"] = [self._line_json(ln, o.currency) for ln in o.lines]
        if o.subscription_id and o.type != "sales":
            d["subscriptionId"] = o.subscription_id
        return d

    def _list_orders(self, st: AccountState, q, now: datetime) -> dict:
        self._page(q)
        status = self._status_filter(q, ORDER_STATUSES)
        sid = _first(q, "subscriptionId")
        rows = list(reversed(st.orders_by_subscription.get(sid, []) if sid is not None else st.order_list))
        cid = _first(q, "customerId")
        if cid is not None:
            rows = [o for o in rows if o.customer_id == cid]
        number = _first(q, "orderNumber")
        if number is not None:
            rows = [o for o in rows if o.number == number]
        t_from, t_to = _first(q, "creationTimeFrom"), _first(q, "creationTimeTo")
        if t_from:
            tf = _parse_time(t_from, "creationTimeFrom")
            rows = [o for o in rows if o.created >= tf]
        if t_to:
            tt = _parse_time(t_to, "creationTimeTo")
            rows = [o for o in rows if o.created <= tt]
        if status:
            rows = [o for o in rows if o.status_at(now)[0] == status]
        code = _first(q, "statusCode")
        if code:
            rows = [o for o in rows if o.status_at(now)[1] == code]
        return self._envelope(q, rows, lambda o: self._order_row(o, now))

    # ----------------------------------------------------------------- orders: validation

    def _resolve_product(self, line: dict, n: int) -> CatalogProduct:
        mpn = line.get("mpn")
        if not isinstance(mpn, str) or not mpn.strip():
            raise ApiError(400, f"products[{n}]: mpn is required")
        candidates = [p for p in PRODUCTS if p.mpn == mpn.strip()]
        if not candidates:
            raise ApiError(400, f"products[{n}]: no product with MPN {mpn} in the catalog")
        vendor = line.get("vendor")
        term = _parse_period(line.get("subscriptionPeriod"), f"products[{n}].subscriptionPeriod")
        billing = _parse_period(line.get("billingPeriod"), f"products[{n}].billingPeriod")
        matches = [p for p in candidates
                   if (vendor is None or p.vendor.casefold() == str(vendor).casefold())
                   and (term is None or p.subscription_period == term)
                   and (billing is None or p.billing_period == billing)]
        if not matches:
            raise ApiError(400, f"products[{n}]: no product with MPN {mpn} matches the given vendor, "
                                "subscriptionPeriod and billingPeriod")
        if len(matches) > 1:
            variants = ", ".join(f"{p.subscription_period[1]} {p.subscription_period[0]} term billed every "
                                 f"{p.billing_period[1]} {p.billing_period[0]}" for p in matches)
            raise ApiError(400, f"products[{n}]: MPN {mpn} matches {len(matches)} products ({variants}). "
                                "Specify vendor, subscriptionPeriod and billingPeriod to choose one.")
        return matches[0]

    @staticmethod
    def _check_bounds(product: CatalogProduct, qty: int, n: int) -> None:
        lo = product.minimum if product.minimum is not None else 1
        hi = product.maximum
        if qty < lo or (hi is not None and qty > hi):
            rng = f"{lo}-{hi}" if hi is not None else f"at least {lo}"
            raise ApiError(400, f"products[{n}]: quantity {qty} of {product.name} ({product.mpn}) is outside "
                                f"the allowed range {rng}")

    def _blocking(self, st: AccountState, sid: str, kinds: tuple[str, ...], now: datetime) -> Order | None:
        for o in st.orders_by_subscription.get(sid, ()):
            if o.type in kinds and o.final is None and not o.finished_at(now):
                return o
        return None

    def _prepare(self, st: AccountState, body: Any, now: datetime) -> _Prepared:
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        otype = body.get("type", "sales")
        if otype not in ORDER_PREFIXES:
            raise ApiError(400, f"Order type {otype!r} is not supported; use sales, change, cancellation or renewal")
        cid = body.get("customerId")
        if cid is None or str(cid).strip() == "":
            raise ApiError(400, "customerId is required")
        cid = str(cid).strip()
        cust = st.customers.get(cid)
        if cust is None:
            raise ApiError(404, f"Customer #{cid} not found")
        po = body.get("poNumber")
        if po is not None and not isinstance(po, str):
            raise ApiError(400, "poNumber must be a string")
        products = body.get("products")
        if products is not None and not isinstance(products, list):
            raise ApiError(400, "products must be a list")
        products = products or []
        if any(not isinstance(p, dict) for p in products):
            raise ApiError(400, "every item of products must be an object")
        if otype != "cancellation":
            cstatus = cust.get("status", "active")
            if cstatus == "creditHold":
                raise ApiError(500, f"Customer #{cid} ({cust['name']}) is on credit hold: new orders cannot be placed "
                                    "until the outstanding balance is settled.")
            if cstatus in ("adminHold", "cancelled", "error"):
                raise ApiError(500, f"Customer #{cid} ({cust['name']}) is in status {cstatus} and cannot place orders.")
        cur = st.currency
        lines: list[OrderLine] = []
        if otype == "sales":
            if not products:
                raise ApiError(400, "A sales order needs at least one item in products")
            for n, p in enumerate(products):
                product = self._resolve_product(p, n)
                if product.usd_price is None and p.get("quantity") is None:
                    qty = 1
                else:
                    qty = _parse_quantity(p.get("quantity"), f"products[{n}]")
                self._check_bounds(product, qty, n)
                params = p.get("parameters")
                if params is not None and not isinstance(params, list):
                    raise ApiError(400, f"products[{n}].parameters must be a list of {{name, value}}")
                price = product.price(cur)
                lines.append(OrderLine(product, product.mpn, product.vendor, product.name, qty, price, price * qty))
            total = sum((ln.extended for ln in lines), Decimal("0"))
            params = [x for p in products for x in (p.get("parameters") or [])]
            return _Prepared("sales", cid, po, lines, total, parameters=params)

        if otype == "change":
            if not products:
                raise ApiError(400, "A change order needs products [{subscriptionId, mpn, quantity}]")
            scheduled = body.get("scheduledOn")
            if scheduled is not None and scheduled != "renewal":
                raise ApiError(400, f"scheduledOn {scheduled!r} is not supported; use \"renewal\" or leave it out")
            seen = set()
            for n, p in enumerate(products):
                sid = p.get("subscriptionId", body.get("subscriptionId"))
                if sid is None or str(sid).strip() == "":
                    raise ApiError(400, f"products[{n}]: subscriptionId is required in a change order")
                sub = self._sub(st, str(sid).strip())
                if sub.customer_id != cid:
                    raise ApiError(400, f"Subscription #{sub.id} does not belong to customer #{cid}")
                mpn = p.get("mpn")
                if not isinstance(mpn, str) or not mpn.strip():
                    raise ApiError(400, f"products[{n}]: mpn is required in a change order")
                if sub.status != "active":
                    raise ApiError(500, f"Cannot Upgrade/Downgrade Resources for Subscription #{sub.id}: "
                                        f"the subscription is in status {sub.status}.")
                idx = next((i for i, ln in enumerate(sub.lines or []) if ln.product.mpn == mpn.strip()), None)
                if idx is None:
                    raise ApiError(400, f"products[{n}]: Subscription #{sub.id} has no product with MPN {mpn}")
                if (sub.id, idx) in seen:
                    raise ApiError(400, f"products[{n}]: Subscription #{sub.id} / {mpn} appears twice in the order")
                seen.add((sub.id, idx))
                blocking = self._blocking(st, sub.id, ("change",), now)
                if blocking is not None:
                    raise ApiError(500, f"Cannot Upgrade/Downgrade Resources for Subscription #{sub.id}: there is "
                                        f"already an Upgrade/Downgrade Order #{blocking.number} in status Provisioning "
                                        "is in progress(LO). Please wait until it is completed or cancel it before "
                                        "placing a new one.")
                line = sub.lines[idx]
                new_total = _parse_quantity(p.get("quantity"), f"products[{n}]")
                self._check_bounds(line.product, new_total, n)
                delta = new_total - line.quantity
                if delta == 0:
                    raise ApiError(400, f"products[{n}]: Subscription #{sub.id} already has {new_total} of {mpn}; "
                                        "nothing to change")
                price = line.product.price(cur)
                lines.append(OrderLine(line.product, line.product.mpn, line.product.vendor, line.product.name,
                                       delta, price, price * delta, sub.id, new_total, idx))
            total = sum((ln.extended for ln in lines), Decimal("0"))
            return _Prepared("change", cid, po, lines, total, subscription_id=lines[0].subscription_id,
                             scheduled_on=scheduled)

        # cancellation / renewal: one subscription, top level or on the single line
        sid = body.get("subscriptionId")
        if sid is None:
            if len(products) > 1:
                raise ApiError(400, f"A {otype} order applies to one subscription: give subscriptionId")
            if products:
                sid = products[0].get("subscriptionId")
        if sid is None or str(sid).strip() == "":
            raise ApiError(400, f"subscriptionId is required in a {otype} order")
        sub = self._sub(st, str(sid).strip())
        if sub.customer_id != cid:
            raise ApiError(400, f"Subscription #{sub.id} does not belong to customer #{cid}")
        if sub.status in ("terminated", "removed"):
            raise ApiError(500, f"Subscription #{sub.id} is already {sub.status}: a {otype} order cannot be placed.")
        if sub.status == "pending":
            raise ApiError(500, f"Subscription #{sub.id} is still being provisioned (pending): a {otype} order cannot "
                                "be placed yet.")
        blocking = self._blocking(st, sub.id, (otype,), now)
        if blocking is not None:
            raise ApiError(500, f"Subscription #{sub.id}: there is already a {otype} order #{blocking.number} in "
                                "progress.")
        for ln in sub.lines or []:
            price = ln.product.price(cur)
            if otype == "cancellation":
                lines.append(OrderLine(ln.product, ln.product.mpn, ln.product.vendor, ln.product.name,
                                       ln.quantity, price, Decimal("0"), sub.id))
            else:
                lines.append(OrderLine(ln.product, ln.product.mpn, ln.product.vendor, ln.product.name,
                                       ln.quantity, price, price * ln.quantity, sub.id))
        total = sum((ln.extended for ln in lines), Decimal("0"))
        return _Prepared(otype, cid, po, lines, total, subscription_id=sub.id)

    # ----------------------------------------------------------------- orders: write

    def _estimate(self, st: AccountState, body: Any, now: datetime) -> dict:
        prep = self._prepare(st, body, now)
        d: dict = {"type": prep.type, "customerId": prep.customer_id}
        if prep.po_number:
            d["poNumber"] = prep.po_number
        d["products"] = [self._line_json(ln, st.currency) for ln in prep.lines]
        d["total"] = _money(prep.total, st.currency)
        return d

    def _place_order(self, st: AccountState, body: Any, now: datetime) -> dict:
        prep = self._prepare(st, body, now)
        oid, number = st.new_order_ids(ORDER_PREFIXES[prep.type])
        t = self.order_timings
        order = Order(
            id=oid, number=number, type=prep.type, customer_id=prep.customer_id, po_number=prep.po_number,
            created=now, lines=prep.lines, total=prep.total, currency=st.currency,
            subscription_id=prep.subscription_id,
            processing_at=now + timedelta(seconds=t.processing_after),
            provisioning_at=now + timedelta(seconds=t.provisioning_after),
            completed_at=now + timedelta(seconds=t.completed_after),
            scheduled_on=prep.scheduled_on, parameters=prep.parameters,
        )
        if prep.type == "sales":
            today = now.date()
            for ln in order.lines:
                p = ln.product
                sid = st.new_subscription_id()
                ln.subscription_id = sid
                lines = [] if p.usd_price is None else [SubscriptionLine(p, ln.quantity, None)]
                st.add_subscription(Subscription(
                    id=sid, customer_id=order.customer_id, name=p.name, status="pending", renewal_status=True,
                    creation_date=today, renewal_date=None, expiration_date=None, last_modified=today,
                    billing_model=p.billing_model, billing_period=p.billing_period,
                    subscription_period=p.subscription_period, lines=lines, plan_id=10000 + p.index,
                    parameters=list(prep.parameters),
                ))
            order.subscription_id = order.lines[0].subscription_id if order.lines else None
        st.add_order(order)
        st.unfinished.append(order)
        return self._order_detail(order, now)

    def _patch_order(self, st: AccountState, oid: str, body: Any, now: datetime) -> dict:
        o = self._order(st, oid)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        code = body.get("statusCode")
        if code is None:
            if set(body) <= {"creditCheck"}:
                return self._order_detail(o, now)
            raise ApiError(400, "Only statusCode and creditCheck can be updated on an order")
        if code != "CL":
            raise ApiError(400, f"statusCode {code!r} cannot be set; only CL (cancel) is supported")
        status, scode = o.status_at(now)
        if status == "cancelled":
            return self._order_detail(o, now)
        if status in ("completed", "error"):
            raise ApiError(500, f"Order #{o.number} cannot be cancelled: it is already {status} ({scode}).")
        o.cancelled_at = now
        if o in st.unfinished:
            st.unfinished.remove(o)
        if o.type == "sales":
            for ln in o.lines:
                sub = st.subscriptions.get(ln.subscription_id or "")
                if sub is not None and sub.status == "pending":
                    sub.status = "removed"
                    sub.renewal_status = False
                    sub.last_modified = now.date()
        return self._order_detail(o, now)

    # ----------------------------------------------------------------- lifecycle

    def _settle_locked(self, now: datetime | None = None) -> None:
        with self._lock:
            now = now or self.clock.now()
            for st in self.state.built():
                if not st.unfinished:
                    continue
                due = [o for o in st.unfinished if o.cancelled_at is None and now >= o.completed_at]
                if not due:
                    continue
                st.unfinished = [o for o in st.unfinished if o not in due]
                for o in sorted(due, key=lambda o: (o.completed_at, int(o.id))):
                    self._apply(st, o)

    def _apply(self, st: AccountState, o: Order) -> None:
        day = o.completed_at.date()
        o.applied = True
        if o.type == "sales":
            for ln in o.lines:
                sub = st.subscriptions.get(ln.subscription_id or "")
                if sub is None or sub.status != "pending":
                    continue
                sub.status = "active"
                sub.expiration_date = sub.renewal_date = add_period(day, sub.subscription_period)
                sub.last_modified = day
        elif o.type == "change":
            for ln in o.lines:
                sub = st.subscriptions.get(ln.subscription_id or "")
                if sub is None or sub.status not in ("active", "hold") or not sub.lines:
                    continue
                if o.scheduled_on == "renewal":
                    sub.scheduled_quantities[ln.line_index] = ln.new_total
                else:
                    sub.lines[ln.line_index].quantity = ln.new_total
                sub.last_modified = day
        elif o.type == "cancellation":
            sub = st.subscriptions.get(o.subscription_id or "")
            if sub is not None and sub.status not in ("terminated", "removed"):
                sub.status = "terminated"
                sub.renewal_status = False
                sub.expiration_date = sub.renewal_date = day
                sub.last_modified = day
        elif o.type == "renewal":
            sub = st.subscriptions.get(o.subscription_id or "")
            if sub is not None and sub.status in ("active", "hold"):
                base = sub.expiration_date or day
                sub.expiration_date = sub.renewal_date = add_period(base, sub.subscription_period)
                for idx, q in sub.scheduled_quantities.items():
                    if sub.lines and idx < len(sub.lines):
                        sub.lines[idx].quantity = q
                sub.scheduled_quantities.clear()
                sub.last_modified = day
