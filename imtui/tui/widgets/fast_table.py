"""FastTable: a DataTable for thousands of rows that is refilled on every keystroke.

This is the one module of imtui that uses Textual's private API (textual is pinned to 8.2.x): the
DataTable's row bookkeeping (``_row_locations``, ``_data``, ``_update_count``, ``_offset_cache``,
``_ordered_row_cache``, ``textual._two_way_dict``) and three of its methods (``_render_cell``,
``_update_dimensions``, ``_clear_caches``). ``private_api_problems()`` names what no longer looks as
this code expects; the table then falls back to the public ``add_row`` (slow but correct), and
``tests/tui/test_fast_table.py`` fails loudly, naming the change.

What it adds to a DataTable:
- columns from ``ColumnSpec``s with fixed widths (never measured), fitted to the table's width, the
  least important giving way on a narrow terminal;
- rows are ``TableRow`` objects (``table_rows.py``) carrying their cells, filter text and a stable key;
- ``replace_rows`` shows another subset or order of rows in one go (filtering, sorting), keeping the
  cursor on its row; ``append_rows`` adds rows as pages arrive; ``update_row`` redraws one changed row;
- ``selected``, ``shown_rows``, ``row_for(key)``, ``move_to(key)``: rows as objects, no key parsing;
- rendered cells are cached by cell, so a refill redraws only the cells that changed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable, Sequence
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, DuplicateKey, Row, RowDoesNotExist, RowKey

from imtui.tui.widgets.table_rows import ColumnSpec, TableRow, fit_columns

try:  # private: where DataTable keeps row key <-> index; without it, the slow public path is taken
    from textual._two_way_dict import TwoWayDict
except ImportError:  # pragma: no cover - only after a Textual upgrade
    TwoWayDict = None  # type: ignore[assignment,misc]

#: the DataTable internals the fast path writes, and what each must be
_EXPECTED_ATTRIBUTES = {
    "_row_locations": "TwoWayDict",
    "_data": "dict",
    "_update_count": "int",
    "_offset_cache": "LRUCache",
    "_ordered_row_cache": "LRUCache",
    "_require_update_dimensions": "bool",
}
#: the DataTable methods overridden here, with the parameters this code passes on
_EXPECTED_METHODS = {
    "_render_cell": ["self", "row_index", "column_index", "base_style", "width", "cursor", "hover"],
    "_update_dimensions": ["self", "new_rows"],
    "_clear_caches": ["self"],
    "_highlight_cursor": ["self"],
}


def private_api_problems(table: DataTable | None = None) -> list[str]:
    """What of DataTable's private API is not as this module expects (empty: all is well).

    Checks the class always, and a live table's attributes when one is given.
    """
    problems = list(_class_problems())
    if table is not None:
        kinds = {"TwoWayDict": TwoWayDict, "dict": dict, "int": int, "LRUCache": LRUCache, "bool": bool}
        for name, kind in _EXPECTED_ATTRIBUTES.items():
            value = getattr(table, name, None)
            if kinds[kind] is not None and not isinstance(value, kinds[kind]):
                problems.append(f"DataTable.{name} is {type(value).__name__}, not {kind}")
    return problems


@functools.cache
def _class_problems() -> tuple[str, ...]:
    problems = []
    if TwoWayDict is None:
        problems.append("textual._two_way_dict.TwoWayDict can no longer be imported")
    for name, params in _EXPECTED_METHODS.items():
        method = getattr(DataTable, name, None)
        if method is None:
            problems.append(f"DataTable.{name} no longer exists")
            continue
        found = list(inspect.signature(method).parameters)
        if found != params:
            problems.append(f"DataTable.{name} now takes {found}, not {params}")
    return tuple(problems)


def _first_repeated(keys: list[RowKey], present: Any) -> RowKey | None:
    """The first of ``keys`` that is in ``present`` or comes twice."""
    seen: set[RowKey] = set()
    for key in keys:
        if key in seen or key in present:
            return key
        seen.add(key)
    return None


class _Shown:
    """The table's bookkeeping of one row, kept on the row (``TableRow.table_state``) so that showing
    it again allocates nothing: its cell dict as DataTable stores it, its ``Row``, its one line."""

    __slots__ = ("columns", "data", "meta", "offset")

    def __init__(self, columns: tuple[ColumnKey, ...], row: TableRow) -> None:
        key = RowKey(row.key)
        self.columns = columns
        self.data = dict(zip(columns, row.cells))
        self.meta = Row(key, 1)
        self.offset = (key, 0)  # the row's one line, as DataTable's y-offsets list it


class FastTable(DataTable):
    """A DataTable of ``TableRow``s under ``ColumnSpec`` columns; see the module's docstring."""

    BINDINGS = [
        # a row table: home and end go to the first and last row (DataTable's go to the first and last column)
        Binding("home", "scroll_top", "First row", show=False, id="table.first", tooltip="Go to the first row"),
        Binding("end", "scroll_bottom", "Last row", show=False, id="table.last", tooltip="Go to the last row"),
    ]

    def __init__(self, columns: Sequence[ColumnSpec], **kwargs: Any) -> None:
        self._specs: tuple[ColumnSpec, ...] = tuple(columns)
        self._keys = tuple(ColumnKey(spec.key) for spec in self._specs)
        self._shown: list[TableRow] = []
        self._drawn: LRUCache[tuple, tuple[object, Any]] = LRUCache(4000)
        self._keep_drawn = False
        #: how the last fill went: "fast", or why the public add_row path was taken
        self.last_fill = ""
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)

    # ------------------------------------------------------------ columns

    @property
    def column_specs(self) -> tuple[ColumnSpec, ...]:
        return self._specs

    def set_columns(self, columns: Sequence[ColumnSpec]) -> None:
        """Change the columns' widths or priorities (same keys, same order: the rows' cells follow them)."""
        columns = tuple(columns)
        if [c.key for c in columns] != [c.key for c in self._specs]:
            raise ValueError("set_columns keeps the columns' keys and order; make a new table for others")
        self._specs = columns
        self.fit()

    def on_mount(self) -> None:
        self.fit()

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Show the columns that fit the table's width, at their widths (see ``fit_columns``)."""
        width = (self.size.width or self.app.size.width) - self.styles.scrollbar_size_vertical
        widths = fit_columns(self._specs, width, padding=2 * self.cell_padding)
        if [c.key.value for c in self.ordered_columns] != list(widths):
            self._show_columns(widths)
            return
        changed = False
        for key, width in widths.items():
            column = self.columns[ColumnKey(key)]
            if column.auto_width or column.width != width:
                column.width, column.auto_width = width, False
                changed = True
        if changed:
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()

    def _show_columns(self, widths: dict[str, int]) -> None:
        """Another set of columns: rebuild them, then show the same rows again."""
        rows = self._shown
        self._shown = []
        self.clear(columns=True)
        for spec in self._specs:
            if spec.key in widths:
                self.add_column(Text(spec.label), key=spec.key, width=widths[spec.key])
        self._fill(rows)

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns on screen, in order."""
        return [str(column.key.value) for column in self.ordered_columns]

    # ------------------------------------------------------------ rows as objects

    @property
    def shown_rows(self) -> Sequence[TableRow]:
        """The rows in the table, in the order shown (do not change the list)."""
        return self._shown

    @property
    def selected(self) -> TableRow | None:
        """The row under the cursor."""
        if not self._shown:
            return None
        return self._shown[min(self.cursor_row, len(self._shown) - 1)]

    def index_of(self, key: str) -> int | None:
        try:
            return self.get_row_index(key)
        except RowDoesNotExist:
            return None

    def row_for(self, key: str) -> TableRow | None:
        index = self.index_of(key)
        return None if index is None else self._shown[index]

    def move_to(self, key: str, *, animate: bool = False) -> bool:
        """Put the cursor on the row with this key (scrolling it into view); False if it is not shown."""
        index = self.index_of(key)
        if index is None:
            return False
        self.move_cursor(row=index, animate=animate)
        return True

    # ------------------------------------------------------------ filling

    def replace_rows(self, rows: Iterable[TableRow]) -> bool:
        """Show these rows, in this order, instead of the ones shown; the cursor stays on its row if it
        is still there (else it goes to the top). False, and nothing redrawn, if they are the same rows.

        ``add_row`` costs ~60 µs a row (it re-validates the cursor and schedules an idle check for
        each), ~300 ms for 5,000 rows: too slow for a keystroke. This fills DataTable's row bookkeeping
        directly, the way ``add_row`` does for one row.
        """
        rows = list(rows)
        if len(rows) == len(self._shown) and all(a is b for a, b in zip(rows, self._shown)):
            return False
        keep = self.selected
        # DataTable.clear() evaluates self._y_offsets (listing every old row) only to empty it: with no
        # rows left there is nothing to list
        self.rows.clear()
        self._keep_drawn = True  # only the rows change: cells already drawn stay valid
        try:
            self.clear()
        finally:
            self._keep_drawn = False
        self._shown = []
        self._fill(rows)
        if keep is not None and (index := self.index_of(keep.key)) is not None:
            self.move_cursor(row=index, animate=False)
        return True

    def append_rows(self, rows: Iterable[TableRow]) -> None:
        """Add rows at the bottom (pages as they arrive); the cursor stays where it is."""
        self._fill(list(rows))

    def clear_rows(self) -> None:
        self._shown = []
        self.clear()

    def update_row(self, row: TableRow) -> bool:
        """Show ``row`` in place of the shown row with the same key (its cells changed); False if none."""
        index = self.index_of(row.key)
        if index is None:
            return False
        self._shown[index] = row
        if self.last_fill != "fast" or self._fallback_reason() is not None:
            for column in self.ordered_columns:
                self.update_cell(row.key, column.key, row.cells[self._keys.index(column.key)])
            return True
        # the same key, height and place: only the cells change, so what DataTable computed from the
        # row order (line offsets, ordered rows) stays true under the next update count
        count = self._update_count
        offsets = self._offset_cache.get(count)
        ordered = self._ordered_row_cache.get((self.row_count, count))
        self._data[RowKey(row.key)] = self._state(row).data
        self._update_count = count + 1
        if offsets is not None:
            self._offset_cache[count + 1] = offsets
        if ordered is not None:
            self._ordered_row_cache[(self.row_count, count + 1)] = ordered
        self.refresh_row(index)
        return True

    def _fallback_reason(self) -> str | None:
        if not self.columns or any(c.auto_width for c in self.columns.values()):
            return "a column has no fixed width"
        problems = private_api_problems(self)
        return "; ".join(problems) if problems else None

    def prepare_rows(self, rows: Iterable[TableRow]) -> None:
        """Build the table's bookkeeping of rows about to be shown, ahead of time: plain Python that touches no
        widget state, so a worker's thread can do it and the fill on the UI thread only links the rows in."""
        for row in rows:
            self._state(row)

    def _state(self, row: TableRow) -> _Shown:
        state = row.table_state
        if state is None or state.columns is not self._keys:
            state = row.table_state = _Shown(self._keys, row)
        return state

    def _fill(self, rows: list[TableRow]) -> None:
        """Add ``rows`` after the rows shown."""
        reason = self._fallback_reason()
        start = len(self._shown)
        if reason is not None:
            self.last_fill = reason
            positions = [self._keys.index(column.key) for column in self.ordered_columns]
            for row in rows:
                self.add_row(*(row.cells[i] for i in positions), key=row.key)
                self._shown.append(row)
            return
        self.last_fill = "fast"
        states = [self._state(row) for row in rows]
        count = self._update_count
        offsets = self._offset_cache.get(count) if start else []
        ordered = self._ordered_row_cache.get((start, count)) if start else []
        data, meta = self._data, self.rows
        # dict builders instead of a loop: a RowKey hashes in Python, so every lookup saved counts at 20,000 rows
        keys = [state.meta.key for state in states]
        locations = dict(zip(keys, range(start, start + len(keys))))
        if len(locations) != len(keys) or (meta and not meta.keys().isdisjoint(keys)):
            raise DuplicateKey(f"The row key {_first_repeated(keys, meta)!r} already exists.")
        data.update(zip(keys, [state.data for state in states]))  # each row's cell dict; update_cell writes into it
        meta.update(zip(keys, [state.meta for state in states]))
        if start:
            for key, index in locations.items():
                self._row_locations[key] = index
        else:
            self._row_locations = TwoWayDict(locations)
        self._shown.extend(rows)
        self._require_update_dimensions = True
        self._update_count = count + 1
        # what DataTable would compute next from the rows just added (every row one line high)
        if offsets is not None:
            self._offset_cache[count + 1] = offsets + [state.offset for state in states]
        if ordered is not None:
            self._ordered_row_cache[(len(self._shown), count + 1)] = ordered + [state.meta for state in states]
        self.cursor_coordinate = self.cursor_coordinate
        if not start and rows and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self.check_idle()
        self.refresh()

    def self_check(self) -> list[str]:
        """What DataTable itself computes from the rows, against what the fast path told it (for tests)."""
        problems = private_api_problems(self)
        seeded_offsets = list(self._y_offsets)
        seeded_order = list(self.ordered_rows)
        self._offset_cache.clear()
        self._ordered_row_cache.clear()
        if list(self._y_offsets) != seeded_offsets:
            problems.append("the row line offsets seeded by the fast path differ from DataTable's own")
        if list(self.ordered_rows) != seeded_order:
            problems.append("the row order seeded by the fast path differs from DataTable's own")
        if [str(key.value) for key in self.rows] != [row.key for row in self._shown]:
            problems.append("DataTable.rows and the shown rows disagree")
        return problems

    # ------------------------------------------------------------ DataTable internals

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        if self.columns and not any(c.auto_width for c in self.columns.values()):
            new_rows = ()  # one line a row, every width fixed: nothing to measure
        super()._update_dimensions(new_rows)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Any,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable caches rendered cells per table update, so after a refill it renders every visible
        cell again even when the top rows did not change (typing on narrows the list; the first rows
        often stay). Rendered cells are kept here by the cell itself (cells are never changed: a changed
        row gets new ones) and where it is drawn."""
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
