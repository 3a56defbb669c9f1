"""What an order may be: validation of ``POST /orders`` and ``POST /orders/estimate`` bodies and the business
rules (customer status, one pending change per subscription, quantity bounds). ``prepare`` turns a body into
priced lines without touching state; placement is in :mod:`.orders`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .model import STATUS_CODE_LABELS, AccountState, Order, OrderLine, Subscription
from .parameters import parameter_list, require
from .products import check_bounds, resolve_product
from .subscriptions import find_subscription
from .wire import ApiError

ORDER_PREFIXES = {"sales": "SO", "change": "CH", "cancellation": "CN", "renewal": "RN"}


@dataclass
class Prepared:
    type: str
    customer_id: str
    po_number: str | None
    lines: list[OrderLine]
    total: Decimal
    subscription_id: str | None = None
    scheduled_on: str | None = None


def parse_quantity(value: Any, what: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ApiError(400, f"{what}: quantity is required and must be a number")
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApiError(400, f"{what}: quantity {value!r} is not a number") from None
    if not d.is_finite() or d != d.to_integral_value():
        raise ApiError(400, f"{what}: quantity {value!r} must be a whole number")
    return int(d)


def blocking_order(st: AccountState, sid: str, kinds: tuple[str, ...], now: datetime) -> Order | None:
    """An order of one of ``kinds`` on subscription ``sid`` still submitted or processing at ``now``
    (a live one, a change waiting for the renewal, or one stuck in the seed history)."""
    for o in st.orders_by_subscription.get(sid, ()):
        if o.type in kinds and o.pending_at(now):
            return o
    return None


def in_status(o: Order, now: datetime) -> str:
    """How a business-rule message names an order's state: ``Provisioning is in progress(LO)``."""
    code = o.status_at(now)[1]
    return f"{STATUS_CODE_LABELS.get(code, code)}({code})"


def prepare(st: AccountState, body: Any, now: datetime) -> Prepared:
    """Validate an order body against the account's state; 400 for a bad body, 404 for unknown ids,
    500 for a business rule."""
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
        _check_customer_may_order(cust, cid)
    if otype == "sales":
        return _prepare_sales(st, cid, po, products)
    if otype == "change":
        return _prepare_change(st, body, cid, po, products, now)
    return _prepare_one_subscription(st, body, otype, cid, po, products, now)


def _check_customer_may_order(cust: dict, cid: str) -> None:
    cstatus = cust.get("status", "active")
    if cstatus == "creditHold":
        raise ApiError(500, f"Customer #{cid} ({cust['name']}) is on credit hold: new orders cannot be placed "
                            "until the outstanding balance is settled.")
    if cstatus in ("adminHold", "cancelled", "error"):
        raise ApiError(500, f"Customer #{cid} ({cust['name']}) is in status {cstatus} and cannot place orders.")


def _prepare_sales(st: AccountState, cid: str, po: str | None, products: list[dict]) -> Prepared:
    if not products:
        raise ApiError(400, "A sales order needs at least one item in products")
    cur = st.currency
    lines: list[OrderLine] = []
    for n, p in enumerate(products):
        product = resolve_product(p, n)
        if product.usd_price is None and p.get("quantity") is None:
            qty = 1
        else:
            qty = parse_quantity(p.get("quantity"), f"products[{n}]")
        check_bounds(product, qty, n)
        params = parameter_list(p.get("parameters"), n)
        require(product, params, n)
        price = product.price(cur)
        lines.append(OrderLine(product, product.mpn, product.vendor, product.name, qty, price, price * qty,
                               parameters=params or None))
    total = sum((ln.extended for ln in lines), Decimal("0"))
    return Prepared("sales", cid, po, lines, total)


def _prepare_change(st: AccountState, body: dict, cid: str, po: str | None, products: list[dict],
                    now: datetime) -> Prepared:
    if not products:
        raise ApiError(400, "A change order needs products [{subscriptionId, mpn, quantity}]")
    scheduled = body.get("scheduledOn")
    if scheduled is not None and scheduled != "renewal":
        raise ApiError(400, f"scheduledOn {scheduled!r} is not supported; use \"renewal\" or leave it out")
    seen: set = set()
    lines: list[OrderLine] = []
    for n, p in enumerate(products):
        lines.append(_change_line(st, body, cid, p, n, seen, now))
    total = sum((ln.extended for ln in lines), Decimal("0"))
    return Prepared("change", cid, po, lines, total, subscription_id=lines[0].subscription_id,
                    scheduled_on=scheduled)


def _change_line(st: AccountState, body: dict, cid: str, p: dict, n: int, seen: set, now: datetime) -> OrderLine:
    sid = p.get("subscriptionId", body.get("subscriptionId"))
    if sid is None or str(sid).strip() == "":
        raise ApiError(400, f"products[{n}]: subscriptionId is required in a change order")
    sub = find_subscription(st, str(sid).strip())
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
    blocking = blocking_order(st, sub.id, ("change",), now)
    if blocking is not None:
        raise ApiError(500, f"Cannot Upgrade/Downgrade Resources for Subscription #{sub.id}: there is "
                            f"already an Upgrade/Downgrade Order #{blocking.number} in status "
                            f"{in_status(blocking, now)}. Please wait until it is completed or cancel it before "
                            "placing a new one.")
    line = sub.lines[idx]
    new_total = parse_quantity(p.get("quantity"), f"products[{n}]")
    check_bounds(line.product, new_total, n)
    delta = new_total - line.quantity
    if delta == 0:
        raise ApiError(400, f"products[{n}]: Subscription #{sub.id} already has {new_total} of {mpn}; "
                            "nothing to change")
    price = line.price(st.currency)
    return OrderLine(line.product, line.product.mpn, line.product.vendor, line.product.name,
                     delta, price, price * delta, sub.id, new_total, idx)


def _prepare_one_subscription(st: AccountState, body: dict, otype: str, cid: str, po: str | None,
                              products: list[dict], now: datetime) -> Prepared:
    """cancellation / renewal: one subscription, named at the top level or on the single line."""
    sid = body.get("subscriptionId")
    if sid is None:
        if len(products) > 1:
            raise ApiError(400, f"A {otype} order applies to one subscription: give subscriptionId")
        if products:
            sid = products[0].get("subscriptionId")
    if sid is None or str(sid).strip() == "":
        raise ApiError(400, f"subscriptionId is required in a {otype} order")
    sub = find_subscription(st, str(sid).strip())
    if sub.customer_id != cid:
        raise ApiError(400, f"Subscription #{sub.id} does not belong to customer #{cid}")
    if sub.status in ("terminated", "removed"):
        raise ApiError(500, f"Subscription #{sub.id} is already {sub.status}: a {otype} order cannot be placed.")
    if sub.status == "pending":
        raise ApiError(500, f"Subscription #{sub.id} is still being provisioned (pending): a {otype} order cannot "
                            "be placed yet.")
    blocking = blocking_order(st, sub.id, (otype,), now)
    if blocking is not None:
        raise ApiError(500, f"Subscription #{sub.id}: there is already a {otype} order #{blocking.number} in "
                            f"status {in_status(blocking, now)}. Please wait until it is completed or cancel it.")
    lines = whole_subscription_lines(st, sub, otype)
    total = sum((ln.extended for ln in lines), Decimal("0"))
    return Prepared(otype, cid, po, lines, total, subscription_id=sub.id)


def whole_subscription_lines(st: AccountState, sub: Subscription, otype: str) -> list[OrderLine]:
    lines = []
    for ln in sub.lines or []:
        price = ln.price(st.currency)
        ext = Decimal("0") if otype == "cancellation" else price * ln.quantity
        lines.append(OrderLine(ln.product, ln.product.mpn, ln.product.vendor, ln.product.name,
                               ln.quantity, price, ext, sub.id))
    return lines
