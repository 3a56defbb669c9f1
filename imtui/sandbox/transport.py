"""httpx transports that answer from a Sandbox in process (no sockets).

Latency is slept here, outside the sandbox lock, so concurrent requests wait together. A hung POST /orders
(``Faults.order_hang``) sleeps until the request's own read timeout (``timeout=`` of the httpx call) and then
raises ``httpx.ReadTimeout``, as a real socket would; without a timeout it sleeps ``order_hang_s`` and the
connection closes (``httpx.RemoteProtocolError``). A dropped one (``Faults.order_drop``) raises
``httpx.RemoteProtocolError`` at once. A client's own deadline (``asyncio.wait_for`` …) cuts the sleep too.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:  # pragma: no cover
    from .app import Sandbox
    from .wire import SandboxResponse

_DISCONNECTED = "Server disconnected without sending a response."


def _call(sb: "Sandbox", request: httpx.Request, body: bytes) -> "SandboxResponse":
    query = request.url.query
    if isinstance(query, bytes):
        query = query.decode("ascii", "replace")
    return sb.handle(request.method, request.url.path, query, dict(request.headers), body)


def _response(resp: "SandboxResponse", request: httpx.Request) -> httpx.Response:
    return httpx.Response(resp.status, headers=resp.headers, content=resp.body, request=request)


def _hang_plan(resp: "SandboxResponse", request: httpx.Request) -> tuple[float, bool]:
    """(seconds to wait, whether the client's read timeout is what ends the wait)."""
    read = (request.extensions.get("timeout") or {}).get("read")
    if read is not None and read <= resp.hang_s:
        return float(read), True
    return resp.hang_s, False


class SandboxTransport(httpx.AsyncBaseTransport):
    """Async transport: ``httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url)``."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        latency = self.sandbox.faults.latency_ms
        if latency:
            await asyncio.sleep(latency / 1000.0)
        resp = _call(self.sandbox, request, body)
        if resp.fault == "hang":
            wait, timed_out = _hang_plan(resp, request)
            await asyncio.sleep(wait)
            if timed_out:
                raise httpx.ReadTimeout("timed out waiting for the answer to POST /orders", request=request)
        if resp.fault:
            raise httpx.RemoteProtocolError(_DISCONNECTED, request=request)
        return _response(resp, request)


class SyncSandboxTransport(httpx.BaseTransport):
    """Sync transport for ``httpx.Client``."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        latency = self.sandbox.faults.latency_ms
        if latency:
            time.sleep(latency / 1000.0)
        resp = _call(self.sandbox, request, body)
        if resp.fault == "hang":
            wait, timed_out = _hang_plan(resp, request)
            time.sleep(wait)
            if timed_out:
                raise httpx.ReadTimeout("timed out waiting for the answer to POST /orders", request=request)
        if resp.fault:
            raise httpx.RemoteProtocolError(_DISCONNECTED, request=request)
        return _response(resp, request)
