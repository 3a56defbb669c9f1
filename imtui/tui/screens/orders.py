"""Orders: every order of one customer or of all, from the snapshot; unfinished ones followed live.

Rows come from ``services.orders_view`` (the snapshot), refreshed by ``services.sync.run``. While the screen
is shown, the unfinished orders in view are asked about through the services with a backoff (``poll_first``
seconds doubling to ``poll_most``), and the polling stops when it is hidden. Withdrawing goes through the
money path (``services.orders.plan_withdraw`` → confirmation → ``services.orders.place``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.core.order_status import ORDER_STATUSES, ORDER_TYPES, UNFINISHED
from imtui.core.services.order_reads import CustomerChoice, OrderFilter, OrderView, describe
from imtui.core.snapshot import SnapshotBusyError, SnapshotError, SyncState
from imtui.tui.dialogs import explain
from imtui.tui.dialogs.pick import PickDialog
from imtui.tui.messages import AccountChosen, ConfigReloaded, OrderPlaced, OrderSettled, ServicesReady, Synced
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.exportable import Exportable
from imtui.tui.screens.filter_bar import FilterBar
from imtui.tui.screens.order_rows import ORDER_COLUMNS, OrderLine, order_key
from imtui.tui.screens.orders_live import LivePolling
from imtui.tui.screens.withdraw import confirm_and_withdraw
from imtui.tui.widgets.fast_table import FastTable
from imtui.tui.widgets.key_help import KeyHelp
from imtui.tui.widgets.table_rows import NarrowingFilter, with_account_width

if TYPE_CHECKING:
    from imtui.core.formats.exports import ExportTable

HELP_KEYS = (
    "orders.filter", "orders.status", "orders.type", "orders.customer", "orders.buy", "orders.withdraw",
    "orders.refresh",
)
STATUS_CYCLE = (None, UNFINISHED, *ORDER_STATUSES)
TYPE_CYCLE = (None, *ORDER_TYPES)


def _next(cycle: tuple[str | None, ...], now: str | None) -> str | None:
    return cycle[(cycle.index(now) + 1) % len(cycle)] if now in cycle else cycle[1]


class OrdersScreen(LivePolling, FilterBar, AreaScreen, Exportable):
    """The orders table, its filters, the detail of one order, live progress and withdrawal."""

    TITLE = "Orders"

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", show=False, id="orders.filter", tooltip="Filter as you type"),
        Binding("s", "cycle_status", "Status", show=False, id="orders.status",
                tooltip="Show one status: unfinished, submitted, processing, completed, error, cancelled, all"),
        Binding("t", "cycle_type", "Type", show=False, id="orders.type",
                tooltip="Show one type: sales, change, cancellation, renewal, transfer, all"),
        Binding("c", "pick_customer", "Customer", show=False, id="orders.customer",
                tooltip="Show one customer's orders, or every customer's"),
        Binding("b", "buy", "Buy", show=False, id="orders.buy",
                tooltip="The catalog: choose a product, then buy it (for the customer shown, or one you pick)"),
        Binding("w", "withdraw", "Withdraw", show=False, id="orders.withdraw",
                tooltip="Withdraw the selected order (only one that has not finished), after a confirmation"),
        Binding("r", "refresh", "Refresh", show=False, id="orders.refresh",
                tooltip="Refresh the orders of every account from the marketplace"),
        Binding("A", "all_accounts", "All accounts", show=False, id="orders.all_accounts",
                tooltip="Show every account's orders again (after Use account… in the palette)"),
    ]
    export_what = "orders"

    table = getters.query_one("#orders-table", FastTable)
    filter_input = getters.query_one("#orders-filter", Input)
    counts = getters.query_one("#orders-counts", Static)
    status = getters.query_one("#orders-status", Static)
    detail = getters.query_one("#order-detail", VerticalScroll)
    detail_text = getters.query_one("#order-detail-text", Static)

    def __init__(self) -> None:
        super().__init__(classes="orders-screen")
        self.views: list[OrderView] = []  # the orders of the scope (one customer or all), as last read
        self.lines: list[OrderLine] = []  # their rows, in the same order
        self.scope: CustomerChoice | None = None  # one customer's orders
        self.account_scope: str | None = None  # one account's orders ("Use account X" in the palette)
        self.status_filter: str | None = None
        self.type_filter: str | None = None
        self.shown_key: str | None = None  # the order in the detail pane
        self._lines: dict[str, OrderLine] = {}
        self._filter: NarrowingFilter[OrderLine] = NarrowingFilter()
        self._version = 0  # bumped when the rows are read again
        self._start_live()
        self._refreshing = False
        self._withdrawing = False
        self._entries: dict[tuple[str, str], list] = {}  # the journal's entries about the order in the pane
        self._detail_note = ""
        self._sync_state: dict[str, SyncState] = {}  # when each account was last refreshed

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="orders-bar"):
            yield Input(placeholder="filter: order, PO, client, product, status… (/)", id="orders-filter")
            yield Static("", id="orders-counts")
        yield FastTable(ORDER_COLUMNS, id="orders-table", zebra_stripes=True)
        with VerticalScroll(id="order-detail"):
            yield Static("", id="order-detail-text", markup=False)
        yield Static("", id="orders-status", markup=False)
        yield KeyHelp(id="orders-help")
        yield Footer(compact=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed in a way it did not expect: said once, in a dialog, instead of vanishing."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.imtui.show_error("The orders screen met an unexpected error", event.worker.error)

    def on_mount(self) -> None:
        self.query_one("#orders-help", KeyHelp).show(
            self.key_help(HELP_KEYS, lead=[("enter", "detail"), ("esc", "close")])
        )
        self.detail.display = False
        self.table.focus()
        self.status.update("Opening…")

    def on_services_ready(self, _: ServicesReady) -> None:
        self.table.set_columns(with_account_width(ORDER_COLUMNS, [a.name for a in self.services.config.accounts]))
        self.load_rows(refresh_new=True)

    # ------------------------------------------------------------ rows

    @work(exclusive=True, group="orders-load", exit_on_error=False)
    async def load_rows(self, refresh_new: bool = False) -> None:
        """Read the rows of the scope from the snapshot; with ``refresh_new``, first refresh the accounts
        the snapshot holds nothing of (a first start)."""
        await self._read_rows()
        self._ensure_polling()
        if refresh_new:
            never = [a.name for a in self.services.config.accounts if a.name not in self._sync_state]
            if never:
                await self._refresh(never, first=True)

    async def _read_rows(self) -> None:
        scope = self.scope
        account = self.account_scope
        where = OrderFilter(account=scope.account, customer_id=scope.id) if scope else OrderFilter(account=account)
        try:
            views, lines = await asyncio.to_thread(self._read, where)
            self._sync_state = await asyncio.to_thread(self.services.snapshot.sync_state)
        except SnapshotError as exc:
            self.status.update(f"The snapshot cannot be read: {exc}")
            return
        if scope is not self.scope or account != self.account_scope:
            return  # another customer or account was chosen meanwhile: its read follows
        self.views, self.lines = views, lines
        self._version += 1
        self.refill()
        self._show_status()
        if self.shown_key is not None and (view := self._view(self.shown_key)) is not None:
            self._show_detail(view, self._detail_note)

    def _read(self, where: OrderFilter | None) -> tuple[list[OrderView], list[OrderLine]]:
        """The orders and their table rows (in a thread: tens of thousands of rows are built off the UI loop);
        an order that did not change keeps its row, so the table redraws only what changed."""
        views = self.services.orders_view.rows(where)
        known = self._lines
        lines = []
        for view in views:
            line = known.get(order_key(view.account, view.id))
            lines.append(line if line is not None and line.view == view else OrderLine(view))
        self._lines = {line.key: line for line in lines}
        return views, lines

    def _view(self, key: str) -> OrderView | None:
        line = self._lines.get(key)
        return line.view if line is not None else None

    def _line(self, view: OrderView) -> OrderLine:
        key = order_key(view.account, view.id)
        line = self._lines.get(key)
        if line is None or line.view != view:
            line = self._lines[key] = OrderLine(view)
        return line

    def _visible(self) -> list[OrderLine]:
        where = OrderFilter(status=self.status_filter, type=self.type_filter)
        keep = None if where == OrderFilter() else (lambda line: where.matches(line.view))
        return self._filter.apply(
            self.filter_input.value, (self._version, self.status_filter, self.type_filter), lambda: self.lines, keep
        )

    def refill(self) -> None:
        """Show the rows the filters keep (on each keystroke: nothing else is read)."""
        self.table.replace_rows(self._visible())
        self._update_counts()
        self.refresh_bindings()

    def _update_counts(self) -> None:
        parts = [f"{self.table.row_count:,} of {len(self.views):,}"]
        if self.status_filter:
            parts.append(f"status {self.status_filter}")
        if self.type_filter:
            parts.append(f"type {self.type_filter}")
        if self.scope:
            parts.append(self.scope.label.split("  ")[0])
        else:
            parts.append(f"account {self.account_scope} (A: all)" if self.account_scope else "all customers")
        self.counts.update(" · ".join(parts))

    def _show_status(self) -> None:
        if self._refreshing:
            text = "Refreshing orders from the marketplace…"
        elif not self.services.config.accounts:
            text = "No account yet: press 1 to add a marketplace account."
        else:
            ages = []
            now = self.services.now()
            for name, state in self._sync_state.items():
                if state.last_sync_at is not None:
                    minutes = max(0, int((now - state.last_sync_at).total_seconds() // 60))
                    ages.append(f"{name} {minutes} min ago" if minutes < 120 else f"{name} {minutes // 60} h ago")
            text = ("snapshot: " + ", ".join(ages)) if ages else "Nothing loaded yet: r refreshes from the marketplace."
        self.status.update(" · ".join(p for p in (text, self.live_note) if p))

    # ------------------------------------------------------------ filters

    def action_cycle_status(self) -> None:
        self.status_filter = _next(STATUS_CYCLE, self.status_filter)
        self.refill()

    def action_cycle_type(self) -> None:
        self.type_filter = _next(TYPE_CYCLE, self.type_filter)
        self.refill()

    @work(exclusive=True, group="orders-pick", exit_on_error=False)
    async def action_pick_customer(self) -> None:
        customers = await asyncio.to_thread(self.services.orders_view.customers)
        by_value = {f"{c.account}\x1f{c.id}": c for c in customers}
        current = f"{self.scope.account}\x1f{self.scope.id}" if self.scope else ""
        dialog = PickDialog(
            "Orders of which customer?", [(value, c.label) for value, c in by_value.items()], current=current,
            any_label="every customer", note="Clients first (Ingram name and account beside), then unmapped customers.",
        )
        chosen = await self.app.push_screen_wait(dialog)
        if chosen is None:
            return
        self.scope = by_value.get(chosen)
        self._filter.forget()
        self._close_detail()
        await self._read_rows()
        self._ensure_polling()

    def key_escape(self) -> None:
        if self.filter_input.has_focus:
            self.table.focus()
        elif self.detail.display:
            self._close_detail()

    # ------------------------------------------------------------ detail

    @on(DataTable.RowSelected, "#orders-table")
    def _row_chosen(self) -> None:
        line = self.table.selected
        if isinstance(line, OrderLine):
            self.open_detail(line.view)

    @on(DataTable.RowHighlighted, "#orders-table")
    def _row_moved(self) -> None:
        self.refresh_bindings()  # withdraw applies to some orders only

    def _show_detail(self, view: OrderView, note: str = "") -> None:
        self._detail_note = note
        entries = self._entries.get(view.key, [])
        self.detail_text.update("\n".join(describe(view, entries, lines_note=note)))
        self.detail.border_title = f"Order {view.number or view.id}"

    def _close_detail(self) -> None:
        self.shown_key = None
        self.detail.display = False
        self.workers.cancel_group(self, "order-detail")

    @work(exclusive=True, group="order-detail", exit_on_error=False)
    async def open_detail(self, view: OrderView) -> None:
        """Show the order at once; read its lines (and news) from the marketplace when the snapshot lacks
        them or it is still in progress; its journal entries from the journal."""
        key = order_key(view.account, view.id)
        self.shown_key = key
        self.detail.display = True
        self._show_detail(view, "" if view.details_loaded else "Reading the lines from the marketplace…")
        entries = await asyncio.to_thread(self.services.orders_view.journal_entries, view)
        self._entries = {view.key: entries}
        note = ""
        if not view.details_loaded or not view.finished:
            try:
                view = await self.services.orders_view.detail(view.account, view.id)
            except (ApiError, ServiceError, SnapshotError) as exc:
                words, correlation_id = explain(exc)
                note = f"The lines could not be read: {words.splitlines()[0]}" + (
                    f" (correlation id {correlation_id})" if correlation_id else "") if not view.details_loaded else ""
        if self.shown_key != key:
            return  # another order was opened meanwhile
        self._show_detail(view, note)
        if order_key(view.account, view.id) in self._lines:
            line = self._line(view)
            self.views = [view if v.key == view.key else v for v in self.views]
            self.lines = [line if old.key == line.key else old for old in self.lines]
            self._version += 1  # the filter's last result holds the old row
            self.table.update_row(line)
            self.refresh_bindings()

    # ------------------------------------------------------------ news from elsewhere

    def on_order_placed(self, message: OrderPlaced) -> None:
        """An order placed elsewhere in the app: read it, so it is listed (and followed) here."""
        self.read_placed(message.account, message.order_id)

    def on_order_settled(self, message: OrderSettled) -> None:
        """An order the app followed ended: read it again, so its row says how."""
        self.read_placed(message.account, message.order_id)

    def action_buy(self) -> None:
        """``b``: the catalog (of the customer shown, else of the account in use), then the purchase dialog."""
        if not self.services_ready:  # the services open after the first paint: say so, not nothing
            self.notify("Opening… press b again in a moment.", title="Buy", markup=False)
            return
        self.open_purchase()

    @work(group="orders-buy", exclusive=True, exit_on_error=False)
    async def open_purchase(self) -> None:
        from imtui.tui.screens.purchase import buy

        await buy(self, account=self.scope.account if self.scope else self.account_scope, customer=self.scope)

    @work(group="orders-placed", exit_on_error=False)
    async def read_placed(self, account: str, order_id: str) -> None:
        try:
            await self.services.orders_view.detail(account, order_id)
        except (ApiError, ServiceError, SnapshotError):
            return  # the next refresh lists it
        self._backoff.reset()
        await self._read_rows()
        self._ensure_polling()

    def on_config_reloaded(self, _: ConfigReloaded) -> None:
        self.table.set_columns(with_account_width(ORDER_COLUMNS, [a.name for a in self.services.config.accounts]))
        self.load_rows()

    # ------------------------------------------------------------ refresh

    def action_refresh(self) -> None:
        if self._refreshing:
            self.notify("The orders are being refreshed already.", title="Orders")
            return
        self.refresh_all()

    @work(group="orders-refresh", exit_on_error=False)
    async def refresh_all(self) -> None:
        await self._refresh(None)

    async def _refresh(self, accounts: list[str] | None, *, first: bool = False) -> None:
        """Sync ``accounts`` (all with None). ``first``: the snapshot held nothing of them (there is no
        "what changed" to show), so only failures are said and the screens told."""
        self._refreshing = True
        self._show_status()
        try:
            result = await self.services.sync.run(accounts)
        except SnapshotBusyError as exc:
            self.notify(f"Not refreshed: {exc}", title="Orders", severity="warning", markup=False)
            return
        except (ApiError, ServiceError) as exc:
            self.imtui.show_error("The orders could not be refreshed", exc)
            return
        finally:
            self._refreshing = False
            self._show_status()
        if not first:
            self.imtui.sync_finished(result)  # failures said, what changed shown, every screen told (Synced)
            return
        for name, reason in result.failed.items():
            self.imtui.show_error(f"{name} was not synced", reason)
        self.imtui.broadcast(Synced(sorted(result.refreshed)))

    def on_synced(self, _: Synced) -> None:
        """A sync (here, the app's, another screen's) wrote the snapshot: read it again."""
        self._backoff.reset()
        self.load_rows()

    def on_account_chosen(self, message: AccountChosen) -> None:
        """"Use account X" from the palette: only X's orders, until A (or "Use every account")."""
        self.account_scope = message.account
        self.scope = None if message.account and self.scope and self.scope.account != message.account else self.scope
        self.load_rows()
        self.refresh_bindings()

    def action_all_accounts(self) -> None:
        self.account_scope = None
        self.load_rows()
        self.refresh_bindings()

    def export_table(self) -> ExportTable | None:
        """The orders shown (ctrl+e), as ``imtui export orders`` writes them."""
        shown = [line.view for line in self.table.shown_rows if isinstance(line, OrderLine)]
        return self.services.orders_view.export_table(shown) if shown else None

    # ------------------------------------------------------------ withdraw

    def _selected_view(self) -> OrderView | None:
        line = self.table.selected
        return line.view if isinstance(line, OrderLine) else None

    def why_disabled(self, action: str) -> str | None:
        if action == "all_accounts":
            return "Every account's orders are shown already (Use account… in the palette shows one)."
        if action != "withdraw":
            return None
        view = self._selected_view()
        account = self.services.config.account(view.account) if view else None
        if view is None:
            return "No order is selected."
        if self._withdrawing:
            return "A withdrawal is under way; wait for it to end."
        if not view.withdrawable:
            return f"Order {view.number or view.id} is {view.status}: only an order that has not finished can be withdrawn."
        if account is None:
            return f"The account {view.account} is no longer configured."
        return f"{account.name} is read-only: nothing is placed or withdrawn from it." if account.read_only else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Withdraw is dimmed on a finished order and on a read-only account (``why_disabled`` says why)."""
        if action == "all_accounts":
            return True if self.account_scope else None
        if action == "withdraw":
            view = self._selected_view()
            account = self.services.config.account(view.account) if view else None
            can = view is not None and view.withdrawable and account and not account.read_only
            return True if can and not self._withdrawing else None
        return True

    def action_withdraw(self) -> None:
        view = self._selected_view()
        if view is not None and view.withdrawable and not self._withdrawing:
            self._withdrawing = True  # one at a time, never cancelled half-way (a worker is not exclusive here)
            self.refresh_bindings()
            self.withdraw(view)

    @work(group="orders-withdraw", exit_on_error=False)
    async def withdraw(self, view: OrderView) -> None:
        try:
            await self._withdraw(view)
        finally:
            self._withdrawing = False
            self.refresh_bindings()

    async def _withdraw(self, view: OrderView) -> None:
        """Through the money path (``confirm_and_withdraw``); then the order is read again."""
        if await confirm_and_withdraw(self, view) is None:
            return
        try:
            await self.services.orders_view.detail(view.account, view.id)
        except (ApiError, ServiceError, SnapshotError):
            pass  # the next poll or refresh says how it ended
        await self._read_rows()
