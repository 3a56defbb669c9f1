"""What the customers screen knows about each account's load, and the words its status line says.

Plain Python (no Textual import), unit-tested without an app (tests/tui/test_customer_loads.py).

An account's rows are those of its last complete load. The first load shows customers as pages arrive; a
reload collects its pages aside and swaps them in at the end, so a reload that fails keeps the rows shown,
marked stale with their age and why ("us-demo: 48 as of 2 min ago; reload failed: HTTP 503…"). Every
count the screen shows is a count of the rows it holds: the status line, the filter bar and each account's
progress agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from imtui.core.api import ApiError, ListReport
from imtui.core.timewords import ago

__all__ = ["AccountLoad", "short_reason", "skipped_words"]


def short_reason(error: BaseException) -> str:
    """Why a load failed, short enough for a status line ("HTTP 503 after 11 tries", "a timeout")."""
    if isinstance(error, ApiError):
        text = f"HTTP {error.status}" if error.status is not None else error.title.lower()
        return text + (f" after {error.attempts} tries" if error.attempts > 1 else "")
    return str(error).split("\n")[0][:80]


def skipped_words(report: ListReport | None) -> str:
    """What a load could not read, in a few words ("1 unreadable skipped"); empty when it read everything."""
    if report is None or report.ok:
        return ""
    parts = []
    if report.skipped:
        parts.append(f"{len(report.skipped):,} unreadable skipped")
    if report.warnings:
        parts.append("the list may be incomplete")
    return ", ".join(parts)


@dataclass
class AccountLoad:
    """One account's load as the screen shows it."""

    name: str
    running: bool = False
    generation: int = 0  # bumped by every start: a cancelled load's late news is ignored
    loaded_at: datetime | None = None  # when the rows shown were complete (None: never, or incomplete)
    arrived: int = 0  # customers read by the running load
    total: int | None = None  # what the marketplace says the running load will hold
    failure: str | None = None  # why the last load failed (None: it did not)
    retry: str | None = None  # a retry under way ("retrying after HTTP 503 (2 of 10)…")
    skipped: str = ""  # what the load behind the rows shown could not read

    def start(self) -> int:
        self.running = True
        self.generation += 1
        self.arrived = 0
        self.total = None
        self.retry = None
        return self.generation

    def page(self, arrived: int, total: int | None) -> None:
        self.arrived = arrived
        self.total = total
        self.retry = None  # a page arrived: whatever was retried went through

    def done(self, loaded_at: datetime | None, report: ListReport | None) -> None:
        self.running = False
        self.loaded_at = loaded_at
        self.failure = None
        self.retry = None
        self.skipped = skipped_words(report)

    def failed(self, error: BaseException) -> None:
        self.running = False
        self.failure = short_reason(error)
        self.retry = None

    @property
    def stale(self) -> bool:
        """Rows of an earlier load are shown while the last one failed."""
        return self.failure is not None and self.loaded_at is not None

    def words(self, shown: int, now: datetime) -> str:
        """The account's part of the status line; ``shown``: how many of its customers the screen holds."""
        if self.running:
            progress = f"{self.arrived:,}" + (f"/{self.total:,}" if self.total is not None and self.arrived < self.total else "")
            if self.loaded_at is not None or (shown and self.failure):
                text = f"{shown:,}, reloading ({progress})…"
            elif self.arrived or self.total is not None:
                text = f"{shown:,}/{self.total:,}…" if self.total is not None and shown < self.total else f"{shown:,}…"
            else:
                text = "loading…"
            if self.retry:
                text += f" {self.retry}"
        elif self.failure and self.loaded_at is not None:
            text = f"{shown:,} as of {ago(self.loaded_at, now)}; reload failed: {self.failure}, r to retry"
        elif self.failure and shown:
            text = f"{shown:,}, incomplete; loading failed: {self.failure}, r to retry"
        elif self.failure:
            text = f"failed, r to retry ({self.failure})"
        else:
            text = f"{shown:,}" + (f" ({self.skipped})" if self.skipped else "")
        return f"{self.name}: {text}"
