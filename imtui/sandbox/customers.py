"""Customers and resellers: ``GET /customers`` (name, email, externalId filters), ``GET /customers/{id}``,
``GET /resellers`` (the account itself) and ``GET /resellers/{id}``."""

from __future__ import annotations

from .model import AccountState
from .wire import ApiError, envelope, first, page


def list_customers(st: AccountState, q) -> dict:
    page(q)
    name = first(q, "name")
    email = first(q, "email")
    ext = first(q, "externalId")
    rows = list(st.customers.values())
    if name:
        needle = name.casefold()
        rows = [c for c in rows if needle in c["name"].casefold()]
    if email:
        e = email.casefold()
        rows = [c for c in rows if any(p["email"].casefold() == e for p in c["contactPersons"])]
    if ext:
        rows = [c for c in rows if c.get("externalId") == ext]
    return envelope(q, rows, lambda c: c)


def get_customer(st: AccountState, cid: str) -> dict:
    c = st.customers.get(cid)
    if c is None:
        raise ApiError(404, f"Customer #{cid} not found")
    return c


def list_resellers(st: AccountState, q) -> dict:
    return envelope(q, [st.reseller], lambda r: r)


def get_reseller(st: AccountState, rid: str) -> dict:
    if rid != st.reseller["id"]:
        raise ApiError(404, f"Reseller #{rid} not found")
    return st.reseller
