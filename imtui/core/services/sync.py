"""Refreshing the snapshot from the marketplace: the app's background load and ``imtui sync`` share this.

``services.sync.run(...)`` refreshes every account (or some) into the local snapshot, accounts in parallel,
under the data dir's sync lock (a second sync while one runs gets :class:`SnapshotBusyError`). Each account is
its own transaction: one account failing leaves its previous snapshot whole and the others are still saved.

Speed: each account's details are fetched concurrently under its subscription key's shared rate budget
(``imtui.core.api.budget``). The budget paces itself when told the key's limit (the account's
``requests_per_second`` in config.toml, or ``run(rate=...)``: ``imtui sync --rate``); otherwise it learns
from 429 answers, which are waited out (``Retry-After``), never failed on.

What changed: :meth:`SyncResult.report` (this run) and :meth:`SyncArea.last_changes` (each account's last
successful run, from the snapshot) give a :class:`~imtui.core.services.changes.ChangeReport`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from imtui.core.api import ApiError, RetryNotice, retry_listener
from imtui.core.errors import ServiceError
from imtui.core.refresh import AccountRefresh, RefreshError, RefreshProgress, refresh_account
from imtui.core.services.changes import ChangeReport, change_report
from imtui.core.snapshot import SnapshotBusyError

if TYPE_CHECKING:
    from imtui.core.config import Config
    from imtui.core.services import Services

__all__ = ["RetryCounts", "SyncArea", "SyncResult"]

RetryCallback = Callable[[str, RetryNotice], None]


@dataclass(slots=True)
class RetryCounts:
    """How often one account's requests were tried again: waits for the rate limit, transient faults."""

    rate_limited: int = 0  # 429 answers waited out
    transient: int = 0  # 5xx, timeouts, dropped connections retried
    waited: float = 0.0  # seconds announced before those retries (summed; concurrent waits overlap)

    def add(self, notice: RetryNotice) -> None:
        if notice.rate_limited:
            self.rate_limited += 1
        else:
            self.transient += 1
        self.waited += max(notice.delay, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"rate_limited": self.rate_limited, "transient": self.transient, "waited_s": round(self.waited, 1)}


@dataclass
class SyncResult:
    """What one sync did: each account's refresh, or why it failed."""

    refreshed: dict[str, AccountRefresh] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # account -> the reason, in words
    accounts: list[str] = field(default_factory=list)  # every account asked for, in config order
    retries: dict[str, RetryCounts] = field(default_factory=dict)
    started_at: datetime | None = None
    duration: float = 0.0  # seconds, wall clock, the whole sync

    @property
    def exit_code(self) -> int:
        """0 every account synced, 1 some did (``failed`` says which and why), 2 none did."""
        if not self.failed:
            return 0
        return 1 if self.refreshed else 2

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.refreshed.values())

    def report(self, config: Config) -> ChangeReport:
        """This run's changes per account (failed accounts say why), with client names."""
        return change_report(
            config, self.accounts, {n: r.changes for n, r in self.refreshed.items()},
            synced_at={n: r.finished_at for n, r in self.refreshed.items()},
            first=[n for n, r in self.refreshed.items() if r.first], failed=self.failed,
        )

    def to_dict(self, config: Config) -> dict[str, Any]:
        """The JSON summary of ``imtui sync --json``: per account its counts, changes, requests and duration,
        or the reason it failed."""
        report = {a.account: a for a in self.report(config).accounts}
        accounts: dict[str, Any] = {}
        for name in self.accounts:
            retries = self.retries.get(name, RetryCounts()).to_dict()
            if name in self.failed:
                accounts[name] = {"status": "failed", "reason": self.failed[name], "retries": retries}
                continue
            refresh = self.refreshed[name]
            accounts[name] = {
                "status": "synced", **refresh.summary(), "full": refresh.full, "first": refresh.first,
                "started_at": refresh.started_at.isoformat(), "finished_at": refresh.finished_at.isoformat(),
                "retries": retries, "changed": report[name].to_dict()["changes"],
            }
        return {
            "exit_code": self.exit_code, "started_at": self.started_at.isoformat() if self.started_at else None,
            "duration": round(self.duration, 3), "requests": self.requests,
            "synced": sorted(self.refreshed), "failed": dict(sorted(self.failed.items())), "accounts": accounts,
        }


class SyncArea:
    """``services.sync``."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def names(self, accounts: Sequence[str] | None = None) -> list[str]:
        """The accounts to sync, in config order; ``ServiceError`` for a name that is not an account."""
        config = self.services.config
        if accounts:
            unknown = [n for n in accounts if config.account(n) is None]
            if unknown:
                raise ServiceError(f"There is no account called {unknown[0]}; see `imtui accounts list`.")
            wanted = set(accounts)
            return [a.name for a in config.accounts if a.name in wanted]
        return [a.name for a in config.accounts]

    async def run(
        self,
        accounts: Sequence[str] | None = None,
        *,
        full: bool = False,
        listener: Callable[[RefreshProgress], None] | None = None,
        on_retry: RetryCallback | None = None,
        rate: float | None = None,
    ) -> SyncResult:
        """Refresh ``accounts`` (default: all) into the snapshot, accounts in parallel.

        ``full`` reads every detail again; ``listener`` hears each step (:class:`RefreshProgress`);
        ``on_retry(account, notice)`` hears every retry and 429 wait; ``rate`` paces every account's key at
        that many requests a second (instead of its configured ``requests_per_second``). Raises
        ``SnapshotBusyError`` if another sync of this data dir is running, ``ServiceError`` for an unknown
        account name. A failing account is kept in ``failed`` with the reason; the others still sync.
        """
        services = self.services
        names = self.names(accounts)
        if rate is not None and (rate != rate or rate <= 0):
            raise ServiceError("The request budget (--rate) must be a positive number of requests a second.")
        result = SyncResult(accounts=names, started_at=services.now())
        snapshot = services.snapshot
        clock = time.monotonic()

        async def one(name: str) -> None:
            counts = result.retries[name] = RetryCounts()

            def heard(notice: RetryNotice) -> None:
                counts.add(notice)
                if on_retry is not None:
                    on_retry(name, notice)

            with retry_listener(heard):  # follows this account's requests into the tasks they start
                try:
                    client = services.client(name)
                    if rate is not None:
                        client.budget.configure_limit(rate)
                    result.refreshed[name] = await refresh_account(
                        client, name, snapshot, now=services.now(), full=full, listener=listener
                    )
                except RefreshError as exc:
                    result.failed[name] = exc.reason
                except (ApiError, ServiceError, SnapshotBusyError) as exc:
                    result.failed[name] = str(exc)

        with snapshot.lock():  # held across the accounts: one sync per data dir, refused at once if busy
            outcomes = await asyncio.gather(*(one(name) for name in names), return_exceptions=True)
        result.duration = time.monotonic() - clock
        for outcome in outcomes:  # a bug in one account: raised once every account has finished
            if isinstance(outcome, BaseException):
                raise outcome
        return result

    def last_changes(self, accounts: Sequence[str] | None = None) -> ChangeReport:
        """What each account's last successful sync changed, from the snapshot (no API call). An account
        whose latest attempt failed says so; one never synced says that."""
        services = self.services
        names = self.names(accounts)
        snapshot = services.snapshot
        states = snapshot.sync_state()
        changes: dict[str, list] = {name: [] for name in names}
        for change in snapshot.changes():
            if change.account in changes:
                changes[change.account].append(change)
        firsts, notes, synced_at = [], {}, {}
        for name in names:
            state = states.get(name)
            if state is None:
                continue
            synced_at[name] = state.last_sync_at
            if state.last_run is not None and any(r.id == state.last_run and r.first for r in snapshot.runs(name, limit=5)):
                firsts.append(name)
            if state.last_error:  # a successful run clears it: the latest attempt failed
                notes[name] = f"the latest attempt failed: {state.last_error}"
        report = change_report(services.config, names, changes, synced_at=synced_at, first=firsts)
        for account in report.accounts:
            account.note = notes.get(account.account)
        return report
