"""Subscriptions: ``GET /subscriptions`` (rows without quantities), ``GET /subscriptions/{id}`` (product lines,
prices) and ``PATCH /subscriptions/{id}`` (auto-renew only)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .model import AccountState, Subscription
from .seed import vendor_subscription_id
from .wire import ApiError, envelope, first, money_json, page, period_json, quantity_json, status_filter


def find_subscription(st: AccountState, sid: str) -> Subscription:
    s = st.subscriptions.get(str(sid))
    if s is None:
        raise ApiError(404, f"Subscription #{sid} not found")
    return s


def list_subscriptions(st: AccountState, q) -> dict:
    page(q)
    status = status_filter(q)
    cid = first(q, "customerId")
    if cid is not None:
        rows = [st.subscriptions[s] for s in st.subs_by_customer.get(cid, ())]
    else:
        rows = list(st.subscriptions.values())
    if status:
        rows = [s for s in rows if s.status == status]
    for name, op in (("creationDateFrom", "ge"), ("creationDateTo", "le")):
        raw = first(q, name)
        if raw:
            try:
                d = date.fromisoformat(raw[:10])
            except ValueError:
                raise ApiError(400, f"Invalid value for {name}: {raw!r} is not a date") from None
            rows = [s for s in rows if (s.creation_date >= d if op == "ge" else s.creation_date <= d)]
    return envelope(q, rows, subscription_row)


def subscription_row(s: Subscription) -> dict:
    d = {"id": s.id, "name": s.name, "customerId": s.customer_id, "status": s.status,
         "renewalStatus": s.renewal_status, "creationDate": s.creation_date.isoformat()}
    if s.renewal_date:
        d["renewalDate"] = s.renewal_date.isoformat()
    if s.expiration_date:
        d["expirationDate"] = s.expiration_date.isoformat()
    d["lastModifiedDate"] = s.last_modified.isoformat()
    d["billingModel"] = s.billing_model
    d["billingPeriod"] = period_json(s.billing_period)
    d["subscriptionPeriod"] = period_json(s.subscription_period)
    return d


def subscription_detail(st: AccountState, s: Subscription, seed: int) -> dict:
    d = subscription_row(s)
    cur = st.currency
    if s.lines is not None:
        products = []
        total = Decimal("0")
        for i, ln in enumerate(s.lines):
            if ln.vendor_subscription_id is None:
                ln.vendor_subscription_id = vendor_subscription_id(seed, s.id, i)
            price, cost = ln.price(cur), ln.cost(cur)
            ext = price * ln.quantity
            total += ext
            products.append({
                "id": ln.product.id, "mpn": ln.product.mpn, "vendor": ln.product.vendor,
                "name": ln.product.name, "quantity": quantity_json(ln.quantity, ln.product),
                "unitPrice": money_json(price, cur), "unitCost": money_json(cost, cur),
                "extendedPrice": money_json(ext, cur), "vendorSubscriptionId": ln.vendor_subscription_id,
            })
        d["totalPrice"] = money_json(total, cur)
        d["products"] = products
    if s.parameters:
        d["orderParameters"] = s.parameters
    d["planId"] = s.plan_id
    return d


def patch_subscription(st: AccountState, sid: str, body: Any, now: datetime, seed: int) -> dict:
    s = find_subscription(st, sid)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    other = sorted(k for k in body if k != "renewalStatus")
    if other:
        raise ApiError(400, f"Field(s) {', '.join(other)} cannot be updated with PATCH /subscriptions/{{id}}: "
                            "only renewalStatus can. Change quantities, status or products with an order "
                            "(POST /orders).")
    if "renewalStatus" not in body or not isinstance(body["renewalStatus"], bool):
        raise ApiError(400, "renewalStatus is required and must be true or false")
    if s.status in ("terminated", "removed"):
        raise ApiError(500, f"Cannot change the auto-renewal of Subscription #{s.id}: the subscription is {s.status}.")
    s.renewal_status = body["renewalStatus"]
    s.last_modified = now.date()
    return subscription_detail(st, s, seed)
