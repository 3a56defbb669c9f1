"""Helpers for the sync, export and report tests: services on the sandbox's time, and upstream changes."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import httpx

from imtui.core.config import Mapping


def on_sandbox_time(services: Any, sandbox: Any) -> Any:
    """Make ``services`` tell time by the sandbox clock, and its clients wait on it: a wait (a 429's
    Retry-After, a back-off) moves the sandbox clock on instead of sleeping, so nothing sleeps for real."""
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
        sandbox.clock.advance(max(seconds, 0.0))

    services.sandbox = sandbox
    services.client_options = {"sleep": wait, "clock": lambda: sandbox.clock.now().timestamp()}
    services.waits = waits
    return services


def map_customer(services: Any, account: str, customer_id: str, customer_name: str, client: str) -> None:
    """Map one customer to a client (the client is created if it does not exist)."""
    from imtui.core.config import Client

    def change(config):
        if config.client(client) is None:
            config.clients = [*config.clients, Client(name=client)]
        config.set_mapping(Mapping(account=account, customer_id=customer_id, customer_name=customer_name,
                                   client=client, how="manual"))

    services.change_config(change)


def active_subscriptions(sandbox: Any, account: str = "us-demo") -> list[Any]:
    """Active subscriptions with a product line below its maximum, of active customers, in id order."""
    state = sandbox.state.account(account)
    out = []
    for sub in sorted(state.subscriptions.values(), key=lambda s: s.id):
        line = sub.lines[0] if sub.lines else None
        if (sub.status == "active" and line is not None and line.product.maximum != line.quantity
                and state.customers[sub.customer_id]["status"] == "active"):
            out.append(sub)
    return out


def dump(path) -> dict[str, list[tuple]]:
    """Every row of every table of a snapshot file, to compare before and after."""
    conn = sqlite3.connect(path)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def gets(sandbox: Any, since: int = 0, account_path: str | None = None) -> list[str]:
    """The GET paths the sandbox answered since request number ``since``."""
    return [r.path for r in sandbox.requests[since:] if r.method == "GET"]


class YieldingTransport(httpx.AsyncBaseTransport):
    """The in-process sandbox, but every call gives the event loop a turn, as a network call does (no sleep):
    a cancellation can then land between requests."""

    def __init__(self, sandbox: Any) -> None:
        self.inner = sandbox.transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        return await self.inner.handle_async_request(request)
