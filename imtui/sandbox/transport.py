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
from collections.abc import Generator
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


def _exchange(sb: "Sandbox", request: httpx.Request, body: bytes) -> Generator[float, None, httpx.Response]:
    """The sandbox's answer to ``request``, the same for both transports: yields each wait (the latency,
    a hung answer) for the transport to sleep its own way, raises as a dropped connection would."""
    latency = sb.faults.latency_ms
    if latency:
        yield latency / 1000.0
    resp = _call(sb, request, body)
    if resp.fault == "hang":
        wait, timed_out = _hang_plan(resp, request)
        yield wait
        if timed_out:
            raise httpx.ReadTimeout("timed out waiting for the answer to POST /orders", request=request)
    if resp.fault:
        raise httpx.RemoteProtocolError(_DISCONNECTED, request=request)
    return _response(resp, request)


class SandboxTransport(httpx.AsyncBaseTransport):
    """Async transport: ``httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url)``."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        steps = _exchange(self.sandbox, request, await request.aread())
        try:
            while True:
                await asyncio.sleep(next(steps))
        except StopIteration as done:
            return done.value


class SyncSandboxTransport(httpx.BaseTransport):
    """Sync transport for ``httpx.Client``."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        steps = _exchange(self.sandbox, request, request.read())
        try:
            while True:
                time.sleep(next(steps))
        except StopIteration as done:
            return done.value
