"""Deterministic seed data: customers, subscriptions and order history.

Every account draws from its own ``random.Random(f"{seed}:{account name}")``; nothing reads the wall clock or
the global ``random`` module, so the same seed always yields the same data.  Dates are relative to the clock's
fixed start.  The build is a few steps, each drawing from the account's generator in a fixed order:

1. customers (:func:`_seed_customers`): the special near-duplicate names first, then random companies;
2. subscriptions (:func:`_seed_subscriptions`): forced rows first so every status and odd shape exists, then
   random ones; each brings the order history that made it (:func:`_history`);
3. a withdrawn and a failed sales order (:func:`_withdrawn_and_failed`);
4. change orders still pending on some active subscriptions of the later half of the ids: processing (LO)
   until 1 to 48 hours after the clock's start, or scheduled on renewal (SC) (:func:`_pending_changes`);
5. the order history, numbered oldest first (:func:`_seed_orders`).

What every account holds whatever its size (given 15 subscriptions or more): every documented status, a
subscription in the unknown status ``suspendedByVendor``, an Azure plan (``products: []``), an internal plan
(no ``products``), a multi-line subscription (Acronis base licence + an add-on), a Dropbox subscription whose
quantities read ``"N.0"``, a Google Workspace subscription with its ``domain`` in ``orderParameters``, an order
of the unknown type ``transfer`` (``TR…``), pending and scheduled change orders, a withdrawn and a failed
order, orders stuck in processing for pending subscriptions.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import random
import uuid
from bisect import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import accumulate

from . import names as N
from .catalog import (AZURE_PLAN, BUNDLE_ADDONS, BUNDLE_BASE, DOMAIN_PRODUCT, INTERNAL_PLAN_NAMES, PRODUCTS,
                      TEXT_QUANTITY_PRODUCT, CatalogProduct)
from .dates import add_months, add_period, next_term_end
from .model import AccountState, Order, OrderLine, Subscription, SubscriptionLine
from .people import MARKETPLACE_COUNTRY, company_name, customer_json, reseller_json

__all__ = ["add_months", "add_period", "build_account", "next_term_end", "vendor_subscription_id"]

_QUANTITIES = [1, 1, 1, 2, 2, 3, 4, 5, 5, 6, 8, 10, 10, 12, 15, 18, 20, 25, 30, 35, 40, 50, 65, 80, 120, 250]
_PRODUCT_CUM = list(accumulate(p.weight for p in PRODUCTS))
_PREFIXES = {"sales": "SO", "change": "CH", "cancellation": "CN", "renewal": "RN", "transfer": "TR"}
#: subscription statuses with a live term (dates like an active one); only active and hold renew
_LIVE = ("active", "hold", "suspendedByVendor")
_RENEWING = ("active", "hold")

#: forced first subscriptions: (customer status, subscription status, what) so that every status and odd
#: shape exists in every account: None = a random product, "expiring" = pending with an expiry date,
#: "internal" = a plan sold outside the catalog (no products), "bundle" = a base licence plus an add-on,
#: "transfer" = came in by a transfer order, or a given product
_FORCED: list[tuple[str, str, object]] = [
    ("active", "pending", None), ("active", "hold", None), ("active", "terminated", None),
    ("active", "removed", None), ("active", "pending", "expiring"), ("active", "active", AZURE_PLAN),
    ("active", "active", "internal"), ("creditHold", "active", PRODUCTS[4]),
    ("active", "active", PRODUCTS[1]), ("active", "active", PRODUCTS[4]),
    ("active", "active", "bundle"), ("active", "active", TEXT_QUANTITY_PRODUCT),
    ("active", "suspendedByVendor", None), ("active", "active", "transfer"), ("active", "active", DOMAIN_PRODUCT),
]

#: one seed order before numbering: (created, type, customer, subscription, lines, final (status, code), PO,
#: live); lines are (product, quantity, unit price, subscription id, new total); live is None for finished
#: history, else (completes at or None, scheduledOn) for an order still pending at the clock's start
SeedOrder = tuple


def vendor_subscription_id(seed: int, sid: str, line: int) -> str:
    digest = hashlib.md5(f"{seed}:{sid}:{line}".encode()).digest()
    return str(uuid.UUID(bytes=digest))


def build_account(account, index: int, seed: int, n_customers: int, n_subscriptions: int, start: datetime) -> AccountState:
    """Build one account's state. The cyclic GC is paused meanwhile: the build makes
    hundreds of thousands of acyclic objects and would otherwise trigger full collections."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_account(account, index, seed, n_customers, n_subscriptions, start)
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Pools:
    """The customers drawn, as ids and as indexes by status (subscriptions pick from these)."""

    ids: list[str]
    by_status: dict[str, list[int]]
    active: list[int]


def _build_account(account, index: int, seed: int, n_customers: int, n_subscriptions: int,
                   start: datetime) -> AccountState:
    rng = random.Random(f"{seed}:{account.name}")
    country = account.country or MARKETPLACE_COUNTRY.get(account.marketplace, "US")
    st = AccountState(account, index)
    st.reseller = reseller_json(account, country)
    pools = _seed_customers(st, rng, country, n_customers)
    history = _seed_subscriptions(st, rng, pools, n_subscriptions, start)
    history += _withdrawn_and_failed(pools, n_subscriptions, start, account.currency)
    _pending_changes(st, rng, n_subscriptions, start, history)
    _seed_orders(st, history)
    st.next_subscription_id = st.id_base + 200_001 + n_subscriptions
    return st


# --------------------------------------------------------------------------- 1. customers


def _seed_customers(st: AccountState, rng: random.Random, country: str, n_customers: int) -> _Pools:
    specials = N.SPECIAL_CUSTOMERS[country]
    used: set[str] = set(n for n, _ in specials)
    ids: list[str] = []
    by_status: dict[str, list[int]] = {}
    reseller_id = st.account.reseller_id
    for i in range(n_customers):
        cid = str(st.id_base + 101 + i)
        if i < len(specials):
            name, status = specials[i]
        else:
            name, status = company_name(rng, country, used), "active"
        st.customers[cid] = customer_json(rng, cid, name, status, country, reseller_id, i)
        ids.append(cid)
        by_status.setdefault(status, []).append(i)
    return _Pools(ids, by_status, by_status.get("active", list(range(n_customers))))


# --------------------------------------------------------------------------- 2. subscriptions


def _seed_subscriptions(st: AccountState, rng: random.Random, pools: _Pools, n_subscriptions: int,
                        start: datetime) -> list[SeedOrder]:
    history: list[SeedOrder] = []
    if not pools.ids:
        return history
    today = start.date()
    currency = st.currency
    customers = st.customers
    renewals = st.renewals
    for i in range(n_subscriptions):
        ci, status, product, what = _draw(rng, i, pools)
        cid = pools.ids[ci]
        cstatus = customers[cid]["status"]
        if cstatus == "cancelled" and status not in ("terminated", "removed"):
            status = "terminated"
        elif cstatus == "pending":
            status = "pending"
        sub = _new_subscription(rng, st, i, cid, status, product, what, today)
        if product is not None and product.parameters:
            domain = customers[cid]["contactPersons"][0]["email"].rsplit("@", 1)[1]
            sub.parameters = [{"name": "domain", "value": domain}]
        st.add_subscription(sub)
        if status in _RENEWING and sub.renewal_date is not None:
            renewals.append((sub.renewal_date.toordinal(), sub.id))
        if what != "internal":
            _history(rng, sub, product, today, start, currency, history, "transfer" if what == "transfer" else "sales")
    heapq.heapify(renewals)
    return history


def _draw(rng: random.Random, i: int, pools: _Pools) -> tuple[int, str, CatalogProduct | None, object]:
    """(customer index, status, product, what) of subscription ``i``."""
    if i < len(_FORCED):
        cust_kind, status, what = _FORCED[i]
        pool = pools.by_status.get(cust_kind) or pools.active or list(range(len(pools.ids)))
        ci = pool[i % len(pool)]
        if what == "internal":
            return ci, status, None, what
        if isinstance(what, CatalogProduct):
            return ci, status, what, what
        if what == "bundle":
            return ci, status, BUNDLE_BASE, what
        return ci, status, PRODUCTS[bisect(_PRODUCT_CUM, rng.random() * _PRODUCT_CUM[-1])], what
    n_cust = len(pools.ids)
    ci = min(n_cust - 1, int(n_cust * rng.random() ** 1.6))
    r = rng.random()
    status = ("active" if r < 0.78 else "terminated" if r < 0.88 else "removed" if r < 0.93
              else "hold" if r < 0.97 else "pending")
    if rng.random() < 0.015:
        return ci, status, None, "internal"
    return ci, status, PRODUCTS[bisect(_PRODUCT_CUM, rng.random() * _PRODUCT_CUM[-1])], None


def _new_subscription(rng: random.Random, st: AccountState, i: int, cid: str, status: str,
                      product: CatalogProduct | None, what: object, today: date) -> Subscription:
    period = product.subscription_period if product else ("month", 1)
    renewal_status = True
    if status == "pending":
        creation = today - timedelta(days=rng.randint(0, 3))
        expiration = add_period(creation, period) if (what == "expiring" or rng.random() < 0.4) else None
        last_mod = creation
    elif status in _LIVE:
        creation = today - timedelta(days=1 + int(rng.random() * 1400))
        expiration = next_term_end(creation, period, today)
        last_mod = creation + timedelta(days=int(rng.random() * ((today - creation).days + 1)))
        renewal_status = status == "hold" or rng.random() < 0.88
    else:
        creation = today - timedelta(days=60 + int(rng.random() * 1440))
        terms = 1 + int(rng.random() * (4 if period[0] == "year" else 30))
        expiration = add_period(creation, period, terms)
        if expiration > today:
            expiration = today - timedelta(days=rng.randint(1, 30))
            if expiration <= creation:
                expiration = creation + timedelta(days=1)
        last_mod = expiration
        renewal_status = False
    if what == "internal":
        lines, name, plan_id = None, INTERNAL_PLAN_NAMES[i % len(INTERNAL_PLAN_NAMES)], 9001 + i % len(INTERNAL_PLAN_NAMES)
    elif product is AZURE_PLAN:
        lines, name, plan_id = [], product.name, 10000 + product.index
    else:
        lines, name, plan_id = [SubscriptionLine(product, _quantity(rng, product), None)], product.name, 10000 + product.index
        if product is BUNDLE_BASE and (what == "bundle" or rng.random() < 0.5):
            addon = BUNDLE_ADDONS[int(rng.random() * len(BUNDLE_ADDONS))]
            lines.append(SubscriptionLine(addon, _quantity(rng, addon), None))
            name = "Acronis Cyber Protect Cloud"
    return Subscription(
        id=str(st.id_base + 200_001 + i), customer_id=cid, name=name, status=status, renewal_status=renewal_status,
        creation_date=creation, renewal_date=expiration, expiration_date=expiration, last_modified=last_mod,
        billing_model=product.billing_model if product else "chargeBeforeBillingPeriod",
        billing_period=product.billing_period if product else ("month", 1),
        subscription_period=period, lines=lines, plan_id=plan_id,
    )


def _quantity(rng: random.Random, product: CatalogProduct) -> int:
    q = _QUANTITIES[int(rng.random() * len(_QUANTITIES))]
    return max(product.minimum or 1, min(product.maximum or q, q))


def _history(rng: random.Random, sub: Subscription, product: CatalogProduct, today: date, start: datetime,
             currency: str, out: list[SeedOrder], first_type: str) -> None:
    """The orders that made ``sub`` what it is: its sales (or transfer) order, maybe a change of its first
    line, a renewal or a cancellation."""
    status, sid, cid, creation, expiration = sub.status, sub.id, sub.customer_id, sub.creation_date, sub.expiration_date
    now_lines = [(ln.product, ln.quantity, ln.price(currency), sid, None) for ln in sub.lines] if sub.lines else [
        (product, 1, product.price(currency), sid, None)]
    qty = now_lines[0][1]
    price = now_lines[0][2]
    final = ("processing", "LO") if status == "pending" else ("completed", "CP")
    created = _order_time(rng, creation, start)
    first_lines = now_lines
    done = ("completed", "CP")
    if status in _RENEWING and sub.lines and rng.random() < 0.22 and (today - creation).days > 2:
        delta = rng.choice([1, 1, 2, 3, 5, -1, -2])
        if (product.minimum or 1) <= qty - delta <= (product.maximum or 10**9):
            first_lines = [(product, qty - delta, price, sid, None)] + now_lines[1:]
            change_day = creation + timedelta(days=1 + int(rng.random() * ((today - creation).days - 1)))
            out.append((_order_time(rng, change_day, start), "change", cid, sid,
                        [(product, delta, price, sid, qty)], done, None, None))
    out.append((created, first_type, cid, sid, first_lines, final,
                f"PO-{10000 + int(rng.random() * 90000)}" if rng.random() < 0.5 else None, None))
    period = sub.subscription_period
    if status in _LIVE and period[0] == "year" and expiration and (expiration - creation).days > 370:
        renew_day = add_period(expiration, period, -1)
        out.append((_order_time(rng, renew_day - timedelta(days=1), start), "renewal", cid, sid,
                    now_lines, done, None, None))
    elif status in ("terminated", "removed"):
        out.append((_order_time(rng, expiration - timedelta(days=int(rng.random() * 6)), start), "cancellation",
                    cid, sid, [(p, q, Decimal("0"), s, None) for p, q, _, s, _ in now_lines], done, None, None))


def _order_time(rng: random.Random, day: date, start: datetime) -> datetime:
    t = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(seconds=25200 + int(rng.random() * 43200))
    if t >= start:
        t = start - timedelta(seconds=600 + int(rng.random() * 21000))
    return t


# --------------------------------------------------------------------------- 3. orders without a subscription


def _withdrawn_and_failed(pools: _Pools, n_subscriptions: int, start: datetime, currency: str) -> list[SeedOrder]:
    """A withdrawn (CL) and a failed (PF) sales order, on active customers."""
    out: list[SeedOrder] = []
    if not pools.ids or not n_subscriptions:
        return out
    active = pools.active
    for k, final in enumerate((("cancelled", "CL"), ("error", "PF"))):
        ci = active[(k + 1) % len(active)] if active else 0
        product = PRODUCTS[3 + k]
        out.append((start - timedelta(days=9 - k, hours=3, minutes=17 * k), "sales", pools.ids[ci], None,
                    [(product, 5 + k, product.price(currency), None, None)], final, f"PO-W{k + 1}", None))
    return out


# --------------------------------------------------------------------------- 4. pending changes


def _pending_changes(st: AccountState, rng: random.Random, n: int, start: datetime, out: list[SeedOrder]) -> None:
    """Change orders still pending at the clock's start on some active subscriptions (of the later half of the
    ids, so the first active subscriptions stay free to change): every third one scheduled on renewal (yearly
    terms with auto-renew on), the others processing (LO) for 1 to 48 hours more. At least one of each."""
    if n < 2:
        return
    base = st.id_base + 200_001
    taken: set[str] = set()
    kinds = {"now": 0, "renewal": 0}
    for k in range(max(4, n // 100)):
        sub = st.subscriptions[str(base + rng.randrange(n // 2, n))]
        kind = "renewal" if k % 3 == 2 else "now"
        if _pending_change(st, rng, sub, kind, start, taken, out):
            kinds[kind] += 1
    for kind in ("now", "renewal"):
        for i in range(n - 1, n // 2 - 1, -1) if not kinds[kind] else ():
            if _pending_change(st, rng, st.subscriptions[str(base + i)], kind, start, taken, out):
                break


def _pending_change(st: AccountState, rng: random.Random, sub: Subscription, kind: str, start: datetime,
                    taken: set[str], out: list[SeedOrder]) -> bool:
    if (sub.id in taken or sub.status != "active" or not sub.lines
            or st.customers[sub.customer_id]["status"] != "active"
            or (kind == "renewal" and (sub.subscription_period[0] != "year" or not sub.renewal_status))):
        return False
    line = sub.lines[0]
    product = line.product
    delta = rng.choice([1, 2, 3, 5, -1, -2])
    new_total = line.quantity + delta
    if not (product.minimum or 1) <= new_total <= (product.maximum or 10**9):
        return False
    taken.add(sub.id)
    created = start - timedelta(seconds=600 + int(rng.random() * 20000))
    completes = None if kind == "renewal" else start + timedelta(hours=1 + int(rng.random() * 47))
    po = f"PO-{10000 + int(rng.random() * 90000)}"
    out.append((created, "change", sub.customer_id, sub.id,
                [(product, delta, line.price(st.currency), sub.id, new_total)], None, po,
                (completes, "renewal" if kind == "renewal" else None)))
    return True


# --------------------------------------------------------------------------- 5. the order history


def _seed_orders(st: AccountState, seed_orders: list[SeedOrder]) -> None:
    """Number the seed orders oldest first and file them. History is finished (``final``) and never changes;
    pending changes are live orders that complete on the clock (or at the renewal)."""
    seed_orders.sort(key=lambda o: o[0])
    zero = Decimal("0")
    d20, d40, d180 = timedelta(seconds=20), timedelta(seconds=40), timedelta(minutes=3)
    orders, order_list, by_sub = st.orders, st.order_list, st.orders_by_subscription
    currency = st.currency
    oid_n = st.next_order_id
    for seq, (created, otype, cid, sid, lines_spec, final, po, live) in enumerate(seed_orders, st.next_order_seq):
        oid = str(oid_n)
        oid_n += 1
        lines = []
        total = zero
        for product, q, price, lsid, new_total in lines_spec:
            ext = price * q if otype != "cancellation" else zero
            total += ext
            lines.append(OrderLine(product, product.mpn, product.vendor, product.name, q, price, ext, lsid, new_total))
        if live is None:
            done = created + d180 if final[0] != "processing" else None
            order = Order(oid, f"{_PREFIXES[otype]}{seq:06d}", otype, cid, po, created, lines, total, currency, sid,
                          created + d20, created + d40, done, final, None, True)
        else:
            order = Order(oid, f"{_PREFIXES[otype]}{seq:06d}", otype, cid, po, created, lines, total, currency, sid,
                          created + d20, created + d40, live[0], None, None, False, live[1])
            if live[1] is None:
                st.unfinished.append(order)
        orders[oid] = order
        order_list.append(order)
        if sid is not None:
            lst = by_sub.get(sid)
            if lst is None:
                by_sub[sid] = [order]
            else:
                lst.append(order)
    st.next_order_id = oid_n
    st.next_order_seq += len(seed_orders)
