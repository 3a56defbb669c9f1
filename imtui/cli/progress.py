"""Progress of ``imtui sync`` on a terminal: one line per account on standard error, updated in place.

    us-demo   details          12,345 / 20,000   62%   3 waits for the rate limit
    uk-demo   saving                                   done in 41.2 s

Only on a terminal (a cron job's log gets the summary, not hundreds of redraws), at most ten redraws a
second, each line cut to the terminal's width so the cursor arithmetic holds. Nothing here touches the
network or the snapshot: it is told what happened (``event``, ``retry``) and draws.
"""

from __future__ import annotations

import shutil
import time
from typing import TextIO

from imtui.core.api import RetryNotice
from imtui.core.refresh import Phase, RefreshProgress

__all__ = ["TerminalProgress"]

PHASE_WORDS = {
    Phase.CUSTOMERS: "customers",
    Phase.SUBSCRIPTIONS: "subscription list",
    Phase.DETAILS: "details",
    Phase.ORDERS: "orders",
    Phase.ORDER_DETAILS: "order details",
    Phase.SAVING: "saving",
    Phase.DONE: "done",
}
REDRAW_EVERY = 0.1  # seconds


ORDER_PHASES = (Phase.ORDERS, Phase.ORDER_DETAILS)


class _Line:
    __slots__ = ("phase", "done", "total", "orders", "waits", "retries", "note", "note_until", "started")

    def __init__(self) -> None:
        self.orders = 0  # orders read so far (they are read beside the subscriptions)
        self.phase = "waiting"
        self.done = 0
        self.total: int | None = None
        self.waits = 0
        self.retries = 0
        self.note = ""
        self.note_until = float("inf")  # a retry's note goes once its wait is over
        self.started = time.monotonic()


class TerminalProgress:
    """Draws one line per account on ``stream`` (a terminal)."""

    def __init__(self, accounts: list[str], stream: TextIO) -> None:
        self.stream = stream
        self.accounts = list(accounts)
        self.lines = {name: _Line() for name in self.accounts}
        self.width = max((len(n) for n in self.accounts), default=7)
        self._drawn = 0  # lines on screen from the last draw
        self._last = 0.0

    # ------------------------------------------------------------ what happened

    def event(self, progress: RefreshProgress) -> None:
        line = self.lines.get(progress.account)
        if line is None:
            return
        if progress.phase in ORDER_PHASES:  # read beside the subscriptions: counted, the line keeps its phase
            if progress.phase == Phase.ORDERS:
                line.orders = progress.done
            self.draw()
            return
        new_phase = progress.phase != line.phase
        line.phase, line.done, line.total = progress.phase, progress.done, progress.total
        if progress.phase == Phase.DONE:
            line.note, line.note_until = f"done in {time.monotonic() - line.started:.1f} s", float("inf")
        self.draw(force=new_phase)  # every phase is shown at least once, however fast it goes

    def retry(self, account: str, notice: RetryNotice) -> None:
        line = self.lines.get(account)
        if line is None:
            return
        if notice.rate_limited:
            line.waits += 1
        else:
            line.retries += 1
        line.note = f"{notice.reason}: waiting {notice.delay:.1f} s"
        line.note_until = time.monotonic() + notice.delay
        self.draw()

    def finish(self, failed: dict[str, str]) -> None:
        """The last draw: failed accounts say so (the reason is printed in full afterwards)."""
        for name, line in self.lines.items():
            if name in failed:
                line.phase, line.note, line.note_until = "failed", "see below", float("inf")
        self.draw(force=True)

    # ------------------------------------------------------------ drawing

    def text(self, name: str) -> str:
        line = self.lines[name]
        phase = PHASE_WORDS.get(line.phase, line.phase)
        count = ""
        if line.phase not in (Phase.SAVING, Phase.DONE, "waiting", "failed"):
            count = f"{line.done:,}" + (f" / {line.total:,}" if line.total is not None else "")
            if line.total:
                count += f"  {min(100, line.done * 100 // line.total):3d}%"
        extra = []
        if line.orders and line.phase not in (Phase.DONE, "failed"):
            extra.append(f"{line.orders:,} orders")
        if line.waits:
            extra.append(f"{line.waits:,} wait{'s' if line.waits != 1 else ''} for the rate limit")
        if line.retries:
            extra.append(f"{line.retries:,} retr{'ies' if line.retries != 1 else 'y'}")
        if line.note and time.monotonic() < line.note_until:
            extra.append(line.note)
        return f"{name:<{self.width}}  {phase:<17} {count:<24} {'; '.join(extra)}".rstrip()

    def draw(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < REDRAW_EVERY:
            return
        self._last = now
        columns = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
        out = []
        if self._drawn:
            out.append(f"\x1b[{self._drawn}A")  # back to the first line of the last draw
        for name in self.accounts:
            out.append("\r\x1b[2K" + self.text(name)[:columns] + "\n")
        self.stream.write("".join(out))
        self.stream.flush()
        self._drawn = len(self.accounts)
