"""httpx transports that answer from a Sandbox in process (no sockets)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:  # pragma: no cover
    from .app import Sandbox


def _call(sb: "Sandbox", request: httpx.Request, body: bytes) -> httpx.Response:
    query = request.url.query
    if isinstance(query, bytes):
        query = query.decode("ascii", "replace")
    resp = sb.handle(request.method, request.url.path, query, dict(request.headers), body)
    return httpx.Response(resp.status, headers=resp.headers, content=resp.body, request=request)


class SandboxTransport(httpx.AsyncBaseTransport):
    """Async transport: ``httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url)``."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        latency = self.sandbox.faults.latency_ms
        if latency:
            await asyncio.sleep(latency / 1000.0)
        return _call(self.sandbox, request, body)


class SyncSandboxTransport(httpx.BaseTransport):
    """Sync transport for ``httpx.Client``."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        latency = self.sandbox.faults.latency_ms
        if latency:
            time.sleep(latency / 1000.0)
        return _call(self.sandbox, request, body)
