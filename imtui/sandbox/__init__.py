"""The sandbox: a faithful, deterministic, in-memory fake of the Ingram Micro
Cloud Marketplace API (see /work/shared/api/MARKETPLACE_API.md), used by
``imtui --demo``, the tests and the benchmarks.  It produces plain JSON and does
not import the client (``imtui.core``) nor textual.

Public surface::

    from imtui.sandbox import Sandbox, SandboxAccount, Faults
    sb = Sandbox(seed=42, customers=None, subscriptions=None, token_ttl=1500, clock="manual")
    sb.accounts                 # list[SandboxAccount]
    sb.transport()              # httpx.AsyncBaseTransport, in process (sb.sync_transport() for httpx.Client)
    sb.handle(method, url_path, query, headers, body) -> SandboxResponse(status, headers, body)
    sb.clock.now(); sb.clock.advance(seconds)
    sb.faults                   # Faults, mutable at runtime
    sb.order_timings            # OrderTimings(processing_after=2, provisioning_after=4, completed_after=6)
    sb.expire_tokens()
    sb.requests                 # list[RequestRecord(method, path, query, status, correlation_id)]
    sb.state                    # see below
    sb.errors                   # tracebacks of sandbox bugs (answered 500); should stay empty

Modules, by resource (each area adds to its own)::

    app.py            Sandbox: construction, the lock, handle() (the entry point), test helpers
    wire.py           answers, request records, ApiError, shared JSON shapes, query/paging parsing
    accounts.py       SandboxAccount, default_accounts
    auth.py           POST /token and the bearer check (Tokens)
    gateway.py        Faults, the rate limit per key, fault injection, routing to the resources
    customers.py      GET /customers, /resellers
    products.py       GET /products; naming a product in an order line; quantity bounds
    subscriptions.py  GET /subscriptions, GET/PATCH /subscriptions/{id}
    order_rules.py    validation and business rules of an order body (prepare, blocking order)
    orders.py         POST /orders, /orders/estimate; PATCH/GET /orders/{id}; GET /orders
    lifecycle.py      what happens as the sandbox clock moves (orders complete and apply)
    model.py          the in-memory records and the state container
    seed.py           deterministic seed data, in steps; people.py: customer/reseller JSON; dates.py
    catalog.py        the product catalog; names.py: name pools; clock.py: the sandbox clock
    transport.py      httpx transports (in process); server.py: HTTP server and ``imtui sandbox serve``

Sizes: ``customers`` and ``subscriptions`` are *per account*; None = demo size
(48 customers and 120 subscriptions per account).  Each account's data is built
on first use (its first token, or a state read), so a big sandbox only pays for
the accounts it touches.

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
        .subscriptions[id]                Subscription dataclass (.status, .quantity, .lines[i].quantity, ...)
        .orders[id]                       Order dataclass (.number, .type, .status_at(now), .lines, .po_number)
        .order_list                       orders oldest first
    sb.state.customers / .subscriptions / .orders   merged read views over all accounts
    sb.state.products[id]                 CatalogProduct

Ids are numeric strings unique across accounts: account k (0-based) uses
``(k+1)*1_000_000 +`` 1 (reseller), 101.. (customers), 200001.. (subscriptions),
500001.. (orders).

Orders: numbers ``SO`` (sales), ``CH`` (change), ``CN`` (cancellation), ``RN``
(renewal) + a 6-digit per-account sequence.  A live order is ``submitted`` (NW)
for 2 s, ``processing`` (AS) until 4 s, ``processing`` (LO) until 6 s, then
``completed`` (CP) and its effect applies; ``PATCH {"statusCode": "CL"}`` before
that withdraws it (``cancelled``/CL, no effect; a withdrawn sales order's pending
subscription becomes ``removed``).  Seed history also holds ``cancelled`` (CL),
``error`` (PF) and stuck ``processing`` (LO, for pending subscriptions) orders.
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
