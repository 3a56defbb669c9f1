"""Test doubles shared by several test modules."""

from __future__ import annotations

import asyncio

import httpx
import keyring
import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real-looking keyring that lives in a dict."""

    priority = 1  # type: ignore[assignment]
    # keyring registers every backend subclass for its own auto-detection: keep test backends out of it,
    # so they never become some other test's "default" keyring.
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.items[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


class FlakyTransport(httpx.AsyncBaseTransport):
    """An httpx transport in front of another (the sandbox's): requests that match a rule are answered
    503 (a transient fault the client retries), or held until the test opens the gate. Deterministic:
    no fault rate, no sleep."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self._failing: list[list] = []  # [predicate, failures left or None for always]
        self._holding: list = []  # predicates of requests to hold
        self.gate = asyncio.Event()
        self.held = asyncio.Event()  # set when a request is being held
        self.failed = 0

    def fail(self, predicate, times: int | None = None) -> None:
        """Answer 503 to requests matching ``predicate(request)``: ``times`` of them, or all (None)."""
        self._failing.append([predicate, times])

    def hold(self, predicate) -> None:
        """Hold requests matching ``predicate`` until ``gate`` is set."""
        self._holding.append(predicate)

    def heal(self) -> None:
        self._failing.clear()

    async def handle_async_request(self, request):
        for rule in self._failing:
            predicate, left = rule
            if predicate(request) and (left is None or left > 0):
                if left is not None:
                    rule[1] = left - 1
                self.failed += 1
                return httpx.Response(
                    503, json={"message": "Service Unavailable"},
                    headers={"X-Correlation-ID": f"flaky-{self.failed}"}, request=request,
                )
        if any(predicate(request) for predicate in self._holding):
            self.held.set()
            await self.gate.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def customers_of(region: str):
    """A predicate: the GET /customers list of the accounts on ``region`` (us-demo is ``na``)."""
    return lambda request: request.method == "GET" and request.url.path.endswith(f"/{region}/customers")


def token_request(request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/token")
