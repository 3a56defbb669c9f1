"""The journal screen without Textual: its columns and one row per entry.

Plain Python (Rich cells, no Textual import), so what a row shows and what the filter finds are unit-tested
without an app (tests/tui/test_order_rows.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imtui.tui.widgets.table_rows import Cell, ColumnSpec, TableRow

if TYPE_CHECKING:
    from imtui.core.journal import Entry

#: time, client, action and outcome never give way; on a narrow terminal the PO goes first, then the account,
#: the error, the customer, the correlation id, the order (the entry's detail shows them all)
JOURNAL_COLUMNS = (
    ColumnSpec("time", "Time (UTC)", width=19),
    ColumnSpec("account", "Account", width=7, priority=1),
    ColumnSpec("client", "Client", share=3, min_width=10),
    ColumnSpec("customer", "Customer", share=3, min_width=10, priority=3),
    ColumnSpec("action", "Action", width=23),
    ColumnSpec("outcome", "Outcome", width=9),
    ColumnSpec("order", "Order", width=9, priority=5),
    ColumnSpec("po_number", "PO", width=14, priority=0),
    ColumnSpec("correlation_id", "Correlation id", width=14, priority=4),
    ColumnSpec("error", "Error", share=4, min_width=10, priority=2),
)

OUTCOME_STYLE = {"ok": "", "found": "", "dry_run": "dim", "cancelled": "dim", "pending": "italic"}


class EntryLine(TableRow):
    """One journal entry as the table shows it."""

    __slots__ = ("entry",)

    def __init__(self, entry: Entry, columns: dict[str, str]) -> None:
        cells = [Cell(columns[c.key]) for c in JOURNAL_COLUMNS]
        outcome = JOURNAL_COLUMNS.index(next(c for c in JOURNAL_COLUMNS if c.key == "outcome"))
        style = OUTCOME_STYLE.get(entry.outcome, "bold")  # failed, refused, unknown... stand out
        cells[outcome] = Cell(entry.outcome, style)
        words = " ".join((*columns.values(), entry.customer_id, entry.order_id))
        super().__init__(f"{entry.seq}\x1f{entry.hash}", cells, words)
        self.entry = entry
