"""Subscriptions (key 3): every subscription of one customer or of all customers of all accounts.

The snapshot is shown at once with its age, then refreshed in the background (``services.subscriptions.load``,
progress per account in the status line, rows as they arrive). Left: all customers, each account, each
customer by client name; right: the fast table. Filter as you type, filters and sort by keys (shown as chips),
the renewals view, a details panel on enter, and the action keys of :mod:`.subscription_actions`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Input, Static

from imtui.core.services.subscription_views import (
    RENEWAL_WINDOWS,
    SubscriptionFilter,
    SubscriptionView,
    describe_totals,
    renewals,
    sort_views,
    statuses,
    totals,
)
from imtui.tui.messages import AccountChosen, ConfigReloaded, ServicesReady
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.exportable import Exportable
from imtui.tui.screens.filter_bar import FilterBar
from imtui.tui.screens.subscription_actions import MONEY_ACTIONS, SubscriptionActions
from imtui.tui.screens.subscription_detail import SubscriptionDetailPanel
from imtui.tui.screens.subscription_loading import SubscriptionLoading
from imtui.tui.screens.subscription_rows import (
    COLUMN_KEYS,
    COLUMNS,
    SIDEBAR_COLUMNS,
    HeadingLine,
    ScopeLine,
    SubscriptionLine,
    columns_for,
    scope_lines,
)
from imtui.tui.widgets.fast_table import FastTable
from imtui.tui.widgets.key_help import KeyHelp
from imtui.tui.widgets.table_rows import NarrowingFilter

if TYPE_CHECKING:
    from imtui.core.formats.exports import ExportTable

Key = tuple[str, str]

HELP_KEYS = (
    "subscriptions.filter", "subscriptions.status", "subscriptions.term", "subscriptions.within",
    "subscriptions.account", "subscriptions.inactive", "subscriptions.clear", "subscriptions.sort",
    "subscriptions.order", "subscriptions.renewals", "subscriptions.customers", "subscriptions.refresh",
    "subscriptions.seats", "subscriptions.auto_renew", "subscriptions.cancel", "subscriptions.buy",
)
SIDEBAR_MIN_WIDTH = 100  # below this the customers pane starts hidden (c shows it)
TERMS = (None, "P1M", "P1Y")
WITHIN = (None, *RENEWAL_WINDOWS)


def _cycle(options, current):
    options = list(options)
    return options[(options.index(current) + 1) % len(options)] if current in options else options[0]


class SubscriptionsScreen(SubscriptionLoading, SubscriptionDetailPanel, SubscriptionActions, FilterBar, AreaScreen,
                          Exportable):
    """The subscription browser; see the module's docstring."""

    export_what = "subscriptions"

    TITLE = "Subscriptions"
    AUTO_FOCUS = "#subs-table"

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", show=False, id="subscriptions.filter", tooltip="Filter as you type"),
        Binding("s", "cycle_status", "Status", show=False, id="subscriptions.status", tooltip="Show one status (cycles)"),
        Binding("t", "cycle_term", "Term", show=False, id="subscriptions.term", tooltip="Monthly or annual terms (cycles)"),
        Binding("w", "cycle_within", "Renewing within", show=False, id="subscriptions.within",
                tooltip="Renewing within 30, 60, 90 days (cycles)"),
        Binding("a", "cycle_account", "Account", show=False, id="subscriptions.account", tooltip="One account (cycles)"),
        Binding("i", "toggle_inactive", "Inactive", show=False, id="subscriptions.inactive",
                tooltip="Show or hide ended subscriptions"),
        Binding("x", "clear_filters", "Clear filters", show=False, id="subscriptions.clear", tooltip="Show everything"),
        Binding("o", "cycle_sort", "Sort", show=False, id="subscriptions.sort", tooltip="Sort by the next column"),
        Binding("O", "flip_order", "Reverse", show=False, id="subscriptions.order", tooltip="Reverse the order"),
        Binding("R", "cycle_renewals", "Renewals", show=False, id="subscriptions.renewals",
                tooltip="Terms ending within 30, 60, 90 days; annual apart from monthly (cycles)"),
        Binding("c", "toggle_customers", "Customers", show=False, id="subscriptions.customers",
                tooltip="Show or hide the customers pane"),
        Binding("r", "refresh", "Refresh", show=False, id="subscriptions.refresh", tooltip="Load from the marketplace now"),
        Binding("e", "edit_seats", "Seats", id="subscriptions.seats", tooltip="Change the number of seats"),
        Binding("ctrl+t", "toggle_auto_renew", "Auto-renew", id="subscriptions.auto_renew", tooltip="Turn auto-renew on or off"),
        Binding("ctrl+d", "cancel_subscription", "Cancel sub", id="subscriptions.cancel", tooltip="Cancel the subscription"),
        Binding("b", "buy", "Buy", show=False, id="subscriptions.buy",
                tooltip="Buy this product for this customer again (a new subscription), with its term and billing"),
        Binding("escape", "back", "Back", show=False, id="subscriptions.back", tooltip="Close the details, leave the filter"),
    ]

    table = getters.query_one("#subs-table", FastTable)
    scope_table = getters.query_one("#subs-scope", FastTable)
    filter_input = getters.query_one("#subs-filter", Input)
    detail = getters.query_one("#subs-detail", VerticalScroll)
    detail_text = getters.query_one("#subs-detail-text", Static)
    chips = getters.query_one("#subs-chips", Static)
    counts = getters.query_one("#subs-count", Static)
    status_line = getters.query_one("#subs-status", Static)
    totals_line = getters.query_one("#subs-totals", Static)

    def __init__(self) -> None:
        super().__init__(classes="subscriptions-screen")
        self.views: dict[Key, SubscriptionView] = {}
        self.lines: dict[Key, SubscriptionLine] = {}
        self.notes: dict[Key, str] = {}  # orders of this session in progress, by subscription
        self.scope: tuple = ()  # () all, (account,), (account, customer id)
        self.status: str | None = None
        self.term: str | None = None
        self.within: int | None = None
        self.show_inactive = True
        self.renewals: int | None = None  # the renewals view's window, or None
        self.sort_column = "client"
        self.reverse = False
        self.detail_key: Key | None = None
        self.refreshing = False
        self.opened = False  # the snapshot's rows are in
        self._sidebar: bool | None = None  # None: by the terminal's width
        self._ordered: list[SubscriptionLine] | None = None
        self._kept: list[SubscriptionLine] | None = None
        self._kept_version = 0
        self._filter: NarrowingFilter[SubscriptionLine] = NarrowingFilter()
        self._tracker = None
        self._config_seen = None
        self._totals_due = False
        self._actions_state: tuple[bool, ...] = ()
        self._note = ""
        self._history: list | None = None  # the open subscription's orders read from the marketplace
        self._history_note = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="subs-bar"):
            yield Input(placeholder="filter: client, product, MPN, id… (/)", id="subs-filter", compact=True)
            yield Static("", id="subs-chips")
            yield Static("", id="subs-count")
        with Horizontal(id="subs-body"):
            yield FastTable(SIDEBAR_COLUMNS, id="subs-scope")
            with Vertical(id="subs-main"):
                yield FastTable(COLUMNS, id="subs-table", zebra_stripes=True)
                with VerticalScroll(id="subs-detail"):
                    yield Static("", id="subs-detail-text")
        yield Static("", id="subs-status", markup=False)
        yield Static("", id="subs-totals", markup=False)
        yield KeyHelp(id="subs-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#subs-help", KeyHelp).show(self.key_help(HELP_KEYS, lead=[("enter", "details"), ("esc", "back")]))
        self._place_sidebar()
        self._show_chips()
        self.status_line.update("Opening…")

    def on_services_ready(self, _: ServicesReady) -> None:
        """The services are open: the snapshot's rows, then the background refresh; the age grows older."""
        self._set_columns()
        self.open_snapshot()
        self.set_interval(30, self._show_status)  # "as of 2 min ago"

    def on_resize(self) -> None:
        self._place_sidebar()

    # ------------------------------------------------------------ what is shown

    def _rows_changed(self) -> None:
        self._ordered = None
        self._filter_changed()

    def _filter_changed(self) -> None:
        self._set_columns()
        self._kept = None
        self._kept_version += 1
        self._filter.forget()
        self.refill()
        self._show_chips()

    def current_filter(self) -> SubscriptionFilter:
        scope = self.scope
        return SubscriptionFilter(
            status=self.status, term=self.term, renewing_within=self.within,
            account=scope[0] if scope else None, customer_id=scope[1] if len(scope) > 1 else None,
            active_only=not self.show_inactive or self.renewals is not None,
        )

    def _visible(self) -> list[SubscriptionLine]:
        if self._ordered is None:
            self._ordered = sort_views(self.lines.values(), self.sort_column, reverse=self.reverse,
                                       view=attrgetter("view"))
        if self._kept is None:
            keep = self.current_filter().keep
            self._kept = [line for line in self._ordered if keep(line.view)]
        kept = self._kept
        return self._filter.apply(self.filter_input.value, self._kept_version, lambda: kept)

    def refill(self) -> None:
        """Show the rows the filters keep (the renewals view: in its two sections)."""
        lines = self._visible()
        if self.renewals is not None:
            due = renewals([line.view for line in lines], self.renewals)
            lines = [
                HeadingLine("§annual", "Annual", f"{len(due.annual):,} commitments", due.within),
                *(self.lines[v.key] for v in due.annual),
                HeadingLine("§monthly", "Monthly", f"{len(due.monthly):,} roll-overs", due.within),
                *(self.lines[v.key] for v in due.monthly),
            ]
        self.table.replace_rows(lines)
        shown = sum(1 for line in lines if line.view is not None)
        self.counts.update(f"{shown:,} of {len(self.views):,}", layout=False)  # fixed size: no layout pass
        self._schedule_totals()

    def _schedule_totals(self) -> None:
        """Sum what is shown after the screen shows the rows (once, however many changes came before)."""
        if not self._totals_due:
            self._totals_due = True
            self.call_after_refresh(self._show_totals)

    def _show_totals(self) -> None:
        self._totals_due = False
        found = totals(line.view for line in self.table.shown_rows if line.view is not None)
        if not found:
            self.totals_line.update("No priced subscription shown.", layout=False)
            return
        # the most that fits on one line: with margins, without, then only what is billed monthly
        monthly = [t for t in found if t.billing == "P1M"]
        candidates = [
            "Active shown: " + " · ".join(describe_totals(found, short=True)),
            "Active shown: " + " · ".join(describe_totals(found, short=True, margins=False)),
            "Billed monthly: " + " · ".join(describe_totals(monthly, short=True, margins=False))
            + (" (yearly: wider terminal)" if len(monthly) < len(found) else ""),
        ]
        width = self.size.width - 2
        self.totals_line.update(next((c for c in candidates if len(c) <= width), candidates[-1]), layout=False)

    def _show_chips(self) -> None:
        chips = []
        scope = self.scope
        if len(scope) == 1:
            chips.append(f"account {scope[0]}")
        elif len(scope) == 2:
            view = next((v for v in self.views.values() if (v.account, v.customer_id) == scope), None)
            chips.append(f"customer {view.client if view else scope[1]}")
        if self.renewals is not None:
            chips.append(f"renewals ≤{self.renewals}d")
        if self.status:
            chips.append(f"status {self.status}")
        if self.term:
            chips.append(f"term {self.term}")
        if self.within is not None:
            chips.append(f"renewing ≤{self.within}d")
        if not self.show_inactive:
            chips.append("active only")
        arrow = "▼" if self.reverse else "▲"
        chips.append(f"sort {self.sort_column} {arrow}")
        self.chips.update(Content(" ").join(Content.styled(f" {c} ", "reverse") for c in chips))

    # ------------------------------------------------------------ the left pane

    def _place_sidebar(self) -> None:
        show = self._sidebar if self._sidebar is not None else self.size.width >= SIDEBAR_MIN_WIDTH
        self.scope_table.display = show

    def _fill_sidebar(self, lines: list[ScopeLine] | None = None) -> None:
        if lines is None:
            views = list(self.views.values())
            lines = scope_lines(self.services.subscriptions.customers(views), len(views))
        self.scope_table.replace_rows(lines)
        key = "\x1f".join(self.scope) if self.scope else "*"
        self.scope_table.move_to(key)

    @on(DataTable.RowHighlighted, "#subs-scope")
    def _scope_moved(self) -> None:
        line = self.scope_table.selected
        if self.scope_table.has_focus and isinstance(line, ScopeLine) and line.scope != self.scope:
            self.set_scope(line.scope)

    def set_scope(self, scope: tuple, *, move: bool = False) -> None:
        """Show every customer ``()``, one account ``(account,)`` or one customer ``(account, customer id)``."""
        self.scope = scope
        if move:
            self.scope_table.move_to("\x1f".join(scope) if scope else "*")
        self._filter_changed()

    def _set_columns(self) -> None:
        accounts = [a.name for a in self.services.config.accounts]
        self.table.set_columns(columns_for(accounts, one_customer=len(self.scope) == 2, renewals=self.renewals is not None))

    @on(DataTable.RowSelected, "#subs-scope")
    def _scope_chosen(self) -> None:
        self.table.focus()

    def action_toggle_customers(self) -> None:
        self._sidebar = not self.scope_table.display
        self._place_sidebar()
        (self.scope_table if self.scope_table.display else self.table).focus()

    def action_cycle_account(self) -> None:
        """Every customer → each account in turn → every customer; from one customer: its account."""
        if len(self.scope) == 2:
            self.set_scope(self.scope[:1], move=True)
            return
        accounts = [a.name for a in self.services.config.accounts]
        nxt = _cycle([None, *accounts], self.scope[0] if self.scope else None)
        self.set_scope((nxt,) if nxt else (), move=True)

    # ------------------------------------------------------------ filters and sort

    def action_cycle_status(self) -> None:
        self.status = _cycle([None, *statuses(self.views.values())], self.status)
        self._filter_changed()

    def action_cycle_term(self) -> None:
        self.term = _cycle(TERMS, self.term)
        self._filter_changed()

    def action_cycle_within(self) -> None:
        self.within = _cycle(WITHIN, self.within)
        self._filter_changed()

    def action_toggle_inactive(self) -> None:
        self.show_inactive = not self.show_inactive
        self._filter_changed()

    def action_cycle_renewals(self) -> None:
        self.renewals = _cycle(WITHIN, self.renewals)
        self._filter_changed()

    def action_clear_filters(self) -> None:
        self.status = self.term = self.within = self.renewals = None
        self.show_inactive = True
        self.filter_input.value = ""
        self.set_scope((), move=True)

    def action_cycle_sort(self) -> None:
        """The next column, in the table's order: the ones on screen first, then those a narrow terminal hides."""
        shown = self.table.shown_columns
        self.sort_by(_cycle([*shown, *(k for k in COLUMN_KEYS if k not in shown)], self.sort_column))

    def action_flip_order(self) -> None:
        self.sort_by(self.sort_column, reverse=not self.reverse)

    @on(DataTable.HeaderSelected, "#subs-table")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        self.sort_by(column, reverse=not self.reverse if column == self.sort_column else False)

    def sort_by(self, column: str, *, reverse: bool = False) -> None:
        self.sort_column, self.reverse = column, reverse
        self._rows_changed()

    # ------------------------------------------------------------ details, back, refresh

    def current_view(self) -> SubscriptionView | None:
        if self.detail_key is not None:
            return self.views.get(self.detail_key)
        line = self.table.selected
        return line.view if isinstance(line, SubscriptionLine) else None

    @on(DataTable.RowSelected, "#subs-table")
    def _row_chosen(self) -> None:
        view = self.current_view()
        if view is not None:
            self.open_detail(view)

    @on(DataTable.RowHighlighted, "#subs-table")
    def _row_moved(self) -> None:
        self.refresh_actions()

    def refresh_actions(self) -> None:
        """Dim or light the action keys for the row under the cursor; the footer is redrawn (a costly
        recompose) only when one of them changes, not on every keystroke that moves the cursor."""
        state = (*(self.why_not(action) is None for action in MONEY_ACTIONS), self.why_not_buy() is None)
        if state != self._actions_state:
            self._actions_state = state
            self.refresh_bindings()

    def action_back(self) -> None:
        if self.filter_input.has_focus:
            self.table.focus()
        elif self.detail_key is not None:
            self.close_detail()
        elif self.scope_table.has_focus:
            self.table.focus()
        elif self.renewals is not None:
            self.renewals = None
            self._filter_changed()

    def action_refresh(self) -> None:
        if not self.refreshing:
            self.start_load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MONEY_ACTIONS:
            return True if self.why_not(action) is None else None
        if action == "buy":
            return True if self.why_not_buy() is None else None
        return True

    def why_disabled(self, action: str) -> str | None:
        """What the app says when a dimmed action key is pressed."""
        if action == "buy":
            return self.why_not_buy()
        return self.why_not(action) if action in MONEY_ACTIONS else None

    # ------------------------------------------------------------ news

    def on_screen_resume(self) -> None:
        # an account or a mapping changed meanwhile: join the rows again (names, read-only flags, prices)
        if self.opened and self._config_seen is not self.services.config:
            self.open_snapshot(then_load=False)

    def on_account_chosen(self, message: AccountChosen) -> None:
        """"Use account X" from the palette: X's subscriptions (every account's again with None)."""
        self.set_scope((message.account,) if message.account else (), move=True)

    def export_table(self) -> ExportTable | None:
        """The subscriptions shown, filtered and ordered as shown, in ``imtui export subscriptions``' columns."""
        from imtui.core.formats.exports import subscription_rows

        shown = [line.view.row for line in self.table.shown_rows if line.view is not None]
        if not shown:
            return None
        return subscription_rows(self.services.config, self.services.prices, shown)

    def on_config_reloaded(self, _: ConfigReloaded) -> None:
        if self.opened:
            self.open_snapshot(then_load=False)
