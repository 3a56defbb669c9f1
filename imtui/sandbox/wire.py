"""What goes over the wire: answers, request records, the error type, and the JSON shapes every resource
shares (money, periods, dates, list envelopes, query parsing)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from .catalog import money

#: the gateway caps ``limit`` here (production accepts 500; a cap below what was asked is legal)
LIST_LIMIT_CAP = 1000


@dataclass
class SandboxResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    #: a transport fault instead of an answer: None, "hang" (silence for ``hang_s`` seconds, then the
    #: connection closes) or "drop" (the connection closes at once); status is 0 then
    fault: str | None = None
    hang_s: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RequestRecord:
    method: str
    path: str  # routed path, without the /marketplace/<region> prefix, e.g. "/orders"
    query: dict[str, list[str]]
    #: the HTTP status answered; 0 when no answer was sent (a hung or dropped connection)
    status: int
    correlation_id: str = ""


class ApiError(Exception):
    """Raised by a resource handler; the sandbox answers it as the documented error body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# --------------------------------------------------------------------------- answers


def json_response(status: int, obj: Any, corr: str, extra: dict | None = None) -> SandboxResponse:
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-Correlation-ID": corr}
    if extra:
        headers.update(extra)
    return SandboxResponse(status, headers, body)


def error_response(status: int, message: str, url_path: str, corr: str, now: datetime, error_field: str,
                   extra: dict | None = None) -> SandboxResponse:
    """The documented error body; ``error_field="error"`` is the deployment that says error/timestamp."""
    ts = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"
    if error_field == "error":
        obj = {"timestamp": ts, "status": status, "error": message, "path": url_path, "correlationId": corr}
    else:
        obj = {"timeStamp": ts, "status": status, "message": message, "path": url_path, "correlationId": corr}
    return json_response(status, obj, corr, extra)


# --------------------------------------------------------------------------- JSON shapes


def iso_dt(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def period_json(p: tuple[str, int]) -> dict:
    return {"type": p[0], "duration": p[1]}


def money_json(amount: Decimal, currency: str) -> dict:
    return {"amount": money(amount), "currency": currency}


def quantity_json(q: int, product) -> int | str:
    """A quantity as the API sends it: a number, or a numeric string ("5.0") for products whose vendor
    reports it so (MARKETPLACE_API.md: quantities may arrive as numbers or numeric strings)."""
    if product is not None and product.quantity_as_text:
        return f"{q}.0"
    return q


# --------------------------------------------------------------------------- requests


def parse_query(query: dict | str | bytes | None) -> dict[str, list[str]]:
    if query is None or isinstance(query, (str, bytes)):
        qs = query.decode() if isinstance(query, bytes) else (query or "")
        return parse_qs(qs.lstrip("?"), keep_blank_values=True)
    return {k: list(v) if isinstance(v, (list, tuple)) else [str(v)] for k, v in query.items()}


def first(q: dict[str, list[str]], name: str) -> str | None:
    vals = q.get(name)
    if not vals:
        return None
    v = vals[0].strip()
    return v or None


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise ApiError(400, "Malformed JSON request body") from None


def page(q) -> tuple[int, int]:
    """(offset, limit) from the query; 400 on junk; limit capped at LIST_LIMIT_CAP."""
    out = []
    for name, default, minimum in (("offset", 0, 0), ("limit", 10, 1)):
        raw = first(q, name)
        if raw is None:
            out.append(default)
            continue
        try:
            v = int(raw)
        except ValueError:
            raise ApiError(400, f"Invalid value for {name}: {raw!r} is not an integer") from None
        if v < minimum:
            raise ApiError(400, f"Invalid value for {name}: must be at least {minimum}")
        out.append(v)
    return out[0], min(out[1], LIST_LIMIT_CAP)


def status_filter(q) -> str | None:
    status = first(q, "status")
    if status is not None and "," in status:
        raise ApiError(400, f"Invalid status filter {status!r}: only one status value is allowed")
    return status


def envelope(q, rows: list, render) -> dict:
    offset, limit = page(q)
    return {"data": [render(r) for r in rows[offset:offset + limit]],
            "pagination": {"offset": offset, "limit": limit, "total": len(rows)}}


def parse_time(value: str, name: str) -> datetime:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}: {value!r} is not an ISO 8601 date-time") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t
