"""Running one headless command: open the services on the user's config (``--config DIR``), run the
command's coroutine, close everything, and turn failures into ``imtui:`` lines (see :mod:`.output`)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_USAGE, error, guarded

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["headless"]


def headless(args: argparse.Namespace, work: Callable[[Services], Awaitable[int]]) -> int:
    """Open :class:`Services` headless, run ``work(services)``, close them; returns the exit code."""
    import asyncio  # here, not at the top: ``imtui --help`` and the app's start-up do not need it yet

    from imtui.core.config import ConfigError
    from imtui.core.services import Services

    try:
        services = Services.open(getattr(args, "config", None), headless=True)
    except ConfigError as exc:
        error(exc)
        return EXIT_USAGE

    async def run() -> int:
        try:
            return await work(services)
        finally:
            await services.aclose()

    return guarded(lambda: asyncio.run(run()))
