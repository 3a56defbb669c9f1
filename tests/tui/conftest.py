"""Pilot helpers shared by the UI tests: open the app on services, wait for its loads, read what it shows.

The machine is isolated by the fixtures of tests/conftest.py (temporary config, memory keyring, the
in-process sandbox); these only drive and read the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from imtui.tui.app import ImtuiApp

SIZE = (140, 45)

#: pydantic's own wording: it never reaches a user (issue 8), whatever path the message took
PYDANTIC_WORDS = ("validation error for", "errors.pydantic.dev", "Input should be")


def _plain(content: object) -> str:
    plain = getattr(content, "plain", None)  # Content, rich Text
    return plain if isinstance(plain, str) else str(content)


def pydantic_leaks(texts: list[str]) -> list[str]:
    """The texts that hold pydantic's wording."""
    return [text for text in texts if any(word in text for word in PYDANTIC_WORDS)]


@pytest.fixture(autouse=True)
def no_pydantic_text_on_screen(monkeypatch):
    """Every toast and every text a Static shows (dialogs, status lines, field messages) in every UI test
    is recorded; the test fails if any holds pydantic's wording. Yields the list of texts seen."""
    seen: list[str] = []
    notify, update, init = App.notify, Static.update, Static.__init__

    def recording_notify(self, message, *args, **kwargs):
        seen.append(_plain(message))
        return notify(self, message, *args, **kwargs)

    def recording_update(self, content="", *args, **kwargs):
        seen.append(_plain(content))
        return update(self, content, *args, **kwargs)

    def recording_init(self, content="", *args, **kwargs):
        seen.append(_plain(content))
        init(self, content, *args, **kwargs)

    monkeypatch.setattr(App, "notify", recording_notify)
    monkeypatch.setattr(Static, "update", recording_update)
    monkeypatch.setattr(Static, "__init__", recording_init)
    yield seen
    assert pydantic_leaks(seen) == [], "pydantic's wording reached the user"


async def _settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _until_ready(pilot: Pilot) -> None:
    """Until the app has opened its services (``ImtuiApp(opening=...)``) and the screens have heard
    ``ServicesReady``, then until their first loads have arrived. Waits on the opening worker, not on
    time: a thread that never returns fails the test at pytest's timeout, not here by chance."""
    app = pilot.app
    for _ in range(100):  # each round waits for every worker running then; opening is one, then the loads
        if app.services_ready:
            break
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.services_ready, "the app never became ready"
    await _settle(pilot)


@pytest.fixture
def until_ready() -> Callable:
    """``await until_ready(pilot)``: the services open (in the app's thread), the screens told and filled."""
    return _until_ready


@pytest.fixture
def settle() -> Callable:
    """``await settle(pilot)``: let every worker (loads, connection tests) finish and the screen update."""
    return _settle


@pytest.fixture
def open_app() -> Callable:
    """``async with open_app(services, start_in="customers") as (app, pilot):`` the app at ``size``
    (140x45 unless said), its first loads arrived."""

    @asynccontextmanager
    async def run(
        services, *, start_in: str | None = None, size: tuple[int, int] = SIZE
    ) -> AsyncIterator[tuple[ImtuiApp, Pilot]]:
        app = ImtuiApp(services, start_in=start_in)
        async with app.run_test(size=size) as pilot:
            await _settle(pilot)
            yield app, pilot

    return run


def _table_rows(table: DataTable) -> list[dict[str, str]]:
    labels = [str(column.label) for column in table.ordered_columns]
    return [dict(zip(labels, map(str, table.get_row_at(i)))) for i in range(table.row_count)]


@pytest.fixture
def table_rows() -> Callable[[DataTable], list[dict[str, str]]]:
    """``table_rows(table)``: the rows as the user reads them, top to bottom: column label -> text, for
    the columns on screen (read from what the table holds, not from the screen's own lists)."""
    return _table_rows


@pytest.fixture
def notifications() -> Callable[[ImtuiApp], list[str]]:
    """``notifications(app)``: the text of every toast shown so far."""
    return lambda app: [n.message for n in app._notifications]
