"""A scripted fake of the Marketplace API for client tests (``httpx.MockTransport``), where the sandbox is not
the point: exactly what production has been seen to send (HTML 504 pages, ``error`` instead of ``message``,
``Retry-After``), hanging answers, dropped connections."""

from __future__ import annotations

import asyncio

import httpx

from imtui.core.api import MarketplaceClient

PASSWORD = "s3cret-Passw0rd!"
KEY = "0123456789abcdef0123456789abcdef"


class Script:
    """A fake server: answers /token, then replays scripted answers for other paths (the last one forever),
    recording calls. An answer may be a response, an exception to raise, or a callable taking the request
    (sync or async: ``hang`` never answers). ``login`` scripts the /token answers the same way (then tokens)."""

    def __init__(self, *answers, token_ttl=1500, login=()):
        self.answers = list(answers)
        self.login = list(login)
        self.calls: list[httpx.Request] = []
        self.token_ttl = token_ttl
        self.tokens = 0

    def __call__(self, request: httpx.Request):
        self.calls.append(request)
        if request.url.path.endswith("/token"):
            if self.login:
                return self._play(self.login.pop(0), request)
            self.tokens += 1
            return httpx.Response(200, json={"token": f"tok-{self.tokens}", "expiresInSeconds": self.token_ttl})
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return self._play(answer, request)

    @staticmethod
    def _play(answer, request):
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def api_calls(self):
        return [c for c in self.calls if not c.url.path.endswith("/token")]


def make_client(script, **kwargs):
    """A client on ``script`` whose sleeps are recorded in ``client.delays`` and take no time (unless a
    ``sleep`` is given, e.g. ``asyncio.sleep`` under virtual time)."""
    delays: list[float] = []

    async def no_sleep(seconds):
        delays.append(seconds)

    kwargs.setdefault("sleep", no_sleep)
    client = MarketplaceClient(
        "https://api.example.test/marketplace/eu",
        "uk",
        "acme.api",
        PASSWORD,
        KEY,
        transport=httpx.MockTransport(script),
        **kwargs,
    )
    client.delays = delays
    return client


def error_body(status, text, field="message"):
    return {"timeStamp": "2026-11-20T09:00:00Z", "status": status, field: text, "path": "/x", "correlationId": "a8n-body"}


def answer(status, body=None, headers=None, **kw):
    headers = {"X-Correlation-ID": "a8n-123", **(headers or {})}
    if isinstance(body, (dict, list)):
        return httpx.Response(status, json=body, headers=headers)
    return httpx.Response(status, content=(body or "").encode(), headers=headers, **kw)


async def hang(request: httpx.Request) -> httpx.Response:
    """An answer that never comes (a transport httpx's own timeout does not cover)."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")
