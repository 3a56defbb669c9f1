"""Activation parameters: what a product needs in a sales order, and ``POST /validation/parameters``.

The yaml's ``Product`` has no field listing required parameters; the way a client learns them is the yaml's
``POST /validation/parameters`` (``ParameterValidationRequest`` in, ``ResultListParameterValidationResult``
out), which the sandbox answers: one result per product, one entry per parameter the product knows, with
``result`` ``success`` or ``error`` and a message. Products that need nothing answer ``"parameters": []``.

Kept minimal: the sandbox knows one parameter, ``domain`` (the customer's primary internet domain), needed by
the Google Workspace products. A sales order line without it (or with a value that is not a domain) is a
400 that names the parameter; parameters sent are echoed on the order detail's lines (``parameters``) and on
the new subscription's detail (``orderParameters``).
"""

from __future__ import annotations

import re
from typing import Any

from .catalog import CatalogProduct
from .model import AccountState
from .products import resolve_product
from .wire import ApiError, period_json

_DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)

#: name -> (type, what it is, example)
KNOWN = {"domain": ("domain", "the customer's primary internet domain", "example.com")}


def parameter_list(params: Any, n: int) -> list[dict]:
    """The ``parameters`` of order line ``n`` as a list of ``{"name", "value"}`` objects, or 400."""
    if params is None:
        return []
    if not isinstance(params, list) or any(not isinstance(x, dict) or not isinstance(x.get("name"), str)
                                           for x in params):
        raise ApiError(400, f"products[{n}].parameters must be a list of {{name, value}}")
    return params


def _check(name: str, value: Any) -> str | None:
    """None when ``value`` is good for parameter ``name``, else what is wrong."""
    kind, what, example = KNOWN[name]
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"The {name} parameter is required: {what}, e.g. {example}"
    if kind == "domain" and not (isinstance(value, str) and _DOMAIN_RE.match(value.strip())):
        return f"{value!r} is not a valid {name}: give {what}, e.g. {example}"
    return None


def require(product: CatalogProduct, params: list[dict], n: int) -> None:
    """400 naming the first required parameter of ``product`` that is missing or wrong in ``params``."""
    given = {p["name"]: p.get("value") for p in params}
    for name in product.parameters:
        problem = _check(name, given.get(name))
        if problem:
            raise ApiError(400, f"products[{n}]: {product.name} ({product.mpn}) needs the activation parameter "
                                f"{name!r}. {problem}")


def validate(st: AccountState, body: Any) -> dict:
    """``POST /validation/parameters``: per product, the result for each parameter it needs."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    cid = body.get("customerId")
    if cid is None or str(cid).strip() == "":
        raise ApiError(400, "customerId is required")
    if str(cid).strip() not in st.customers:
        raise ApiError(404, f"Customer #{str(cid).strip()} not found")
    products = body.get("products")
    if not isinstance(products, list) or not products or any(not isinstance(p, dict) for p in products):
        raise ApiError(400, "products must be a non-empty list of objects")
    data = []
    for n, line in enumerate(products):
        product = resolve_product(line, n)
        given = {p["name"]: p.get("value") for p in parameter_list(line.get("parameters"), n)}
        results = []
        for name in product.parameters:
            problem = _check(name, given.get(name))
            entry = {"name": name, "result": "error" if problem else "success",
                     "message": problem or f"The {name} is valid.", "type": KNOWN[name][0]}
            if isinstance(given.get(name), str):
                entry["value"] = given[name]
            results.append(entry)
        data.append({"id": product.id, "mpn": product.mpn, "vendor": product.vendor,
                     "billingPeriod": period_json(product.billing_period),
                     "subscriptionPeriod": period_json(product.subscription_period), "parameters": results})
    return {"data": data, "pagination": {"offset": 0, "limit": len(data), "total": len(data)}}
