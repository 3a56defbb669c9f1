"""Refreshing the snapshot from the marketplace: the app's background load and ``imtui sync`` share this.

``services.sync.run(...)`` refreshes every account (or some) into the local snapshot, accounts in parallel,
under the data dir's sync lock (a second sync while one runs gets :class:`SnapshotBusyError`). Each account is
its own transaction: one account failing leaves its previous snapshot whole and the others are still saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.core.refresh import AccountRefresh, RefreshError, RefreshProgress, refresh_account

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["SyncArea", "SyncResult"]


@dataclass
class SyncResult:
    """What one sync did: each account's refresh, or why it failed."""

    refreshed: dict[str, AccountRefresh] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # account -> the reason, in words

    @property
    def exit_code(self) -> int:
        """0 every account synced, 1 some did (``failed`` says which and why), 2 none did."""
        if not self.failed:
            return 0
        return 1 if self.refreshed else 2


class SyncArea:
    """``services.sync``."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def run(
        self,
        accounts: Sequence[str] | None = None,
        *,
        full: bool = False,
        listener: Callable[[RefreshProgress], None] | None = None,
    ) -> SyncResult:
        """Refresh ``accounts`` (default: all) into the snapshot; raises ``SnapshotBusyError`` if another
        sync of this data dir is running, ``ServiceError`` for an unknown account name."""
        services = self.services
        names = list(accounts) if accounts else [a.name for a in services.config.accounts]
        unknown = [n for n in names if services.config.account(n) is None]
        if unknown:
            raise ServiceError(f"There is no account called {unknown[0]}; see `imtui accounts list`.")
        result = SyncResult()
        snapshot = services.snapshot

        async def one(name: str) -> None:
            try:
                client = services.client(name)
                result.refreshed[name] = await refresh_account(
                    client, name, snapshot, now=services.now(), full=full, listener=listener
                )
            except RefreshError as exc:
                result.failed[name] = exc.reason
            except (ApiError, ServiceError) as exc:
                result.failed[name] = str(exc)

        with snapshot.lock():  # held across the accounts: one sync per data dir, refused at once if busy
            await asyncio.gather(*(one(name) for name in names))
        return result
