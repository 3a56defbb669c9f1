"""Running one headless command: open the services on the user's config (``--config DIR``), run the
command's coroutine, close everything, and turn failures into ``imtui:`` lines (see :mod:`.output`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_USAGE, error, guarded

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["headless", "open_services"]


def open_services(config_dir: str | None) -> Services:
    """The services a headless command runs on: the user's config (or ``--config DIR``). The one place that
    opens them, so a test can point every command at the in-process sandbox by replacing this function."""
    from imtui.core.services import Services

    return Services.open(config_dir, headless=True)


def headless(args: argparse.Namespace, work: Callable[[Services], Awaitable[int]]) -> int:
    """Open :class:`Services` headless, run ``work(services)``, close them; returns the exit code."""
    import asyncio  # here, not at the top: ``imtui --help`` and the app's start-up do not need it yet

    from imtui.core.config import ConfigError

    try:
        services = open_services(getattr(args, "config", None))
    except ConfigError as exc:
        error(exc)
        return EXIT_USAGE

    async def run() -> int:
        try:
            printer = _retry_printer()
            if printer is None:
                return await work(services)
            from imtui.core.api import retry_listener

            with retry_listener(printer):
                return await work(services)
        finally:
            await services.aclose()

    return guarded(lambda: asyncio.run(run()))


def _retry_printer() -> Callable[[object], None] | None:
    """On a terminal, each retry as an ``imtui:`` line on standard error ("GET /customers: retrying after
    HTTP 503 (2 of 10) in 0.4 s…"), so a slow command is seen working; in a pipe or a log, nothing."""
    try:
        on_terminal = sys.stderr.isatty()
    except (AttributeError, ValueError):  # closed or replaced by something without isatty
        on_terminal = False
    return error if on_terminal else None
