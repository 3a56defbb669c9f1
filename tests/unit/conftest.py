"""Fixtures of the sandbox's own tests: a fresh sandbox (seed 42) that must end without a server error, and a
client logged in to its first account."""

from __future__ import annotations

import httpx
import pytest

from imtui.sandbox import Sandbox

from .sandbox_api import login


@pytest.fixture
def sb():
    sandbox = Sandbox(seed=42)
    yield sandbox
    assert sandbox.errors == [], sandbox.errors[0]


@pytest.fixture
async def api(sb):
    acct = sb.accounts[0]
    async with httpx.AsyncClient(transport=sb.transport(), base_url=acct.base_url) as client:
        yield await login(sb, client, acct)
