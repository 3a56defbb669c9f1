"""The sandbox: a faithful, deterministic, in-memory fake of the Ingram Micro
Cloud Marketplace API (see /work/shared/api/MARKETPLACE_API.md), used by
``imtui --demo``, the tests and the benchmarks.  It produces plain JSON and does
not import the client (``imtui.core``) nor textual.

Public surface::

    from imtui.sandbox import Sandbox, SandboxAccount, Faults
    sb = Sandbox(seed=42, customers=None, subscriptions=None, token_ttl=1500, clock="manual", start=None)
                                # start: the clock's start (DEFAULT_START, 2026-11-20 09:00 UTC, unless given);
                                # `imtui sandbox serve` and the demo start a real clock at clock.current_start()
                                # (now, seconds cut off), so order times agree with real UTC lookups
    sb.accounts                 # list[SandboxAccount]
    sb.transport()              # httpx.AsyncBaseTransport, in process (sb.sync_transport() for httpx.Client)
    sb.handle(method, url_path, query, headers, body) -> SandboxResponse(status, headers, body)
    sb.clock.now(); sb.clock.advance(seconds)
    sb.faults                   # Faults, mutable at runtime (below)
    sb.order_timings            # OrderTimings(processing_after=2, provisioning_after=4, completed_after=6);
                                # OrderTimings.lasting(90): 90 s from submitted to completed
    sb.expire_tokens()
    sb.requests                 # list[RequestRecord(method, path, query, status, correlation_id)];
                                # status 0 = no answer sent (a hung or dropped POST /orders)
    sb.state                    # see below
    sb.errors                   # tracebacks of sandbox bugs (answered 500); should stay empty

Faults (``Faults(...)`` or ``sb.faults.x = ...`` at runtime; ``imtui sandbox serve`` flag in brackets)::

    latency_ms=0                 every request, slept outside the lock            [--latency-ms]
    rate_limit=None, window_s=60 requests per window per subscription key, 429    [--rate-limit, --window-s]
    rate_limit_retry_after=True  False: the 429 has no Retry-After header         [--no-retry-after]
    fault_rate=0.0               share answered 500/503 before any effect         [--fault-rate]
    malformed_json_rate=0.0      share of 200 bodies cut in half                  [--malformed-json-rate]
    error_field="message"        "error": bodies say error/timestamp              [--error-field]
    order_gateway_timeout=None   POST /orders -> 504 with HTML                    [--order-504 created|not-created]
    order_hang=None              POST /orders -> no answer for order_hang_s (300) [--order-hang, --order-hang-seconds]
                                 (in process: the request's read timeout raises httpx.ReadTimeout)
    order_drop=None              POST /orders -> connection closed, no answer     [--order-drop]
                                 (httpx.RemoteProtocolError)
    The order faults take "created" (the order is placed, the answer is lost) or "not_created".

Changes upstream, behind the client's back (for sync and "what changed" tests)::

    sb.remove_subscription(sid)  # gone from every list, detail 404; its orders stay in the history
    sb.modify_subscription(sid, quantity=12, unit_price="9.99", unit_cost="7.50", line=0,
                           status="suspendedByVendor", renewal_status=False)
                                 # no order; lastModifiedDate becomes today on the sandbox clock

Modules, by resource (each area adds to its own)::

    app.py            Sandbox: construction, the lock, handle() (the entry point), test helpers
    wire.py           answers, request records, ApiError, shared JSON shapes, query/paging parsing
    accounts.py       SandboxAccount, default_accounts
    auth.py           POST /token and the bearer check (Tokens)
    gateway.py        Faults, the rate limit per key, fault injection, routing to the resources
    parameters.py     activation parameters: what a product needs, POST /validation/parameters
    customers.py      GET /customers, /resellers
    products.py       GET /products; naming a product in an order line; quantity bounds
    subscriptions.py  GET /subscriptions, GET/PATCH /subscriptions/{id}
    order_rules.py    validation and business rules of an order body (prepare, blocking order)
    orders.py         POST /orders, /orders/estimate; PATCH/GET /orders/{id}; GET /orders
    lifecycle.py      what happens as the sandbox clock moves (orders complete, subscriptions renew/expire)
    model.py          the in-memory records and the state container
    seed.py           deterministic seed data, in steps; people.py: customer/reseller JSON; dates.py
    catalog.py        the product catalog; names.py: name pools; clock.py: the sandbox clock
    transport.py      httpx transports (in process); server.py: HTTP server and ``imtui sandbox serve``
    serve_flags.py    the flags of ``imtui sandbox serve``, each checked (bad value: one line, exit 2)

Sizes: ``customers`` and ``subscriptions`` are *per account*; None = demo size
(48 customers and 120 subscriptions per account, 144 and 360 in all).  Each
account's data is built on first use (its first token, or a state read), so a
big sandbox only pays for the accounts it touches (``imtui sandbox serve`` builds
them all before it listens).

Accounts (defaults; pass ``accounts=[SandboxAccount(...)]`` to replace them):
``us-demo`` (…/marketplace/na, marketplace ``us``, USD), ``uk-demo``
(…/marketplace/eu, ``uk``, GBP), ``de-demo`` (…/marketplace/eu, ``de``, EUR);
username ``northwind-<marketplace>.api``; password and 32-hex subscription key
derived from the seed.  Every account is its own reseller with its own data; the
catalog is shared, priced in the account's currency.

State (read it in tests; reading settles orders that completed by clock.now())::

    sb.state.account("us-demo")           AccountState
        .reseller                         Reseller JSON dict
        .customers[id]                    Customer JSON dict (mutable)
        .subscriptions[id]                Subscription dataclass (.status, .quantity, .lines[i].quantity,
                                          .lines[i].price(currency), .parameters, ...)
        .orders[id]                       Order dataclass (.number, .type, .status_at(now), .lines, .po_number)
        .order_list                       orders oldest first
        .unfinished                       live orders that complete on the order clock
        .renewals                         heap of (renewal date ordinal, subscription id)
    sb.state.customers / .subscriptions / .orders   merged read views over all accounts
    sb.state.products[id]                 CatalogProduct

Ids are numeric strings unique across accounts: account k (0-based) uses
``(k+1)*1_000_000 +`` 1 (reseller), 101.. (customers), 200001.. (subscriptions),
500001.. (orders).

Orders: numbers ``SO`` (sales), ``CH`` (change), ``CN`` (cancellation), ``RN``
(renewal), ``TR`` (transfer, seed only: an order type the yaml does not list) + a
6-digit per-account sequence.  A live order is ``submitted`` (NW) for 2 s,
``processing`` (AS) until 4 s, ``processing`` (LO) until 6 s, then ``completed``
(CP) and its effect applies; ``PATCH {"statusCode": "CL"}`` before that withdraws
it (``cancelled``/CL, no effect; a withdrawn sales order's pending subscription
becomes ``removed``).  A change with ``"scheduledOn": "renewal"`` is ``processing``
with statusCode ``SC`` until its subscription renews, then completes and its
quantity applies (withdrawable until then; ``error``/PF if the subscription
expires instead).  One pending order of a type per subscription: a second one is
a 500 whose message names the blocking order and its real status, e.g.
``... Order #CH000123 in status Scheduled for the renewal date(SC). ...``
(labels: NW Submitted, AS Awaiting provisioning, LO Provisioning is in progress).
Order details show a change line's ``quantity`` as the signed delta, ``poNumber``
and each line's activation ``parameters``; list rows show neither.

Renewals: at 00:00 UTC of its renewal date an active (or hold) subscription with
auto-renew on renews: a completed ``RN`` order dated that moment (subscriptions
with priced lines), renewal/expiry date one term later, ``lastModifiedDate`` that
day, scheduled changes applied.  With auto-renew off it expires: ``terminated``,
``lastModifiedDate`` that day.  A heap of renewal dates per account keeps this to
a peek per request.

Activation parameters: ``GWS-BUS-STARTER`` and ``GWS-BUS-STD`` (Google Workspace)
need ``{"name": "domain", "value": "<a domain>"}`` on the sales order line (400
naming it otherwise); ``POST /validation/parameters`` says what a product needs.

Seed data per account, whatever the size (15 subscriptions or more): every
documented status and ``suspendedByVendor``; an Azure plan (``products: []``)
and an internal plan (no ``products``); Acronis subscriptions with a base licence
and an add-on line (id 200011 in each account's range, and about half of the
other Acronis workstation ones); Dropbox and Bitdefender lines whose
``quantity`` reads ``"N.0"`` (details and order lines); a Google Workspace
subscription with ``orderParameters``; a ``transfer`` order; change orders still
pending on active subscriptions of the later half of the ids (``LO``, completing
1-48 h after the start; ``SC``, on yearly terms); history holds ``cancelled``
(CL), ``error`` (PF) and stuck ``processing`` (LO, for pending subscriptions)
orders.  Customers are the same as before these were added; subscription ids
200001-200010 keep their kinds, later rows differ from the data of before.
"""

from .app import (
    Faults,
    OrderTimings,
    RequestRecord,
    Sandbox,
    SandboxAccount,
    SandboxResponse,
    default_accounts,
)
from .clock import DEFAULT_START, Clock

__all__ = [
    "Clock",
    "DEFAULT_START",
    "Faults",
    "OrderTimings",
    "RequestRecord",
    "Sandbox",
    "SandboxAccount",
    "SandboxResponse",
    "default_accounts",
]
