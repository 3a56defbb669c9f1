"""Customers and mappings: every Ingram customer of every account, mapped to the MSP's own clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Input, Static

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.tui.messages import ConfigReloaded, LoadSettled, ServicesReady
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.customer_rows import (
    COLUMNS,
    CustomerKey,
    CustomerLine,
    columns_for,
    fresh_line,
    next_to_triage,
)
from imtui.tui.widgets.fast_table import FastTable
from imtui.tui.widgets.key_help import KeyHelp
from imtui.tui.widgets.table_rows import NarrowingFilter, filter_rows

if TYPE_CHECKING:
    from imtui.core.config import Mapping
    from imtui.tui.dialogs import ClientImportChoice, MappingChoice
    from imtui.core.matching import ClientIndex
    from imtui.core.services import CustomerPage, CustomerRow

#: the keys the help line explains, in its order (enter, handled by the table, comes first)
HELP_KEYS = (
    "customers.filter", "customers.next", "customers.unmapped", "customers.clear", "customers.ignore", "customers.undo",
    "customers.auto", "customers.create_clients", "customers.import_csv", "customers.reload",
)


class CustomersScreen(AreaScreen):
    """The mapping table: filter as you type, triage queue, auto-map, client import, undo."""

    TITLE = "Customers"
    AUTO_FOCUS = "#mapping-table"  # as the screen first shows: cheaper than a focus() in on_mount

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
    ]

    table = getters.query_one("#mapping-table", FastTable)
    filter_input = getters.query_one("#filter", Input)
    status = getters.query_one("#mapping-status", Static)
    counts = getters.query_one("#mapping-counts", Static)

    def __init__(self) -> None:
        super().__init__(classes="customers-screen")
        self.rows: list[CustomerRow] = []  # every customer loaded, in load order
        self.only_unmapped = False
        self._progress: dict[str, str] = {}
        self._accounts_version = -1  # services.accounts_changed when the rows were built (-1: not yet)
        self._index: ClientIndex | None = None
        self._index_clients: tuple[str, ...] = ()
        self._lines: dict[CustomerKey, CustomerLine] = {}  # every customer's line, one per key
        self._filter: NarrowingFilter[CustomerLine] = NarrowingFilter()
        self._skipped: set[CustomerKey] = set()  # skipped in the current triage queue
        self._loading: set[str] = set()  # accounts whose customers are still arriving

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="mapping-bar"):
            yield Input(placeholder="filter: type any part of a name, city, client… (/)", id="filter")
            yield Static("", id="mapping-counts")
        yield FastTable(COLUMNS, id="mapping-table", zebra_stripes=True)
        yield Static("", id="mapping-status", markup=False)
        yield KeyHelp(id="mapping-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#mapping-help", KeyHelp).show(self.key_help(HELP_KEYS, lead=[("enter", "map")]))
        self.status.update("Opening…")

    def on_services_ready(self, _: ServicesReady) -> None:
        self._fill_from_accounts()

    def on_screen_resume(self) -> None:
        # an account added, renamed or deleted meanwhile: rows of the old list would map customers of
        # accounts that no longer exist, so start from the accounts as they are now
        filled = self._accounts_version >= 0  # by on_services_ready
        if filled and self._accounts_version != self.services.accounts_changed:
            self._clear_rows()
            self._fill_from_accounts()

    def on_config_reloaded(self, _: ConfigReloaded) -> None:
        """Another imtui changed config.toml: show its mappings; start again if its accounts differ."""
        self._index = None
        if set(self._progress) != {a.name for a in self.services.config.accounts}:
            self._clear_rows()
            self._fill_from_accounts()
        else:
            self.refill()
            self._show_progress()

    def _fill_from_accounts(self) -> None:
        from imtui.core.services import CustomerRow

        services = self.services
        self._accounts_version = services.accounts_changed
        self._progress = {}
        self.table.set_columns(columns_for([a.name for a in services.config.accounts]))
        if not services.config.accounts:
            self.status.update("No account yet: press 1 to add a marketplace account.")
            return
        for account in services.config.accounts:
            cached = services.customers.cached(account.name)
            if cached is not None:
                self._add_rows([CustomerRow(account.name, c) for c in cached])
                self._progress[account.name] = f"{account.name}: {len(cached):,}"
            else:
                self._progress[account.name] = f"{account.name}: loading…"
                self._loading.add(account.name)
                self.load_account(account.name)
        self._show_progress()

    # ------------------------------------------------------------ loading

    @work(group="load-customers", exit_on_error=False)
    async def load_account(self, name: str) -> None:
        try:
            async for page in self.services.customers.pages(name):
                self._page_arrived(page)
        except (ApiError, ServiceError) as exc:
            self._progress[name] = f"{name}: failed, r to retry"
            self._show_progress()
            self.imtui.show_error(f"Customers of {name} could not be loaded", exc)
        finally:
            self._loading.discard(name)
            if not self._loading:
                self.post_message(LoadSettled())

    def _page_arrived(self, page: CustomerPage) -> None:
        from imtui.core.services import CustomerRow

        had_rows = bool(self.rows)
        self._add_rows([CustomerRow(page.account, c) for c in page.customers])
        if not had_rows:
            self.refresh_bindings()  # the first customers: mapping actions apply now
        total = f"/{page.total:,}" if page.total is not None and page.loaded < page.total else ""
        self._progress[page.account] = f"{page.account}: {page.loaded:,}{total}"
        self._show_progress()

    def _show_progress(self) -> None:
        mappings = self._mappings
        mapped = sum(1 for r in self.rows if r.key in mappings)
        self.status.update(
            " · ".join(self._progress.values())
            + f"   |   {len(self.rows):,} customers, {len(self.rows) - mapped:,} unmapped"
        )

    # ------------------------------------------------------------ rows

    def _mapping(self, row: CustomerRow) -> Mapping | None:
        return self._mappings.get(row.key)

    def _keep(self) -> Callable[[CustomerLine], bool] | None:
        return (lambda line: line.mapping is None) if self.only_unmapped else None

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
            (self.only_unmapped, len(self.rows), mappings),
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

    def refill(self) -> None:
        """Show the rows the filter keeps; the table is rebuilt only if what it shows changed."""
        self.table.replace_rows(self._visible())
        self._update_counts()

    def _update_counts(self) -> None:
        text = f"{self.table.row_count:,} of {len(self.rows):,}" + (" · unmapped only" if self.only_unmapped else "")
        self.counts.update(text)

    def selected(self) -> CustomerRow | None:
        line = self.table.selected
        return line.customer if isinstance(line, CustomerLine) else None

    def _refresh_row(self, row: CustomerRow) -> None:
        self.table.update_row(fresh_line(self._lines, row, self._mappings))

    # ------------------------------------------------------------ filter

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.refill()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.table.focus()

    def action_focus_filter(self) -> None:
        self.filter_input.focus()

    def action_toggle_unmapped(self) -> None:
        self.only_unmapped = not self.only_unmapped
        self.refill()

    def key_escape(self) -> None:
        if self.filter_input.has_focus:
            self.table.focus()

    # ------------------------------------------------------------ changing mappings

    def _run(self, change: Callable[[], object], rows: list[CustomerRow]) -> bool:
        """Apply one change through the services; say why if it could not be saved."""
        try:
            change()
        except Exception as exc:  # a config conflict with another imtui, a full disk, ...: said, nothing lost
            self.notify(f"Not saved: {exc}", severity="error", title="Mappings", timeout=10, markup=False)
            return False
        if self.only_unmapped:
            self.refill()
        else:
            for row in rows:
                self._refresh_row(row)
        self._show_progress()
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim what cannot apply before any customer has arrived (undo stays: it says when there is nothing)."""
        if action in {"auto_map", "create_clients", "next_unmapped", "clear", "ignore"}:
            return True if self.rows else None
        return True

    def _suggestions(self, row: CustomerRow):
        clients = tuple(c.name for c in self.services.config.clients)
        if self._index is None or clients != self._index_clients:
            from imtui.core.matching import ClientIndex

            self._index = ClientIndex(clients)
            self._index_clients = clients
        return self._index.suggest(row.customer.name, limit=5)

    def open_mapping(self, row: CustomerRow, *, queue: bool = False) -> None:
        mapping = self._mapping(row)
        current = None
        if mapping is not None:
            current = "ignored" if mapping.how == "ignored" else f"{mapping.client} ({mapping.how})"
        from imtui.tui.dialogs import MappingDialog  # dialogs load when first opened, not with the screen

        dialog = MappingDialog(
            row, self._suggestions(row), [c.name for c in self.services.config.clients], current=current
        )

        def done(choice: MappingChoice | None) -> None:
            if choice is None:
                return
            book = self.services.mappings
            if choice.action == "map" and choice.client:
                self._run(lambda: book.map(row, choice.client), [row])
            elif choice.action == "ignore":
                self._run(lambda: book.ignore(row), [row])
            elif choice.action == "skip":
                self._skipped.add(row.key)
            if queue:
                self._open_next(after=row)

        self.app.push_screen(dialog, done)

    @on(DataTable.RowSelected, "#mapping-table")
    def row_chosen(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_mapping(row)

    def action_next_unmapped(self) -> None:
        """Start the triage queue at the cursor: each unmapped customer shown, in table order, once."""
        self._skipped.clear()
        self._open_next()

    def _open_next(self, after: CustomerRow | None = None) -> None:
        lines = self.table.shown_rows
        start = self.table.cursor_row if lines else 0
        if after is not None and (index := self.table.index_of(self._lines[after.key].key)) is not None:
            start = index + 1
        line = next_to_triage(lines, start, self._mappings, self._skipped)  # type: ignore[arg-type]
        if line is not None:
            self.table.move_to(line.key)
            self.open_mapping(line.customer, queue=True)
        elif self._skipped:
            n = len(self._skipped)
            self.notify(f"No more unmapped customers to triage; {n} skipped, still unmapped.", title="Mappings")
        else:
            self.notify("Every customer shown is mapped or ignored.", title="Mappings")

    def action_clear(self) -> None:
        row = self.selected()
        if row is not None and self._mapping(row) is not None:
            self._run(lambda: self.services.mappings.clear(row), [row])

    def action_ignore(self) -> None:
        row = self.selected()
        if row is not None:
            self._run(lambda: self.services.mappings.ignore(row), [row])

    def action_undo(self) -> None:
        book = self.services.mappings
        if not book.can_undo:
            self.notify("Nothing to undo.", title="Mappings")
            return
        try:
            what = book.undo()
        except Exception as exc:
            self.notify(f"Could not undo: {exc}", severity="error", title="Mappings", markup=False)
            return
        self.refill()
        self._show_progress()
        self.notify(f"Undone: {what}.", title="Mappings", markup=False)

    def action_auto_map(self) -> None:
        if not self.rows:
            self.notify("No customers loaded yet.", title="Auto-map")
            return
        plan = self.services.mappings.plan_auto(self.rows)

        def done(apply: bool | None) -> None:
            if apply:
                added = 0

                def change() -> None:
                    nonlocal added
                    added = self.services.mappings.apply_auto(plan)

                if self._run(change, []):
                    self.refill()
                    self.notify(f"Mapped {added} customer(s) automatically.", title="Auto-map")

        from imtui.tui.dialogs import AutoMapDialog

        self.app.push_screen(AutoMapDialog(plan), done)

    def action_create_clients(self) -> None:
        unmapped = [r for r in self.rows if self._mapping(r) is None]
        selected = self.selected()

        def done(choice: ClientImportChoice | None) -> None:
            if choice is None:
                return
            rows = [selected] if choice.scope == "selected" and selected is not None else unmapped
            if not rows:
                self.notify("Every customer is mapped or ignored already: no client to create.", title="Clients")
                return
            result = None

            def change() -> None:
                nonlocal result
                result = self.services.mappings.import_customers_as_clients(
                    rows, group=choice.group, update_addresses=choice.update_addresses
                )

            if self._run(change, rows):
                self.refill()
                self.notify(result.summary() + ".", title="Clients")

        from imtui.tui.dialogs import ClientImportDialog

        self.app.push_screen(ClientImportDialog(selected, len(unmapped)), done)

    def action_import_csv(self) -> None:
        from imtui.tui.dialogs import MessageDialog, PathDialog

        def done(path: str | None) -> None:
            if not path:
                return
            try:
                result = self.services.mappings.import_clients_csv_file(path)
            except Exception as exc:
                self.notify(f"Nothing imported: {exc}", severity="error", title="CSV import", timeout=10, markup=False)
                return
            self._index = None
            text = "\n".join(result.lines(path))
            self.refill()
            self.app.push_screen(MessageDialog("CSV import", Content(text)))  # a path or a name is not markup

        self.app.push_screen(
            PathDialog(
                "Import clients from a CSV",
                "A CSV exported from your PSA: a column of client names (name, client or company) and, optionally, "
                "an external id. Rows that cannot be read are reported by line and skipped.",
            ),
            done,
        )

    def _clear_rows(self) -> None:
        self.workers.cancel_group(self, "load-customers")  # a load still running would add its pages twice
        self._loading.clear()
        self.rows.clear()
        self._lines.clear()
        self._filter.forget()
        self.table.clear_rows()
        self._update_counts()

    def action_reload(self) -> None:
        self._clear_rows()
        self.services.customers.forget()
        for account in self.services.config.accounts:
            self._progress[account.name] = f"{account.name}: loading…"
            self._loading.add(account.name)
            self.load_account(account.name)
        self._show_progress()
