"""Deterministic seed data: customers, subscriptions and order history.

Every account draws from its own ``random.Random(f"{seed}:{account name}")``;
nothing reads the wall clock or the global ``random`` module, so the same seed
always yields the same data.  Dates are relative to the clock's fixed start.
"""

from __future__ import annotations

import gc
import hashlib
import random
import unicodedata
import uuid
from bisect import bisect
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import accumulate

from . import names as N
from .catalog import AZURE_PLAN, INTERNAL_PLAN_NAMES, PRODUCTS, CatalogProduct
from .model import AccountState, Order, OrderLine, Subscription, SubscriptionLine

MARKETPLACE_COUNTRY = {"us": "US", "ca": "US", "uk": "GB", "gb": "GB", "ie": "GB", "de": "DE", "at": "DE", "ch": "DE"}

_QUANTITIES = [1, 1, 1, 2, 2, 3, 4, 5, 5, 6, 8, 10, 10, 12, 15, 18, 20, 25, 30, 35, 40, 50, 65, 80, 120, 250]
_PRODUCT_CUM = list(accumulate(p.weight for p in PRODUCTS))
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ı": "i", "ş": "s"})


def vendor_subscription_id(seed: int, sid: str, line: int) -> str:
    digest = hashlib.md5(f"{seed}:{sid}:{line}".encode()).digest()
    return str(uuid.UUID(bytes=digest))


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y = d.year + m // 12
    m = m % 12 + 1
    days = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return date(y, m, min(d.day, days[m - 1]))


def add_period(d: date, period: tuple[str, int], times: int = 1) -> date:
    kind, n = period
    if kind == "year":
        return add_months(d, 12 * n * times)
    if kind == "day":
        return d + timedelta(days=n * times)
    return add_months(d, n * times)


def next_term_end(creation: date, period: tuple[str, int], after: date) -> date:
    """The first term end strictly after ``after``."""
    k = 1
    if period[0] == "month":
        k = max(1, (after.year - creation.year) * 12 + after.month - creation.month - 1)
    elif period[0] == "year":
        k = max(1, after.year - creation.year - 1)
    end = add_period(creation, period, k)
    while end <= after:
        k += 1
        end = add_period(creation, period, k)
    return end


def _slug(text: str) -> str:
    text = text.translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _pattern(rng: random.Random, pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(str(rng.randrange(10)))
        elif ch == "@":
            out.append(rng.choice("ABDEFGHJLNPQRSTUWXYZ"))
        else:
            out.append(ch)
    return "".join(out)


def _phone(rng: random.Random, country: str) -> str:
    if country == "US":
        return f"+1{rng.randint(201, 989)}555{rng.randint(0, 9999):04d}"
    if country == "GB":
        return f"+44{rng.choice(['20', '161', '121', '113', '117'])}{rng.randint(1000000, 9999999)}"
    return f"+49{rng.choice(['30', '40', '89', '221', '69'])}{rng.randint(1000000, 99999999)}"


def _company_domain(name: str, country: str) -> str:
    words = [w for w in name.split() if w not in ("&", "Inc", "Inc.", "LLC", "Ltd", "Ltd.", "Limited", "GmbH", "AG", "Co.", "KG", "plc", "LLP", "e.K.", "UG", "Corp.")]
    slug = _slug("".join(words[:2])) or "example"
    tld = {"US": "com", "GB": "co.uk", "DE": "de"}[country]
    return f"{slug}.{tld}"


def _customer(rng: random.Random, cid: str, name: str, status: str, country: str, reseller_id: str, idx: int) -> dict:
    city, state, postal = rng.choice(N.CITIES[country])
    number = rng.randint(1, 2400) if country == "US" else rng.randint(1, 180)
    street = rng.choice(N.STREETS[country])
    street_address = f"{number} {street}" if country != "DE" else f"{street} {number}"
    address: dict = {"streetAddress": street_address}
    if rng.random() < 0.3:
        address["addressExtension"] = rng.choice(N.EXTENSIONS[country])
    address["postalCode"] = _pattern(rng, postal)
    address["city"] = city
    if state and country != "DE" or (state and rng.random() < 0.2):
        address["state"] = state
    address["countryCode"] = country
    domain = _company_domain(name, country)
    contacts = []
    kinds = ["admin"] + (["billing"] if rng.random() < 0.35 else []) + (["technical"] if rng.random() < 0.15 else [])
    for kind in kinds:
        first = rng.choice(N.FIRST_NAMES[country])
        last = rng.choice(N.LAST_NAMES[country])
        local = f"{_slug(first)}.{_slug(last)}" if kind == "admin" else kind if kind == "billing" else "it"
        contacts.append({
            "type": kind,
            "firstName": first,
            "lastName": last,
            "email": f"{local}@{domain}",
            "phoneNumber": _phone(rng, country),
        })
    cust: dict = {"id": cid}
    if rng.random() < 0.35 or idx < 3:
        cust["externalId"] = rng.choice(["CW-", "HALO-", "AT-", "EXT-"]) + str(rng.randint(10000, 99999))
    cust["status"] = status
    cust["name"] = name
    cust["address"] = address
    cust["contactPersons"] = contacts
    cust["language"] = N.LANGUAGE[country]
    if rng.random() < 0.6:
        if country == "US":
            cust["taxRegId"] = f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"
        elif country == "GB":
            cust["taxRegId"] = f"GB{rng.randint(100000000, 999999999)}"
        else:
            cust["taxRegId"] = f"DE{rng.randint(100000000, 999999999)}"
    cust["resellerId"] = reseller_id
    return cust


def _reseller(account, country: str) -> dict:
    city, state, _ = N.CITIES[country][0]
    suffix = {"US": "Inc.", "GB": "Ltd", "DE": "GmbH"}[country]
    address = {"streetAddress": {"US": "100 Commerce Parkway", "GB": "1 Station Road", "DE": "Hauptstraße 1"}[country],
               "postalCode": {"US": "92612", "GB": "EC1A 1BB", "DE": "10115"}[country],
               "city": city, "countryCode": country}
    if state and country == "US":
        address["state"] = state
    domain = {"US": "northwind-cloud.com", "GB": "northwind-cloud.co.uk", "DE": "northwind-cloud.de"}[country]
    return {
        "id": account.reseller_id,
        "status": "active",
        "name": f"Northwind Cloud Services {suffix}",
        "address": address,
        "contactPersons": [{"type": "admin", "firstName": "Alex", "lastName": "Morgan",
                            "email": f"alex.morgan@{domain}", "phoneNumber": {"US": "+19495550100", "GB": "+442079460000", "DE": "+4930901820"}[country]}],
        "language": N.LANGUAGE[country],
        "currency": account.currency,
        "customerClass": "Default",
    }


def _company_name(rng: random.Random, country: str, used: set[str]) -> str:
    for _ in range(6):
        name = f"{rng.choice(N.COMPANY_FIRST[country])} {rng.choice(N.COMPANY_SECOND[country])} {rng.choice(N.SUFFIXES[country])}"
        if name not in used:
            break
    used.add(name)
    return name


def _order_time(rng: random.Random, day: date, start: datetime) -> datetime:
    t = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(seconds=25200 + int(rng.random() * 43200))
    if t >= start:
        t = start - timedelta(seconds=600 + int(rng.random() * 21000))
    return t


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


def _build_account(account, index: int, seed: int, n_customers: int, n_subscriptions: int, start: datetime) -> AccountState:
    rng = random.Random(f"{seed}:{account.name}")
    country = account.country or MARKETPLACE_COUNTRY.get(account.marketplace, "US")
    st = AccountState(account, index)
    st.reseller = _reseller(account, country)
    today = start.date()
    currency = account.currency

    # ---- customers ---------------------------------------------------------
    specials = N.SPECIAL_CUSTOMERS[country]
    used: set[str] = set(n for n, _ in specials)
    cust_ids: list[str] = []
    by_status: dict[str, list[int]] = {}
    for i in range(n_customers):
        cid = str(st.id_base + 101 + i)
        if i < len(specials):
            name, status = specials[i]
        else:
            name, status = _company_name(rng, country, used), "active"
        st.customers[cid] = _customer(rng, cid, name, status, country, account.reseller_id, i)
        cust_ids.append(cid)
        by_status.setdefault(status, []).append(i)
    active_idx = by_status.get("active", list(range(n_customers)))

    # ---- subscriptions -----------------------------------------------------
    # forced rows first so that every status and the odd shapes always exist
    forced: list[tuple[str | None, str, object]] = [
        ("active", "pending", None), ("active", "hold", None), ("active", "terminated", None),
        ("active", "removed", None), ("active", "pending", "expiring"), ("active", "active", AZURE_PLAN),
        ("active", "active", "internal"), ("creditHold", "active", PRODUCTS[4]),
        ("active", "active", PRODUCTS[1]), ("active", "active", PRODUCTS[4]),
    ]
    n_cust = len(cust_ids)
    seed_orders: list[tuple] = []  # (created, type, customer, sub, lines, final, po)
    for i in range(n_subscriptions):
        if n_cust == 0:
            break
        product: CatalogProduct | None
        internal = False
        pending_with_expiry = False
        if i < len(forced):
            cust_kind, status, what = forced[i]
            pool = by_status.get(cust_kind) or active_idx or list(range(n_cust))
            ci = pool[i % len(pool)]
            if what == "internal":
                internal, product = True, None
            elif what == "expiring":
                product, pending_with_expiry = PRODUCTS[bisect(_PRODUCT_CUM, rng.random() * _PRODUCT_CUM[-1])], True
            elif isinstance(what, CatalogProduct):
                product = what
            else:
                product = PRODUCTS[bisect(_PRODUCT_CUM, rng.random() * _PRODUCT_CUM[-1])]
        else:
            ci = min(n_cust - 1, int(n_cust * rng.random() ** 1.6))
            r = rng.random()
            status = "active" if r < 0.78 else "terminated" if r < 0.88 else "removed" if r < 0.93 else "hold" if r < 0.97 else "pending"
            if rng.random() < 0.015:
                internal, product = True, None
            else:
                product = PRODUCTS[bisect(_PRODUCT_CUM, rng.random() * _PRODUCT_CUM[-1])]
        cid = cust_ids[ci]
        cstatus = st.customers[cid]["status"]
        if cstatus == "cancelled" and status not in ("terminated", "removed"):
            status = "terminated"
        elif cstatus == "pending":
            status = "pending"
        sid = str(st.id_base + 200_001 + i)
        period = product.subscription_period if product else ("month", 1)
        billing = product.billing_period if product else ("month", 1)
        model = product.billing_model if product else "chargeBeforeBillingPeriod"
        renewal_status = True
        if status == "pending":
            creation = today - timedelta(days=rng.randint(0, 3))
            expiration = add_period(creation, period) if (pending_with_expiry or rng.random() < 0.4) else None
            last_mod = creation
        elif status in ("active", "hold"):
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
        if internal:
            lines = None
            name = INTERNAL_PLAN_NAMES[i % len(INTERNAL_PLAN_NAMES)]
            plan_id = 9001 + i % len(INTERNAL_PLAN_NAMES)
        elif product is AZURE_PLAN:
            lines = []
            name = product.name
            plan_id = 10000 + product.index
        else:
            q = _QUANTITIES[int(rng.random() * len(_QUANTITIES))]
            q = max(product.minimum or 1, min(product.maximum or q, q))
            lines = [SubscriptionLine(product, q, None)]
            name = product.name
            plan_id = 10000 + product.index
        sub = Subscription(
            id=sid, customer_id=cid, name=name, status=status, renewal_status=renewal_status,
            creation_date=creation, renewal_date=expiration, expiration_date=expiration,
            last_modified=last_mod, billing_model=model, billing_period=billing,
            subscription_period=period, lines=lines, plan_id=plan_id,
        )
        st.add_subscription(sub)

        # ---- order history for this subscription ---------------------------
        if internal:
            continue
        qty = lines[0].quantity if lines else 1
        price = product.price(currency)
        final = ("processing", "LO") if status == "pending" else ("completed", "CP")
        created = _order_time(rng, creation, start)
        initial_q = qty
        change_day = None
        if status in ("active", "hold") and lines and rng.random() < 0.22 and (today - creation).days > 2:
            delta = rng.choice([1, 1, 2, 3, 5, -1, -2])
            if (product.minimum or 1) <= qty - delta <= (product.maximum or 10**9):
                initial_q = qty - delta
                change_day = creation + timedelta(days=1 + int(rng.random() * ((today - creation).days - 1)))
                seed_orders.append((_order_time(rng, change_day, start), "change", cid, sid,
                                    [(product, delta, price, sid, qty)], ("completed", "CP"), None))
        seed_orders.append((created, "sales", cid, sid, [(product, initial_q, price, sid, None)], final,
                            f"PO-{10000 + int(rng.random() * 90000)}" if rng.random() < 0.5 else None))
        if status in ("active", "hold") and period[0] == "year" and expiration and (expiration - creation).days > 370:
            renew_day = add_period(expiration, period, -1)
            seed_orders.append((_order_time(rng, renew_day - timedelta(days=1), start), "renewal", cid, sid,
                                [(product, qty, price, sid, None)], ("completed", "CP"), None))
        elif status in ("terminated", "removed"):
            seed_orders.append((_order_time(rng, expiration - timedelta(days=int(rng.random() * 6)), start), "cancellation",
                                cid, sid, [(product, qty, Decimal("0"), sid, None)], ("completed", "CP"), None))

    # a withdrawn order and a failed one, on active customers
    if n_cust and n_subscriptions:
        for k, final in enumerate((("cancelled", "CL"), ("error", "PF"))):
            ci = active_idx[(k + 1) % len(active_idx)] if active_idx else 0
            product = PRODUCTS[3 + k]
            seed_orders.append((start - timedelta(days=9 - k, hours=3, minutes=17 * k), "sales", cust_ids[ci], None,
                                [(product, 5 + k, product.price(currency), None, None)], final, f"PO-W{k + 1}"))

    seed_orders.sort(key=lambda o: o[0])
    prefixes = {"sales": "SO", "change": "CH", "cancellation": "CN", "renewal": "RN"}
    zero = Decimal("0")
    d20, d40, d180 = timedelta(seconds=20), timedelta(seconds=40), timedelta(minutes=3)
    orders, order_list, by_sub = st.orders, st.order_list, st.orders_by_subscription
    oid_n = st.next_order_id
    for seq, (created, otype, cid, sid, lines_spec, final, po) in enumerate(seed_orders, st.next_order_seq):
        oid = str(oid_n)
        oid_n += 1
        lines = []
        total = zero
        for product, q, price, lsid, new_total in lines_spec:
            ext = price * q if otype != "cancellation" else zero
            total += ext
            lines.append(OrderLine(product, product.mpn, product.vendor, product.name, q, price, ext, lsid, new_total))
        done = created + d180 if final[0] != "processing" else None
        order = Order(oid, f"{prefixes[otype]}{seq:06d}", otype, cid, po, created, lines, total, currency, sid,
                      created + d20, created + d40, done, final, None, True)
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
    st.next_subscription_id = st.id_base + 200_001 + n_subscriptions
    return st
