"""What the fast table shows: columns, rows, cells, and the plain functions over them.

No Textual here (Rich only, for the cells' drawing), so fitting columns to a width, filtering as you type
and sorting are unit-tested without an app. ``fast_table.FastTable`` shows these rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from rich.text import Text


class Cell:
    """A cell's text, made into a Rich ``Text`` only when it is drawn.

    Not a str: a str cell is parsed as markup ("Acme [UK] Ltd" would lose "[UK]"). Not a ``Text`` up
    front either: 5,000 rows x 8 cells of ``Text`` took 0.3 s to build, and only the visible rows are
    ever drawn. The text is cut with an ellipsis at the column's width instead of wrapping out of sight.
    A cell is never changed once made (a changed row gets new cells): the table caches what it drew by
    the cell itself. ``sort_key`` orders the column (numbers, dates, money); by default the text does.
    """

    __slots__ = ("value", "style", "sort_key", "_text")

    def __init__(self, value: str, style: str = "", sort_key: Any = None) -> None:
        self.value = value
        self.style = style
        self.sort_key = value.casefold() if sort_key is None else sort_key
        self._text: Text | None = None

    def __rich__(self) -> Text:
        if self._text is None:
            self._text = Text(self.value, style=self.style, no_wrap=True, overflow="ellipsis", end="")
        return self._text

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Cell({self.value!r})"


class TableRow:
    """One row: a stable key, its cells in the order of the table's columns, the text the filter searches.

    Build a row once per change of what it shows, and keep it: the table keeps its own bookkeeping for
    the row on the row (``table_state``), so showing the same rows again in another order or subset
    (filtering, sorting) allocates nothing per row. Subclasses add what the screen needs (the customer,
    the subscription...), so the screen never parses a key to find its object.
    """

    __slots__ = ("key", "cells", "filter_text", "table_state")

    def __init__(self, key: str, cells: Sequence[Cell], filter_text: str | None = None) -> None:
        self.key = key
        self.cells = tuple(cells)
        self.filter_text = (
            " ".join(cell.value for cell in self.cells) if filter_text is None else filter_text
        ).casefold()
        self.table_state: Any = None  # owned by FastTable

    def text(self) -> list[str]:
        return [cell.value for cell in self.cells]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.text()!r})"


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its key and label, its width, and how it gives way on a narrow terminal.

    ``width``: a fixed width in cells; or ``None``: the column takes ``share`` parts of the width left
    by the fixed ones, never less than ``min_width``. ``priority``: when the columns do not fit, the one
    with the lowest priority is hidden first (ties: the rightmost); ``None``: never hidden.
    """

    key: str
    label: str
    width: int | None = None
    share: int = 1
    min_width: int = 8
    priority: int | None = None


def fit_columns(columns: Sequence[ColumnSpec], width: int, *, padding: int = 2) -> dict[str, int]:
    """The columns shown in ``width`` cells and the width of each, in column order.

    ``padding`` is what the table adds around every column. Columns give way by priority until the rest
    fit at their fixed or minimum widths; the shared columns then split what is left by their shares,
    the last one taking the remainder (so the shares use every cell).
    """
    shown = list(columns)

    def needed(cols: list[ColumnSpec]) -> int:
        return sum((c.width if c.width is not None else c.min_width) + padding for c in cols)

    while needed(shown) > width:
        can_go = [(c.priority, -i, c) for i, c in enumerate(shown) if c.priority is not None]
        if not can_go:
            break
        shown.remove(min(can_go, key=lambda t: (t[0], t[1]))[2])
    shared = [c for c in shown if c.width is None]
    free = width - sum((c.width or 0) + padding for c in shown if c.width is not None) - padding * len(shared)
    shares = sum(max(1, c.share) for c in shared)
    widths: dict[str, int] = {}
    left = free
    for i, column in enumerate(shared):
        if i == len(shared) - 1:
            widths[column.key] = max(column.min_width, left)
        else:
            widths[column.key] = max(column.min_width, free * max(1, column.share) // shares)
            left -= widths[column.key]
    return {c.key: c.width if c.width is not None else widths[c.key] for c in shown}


def with_account_width(columns: Sequence[ColumnSpec], accounts: Sequence[str], key: str = "account") -> tuple[ColumnSpec, ...]:
    """The columns, the account column (``key``) as wide as the longest account name, 7 to 14 cells."""
    longest = max((len(name) for name in accounts), default=len("Account"))
    width = max(7, min(14, longest))
    return tuple(replace(c, width=width) if c.key == key else c for c in columns)


R = TypeVar("R", bound=TableRow)


def filter_words(text: str) -> list[str]:
    """What the filter looks for: every word typed, in any case, anywhere in the row."""
    return text.casefold().split()


def filter_rows(rows: Iterable[R], text: str, keep: Callable[[R], bool] | None = None) -> list[R]:
    """The rows whose filter text holds every word of ``text`` (and that ``keep``, if given, keeps)."""
    words = filter_words(text)
    if len(words) == 1:  # the common case, without a generator per row (a third of the time at 20,000 rows)
        word = words[0]
        if keep is None:
            return [row for row in rows if word in row.filter_text]
        return [row for row in rows if word in row.filter_text and keep(row)]
    if keep is None:
        return [row for row in rows if all(word in row.filter_text for word in words)]
    return [row for row in rows if keep(row) and all(word in row.filter_text for word in words)]


class NarrowingFilter(Generic[R]):
    """``filter_rows`` for a filter typed key by key: typing on (the text only grows, nothing else
    changed) narrows the last result instead of scanning every row again.

    ``context`` is whatever else decides the result (a toggle, the row count, the rows' version); a
    different context scans everything again.
    """

    def __init__(self) -> None:
        self._last: tuple[str, Any, list[R]] | None = None

    def apply(
        self,
        text: str,
        context: Any,
        every_row: Callable[[], Iterable[R]],
        keep: Callable[[R], bool] | None = None,
    ) -> list[R]:
        text = text.casefold()
        last = self._last
        if last is not None and text.startswith(last[0]) and last[1] == context:
            rows = filter_rows(last[2], text, keep)
        else:
            rows = filter_rows(every_row(), text, keep)
        self._last = (text, context, rows)
        return rows

    def forget(self) -> None:
        self._last = None


def sort_rows(rows: Iterable[R], column: int, *, reverse: bool = False) -> list[R]:
    """The rows ordered by the cell in position ``column`` (its ``sort_key``); equal ones keep their order.

    Showing them sorted is ``FastTable.replace_rows(sort_rows(...))``: the cursor stays on its row.
    """
    return sorted(rows, key=lambda row: row.cells[column].sort_key, reverse=reverse)


def rotate_from(rows: Sequence[R], start: int) -> list[R]:
    """Every row once, from ``start`` to the end and then round from the top."""
    start = min(max(start, 0), len(rows))
    return [*rows[start:], *rows[:start]]
