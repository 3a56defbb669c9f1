"""The catalog over the API: ``GET /products`` and how an order line names its product (MPN, vendor, term and
billing period) and its quantity bounds. The catalog data itself is in :mod:`.catalog`."""

from __future__ import annotations

from typing import Any

from .catalog import PRODUCTS, CatalogProduct
from .model import AccountState
from .wire import ApiError, envelope, first, page


def list_products(st: AccountState, q) -> dict:
    page(q)
    rows = st.product_json
    name, mpn, vendor, service = (first(q, k) for k in ("name", "mpn", "vendor", "serviceName"))
    if name:
        rows = [p for p in rows if name.casefold() in p["name"].casefold()]
    if mpn:
        rows = [p for p in rows if p["mpn"].casefold() == mpn.casefold()]
    if vendor:
        rows = [p for p in rows if p["vendor"].casefold() == vendor.casefold()]
    if service:
        rows = [p for p in rows if p["serviceName"] == service]
    return envelope(q, rows, lambda p: p)


def parse_period(value: Any, field_name: str) -> tuple[str, int] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or "type" not in value:
        raise ApiError(400, f"{field_name} must be an object like {{\"type\": \"month\", \"duration\": 1}}, "
                            f"not {value!r}")
    try:
        duration = int(value.get("duration", 1))
    except (TypeError, ValueError):
        raise ApiError(400, f"{field_name}.duration must be an integer") from None
    return (str(value["type"]), duration)


def resolve_product(line: dict, n: int) -> CatalogProduct:
    """The one catalog product an order line names, or 400 (unknown, or ambiguous without term/billing)."""
    mpn = line.get("mpn")
    if not isinstance(mpn, str) or not mpn.strip():
        raise ApiError(400, f"products[{n}]: mpn is required")
    candidates = [p for p in PRODUCTS if p.mpn == mpn.strip()]
    if not candidates:
        raise ApiError(400, f"products[{n}]: no product with MPN {mpn} in the catalog")
    vendor = line.get("vendor")
    term = parse_period(line.get("subscriptionPeriod"), f"products[{n}].subscriptionPeriod")
    billing = parse_period(line.get("billingPeriod"), f"products[{n}].billingPeriod")
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


def check_bounds(product: CatalogProduct, qty: int, n: int) -> None:
    lo = product.minimum if product.minimum is not None else 1
    hi = product.maximum
    if qty < lo or (hi is not None and qty > hi):
        rng = f"{lo}-{hi}" if hi is not None else f"at least {lo}"
        raise ApiError(400, f"products[{n}]: quantity {qty} of {product.name} ({product.mpn}) is outside "
                            f"the allowed range {rng}")
