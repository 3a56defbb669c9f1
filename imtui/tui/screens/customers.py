"""Customers and mappings: every Ingram customer of every account, mapped to the MSP's own clients.

Loading (see ``customer_loads.py``): the first load of an account shows its customers as pages arrive; a
reload (``r``) collects its pages aside and swaps them in when complete, so the table never flashes empty
and a reload that fails keeps the rows it had, marked stale with their age and why. Retries under way are
said in the status line; customers the marketplace sent unreadable are skipped, counted and named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.tui.messages import AccountChosen, ConfigReloaded, LoadSettled, ServicesReady
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.customer_actions import CustomerActions
from imtui.tui.screens.customer_loads import AccountLoad
from imtui.tui.screens.customer_rows import COLUMNS, CustomerKey, CustomerLine, columns_for, fresh_line
from imtui.tui.screens.exportable import Exportable
from imtui.tui.screens.filter_bar import FilterBar
from imtui.tui.widgets.fast_table import FastTable
from imtui.tui.widgets.key_help import KeyHelp
from imtui.tui.widgets.table_rows import NarrowingFilter, filter_rows

if TYPE_CHECKING:  # the core loads off the first paint (the app opens the services in a thread)
    from textual.worker import Worker

    from imtui.core.api import RetryNotice
    from imtui.core.config import AccountConfig, Mapping
    from imtui.core.formats.exports import ExportTable
    from imtui.core.matching import ClientIndex
    from imtui.core.services import CustomerPage, CustomerRow

#: the keys the help line explains, in its order (enter, handled by the table, comes first)
HELP_KEYS = (
    "customers.filter", "customers.next", "customers.unmapped", "customers.clear", "customers.ignore", "customers.undo",
    "customers.auto", "customers.create_clients", "customers.import_csv", "customers.reload", "customers.buy",
)
#: actions that need customers: dimmed until some arrive, and saying why when pressed anyway
NEED_ROWS = {"auto_map", "create_clients", "next_unmapped", "clear", "ignore"}


class CustomersScreen(CustomerActions, FilterBar, AreaScreen, Exportable):
    """The mapping table: filter as you type, triage queue, auto-map, client import, undo."""

    TITLE = "Customers"
    AUTO_FOCUS = "#mapping-table"  # as the screen first shows: cheaper than a focus() in on_mount
    export_what = "customers"

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", show=False, id="customers.filter", tooltip="Filter as you type"),
        Binding("u", "toggle_unmapped", "Unmapped only", show=False, id="customers.unmapped", tooltip="Show only unmapped customers"),
        Binding("n", "next_unmapped", "Next unmapped", show=False, id="customers.next", tooltip="Open the next unmapped customer"),
        Binding("a", "auto_map", "Auto-map", show=False, id="customers.auto", tooltip="Preview mapping of matching names"),
        Binding("x", "clear", "Clear", show=False, id="customers.clear", tooltip="Clear the selected mapping"),
        Binding("i", "ignore", "Ignore", show=False, id="customers.ignore", tooltip="Ignore the selected customer"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="customers.undo", tooltip="Undo the last mapping change"),
        Binding("c", "create_clients", "Create clients", show=False, id="customers.create_clients", tooltip="Create clients from customers"),
        Binding("ctrl+o", "import_csv", "Import CSV", show=False, id="customers.import_csv", tooltip="Import clients from a PSA's CSV"),
        Binding("r", "reload", "Reload", show=False, id="customers.reload", tooltip="Load the customers from the marketplace again"),
        Binding("b", "buy", "Buy", show=False, id="customers.buy",
                tooltip="Buy for the selected customer: the catalog of its account, then the purchase dialog"),
        Binding(
            "A", "all_accounts", "All accounts", show=False, id="customers.all_accounts",
            tooltip="Show the customers of every account again (after Use account… from the palette)",
        ),
    ]

    table = getters.query_one("#mapping-table", FastTable)
    filter_input = getters.query_one("#filter", Input)
    status = getters.query_one("#mapping-status", Static)
    counts = getters.query_one("#mapping-counts", Static)
    scope_chip = getters.query_one("#scope-chip", Static)

    def __init__(self) -> None:
        super().__init__(classes="customers-screen")
        self.rows: list[CustomerRow] = []  # every customer held, in load order
        self.only_unmapped = False
        self.scope: str | None = None  # one account's customers only ("Use account X" from the palette)
        self._loads: dict[str, AccountLoad] = {}  # per account, in config order
        self._configs: dict[str, AccountConfig] = {}  # each account as it was when its rows were loaded
        self._workers: dict[str, Worker] = {}
        self._accounts_version = -1  # services.accounts_changed when the accounts were last looked at
        self._index: ClientIndex | None = None
        self._index_clients: tuple[str, ...] = ()
        self._lines: dict[CustomerKey, CustomerLine] = {}  # every customer's line, one per key
        self._filter: NarrowingFilter[CustomerLine] = NarrowingFilter()
        self._skipped: set[CustomerKey] = set()  # skipped in the current triage queue
        self._reload_notes: dict[str, str] = {}  # r: what each account's reload found ("" while it runs)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="mapping-bar"):
            yield Input(placeholder="filter: type any part of a name, city, client… (/)", id="filter")
            yield Static("", id="scope-chip", markup=False)
            yield Static("", id="mapping-counts")
        yield FastTable(COLUMNS, id="mapping-table", zebra_stripes=True)
        yield Static("", id="mapping-status", markup=False)
        yield KeyHelp(id="mapping-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#mapping-help", KeyHelp).show(self.key_help(HELP_KEYS, lead=[("enter", "map")]))
        self.scope_chip.display = False
        self.status.update("Opening…")

    def on_services_ready(self, _: ServicesReady) -> None:
        # after the first layout: a status line filled before it keeps the height of its first text
        self.call_after_refresh(self._sync_accounts)
        self.set_interval(30, self._show_progress)  # "as of 2 min ago" grows older

    def on_screen_resume(self) -> None:
        filled = self._accounts_version >= 0  # by on_services_ready (deferred to after the first layout)
        if filled and self._accounts_version != self.services.accounts_changed:
            self._sync_accounts()

    def on_config_reloaded(self, _: ConfigReloaded) -> None:
        """Another imtui changed config.toml: show its mappings; load accounts it added, drop those it removed,
        keep every other account's rows (even stale ones) as they are."""
        self._index = None
        self._sync_accounts()

    # ------------------------------------------------------------ accounts

    def _sync_accounts(self) -> None:
        """Follow the accounts as they are now: drop the rows of accounts gone or changed, load new ones
        (and ones never loaded whole), keep the others' rows."""
        services = self.services
        self._accounts_version = services.accounts_changed
        accounts = services.config.accounts
        for name in list(self._loads):
            if services.config.account(name) != self._configs.get(name):
                self._drop_account(name)
        for account in accounts:
            load = self._loads.get(account.name)
            if load is None:
                self._configs[account.name] = account
                self._loads[account.name] = AccountLoad(account.name)
                cached = services.customers.cached(account.name)
                if cached is not None:
                    from imtui.core.services import CustomerRow

                    self._add_rows([CustomerRow(account.name, c) for c in cached])
                    self._loads[account.name].done(
                        services.customers.loaded_at(account.name), services.customers.report(account.name)
                    )
                else:
                    self._start_load(account.name)
            elif load.loaded_at is None and not load.running:
                self._start_load(account.name)  # it never loaded whole: try again
        self._loads = {a.name: self._loads[a.name] for a in accounts}
        if self.scope not in self._loads:
            self.scope = None
        self.table.set_columns(columns_for([a.name for a in accounts]))
        self.refill()
        self._show_progress()
        self.refresh_bindings()

    def _drop_account(self, name: str) -> None:
        worker = self._workers.pop(name, None)
        if worker is not None:
            worker.cancel()
        self._loads.pop(name, None)
        self._configs.pop(name, None)
        self._reload_notes.pop(name, None)
        self.rows = [r for r in self.rows if r.account != name]
        for key in [k for k in self._lines if k[0] == name]:
            del self._lines[key]
        self._filter.forget()

    def _rows_of(self, name: str) -> int:
        return sum(1 for r in self.rows if r.account == name)

    # ------------------------------------------------------------ loading

    def _start_load(self, name: str) -> None:
        old = self._workers.pop(name, None)
        if old is not None:
            old.cancel()
        generation = self._loads[name].start()
        self._workers[name] = self.load_account(name, generation)

    @work(group="load-customers", exit_on_error=False)
    async def load_account(self, name: str, generation: int) -> None:
        load = self._loads[name]
        live = lambda: self._loads.get(name) is load and load.generation == generation  # noqa: E731
        # the first load shows customers as they arrive; a reload swaps them in when every page is there
        fresh = not any(r.account == name for r in self.rows)
        arrived: list[CustomerRow] = []

        def retrying(notice: RetryNotice) -> None:
            if live():
                load.retry = notice.brief
                self._show_progress()

        try:
            from imtui.core.api import retry_listener

            with retry_listener(retrying):
                async for page in self.services.customers.pages(name):
                    if not live():
                        return
                    self._page_arrived(page, arrived if not fresh else None)
        except (ApiError, ServiceError) as exc:
            if live():
                self._load_failed(name, load, exc)
            return
        finally:
            if live():
                load.running = False
                if not any(other.running for other in self._loads.values()):
                    self.post_message(LoadSettled())
        if live():
            self._load_done(name, load, None if fresh else arrived)

    def _page_arrived(self, page: CustomerPage, aside: list[CustomerRow] | None) -> None:
        from imtui.core.services import CustomerRow

        rows = [CustomerRow(page.account, c) for c in page.customers]
        load = self._loads[page.account]
        load.page(page.loaded, page.total)
        if aside is not None:
            aside.extend(rows)
        else:
            had_rows = bool(self.rows)
            self._add_rows(rows)
            if not had_rows:
                self.refresh_bindings()  # the first customers: mapping actions apply now
        self._show_progress()

    def _load_done(self, name: str, load: AccountLoad, replacement: list[CustomerRow] | None) -> None:
        customers = self.services.customers
        before = {r.key for r in self.rows if r.account == name}
        if replacement is not None:
            self._replace_account_rows(name, replacement)
        report = customers.report(name)
        load.done(customers.loaded_at(name), report)
        self._show_progress()
        self.refresh_bindings()
        if report is not None and not report.ok:
            self.notify(
                f"{name}: {report.summary()}. The other {self._rows_of(name):,} customers are shown.",
                title="Customers", severity="warning", timeout=15, markup=False,
            )
        self._said_reloaded(name, before if replacement is not None else None)

    def _said_reloaded(self, name: str, before: set[CustomerKey] | None) -> None:
        """Note what the reload the user asked for (r) found for one account; say it all once every account
        has answered: "Customers reloaded: us-demo 48 (2 new), uk-demo 48; none new or gone elsewhere"."""
        if name not in self._reload_notes:
            return  # a load nobody asked to hear about (the first, or after an account changed)
        after = {r.key for r in self.rows if r.account == name}
        if before is None:
            note = f"{name} failed ({len(after):,} kept)" if self._loads[name].failure else f"{name} {len(after):,}"
        else:
            new, gone = len(after - before), len(before - after)
            change = ", ".join(part for part in (f"{new} new" if new else "", f"{gone} gone" if gone else "") if part)
            note = f"{name} {len(after):,}" + (f" ({change})" if change else "")
        self._reload_notes[name] = note
        if all(self._reload_notes.values()):
            notes = list(self._reload_notes.values())
            quiet = not any("(" in n for n in notes)
            self._reload_notes = {}
            text = "Customers reloaded: " + ", ".join(notes) + (" (none new, none gone)." if quiet else ".")
            self.notify(text, title="Customers", markup=False)

    def _load_failed(self, name: str, load: AccountLoad, exc: ApiError | ServiceError) -> None:
        load.failed(exc)
        self._show_progress()
        self.refresh_bindings()
        shown = self._rows_of(name)
        if load.stale:
            heading = f"Customers of {name} could not be reloaded ({shown:,} kept)"
        elif shown:
            heading = f"Customers of {name} could not all be loaded ({shown:,} shown)"
        else:
            heading = f"Customers of {name} could not be loaded"
        self.imtui.show_error(heading, exc)
        self._said_reloaded(name, None)

    def _show_progress(self) -> None:
        if not self._loads:
            self.status.update("No account yet: press F1 to add a marketplace account.")
            return
        now = self.services.now()
        shown: dict[str, int] = dict.fromkeys(self._loads, 0)
        for row in self.rows:
            shown[row.account] = shown.get(row.account, 0) + 1
        mappings = self._mappings
        mapped = sum(1 for r in self.rows if r.key in mappings)
        self.status.update(
            " · ".join(load.words(shown[name], now) for name, load in self._loads.items())
            + f"   |   {len(self.rows):,} customers, {len(self.rows) - mapped:,} unmapped"
        )
        self._update_counts()

    def action_reload(self) -> None:
        if not self._loads:
            self.notify("No account yet: press F1 and add a marketplace account first.", title="Customers")
            return
        self._reload_notes = dict.fromkeys(self._loads, "")
        for name in self._loads:
            self._start_load(name)
        self._show_progress()

    # ------------------------------------------------------------ rows

    def _mapping(self, row: CustomerRow) -> Mapping | None:
        return self._mappings.get(row.key)

    def _keep(self) -> Callable[[CustomerLine], bool] | None:
        scope, only_unmapped = self.scope, self.only_unmapped
        if scope is None and not only_unmapped:
            return None
        return lambda line: (scope is None or line.customer.account == scope) and (
            not only_unmapped or line.mapping is None
        )

    @property
    def _mappings(self) -> dict[CustomerKey, Mapping]:
        """The mappings by customer (the config keeps one index, rebuilt when its mapping list changes)."""
        return self.services.config.mapping_index()

    def _visible(self) -> list[CustomerLine]:
        """The lines the filter keeps, in load order (typing on narrows the last result)."""
        mappings = self._mappings
        lines = self._lines
        return self._filter.apply(
            self.filter_input.value,
            (self.only_unmapped, self.scope, len(self.rows), mappings),
            lambda: [fresh_line(lines, row, mappings) for row in self.rows],
            self._keep(),
        )

    def _add_rows(self, rows: list[CustomerRow]) -> None:
        mappings = self._mappings
        fresh = []
        for row in rows:  # a customer listed twice (pages shifting while loading) is shown once
            if row.key not in self._lines:
                fresh.append(fresh_line(self._lines, row, mappings))
                self.rows.append(row)
        self.table.append_rows(filter_rows(fresh, self.filter_input.value, self._keep()))
        self._update_counts()

    def _replace_account_rows(self, name: str, rows: list[CustomerRow]) -> None:
        """An account's rows as a reload found them, where its old rows were; the table is redrawn in one
        go (the cursor stays on its customer if it is still there), never empty in between."""
        fresh: dict[CustomerKey, CustomerRow] = {}
        for row in rows:
            fresh.setdefault(row.key, row)
        merged: list[CustomerRow] = []
        placed = False
        for row in self.rows:
            if row.account != name:
                merged.append(row)
            elif not placed:
                merged.extend(fresh.values())
                placed = True
        if not placed:
            merged.extend(fresh.values())
        for key in [k for k in self._lines if k[0] == name]:
            del self._lines[key]  # a customer renamed upstream gets a new line
        self.rows = merged
        self._filter.forget()
        self.refill()

    def refill(self) -> None:
        """Show the rows the filter keeps; the table is rebuilt only if what it shows changed."""
        self.table.replace_rows(self._visible())
        self._update_counts()

    def _update_counts(self) -> None:
        text = f"{self.table.row_count:,} of {len(self.rows):,}" + (" · unmapped only" if self.only_unmapped else "")
        self.counts.update(text)
        self.scope_chip.display = self.scope is not None
        if self.scope is not None:
            self.scope_chip.update(f"only {self.scope} · A: all")

    def export_table(self) -> ExportTable:
        """The customers shown (as filtered), for the app's export key (ctrl+e)."""
        shown = [line.customer for line in self.table.shown_rows if isinstance(line, CustomerLine)]
        from imtui.core.formats.exports import loaded_customer_rows

        return loaded_customer_rows(self.services.config, ((row.account, row.customer) for row in shown))

    def selected(self) -> CustomerRow | None:
        line = self.table.selected
        return line.customer if isinstance(line, CustomerLine) else None

    def _refresh_row(self, row: CustomerRow) -> None:
        self.table.update_row(fresh_line(self._lines, row, self._mappings))

    @on(DataTable.RowSelected, "#mapping-table")
    def row_chosen(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_mapping(row)

    # ------------------------------------------------------------ filter and scope

    def action_toggle_unmapped(self) -> None:
        self.only_unmapped = not self.only_unmapped
        self.refill()

    def key_escape(self) -> None:
        if self.filter_input.has_focus:
            self.table.focus()

    def on_account_chosen(self, message: AccountChosen) -> None:
        """"Use account X" from the palette: only X's customers, until A (or "Use every account")."""
        self.scope = message.account if message.account in self._loads else None
        self.refill()
        self.refresh_bindings()

    def action_all_accounts(self) -> None:
        self.scope = None
        self.refill()
        self.refresh_bindings()

    # ------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim what cannot apply before any customer has arrived (undo stays: it says when there is nothing)."""
        if action in NEED_ROWS:
            return True if self.rows else None
        if action == "all_accounts":
            return True if self.scope is not None else None
        if action == "buy":
            return True if self.why_not_buy() is None else None
        return True

    def why_disabled(self, action: str) -> str | None:
        """Why a dimmed key does nothing now (said when it is pressed anyway)."""
        if action == "all_accounts":
            return "Every account's customers are shown already (Use account… in the palette shows one)."
        if action == "buy":
            return self.why_not_buy()
        if action not in NEED_ROWS or self.rows:
            return None
        if not self._loads:
            return "No account yet: press F1 and add a marketplace account first."
        if any(load.running for load in self._loads.values()):
            return "The customers are still loading; this key works once they arrive."
        return "No customers are loaded: press r to load them again."

    def area_commands(self):
        """Palette commands of this screen (see ``ImtuiApp.get_system_commands``)."""
        if self.scope is not None:
            yield ("Use every account", f"Show the customers of every account, not only {self.scope} (key A)",
                   self.action_all_accounts)
