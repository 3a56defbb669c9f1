"""Loading the subscriptions screen: the snapshot at once (read and built in a worker's thread, a first
screenful before the rest), then the background refresh (``services.subscriptions.load``) with its progress
and its rows as they arrive, and single rows read again after an order.

Mixed into :class:`~imtui.tui.screens.subscriptions.SubscriptionsScreen`, whose state it uses (``views``,
``lines``, ``notes``, the tables).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from textual import work

from imtui.core.services.subscription_views import SubscriptionView, sort_views
from imtui.core.snapshot import SnapshotBusyError
from imtui.tui.messages import LoadSettled, OrderPlaced, OrderSettled
from imtui.tui.screens.subscription_rows import CellMaker, ScopeLine, SubscriptionLine, scope_lines

if TYPE_CHECKING:
    from imtui.tui.screens.subscriptions import SubscriptionsScreen

Key = tuple[str, str]
T = TypeVar("T")
FIRST_PAGE = 200  # rows shown while the rest of a big snapshot is being built
ARRIVALS_EVERY = 0.3  # seconds between two looks at what a running load has read


def _without_gc(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` with the cyclic garbage collector paused: building tens of thousands of rows otherwise
    sets off full collections that walk every object the app holds (about half the build's time). Reference
    counting still frees what is dropped; the collector resumes right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return fn(*args)
    finally:
        if enabled:
            gc.enable()


class SubscriptionLoading:
    """Mixed into the subscriptions screen: see the module's docstring."""

    @work(group="subs-open", exclusive=True, exit_on_error=False)
    async def open_snapshot(self: SubscriptionsScreen, *, then_load: bool = True) -> None:
        """The snapshot's rows at once (read and built in a thread; the first screenful before the rest),
        then the background refresh."""
        self._config_seen = self.services.config
        if not self.services.config.accounts:
            self.status_line.update("No account yet: press 1 to add a marketplace account.")
            return
        self.status_line.update("Reading the snapshot…")
        views = await asyncio.to_thread(_without_gc, self.services.subscriptions.rows)
        made: dict[Key, SubscriptionLine] = {}
        if not self.views and len(views) > FIRST_PAGE:
            page = await asyncio.to_thread(self._first_page, views, self.filter_input.value, made)
            self.table.replace_rows(page)
            self.counts.update(f"… of {len(views):,}")
        self._set_rows(*await asyncio.to_thread(_without_gc, self._build_rows, views, made))
        self.opened = True
        self.post_message(LoadSettled())
        if then_load:
            self.start_load()

    def _first_page(self: SubscriptionsScreen, views: list[SubscriptionView], text: str,
                    made: dict[Key, SubscriptionLine]) -> list[SubscriptionLine]:
        """The rows the table shows first, in order, before every row is built (in a worker's thread)."""
        wanted, cell = replace(self.current_filter(), text=text), CellMaker()
        for view in sort_views(views, self.sort_column, reverse=self.reverse):
            if wanted.matches(view):
                made[view.key] = SubscriptionLine(view, self.notes.get(view.key), cell)
                if len(made) == FIRST_PAGE:
                    break
        return list(made.values())

    def _read_rows(self: SubscriptionsScreen) -> tuple[list[SubscriptionView], dict[Key, SubscriptionLine], list[ScopeLine]]:
        return _without_gc(self._build_rows, self.services.subscriptions.rows(), {})

    def _build_rows(self: SubscriptionsScreen, views: list[SubscriptionView], made: dict[Key, SubscriptionLine]
                    ) -> tuple[list[SubscriptionView], dict[Key, SubscriptionLine], list[ScopeLine]]:
        """Every row the screen shows, built in a worker's thread (no widget touched). A subscription that did
        not change keeps its objects (and what the table drew of it); ``made``: lines built already."""
        notes, cell, before, old_lines = self.notes, CellMaker(), self.views, self.lines
        lines = {}
        for i, view in enumerate(views):
            old = before.get(view.key)
            line = old_lines.get(view.key) if old is not None and old.same_as(view) else made.get(view.key)
            if line is not None and line.note == notes.get(view.key):
                views[i] = line.view
            else:
                line = SubscriptionLine(view, notes.get(view.key), cell)
            lines[view.key] = line
        self.table.prepare_rows(lines.values())  # the table's own bookkeeping of each row, off the UI thread
        scope = scope_lines(self.services.subscriptions.customers(views), len(views))
        self.scope_table.prepare_rows(scope)
        return views, lines, scope

    def _set_rows(self: SubscriptionsScreen, views: list[SubscriptionView], lines: dict[Key, SubscriptionLine],
                  scope: list[ScopeLine]) -> None:
        self.views = {v.key: v for v in views}
        self.lines = lines
        self._rows_changed()
        self._fill_sidebar(scope)
        if self.detail_key is not None and self.detail_key in self.views:
            self._draw_detail()
        self._show_status()

    @work(group="subs-load", exclusive=True, exit_on_error=False)
    async def start_load(self: SubscriptionsScreen) -> None:
        subscriptions = self.services.subscriptions
        tracker = self._tracker = subscriptions.tracker()
        self.refreshing = True
        self._note = ""
        timer = self.set_interval(ARRIVALS_EVERY, self._take_arrivals)
        self._show_status()
        try:
            result = await subscriptions.load(tracker)
        except SnapshotBusyError as exc:  # `imtui sync` from a timer, or another imtui, is refreshing
            self._note = f"not refreshed: {exc}"
            return
        except Exception as exc:  # noqa: BLE001 - the snapshot stays on screen; the reason is said, once
            self._note = f"not refreshed: {exc}"
            self.notify(f"The subscriptions could not be refreshed: {exc}", title="Subscriptions",
                        severity="error", timeout=12, markup=False)
            return
        finally:
            timer.stop()
            self.refreshing = False
            self._show_status()
        for name, reason in result.failed.items():
            tracker.failed(name, reason)
        self._take_arrivals()
        self._set_rows(*await asyncio.to_thread(self._read_rows))
        self.refresh_actions()
        if result.failed:
            failed = "; ".join(f"{name}: {reason}" for name, reason in result.failed.items())
            self.notify(f"Not refreshed, showing the snapshot: {failed}", title="Subscriptions", severity="error",
                        timeout=12, markup=False)

    def _take_arrivals(self: SubscriptionsScreen) -> None:
        """Rows the running load has read since last time: new list rows, then details as they come."""
        tracker = self._tracker
        if tracker is not None and tracker.pending:
            views = self.views
            names: dict[Key, str] = {}

            def name_of(key: Key) -> str | None:  # customers this load did not list (rare): the snapshot's name
                if not names:
                    names.update(((v.account, v.customer_id), v.customer_name) for v in views.values())
                return names.get(key)

            fresh = self.services.subscriptions.views(tracker.take(views, name_of), pending={})
            if len(fresh) <= 20 and all(v.key in views for v in fresh):
                for view in fresh:
                    self._replace(view)
            elif fresh:  # many, or new ones: order and filter everything again, once
                added = any(v.key not in views for v in fresh)
                for view in fresh:
                    self._replace(view, swap=False)
                self._rows_changed()
                if added:
                    self._fill_sidebar()
        self._show_status()

    def _replace(self: SubscriptionsScreen, view: SubscriptionView, *, swap: bool = True, fresh: bool = False) -> None:
        """Show ``view`` in place of the subscription's row. ``swap=False``: the caller orders everything again.
        ``fresh``: ``view`` was read with the snapshot's orders (a pending order it lacks has ended)."""
        old = self.views.get(view.key)
        if not fresh and old is not None and old.pending is not None and view.pending is None:
            view.pending = old.pending  # rows read during a load do not know the snapshot's orders
        self.views[view.key] = view
        line = self.lines[view.key] = SubscriptionLine(view, self.notes.get(view.key))
        if old is None or not swap:
            return
        for cache in (self._ordered, self._kept):  # one row: the same place in the order, the new line
            if cache is not None:
                for i, shown in enumerate(cache):
                    if shown.view is old:
                        cache[i] = line
                        break
        self._filter.forget()
        self.table.update_row(line)
        if self.detail_key == view.key:
            self._draw_detail()
        self._schedule_totals()

    async def reread(self: SubscriptionsScreen, view: SubscriptionView) -> None:
        """Read one subscription again from the snapshot (after an order changed it)."""
        details = await asyncio.to_thread(self.services.subscriptions.detail, view.id, view.account)
        if details is not None:
            self._replace(details.view)

    def on_order_placed(self: SubscriptionsScreen, message: OrderPlaced) -> None:
        """An order placed elsewhere in the app (a purchase): its subscription (new, pending) is shown."""
        if message.subscription_id:
            self.show_subscription(message.account, message.subscription_id)

    def on_order_settled(self: SubscriptionsScreen, message: OrderSettled) -> None:
        """A followed order ended: its subscription as it is now (active, or removed)."""
        if message.subscription_id:
            self.show_subscription(message.account, message.subscription_id)

    @work(group="subs-news", exit_on_error=False)
    async def show_subscription(self: SubscriptionsScreen, account: str, subscription_id: str) -> None:
        """One subscription read from the snapshot (where the money path stored it) and shown, added if new."""
        if not self.opened:
            return  # the snapshot is read whole when the screen first opens: it is in there
        details = await asyncio.to_thread(self.services.subscriptions.detail, subscription_id, account)
        if details is None:
            return
        view = details.view
        if view.key in self.views:
            self._replace(view, fresh=True)
            return
        self._replace(view, swap=False, fresh=True)
        self._rows_changed()
        self._fill_sidebar()

    def set_note(self: SubscriptionsScreen, key: Key, note: str | None) -> None:
        """Show an order of this session on its row (``None``: it ended)."""
        if note is None:
            self.notes.pop(key, None)
        else:
            self.notes[key] = note
        view = self.views.get(key)
        if view is not None:
            self._replace(view)
        self.refresh_actions()

    def _show_status(self: SubscriptionsScreen) -> None:
        parts = [self.services.subscriptions.describe_freshness()]
        if self.refreshing and self._tracker is not None:
            parts.append("refreshing " + self._tracker.text())
        if self._note:
            parts.append(self._note)
        self.status_line.update(" · ".join(parts))
