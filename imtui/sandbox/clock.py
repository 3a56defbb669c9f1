"""The sandbox clock: everything time-dependent in the sandbox reads it.

``manual`` (the default, used by tests and benchmarks): time stands still at the
fixed start until :meth:`Clock.advance` moves it.  ``real``: time follows the wall
clock from the start, plus any advances.  The data is generated relative to the
start and never reads today's date itself.

``imtui sandbox serve`` and ``imtui --demo`` start their real clock at the current
time (:func:`current_start`, the seconds cut off) unless a start is given: a client
outside the sandbox looks orders up by real UTC times (``creationTimeFrom``), so the
sandbox's "now" must be the world's.  Tests keep the fixed :data:`DEFAULT_START`.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

#: Fixed start of every sandbox clock; seed data is generated relative to it.
DEFAULT_START = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)


def current_start(now: datetime | None = None) -> datetime:
    """The start of a served sandbox's clock: the current UTC time, seconds and below cut off."""
    now = now or datetime.now(timezone.utc)
    return now.astimezone(timezone.utc).replace(second=0, microsecond=0)


def parse_start(text: str) -> datetime:
    """A start given on the command line: ISO 8601 (``2026-11-20T09:00:00Z``, or a date); UTC if no zone."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


class Clock:
    """A UTC clock starting at a fixed instant.

    ``mode`` is ``"manual"`` (only :meth:`advance` moves time) or ``"real"``
    (wall time elapsed since construction is added).
    """

    def __init__(self, mode: str = "manual", start: datetime | None = None) -> None:
        if mode not in ("manual", "real"):
            raise ValueError(f"clock mode must be 'manual' or 'real', not {mode!r}")
        start = start or DEFAULT_START
        if start.tzinfo is None:
            raise ValueError("clock start must be timezone-aware")
        self.mode = mode
        self.start = start.astimezone(timezone.utc)
        self._offset = 0.0
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        """Seconds since the start (advances included)."""
        with self._lock:
            extra = time.monotonic() - self._t0 if self.mode == "real" else 0.0
            return self._offset + extra

    def now(self) -> datetime:
        """The current sandbox time, UTC, timezone-aware."""
        return self.start + timedelta(seconds=self.elapsed())

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (must be >= 0)."""
        if seconds < 0:
            raise ValueError("the sandbox clock never goes back")
        with self._lock:
            self._offset += float(seconds)

    def __repr__(self) -> str:
        return f"Clock(mode={self.mode!r}, now={self.now().isoformat()})"
