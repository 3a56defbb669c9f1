"""The sandbox clock: everything time-dependent in the sandbox reads it.

``manual`` (the default, used by tests and benchmarks): time stands still at the
fixed start until :meth:`Clock.advance` moves it.  ``real`` (used by the HTTP
server and the demo): time follows the wall clock from the same fixed start,
plus any advances.  Either way the data never depends on today's date.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

#: Fixed start of every sandbox clock; seed data is generated relative to it.
DEFAULT_START = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)


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
