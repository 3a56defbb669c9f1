"""Customers and mappings: every Ingram customer of every account, mapped to the MSP's own clients."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual._two_way_dict import TwoWayDict
from textual.cache import LRUCache
from textual.widgets.data_table import ColumnKey, DuplicateKey, Row, RowKey

from imtui.core.api import ApiError
from imtui.core.config import Mapping
from imtui.core.matching import ClientIndex
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
#: widths of the columns that do not share the free space (account is sized from the account names)
FIXED_WIDTHS = {"id": 8, "status": 10, "city": 14, "country": 4, "how": 10}
MIN_CUSTOMER, MIN_CLIENT = 16, 12

HOW_STYLE = {"unmapped": "bold", "ignored": "dim", "manual": "", "exact": "", "normalised": "italic"}


def row_key(row: CustomerRow) -> str:
    return f"{row.account}\x1f{row.customer.id}"


class _Cell:
    """A cell's text, made into a Rich ``Text`` only when it is drawn.

    Not a str: a str cell is parsed as markup ("Acme [UK] Ltd" would lose "[UK]"). Not a ``Text`` up
    front either: 5,000 rows x 8 cells of ``Text`` took 0.3 s to build, and only the visible rows are
    ever drawn. The text is cut with an ellipsis at the column's width instead of wrapping out of sight.
    """

    __slots__ = ("value", "style", "_text")

    def __init__(self, value: str, style: str = "") -> None:
        self.value = value
        self.style = style
        self._text: Text | None = None

    def __rich__(self) -> Text:
        if self._text is None:
            self._text = Text(self.value, style=self.style, no_wrap=True, overflow="ellipsis", end="")
        return self._text

    def __str__(self) -> str:
        return self.value


_cell = _Cell


_COLUMN_KEYS = tuple(ColumnKey(key) for key, _ in COLUMNS)


def _settle_heap() -> None:
    """Once the customers are loaded: collect, then keep what is left out of later collections.

    Thousands of customers are thousands of long-lived objects; a full collection walks them all and
    took 150-300 ms, landing on whichever keystroke happened to trigger it. Frozen objects are still
    freed when nothing refers to them; only the cyclic ones that become garbage later stay.
    """
    gc.collect()
    gc.freeze()


class _Line:
    """One customer as the table shows it, built once per mapping change: its cells, its filter text,
    and the table's own row objects (so rebuilding the table on a keystroke allocates nothing per row)."""

    __slots__ = ("mapping", "cells", "blob", "serial", "key", "meta", "data", "offset")
    _serials = itertools.count()

    def __init__(self, row: CustomerRow, mapping: Mapping | None) -> None:
        how = mapping.how if mapping else "unmapped"
        client = mapping.client if mapping and mapping.client else ("—" if how == "ignored" else "")
        customer = row.customer
        values = (row.account, customer.name, customer.id or "", customer.status, customer.city, customer.country, client)
        self.mapping = mapping
        self.cells = (*(_cell(v) for v in values), _cell(how, HOW_STYLE.get(how, "")))
        self.blob = " ".join((*values, how)).casefold()
        self.serial = next(self._serials)
        self.key = RowKey(row_key(row))
        self.meta = Row(self.key, 1)
        self.data = dict(zip(_COLUMN_KEYS, self.cells))
        self.offset = (self.key, 0)  # the row's one line, as DataTable's y-offsets list it


class MappingTable(DataTable):
    """A DataTable whose columns have fixed widths, set from the table's width, so it never measures cells.

    A stock DataTable measures every cell of every new row (to size auto-width columns) on its next idle:
    with 5,000 customers that alone takes longer than a keystroke may. Fixed widths also keep the Client
    and How columns on screen however long a customer's name is.
    """

    def __init__(self, *args, **kwargs) -> None:
        self._drawn: LRUCache[tuple, tuple[object, list[list[Segment]]]] = LRUCache(4000)
        self._keep_drawn = False
        super().__init__(*args, **kwargs)

    def set_widths(self, widths: dict[str, int]) -> None:
        changed = False
        for key, width in widths.items():
            column = self.columns.get(ColumnKey(key))
            if column is not None and (column.auto_width or column.width != width):
                column.width, column.auto_width = width, False
                changed = True
        if changed:
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        if self._fixed():
            new_rows = ()  # one line a row, every width fixed: nothing to measure
        super()._update_dimensions(new_rows)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable caches rendered cells per table update, so after a rebuild it renders every
        visible cell again even when the top rows did not change (typing on narrows the list; the first
        rows often stay). Rendered cells are kept here by the cell itself (our cells are never
        mutated: a changed row gets new ones) and where it is drawn."""
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cell = self._data[row_key].get(column_key) if row_key in self._data else None
        key = (
            id(cell), row_index, column_index, base_style, width, cursor, hover,
            self._show_hover_cursor, self._pseudo_class_state,
        )
        cached = self._drawn.get(key)
        if cached is not None and cached[0] is cell:
            return cached[1]
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._drawn[key] = (cell, lines)
        return lines

    def _clear_caches(self) -> None:
        super()._clear_caches()
        if not self._keep_drawn:  # styles, theme or widths changed: draw everything again
            self._drawn.clear()

    def _fixed(self) -> bool:
        return bool(self.columns) and not any(c.auto_width for c in self.columns.values())

    def replace_rows(self, rows: list[_Line]) -> None:
        """Clear the table and add ``rows`` in one go.

        ``add_row`` costs ~60 µs a row (it re-validates the cursor and schedules an idle check for
        each), ~300 ms for 5,000 rows: too slow for a keystroke. This fills DataTable's row
        bookkeeping directly, the way ``add_row`` does for one row (textual is pinned to 8.2.x);
        if that bookkeeping is not what this code expects, it falls back to ``add_row``.
        """
        # DataTable.clear() evaluates self._y_offsets (listing every old row) only to empty it: with no
        # rows left there is nothing to list
        self.rows.clear()
        self._keep_drawn = True  # only the rows change: cells already drawn stay valid
        try:
            self.clear()
        finally:
            self._keep_drawn = False
        if (
            not self._fixed()
            or [c.key for c in self.ordered_columns] != list(_COLUMN_KEYS)
            or not isinstance(getattr(self, "_row_locations", None), TwoWayDict)
        ):
            for line in rows:
                self.add_row(*line.cells, key=line.key.value)
            return
        locations: dict[RowKey, int] = {}
        data, meta = self._data, self.rows
        for index, line in enumerate(rows):
            key = line.key
            if key in locations:
                raise DuplicateKey(f"The row key {key!r} already exists.")
            locations[key] = index
            data[key] = line.data  # the table's cell dict of this row; update_cell writes into it
            meta[key] = line.meta
        self._row_locations = TwoWayDict(locations)
        self._require_update_dimensions = True
        self._update_count += 1
        # what DataTable would compute next from the rows just added (every row one line high)
        self._ordered_row_cache[(len(rows), self._update_count)] = [line.meta for line in rows]
        self._offset_cache[self._update_count] = [line.offset for line in rows]
        self.cursor_coordinate = self.cursor_coordinate
        if rows and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self.check_idle()
        self.refresh()


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

    table = getters.query_one("#mapping-table", MappingTable)
    filter_input = getters.query_one("#filter", Input)
    status = getters.query_one("#mapping-status", Static)

    def __init__(self) -> None:
        super().__init__(classes="customers-screen")
        self.rows: list[CustomerRow] = []
        self.only_unmapped = False
        self._progress: dict[str, str] = {}
        self._accounts_version = -1  # services.accounts_changed when the rows were built
        self._index: ClientIndex | None = None
        self._index_clients: tuple[str, ...] = ()
        self._lines: dict[tuple[str, str], _Line] = {}
        self._by_key_map: dict[tuple[str, str], CustomerRow] = {}
        self._shown: list[int] = []  # serials of the lines in the table, in order
        self._skipped: set[tuple[str, str]] = set()  # skipped in the current triage queue
        self._loading: set[str] = set()  # accounts whose customers are still arriving
        self._last_visible: tuple | None = None  # (filter, unmapped only, rows, mappings, visible rows)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="mapping-bar"):
            yield Input(placeholder="filter: type any part of a name, city, client… (/)", id="filter")
            yield Static("", id="mapping-counts")
        yield MappingTable(id="mapping-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="mapping-status", markup=False)
        yield Static(
            "[b]enter[/b] map  [b]n[/b] next unmapped  [b]u[/b] unmapped only  [b]x[/b] clear  [b]i[/b] ignore  "
            "[b]^z[/b] undo  [b]a[/b] auto-map  [b]c[/b] clients  [b]^o[/b] CSV  [b]r[/b] reload",
            id="mapping-help",
            classes="help",
        )
        yield Footer()

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.table.add_column(label, key=key)
        self._size_columns()
        self._fill_from_accounts()
        self.table.focus()

    def on_screen_resume(self) -> None:
        # an account added, renamed or deleted meanwhile: rows of the old list would map customers of
        # accounts that no longer exist, so start from the accounts as they are now
        if self._accounts_version != self.app.services.accounts_changed:
            self._clear_rows()
            self._size_columns()
            self._fill_from_accounts()

    def _fill_from_accounts(self) -> None:
        services = self.app.services
        self._accounts_version = services.accounts_changed
        self._progress = {}
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

    def on_resize(self) -> None:
        self._size_columns()

    def _size_columns(self) -> None:
        """Fixed columns at their width; the customer and client names share what is left."""
        accounts = [a.name for a in self.app.services.config.accounts] or ["Account"]
        widths = dict(FIXED_WIDTHS, account=max(7, min(14, max(len(a) for a in accounts))))
        padding = 2 * self.table.cell_padding * len(COLUMNS)
        free = (self.size.width or self.app.size.width) - 2 - padding - sum(widths.values())  # 2: the scrollbar
        customer = max(MIN_CUSTOMER, free * 11 // 20)
        widths["customer"] = customer
        widths["client"] = max(MIN_CLIENT, free - customer)
        self.table.set_widths(widths)

    # ------------------------------------------------------------ loading

    @work(group="load-customers", exit_on_error=False)
    async def load_account(self, name: str) -> None:
        try:
            async for page in self.app.services.customers.pages(name):
                self._page_arrived(page)
        except (ApiError, ServiceError) as exc:
            self._progress[name] = f"{name}: failed, r to retry"
            self._show_progress()
            self.notify(str(exc), title=f"Customers of {name}", severity="error", timeout=15, markup=False)
        finally:
            self._loading.discard(name)
            if not self._loading:
                _settle_heap()

    def _page_arrived(self, page: CustomerPage) -> None:
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

    @property
    def _mappings(self) -> dict[tuple[str, str], Mapping]:
        return self.app.services.config.mapping_index()

    def _line(self, row: CustomerRow, mappings: dict[tuple[str, str], Mapping]) -> _Line:
        """The row's cells, rebuilt only when its mapping changed (mappings are replaced, never mutated)."""
        mapping = mappings.get(row.key)
        line = self._lines.get(row.key)
        if line is None or line.mapping is not mapping:
            line = self._lines[row.key] = _Line(row, mapping)
        return line

    def _cells(self, row: CustomerRow) -> tuple:
        return self._line(row, self._mappings).cells

    def _words(self) -> list[str]:
        return self.filter_input.value.casefold().split()

    def _visible(self, rows: list[CustomerRow]) -> list[tuple[CustomerRow, _Line]]:
        words = self._words()
        mappings = self._mappings
        only_unmapped = self.only_unmapped
        lines = self._lines
        shown = []
        for row in rows:
            key = row.key
            mapping = mappings.get(key)
            line = lines.get(key)
            if line is None or line.mapping is not mapping:
                line = lines[key] = _Line(row, mapping)
            if only_unmapped and mapping is not None:
                continue
            blob = line.blob
            if all(word in blob for word in words):
                shown.append((row, line))
        return shown

    def _all_visible(self) -> list[tuple[CustomerRow, _Line]]:
        """The rows the filter keeps. Typing on (the filter only grows) narrows the last result
        instead of scanning every customer again."""
        text, mappings = self.filter_input.value.casefold(), self._mappings
        last = self._last_visible
        if last is not None and text.startswith(last[0]) and last[1:3] == (self.only_unmapped, len(self.rows)) and last[3] is mappings:
            visible = self._visible([row for row, _ in last[4]])
        else:
            visible = self._visible(self.rows)
        self._last_visible = (text, self.only_unmapped, len(self.rows), mappings, visible)
        return visible

    def _add_rows(self, rows: list[CustomerRow]) -> None:
        fresh = []
        for row in rows:  # a customer listed twice (pages shifting while loading) is shown once
            if row.key not in self._by_key_map:
                self._by_key_map[row.key] = row
                fresh.append(row)
        self.rows.extend(fresh)
        for row, line in self._visible(fresh):
            self.table.add_row(*line.cells, key=line.key.value)
            self._shown.append(line.serial)
        self._update_counts()

    def refill(self) -> None:
        """Show the rows the filter keeps; the table is rebuilt only if what it shows changed."""
        visible = self._all_visible()
        serials = [line.serial for _, line in visible]
        if serials != self._shown:
            keep_key = self._cursor_key()
            self.table.replace_rows([line for _, line in visible])
            self._shown = serials
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
        return self._by_key_map

    def _refresh_row(self, row: CustomerRow) -> None:
        key = row_key(row)
        if key not in self.table.rows:
            return
        line = self._line(row, self._mappings)
        for (column, _), value in zip(COLUMNS, line.cells):
            self.table.update_cell(key, column, value)
        index = self.table.get_row_index(key)
        if index < len(self._shown):
            self._shown[index] = line.serial
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
        keys = list(self.table.rows)
        by_key = self._by_key()
        start = self.table.cursor_row if keys else 0
        if after is not None and row_key(after) in self.table.rows:
            start = self.table.get_row_index(row_key(after)) + 1
        order = keys[start:] + keys[:start]
        for key in order:
            account, customer_id = str(key.value).split("\x1f", 1)
            row = by_key.get((account, customer_id))
            if row is not None and row.key not in self._skipped and self._mapping(row) is None:
                self.table.move_cursor(row=self.table.get_row_index(key), animate=False)
                self.open_mapping(row, queue=True)
                return
        if self._skipped:
            n = len(self._skipped)
            self.notify(f"No more unmapped customers to triage; {n} skipped, still unmapped.", title="Mappings")
        else:
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
            self.notify(f"Could not undo: {exc}", severity="error", title="Mappings", markup=False)
            return
        self.refill()
        self._show_progress()
        self.notify(f"Undone: {what}.", title="Mappings", markup=False)

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
            if not rows:
                self.notify("Every customer is mapped or ignored already: no client to create.", title="Clients")
                return
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
                result = self.app.services.mappings.import_clients_csv_file(path)
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
        self._by_key_map.clear()
        self._lines.clear()
        self._shown.clear()
        self.table.clear()

    def action_reload(self) -> None:
        self._clear_rows()
        self.app.services.customers.forget()
        for account in self.app.services.config.accounts:
            self._progress[account.name] = f"{account.name}: loading…"
            self._loading.add(account.name)
            self.load_account(account.name)
        self._show_progress()
