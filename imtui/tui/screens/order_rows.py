"""The orders screen without Textual: its columns and one row per order.

Plain Python (Rich cells, no Textual import), so what a row shows and what the filter finds are unit-tested
without an app (tests/tui/test_order_rows.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imtui.tui.widgets.table_rows import Cell, ColumnSpec, TableRow

if TYPE_CHECKING:
    from imtui.core.services.order_reads import OrderView

#: order number, status, client and total never give way; on a narrow terminal the update time goes first,
#: then the PO, the account (its width: ``table_rows.with_account_width``), the creation time, the Ingram
#: name, the type (the detail shows them all)
ORDER_COLUMNS = (
    ColumnSpec("account", "Account", width=7, priority=2),
    ColumnSpec("number", "Order", width=9),
    ColumnSpec("type", "Type", width=12, priority=5),
    ColumnSpec("status", "Status", width=15),
    ColumnSpec("created", "Created (UTC)", width=16, priority=3),
    ColumnSpec("updated", "Updated", width=16, priority=0),
    ColumnSpec("po", "PO", width=14, priority=1),
    ColumnSpec("client", "Client", share=3, min_width=10),
    ColumnSpec("customer", "Ingram customer", share=3, min_width=12, priority=4),
    ColumnSpec("total", "Total".rjust(14), width=14),  # TOTAL_WIDTH
)

TOTAL_WIDTH = 14  # amounts are right-aligned in it
STATUS_STYLE = {"submitted": "bold", "processing": "bold", "error": "bold reverse", "cancelled": "dim"}


class OrderLine(TableRow):
    """One order as the table shows it, built once per change of the order."""

    __slots__ = ("view",)

    def __init__(self, view: OrderView) -> None:
        client = Cell(view.client) if view.client else Cell(view.customer_name or view.customer_id, "dim italic")
        cells = (
            Cell(view.account), Cell(view.number or view.id), Cell(view.type),
            Cell(view.status_text, STATUS_STYLE.get(view.status, "")),
            Cell(view.created_text), Cell(view.updated_text),
            Cell(view.po_number), client, Cell(view.customer_name),
            Cell(str(view.total).rjust(TOTAL_WIDTH) if view.total is not None else ""),
        )
        words = " ".join((*(c.value for c in cells), view.id, view.customer_id, view.status_meaning))
        super().__init__(order_key(view.account, view.id), cells, words)
        self.view = view


def order_key(account: str, order_id: str) -> str:
    return f"{account}\x1f{order_id}"
