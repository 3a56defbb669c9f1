"""Orders over the API: placement (``POST /orders``, ``POST /orders/estimate``), withdrawal
(``PATCH /orders/{id}``) and reads (``GET /orders``, ``GET /orders/{id}``). What a body may be is decided in
:mod:`.order_rules`; what happens when an order completes is in :mod:`.lifecycle`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .model import AccountState, Order, OrderLine, Subscription, SubscriptionLine
from .order_rules import ORDER_PREFIXES, prepare
from .wire import (ApiError, envelope, first, iso_dt, money_json, page, parse_time, period_json, quantity_json,
                   status_filter)

if TYPE_CHECKING:  # pragma: no cover
    from .app import OrderTimings


# --------------------------------------------------------------------------- reads


def find_order(st: AccountState, oid: str) -> Order:
    o = st.orders.get(str(oid))
    if o is None:
        raise ApiError(404, f"Order #{oid} not found")
    return o


def order_row(o: Order, now: datetime) -> dict:
    status, code = o.status_at(now)
    d = {"id": o.id, "orderNumber": o.number, "type": o.type, "customerId": o.customer_id,
         "creationDate": iso_dt(o.created)}
    if o.processing_at is not None and status not in ("submitted",) and not (
            o.cancelled_at is not None and o.cancelled_at < o.processing_at):
        d["provisioningDate"] = iso_dt(o.processing_at)
    d["status"] = status
    d["statusCode"] = code
    d["total"] = money_json(o.total, o.currency)
    return d


def line_json(ln: OrderLine, currency: str) -> dict:
    d: dict = {"mpn": ln.mpn, "vendor": ln.vendor}
    if ln.product is not None:
        d["id"] = ln.product.id
        d["subscriptionPeriod"] = period_json(ln.product.subscription_period)
        d["billingPeriod"] = period_json(ln.product.billing_period)
    d["name"] = ln.name
    d["quantity"] = quantity_json(ln.quantity, ln.product)
    d["extendedPrice"] = money_json(ln.extended, currency)
    if ln.subscription_id:
        d["subscriptionId"] = ln.subscription_id
    if ln.parameters:
        d["parameters"] = ln.parameters
    return d


def order_detail(o: Order, now: datetime) -> dict:
    d = order_row(o, now)
    if o.po_number:
        d["poNumber"] = o.po_number
    d["products"] = [line_json(ln, o.currency) for ln in o.lines]
    if o.subscription_id and o.type != "sales":
        d["subscriptionId"] = o.subscription_id
    return d


def list_orders(st: AccountState, q, now: datetime) -> dict:
    page(q)
    status = status_filter(q)
    sid = first(q, "subscriptionId")
    rows = list(reversed(st.orders_by_subscription.get(sid, []) if sid is not None else st.order_list))
    cid = first(q, "customerId")
    if cid is not None:
        rows = [o for o in rows if o.customer_id == cid]
    number = first(q, "orderNumber")
    if number is not None:
        rows = [o for o in rows if o.number == number]
    t_from, t_to = first(q, "creationTimeFrom"), first(q, "creationTimeTo")
    if t_from:
        tf = parse_time(t_from, "creationTimeFrom")
        rows = [o for o in rows if o.created >= tf]
    if t_to:
        tt = parse_time(t_to, "creationTimeTo")
        rows = [o for o in rows if o.created <= tt]
    if status:
        rows = [o for o in rows if o.status_at(now)[0] == status]
    code = first(q, "statusCode")
    if code:
        rows = [o for o in rows if o.status_at(now)[1] == code]
    return envelope(q, rows, lambda o: order_row(o, now))


# --------------------------------------------------------------------------- writes


def estimate(st: AccountState, body: Any, now: datetime) -> dict:
    prep = prepare(st, body, now)
    d: dict = {"type": prep.type, "customerId": prep.customer_id}
    if prep.po_number:
        d["poNumber"] = prep.po_number
    d["products"] = [line_json(ln, st.currency) for ln in prep.lines]
    d["total"] = money_json(prep.total, st.currency)
    return d


def place_order(st: AccountState, body: Any, now: datetime, timings: "OrderTimings") -> dict:
    """``POST /orders``. A change with ``scheduledOn: "renewal"`` waits (processing, SC) until its subscription
    renews (see lifecycle); every other order completes ``timings.completed_after`` seconds from now."""
    prep = prepare(st, body, now)
    oid, number = st.new_order_ids(ORDER_PREFIXES[prep.type])
    scheduled = prep.scheduled_on == "renewal"
    order = Order(
        id=oid, number=number, type=prep.type, customer_id=prep.customer_id, po_number=prep.po_number,
        created=now, lines=prep.lines, total=prep.total, currency=st.currency,
        subscription_id=prep.subscription_id,
        processing_at=now + timedelta(seconds=timings.processing_after),
        provisioning_at=now + timedelta(seconds=timings.provisioning_after),
        completed_at=None if scheduled else now + timedelta(seconds=timings.completed_after),
        scheduled_on=prep.scheduled_on,
    )
    if prep.type == "sales":
        _open_pending_subscriptions(st, order, now)
    st.add_order(order)
    if not scheduled:
        st.unfinished.append(order)
    return order_detail(order, now)


def _open_pending_subscriptions(st: AccountState, order: Order, now: datetime) -> None:
    """A sales order makes one pending subscription per line at once; it turns active when the order completes."""
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
            parameters=list(ln.parameters or ()),
        ))
    order.subscription_id = order.lines[0].subscription_id if order.lines else None


def patch_order(st: AccountState, oid: str, body: Any, now: datetime) -> dict:
    """``PATCH /orders/{id}``: ``{"statusCode": "CL"}`` withdraws an order that has not finished."""
    o = find_order(st, oid)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    code = body.get("statusCode")
    if code is None:
        if set(body) <= {"creditCheck"}:
            return order_detail(o, now)
        raise ApiError(400, "Only statusCode and creditCheck can be updated on an order")
    if code != "CL":
        raise ApiError(400, f"statusCode {code!r} cannot be set; only CL (cancel) is supported")
    status, scode = o.status_at(now)
    if status == "cancelled":
        return order_detail(o, now)
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
    return order_detail(o, now)
