"""Live progress of the orders screen: while it is shown, the unfinished orders in view are asked about through
``services.orders_view.poll`` after a backoff (``poll_first`` seconds doubling to ``poll_most`` while nothing
changes; back to ``poll_first`` when something did); nothing is asked while another screen is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.timer import Timer

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.core.services.order_reads import Backoff
from imtui.core.snapshot import SnapshotError
from imtui.tui.dialogs import explain

if TYPE_CHECKING:
    from imtui.core.services.order_reads import OrderView


class LivePolling:
    """Mixin for the orders screen (``self`` is the screen: ``views``, ``services``, ``_read_rows``,
    ``_show_status``, ``set_timer``)."""

    #: polling of unfinished orders: the first delay and the longest (seconds); tests make them short
    poll_first: ClassVar[float] = 1.0
    poll_most: ClassVar[float] = 15.0

    views: list[OrderView]
    live_note: str

    def _start_live(self) -> None:
        self._backoff = Backoff(self.poll_first, self.poll_most)
        self._poll_timer: Timer | None = None
        self._in_view = False
        self._polling = False
        self.live_note = ""

    def on_screen_resume(self) -> None:
        self._in_view = True
        self._backoff.reset()
        self._schedule_poll()

    def on_screen_suspend(self) -> None:
        self._in_view = False
        self._stop_polling()

    def _stop_polling(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None

    def _unfinished(self) -> dict[str, list[str]]:
        """The unfinished orders of the scope, by account."""
        by_account: dict[str, list[str]] = {}
        for view in self.views:
            if not view.finished:
                by_account.setdefault(view.account, []).append(view.id)
        return by_account

    def _schedule_poll(self) -> None:
        """The next poll after the backoff's delay, if the screen is shown and has unfinished orders."""
        self._stop_polling()
        if self._in_view and self._unfinished():
            self._poll_timer = self.set_timer(self._backoff.next(), self.poll_unfinished)

    def _ensure_polling(self) -> None:
        """Rows changed (a refresh, another customer): start polling if nothing is scheduled or running."""
        if self._in_view and self._poll_timer is None and not self._polling:
            self._schedule_poll()

    @work(exclusive=True, group="orders-poll", exit_on_error=False)
    async def poll_unfinished(self) -> None:
        self._poll_timer = None
        self._polling = True
        try:
            changed, problems = await self._poll_once()
        finally:
            self._polling = False
        if changed:
            self._backoff.reset()
            await self._read_rows()
        if problems:
            self.live_note = "live updates failing (" + "; ".join(problems) + "), trying again"
        else:
            unfinished = sum(len(ids) for ids in self._unfinished().values())
            self.live_note = f"following {unfinished} unfinished order(s) live" if unfinished else ""
        self._show_status()
        self._schedule_poll()

    async def _poll_once(self) -> tuple[int, list[str]]:
        """Ask about every unfinished order in view, account by account: (how many moved on, problems)."""
        changed, problems = 0, []
        for account, ids in self._unfinished().items():
            if self.services.config.account(account) is None:
                continue
            try:
                changed += len((await self.services.orders_view.poll(account, ids)).changed)
            except (ApiError, ServiceError, SnapshotError) as exc:
                problems.append(f"{account}: {explain(exc)[0].splitlines()[0]}")
        return changed, problems
