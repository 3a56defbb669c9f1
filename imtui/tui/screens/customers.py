"""Customers and mappings: every Ingram customer of every account, mapped to the MSP's own clients."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from imtui.core.api import ApiError
from imtui.core.config import Mapping
from imtui.core.mapping import ClientIndex
from imtui.core.services import CustomerPage, CustomerRow, ServiceError
from imtui.tui.widgets.dialogs import MessageDialog
from imtui.tui.widgets.mapping_dialogs import (
    AutoMapDialog,
    ClientImportDialog,
    MappingChoice,
    MappingDialog,
    PathDialog,
)

COLUMNS = (
    ("account", "Account"),
    ("customer", "Ingram customer"),
    ("id", "ID"),
    ("status", "Status"),
    ("city", "City"),
    ("country", "Ctry"),
    ("client", "Client"),
    ("how", "How"),
)

HOW_STYLE = {"unmapped": "bold", "ignored": "dim", "manual": "", "exact": "", "normalised": "italic"}


def row_key(row: CustomerRow) -> str:
    return f"{row.account}\x1f{row.customer.id}"


class CustomersScreen(Screen[None]):
    """The mapping table: filter as you type, triage queue, auto-map, client import, undo."""

    TITLE = "Customers"

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="mapping.filter", tooltip="Filter as you type"),
        Binding("u", "toggle_unmapped", "Unmapped only", show=False, id="mapping.unmapped", tooltip="Show only unmapped customers"),
        Binding("n", "next_unmapped", "Next unmapped", id="mapping.next", tooltip="Open the next unmapped customer"),
        Binding("a", "auto_map", "Auto-map", id="mapping.auto", tooltip="Preview mapping of matching names"),
        Binding("x", "clear", "Clear", show=False, id="mapping.clear", tooltip="Clear the selected mapping"),
        Binding("i", "ignore", "Ignore", show=False, id="mapping.ignore_row", tooltip="Ignore the selected customer"),
        Binding("ctrl+z", "undo", "Undo", id="mapping.undo", tooltip="Undo the last mapping change"),
        Binding("c", "create_clients", "Create clients", id="mapping.create_clients", tooltip="Create clients from customers"),
        Binding("ctrl+o", "import_csv", "Import CSV", show=False, id="mapping.import_csv", tooltip="Import clients from a PSA's CSV"),
        Binding("r", "reload", "Reload", show=False, id="mapping.reload", tooltip="Load the customers from the marketplace again"),
    ]

    table = getters.query_one("#mapping-table", DataTable)
    filter_input = getters.query_one("#filter", Input)
    status = getters.query_one("#mapping-status", Static)

    def __init__(self) -> None:
        super().__init__(classes="customers-screen")
        self.rows: list[CustomerRow] = []
        self.only_unmapped = False
        self._progress: dict[str, str] = {}
        self._index: ClientIndex | None = None
        self._index_clients: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="mapping-bar"):
            yield Input(placeholder="filter: type any part of a name, city, client… (/)", id="filter")
            yield Static("", id="mapping-counts")
        yield DataTable(id="mapping-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="mapping-status")
        yield Static(
            "[b]enter[/b] map  [b]n[/b] next unmapped  [b]u[/b] unmapped only  [b]x[/b] clear  [b]i[/b] ignore  "
            "[b]ctrl+z[/b] undo  [b]a[/b] auto-map  [b]c[/b] create clients  [b]ctrl+o[/b] import CSV  [b]r[/b] reload",
            id="mapping-help",
            classes="help",
        )
        yield Footer()

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.table.add_column(label, key=key)
        services = self.app.services
        if not services.config.accounts:
            self.status.update("No account yet: press 1 to add a marketplace account.")
            return
        for account in services.config.accounts:
            cached = services.customers.get(account.name)
            if cached is not None:
                self._add_rows([CustomerRow(account.name, c) for c in cached])
                self._progress[account.name] = f"{account.name}: {len(cached):,}"
            else:
                self._progress[account.name] = f"{account.name}: loading…"
                self.load_account(account.name)
        self._show_progress()
        self.table.focus()

    # ------------------------------------------------------------ loading

    @work(group="load-customers", exit_on_error=False)
    async def load_account(self, name: str) -> None:
        try:
            async for page in self.app.services.customer_pages(name):
                self._page_arrived(page)
        except (ApiError, ServiceError) as exc:
            self._progress[name] = f"{name}: failed"
            self._show_progress()
            self.notify(str(exc), title=f"Customers of {name}", severity="error", timeout=15)

    def _page_arrived(self, page: CustomerPage) -> None:
        self._add_rows([CustomerRow(page.account, c) for c in page.customers])
        total = f"/{page.total:,}" if page.total is not None and page.loaded < page.total else ""
        self._progress[page.account] = f"{page.account}: {page.loaded:,}{total}"
        self._show_progress()

    def _show_progress(self) -> None:
        mapped = sum(1 for r in self.rows if self._mapping(r) is not None)
        self.status.update(
            " · ".join(self._progress.values())
            + f"   |   {len(self.rows):,} customers, {len(self.rows) - mapped:,} unmapped"
        )

    # ------------------------------------------------------------ rows

    def _mapping(self, row: CustomerRow) -> Mapping | None:
        return self._mappings.get(row.key)

    @property
    def _mappings(self) -> dict[tuple[str, str], Mapping]:
        config = self.app.services.config
        cached = getattr(self, "_mapping_cache", None)
        if cached is None or cached[0] is not config.mappings:
            cached = (config.mappings, {(m.account, m.customer_id): m for m in config.mappings})
            self._mapping_cache = cached
        return cached[1]

    def _cells(self, row: CustomerRow) -> tuple:
        mapping = self._mapping(row)
        how = mapping.how if mapping else "unmapped"
        client = mapping.client if mapping and mapping.client else ("—" if how == "ignored" else "")
        customer = row.customer
        return (
            row.account,
            customer.name,
            customer.id or "",
            customer.status,
            customer.city,
            customer.country,
            client,
            Text(how, style=HOW_STYLE.get(how, "")),
        )

    def _matches(self, row: CustomerRow, cells: tuple, words: list[str]) -> bool:
        if self.only_unmapped and self._mapping(row) is not None:
            return False
        blob = " ".join(str(c) for c in cells).casefold()
        return all(word in blob for word in words)

    def _words(self) -> list[str]:
        return self.filter_input.value.casefold().split()

    def _add_rows(self, rows: list[CustomerRow]) -> None:
        self.rows.extend(rows)
        words = self._words()
        for row in rows:
            cells = self._cells(row)
            if self._matches(row, cells, words):
                self.table.add_row(*cells, key=row_key(row))
        self._update_counts()

    def refill(self) -> None:
        """Rebuild the visible rows from the filter (one pass, one table rebuild)."""
        words = self._words()
        keep_key = self._cursor_key()
        self.table.clear()
        for row in self.rows:
            cells = self._cells(row)
            if self._matches(row, cells, words):
                self.table.add_row(*cells, key=row_key(row))
        if keep_key is not None and keep_key in self.table.rows:
            self.table.move_cursor(row=self.table.get_row_index(keep_key), animate=False)
        self._update_counts()

    def _update_counts(self) -> None:
        shown = self.table.row_count
        text = f"{shown:,} of {len(self.rows):,}" + (" · unmapped only" if self.only_unmapped else "")
        self.query_one("#mapping-counts", Static).update(text)

    def _cursor_key(self) -> str | None:
        if not self.table.row_count:
            return None
        return str(self.table.coordinate_to_cell_key((self.table.cursor_row, 0)).row_key.value)

    def selected(self) -> CustomerRow | None:
        key = self._cursor_key()
        if key is None:
            return None
        account, customer_id = key.split("\x1f", 1)
        return self._by_key().get((account, customer_id))

    def _by_key(self) -> dict[tuple[str, str], CustomerRow]:
        cached = getattr(self, "_row_cache", None)
        if cached is None or cached[0] != len(self.rows):
            cached = (len(self.rows), {r.key: r for r in self.rows})
            self._row_cache = cached
        return cached[1]

    def _refresh_row(self, row: CustomerRow) -> None:
        key = row_key(row)
        if key not in self.table.rows:
            return
        cells = self._cells(row)
        for (column, _), value in zip(COLUMNS, cells):
            self.table.update_cell(key, column, value)
        self._show_progress()

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
        except (ServiceError, OSError, ValueError) as exc:
            self.notify(f"Not saved: {exc}", severity="error", title="Mappings", timeout=10)
            return False
        except Exception as exc:  # a config conflict with another imtui, and the like
            self.notify(f"Not saved: {exc}", severity="error", title="Mappings", timeout=10)
            return False
        if self.only_unmapped:
            self.refill()
        else:
            for row in rows:
                self._refresh_row(row)
        self._show_progress()
        return True

    def _suggestions(self, row: CustomerRow):
        clients = tuple(c.name for c in self.app.services.config.clients)
        if self._index is None or clients != self._index_clients:
            self._index = ClientIndex(clients)
            self._index_clients = clients
        return self._index.suggest(row.customer.name, limit=5)

    def open_mapping(self, row: CustomerRow, *, queue: bool = False) -> None:
        mapping = self._mapping(row)
        current = None
        if mapping is not None:
            current = "ignored" if mapping.how == "ignored" else f"{mapping.client} ({mapping.how})"
        dialog = MappingDialog(
            row, self._suggestions(row), [c.name for c in self.app.services.config.clients], current=current
        )

        def done(choice: MappingChoice | None) -> None:
            if choice is None:
                return
            book = self.app.services.mappings
            if choice.action == "map" and choice.client:
                self._run(lambda: book.map(row, choice.client), [row])
            elif choice.action == "ignore":
                self._run(lambda: book.ignore(row), [row])
            if queue:
                self.action_next_unmapped(after=row)

        self.app.push_screen(dialog, done)

    @on(DataTable.RowSelected, "#mapping-table")
    def row_chosen(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_mapping(row)

    def action_next_unmapped(self, after: CustomerRow | None = None) -> None:
        keys = list(self.table.rows)
        if not keys:
            return
        by_key = self._by_key()
        start = self.table.cursor_row
        if after is not None and row_key(after) in self.table.rows:
            start = self.table.get_row_index(row_key(after)) + 1
        order = keys[start:] + keys[:start]
        for key in order:
            account, customer_id = str(key.value).split("\x1f", 1)
            row = by_key.get((account, customer_id))
            if row is not None and self._mapping(row) is None:
                self.table.move_cursor(row=self.table.get_row_index(key), animate=False)
                self.open_mapping(row, queue=True)
                return
        self.notify("Every customer shown is mapped or ignored.", title="Mappings")

    def action_clear(self) -> None:
        row = self.selected()
        if row is not None and self._mapping(row) is not None:
            self._run(lambda: self.app.services.mappings.clear(row), [row])

    def action_ignore(self) -> None:
        row = self.selected()
        if row is not None:
            self._run(lambda: self.app.services.mappings.ignore(row), [row])

    def action_undo(self) -> None:
        book = self.app.services.mappings
        if not book.can_undo:
            self.notify("Nothing to undo.", title="Mappings")
            return
        try:
            what = book.undo()
        except Exception as exc:
            self.notify(f"Could not undo: {exc}", severity="error", title="Mappings")
            return
        self.refill()
        self._show_progress()
        self.notify(f"Undone: {what}.", title="Mappings")

    def action_auto_map(self) -> None:
        if not self.rows:
            self.notify("No customers loaded yet.", title="Auto-map")
            return
        plan = self.app.services.mappings.plan_auto(self.rows)

        def done(apply: bool | None) -> None:
            if apply:
                added = 0

                def change() -> None:
                    nonlocal added
                    added = self.app.services.mappings.apply_auto(plan)

                if self._run(change, []):
                    self.refill()
                    self.notify(f"Mapped {added} customer(s) automatically.", title="Auto-map")

        self.app.push_screen(AutoMapDialog(plan), done)

    def action_create_clients(self) -> None:
        unmapped = [r for r in self.rows if self._mapping(r) is None]
        selected = self.selected()

        def done(choice) -> None:
            if choice is None:
                return
            rows = [selected] if choice.scope == "selected" and selected is not None else unmapped
            result = None

            def change() -> None:
                nonlocal result
                result = self.app.services.mappings.import_customers_as_clients(
                    rows, group=choice.group, update_addresses=choice.update_addresses
                )

            if self._run(change, rows):
                self.refill()
                self.notify(result.summary() + ".", title="Clients")

        self.app.push_screen(ClientImportDialog(selected, len(unmapped)), done)

    def action_import_csv(self) -> None:
        def done(path: str | None) -> None:
            if not path:
                return
            try:
                added, errors = self.app.services.mappings.import_clients_csv_file(path)
            except Exception as exc:
                self.notify(f"Nothing imported: {exc}", severity="error", title="CSV import", timeout=10)
                return
            self._index = None
            text = f"{added} client(s) added from {path}."
            if errors:
                text += f"\n\n{len(errors)} row(s) skipped:\n" + "\n".join(f"  line {e.line}: {e.reason}" for e in errors[:30])
                if len(errors) > 30:
                    text += f"\n  … and {len(errors) - 30} more"
            self.app.push_screen(MessageDialog("CSV import", text))

        self.app.push_screen(
            PathDialog(
                "Import clients from a CSV",
                "A CSV exported from your PSA: a column of client names (name, client or company) and, optionally, "
                "an external id. Rows that cannot be read are reported by line and skipped.",
            ),
            done,
        )

    def action_reload(self) -> None:
        self.rows.clear()
        self.table.clear()
        self.app.services.customers.clear()
        for account in self.app.services.config.accounts:
            self._progress[account.name] = f"{account.name}: loading…"
            self.load_account(account.name)
        self._show_progress()
