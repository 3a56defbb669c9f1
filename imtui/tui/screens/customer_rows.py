"""The customers screen without Textual: its columns, one row per customer, the triage order.

Plain Python (no Textual import), so the rules of what a row shows, what the filter finds and which
customer the triage queue offers next are unit-tested without an app (tests/tui/test_customer_rows.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping as MappingOf, Sequence
from typing import TYPE_CHECKING

from imtui.tui.widgets.table_rows import Cell, ColumnSpec, TableRow, rotate_from, with_account_width

if TYPE_CHECKING:
    from imtui.core.config import Mapping
    from imtui.core.services import CustomerRow

#: customer, client and how never give way; on a narrow terminal city goes first, then status, country, ID
COLUMNS = (
    ColumnSpec("account", "Account", width=7, priority=5),  # width: see columns_for
    ColumnSpec("customer", "Ingram customer", share=11, min_width=16),
    ColumnSpec("id", "ID", width=8, priority=4),
    ColumnSpec("status", "Status", width=10, priority=2),
    ColumnSpec("city", "City", width=14, priority=1),
    ColumnSpec("country", "Ctry", width=4, priority=3),
    ColumnSpec("client", "Client", share=9, min_width=12),
    ColumnSpec("how", "How", width=10),
)

HOW_STYLE = {"unmapped": "bold", "ignored": "dim", "manual": "", "exact": "", "normalised": "italic"}

CustomerKey = tuple[str, str]  # (account, customer id): CustomerRow.key, Mapping's (account, customer_id)


def columns_for(accounts: Sequence[str]) -> tuple[ColumnSpec, ...]:
    """The columns, the account column as wide as the longest account name (7 to 14)."""
    return with_account_width(COLUMNS, accounts)


class CustomerLine(TableRow):
    """One customer as the table shows it, built once per change of its mapping."""

    __slots__ = ("customer", "mapping")

    def __init__(self, customer: CustomerRow, mapping: Mapping | None) -> None:
        how = mapping.how if mapping else "unmapped"
        client = mapping.client if mapping and mapping.client else ("—" if how == "ignored" else "")
        c = customer.customer
        values = (customer.account, c.name, c.id or "", c.status, c.city, c.country, client)
        super().__init__("\x1f".join(customer.key), (*(Cell(v) for v in values), Cell(how, HOW_STYLE.get(how, ""))))
        self.customer = customer
        self.mapping = mapping

    @property
    def customer_key(self) -> CustomerKey:
        return self.customer.key

    @property
    def how(self) -> str:
        return self.mapping.how if self.mapping else "unmapped"


def fresh_line(
    lines: dict[CustomerKey, CustomerLine], customer: CustomerRow, mappings: MappingOf[CustomerKey, Mapping]
) -> CustomerLine:
    """The customer's line from ``lines``, rebuilt only if its mapping changed (mappings are replaced,
    never changed in place, so an identity check says it)."""
    key = customer.key
    mapping = mappings.get(key)
    line = lines.get(key)
    if line is None or line.mapping is not mapping:
        line = lines[key] = CustomerLine(customer, mapping)
    return line


def next_to_triage(
    lines: Sequence[CustomerLine],
    start: int,
    mappings: MappingOf[CustomerKey, Mapping],
    skipped: Collection[CustomerKey] = (),
) -> CustomerLine | None:
    """The triage queue's next customer: the first unmapped one from ``start`` in table order, round
    from the top, that was not skipped in this queue; ``None`` when there is none left."""
    for line in rotate_from(lines, start):
        key = line.customer_key
        if key not in skipped and mappings.get(key) is None:
            return line
    return None
