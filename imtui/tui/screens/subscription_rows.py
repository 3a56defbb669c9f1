"""The subscriptions screen without Textual: its columns, one table row per subscription, the left pane's rows.

Plain Python (Rich only, for the cells), so what a row shows is unit-tested without an app. The rules
(filtering, sorting, renewals, totals) are the services' (``imtui.core.services.subscription_views``):
the screen only draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rich.text import Text

from imtui.core.services.subscription_views import SubscriptionView, amount_text
from imtui.core.services.subscriptions import CustomerChoice
from imtui.tui.widgets.table_rows import Cell, ColumnSpec, TableRow

#: client, product, seats and status never give way; on a narrow terminal the ID goes first, then the account,
#: cost, auto-renew, margin, the renewal date, the term, the price and last the currency
COLUMNS = (
    ColumnSpec("account", "Account", width=7, priority=1),  # width: see columns_for
    ColumnSpec("id", "ID", width=8, priority=0),
    ColumnSpec("client", "Client", share=2, min_width=12),
    ColumnSpec("product", "Product", share=3, min_width=16),
    ColumnSpec("seats", "Seats", width=5),
    ColumnSpec("term", "Term", width=7, priority=7),
    ColumnSpec("status", "Status", width=10),
    ColumnSpec("renewal", "Renewal · days", width=16, priority=6),
    ColumnSpec("auto_renew", "Auto", width=4, priority=4),
    ColumnSpec("price", "Price", width=9, priority=9),
    ColumnSpec("cost", "Cost", width=9, priority=2),
    ColumnSpec("margin", "Margin", width=8, priority=5),
    ColumnSpec("currency", "Cur", width=3, priority=10),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)

SIDEBAR_COLUMNS = (
    ColumnSpec("name", "Customers", min_width=10),
    ColumnSpec("count", "Subs", width=4, priority=1),
)

INACTIVE_STYLE = "dim"
ORDER_STYLE = "bold yellow"
HEADING_STYLE = "bold"

Key = tuple[str, str]


def columns_for(accounts: Sequence[str], *, one_customer: bool = False, renewals: bool = False) -> tuple[ColumnSpec, ...]:
    """The columns, the account column as wide as the longest account name (7 to 14). Showing one customer,
    the client column (the same on every row) is the first to give way; in the renewals view the renewal
    date never does."""
    longest = max((len(name) for name in accounts), default=len("Account"))
    width = max(7, min(14, longest))

    def adjust(c: ColumnSpec) -> ColumnSpec:
        if c.key == "account":
            return replace(c, width=width)
        if c.key == "client" and one_customer:
            return replace(c, priority=-1)
        if c.key == "renewal" and renewals:
            return replace(c, priority=None)
        return c

    return tuple(adjust(c) for c in COLUMNS)


def seats_text(seats: object) -> str:
    return "" if seats is None else f"{seats:,}" if isinstance(seats, int) else str(seats)


def renewal_text(view: SubscriptionView) -> str:
    """``2027-05-21  174d``; an ended subscription: ``ended 2026-11-20``."""
    row = view.row
    if not view.active:
        return f"ended {row.inactive_since.isoformat()}" if row.inactive_since else "ended"
    if row.renewal_date is None:
        return ""
    days = f"{row.days_to_renewal}d" if row.days_to_renewal is not None else ""
    return f"{row.renewal_date.isoformat()} {days:>5}"


def status_text(view: SubscriptionView) -> str:
    if not view.active:
        return "vanished" if view.row.inactive_reason == "vanished upstream" else (view.row.inactive_reason or view.status)
    return view.status


def on_off(value: bool | None) -> str:
    return "" if value is None else "on" if value else "off"


class CellMaker:
    """Cells shared by the rows of one build: a cell is never changed, and most columns repeat a few values
    (account, term, status, prices, currency), so 20,000 rows need far fewer than 260,000 cells. The money
    texts are kept by the ``Money`` objects of one snapshot read (which share them)."""

    __slots__ = ("_cells", "_amounts")

    def __init__(self) -> None:
        self._cells: dict[tuple[str, str], Cell] = {}
        self._amounts: dict[int, tuple[object, str]] = {}

    def __call__(self, value: str, style: str = "") -> Cell:
        cell = self._cells.get((value, style))
        if cell is None:
            cell = self._cells[(value, style)] = Cell(value, style, sort_key=0)  # the table sorts on views
        return cell

    def amount(self, money) -> str:
        if money is None:
            return ""
        found = self._amounts.get(id(money))
        if found is None or found[0] is not money:
            found = self._amounts[id(money)] = (money, amount_text(money))
        return found[1]


class SubscriptionLine(TableRow):
    """One subscription as the table shows it (the table sorts by the services' rules, on ``view``); built
    again when its view or its order note changes. Rows built together share a :class:`CellMaker`.

    ``note``: an order in progress on it in this session ("placing…", "processing", "failed"), shown in
    place of its status until the order ends and the row is read again.
    """

    __slots__ = ("view", "note")

    def __init__(self, view: SubscriptionView, note: str | None = None, cell: CellMaker | None = None) -> None:
        cell = cell or CellMaker()
        dim = "" if view.active else INACTIVE_STYLE
        pending = note or (_order_word(view) if view.pending is not None else None)
        price = view.price
        cells = (
            cell(view.account, dim),
            Cell(view.id, dim, sort_key=0),
            cell(view.client, dim if view.mapped or not view.active else f"italic {dim}".strip()),
            cell(view.product, dim),
            cell(seats_text(view.seats), dim),
            cell(f"{view.term}/{view.billing}", dim),
            cell(pending, ORDER_STYLE) if pending else cell(status_text(view), dim),
            cell(renewal_text(view), dim),
            cell(on_off(view.auto_renew), dim),
            cell(cell.amount(price.price), dim),
            cell(cell.amount(price.cost), dim),
            cell(cell.amount(price.margin), dim),
            cell(view.currency or "", dim),
        )
        super().__init__("\x1f".join(view.key), cells, view.search_text)
        self.view = view
        self.note = note


def _order_word(view: SubscriptionView) -> str:
    order = view.pending
    if order is None:
        return ""
    if order.status_code == "SC":
        return "scheduled"
    return order.status if order.status in ("submitted", "processing") else "order open"


class HeadingLine(TableRow):
    """A heading between the sections of the renewals view, in the columns that stay on a narrow terminal
    ("Annual | 6 commitments | ... | within 30 days"); no subscription, so actions do not apply."""

    __slots__ = ("view",)

    def __init__(self, key: str, section: str, what: str, within: int) -> None:
        blank = Cell("")  # a cell is never changed, so one can stand in every empty column
        words = {"client": section, "product": what, "renewal": f"within {within} days"}
        super().__init__(key, [Cell(words[k], HEADING_STYLE) if k in words else blank for k in COLUMN_KEYS], "")
        self.view = None

    @property
    def title(self) -> str:
        return " ".join(cell.value for cell in self.cells if cell.value)


class PairCell(Cell):
    """A name with a second one beside it, dimmed: "Acme Inc · ACME INC." (filtering and sorting see the first)."""

    __slots__ = ("beside",)

    def __init__(self, value: str, beside: str, style: str = "") -> None:
        super().__init__(value, style)
        self.beside = beside

    def __rich__(self) -> Text:
        if self._text is None:
            text = Text(self.value, style=self.style, no_wrap=True, overflow="ellipsis", end="")
            if self.beside:
                text.append(f" · {self.beside}", style="dim")
            self._text = text
        return self._text


class ScopeLine(TableRow):
    """A row of the left pane: every customer, one account, or one customer."""

    __slots__ = ("scope",)

    def __init__(self, key: str, scope: tuple, name: str, beside: str, count: int, style: str = "") -> None:
        super().__init__(key, (PairCell(name, beside, style), Cell(f"{count:,}", "dim")))
        self.scope = scope  # () every customer, (account,) one account, (account, customer id) one customer


def scope_lines(choices: Sequence[CustomerChoice], total: int) -> list[ScopeLine]:
    """The left pane: "All customers", then per account its line and its customers by client name (the Ingram
    name beside a mapped one; an unmapped one in italics, by its Ingram name)."""
    lines = [ScopeLine("*", (), "All customers", "", total, HEADING_STYLE)]
    by_account: dict[str, list[CustomerChoice]] = {}
    for choice in choices:
        by_account.setdefault(choice.account, []).append(choice)
    for account, customers in by_account.items():
        lines.append(ScopeLine(account, (account,), account, "account", sum(c.subscriptions for c in customers),
                               HEADING_STYLE))
        for c in customers:
            lines.append(ScopeLine(f"{account}\x1f{c.customer_id}", (account, c.customer_id), c.client,
                                   c.customer_name if c.mapped else "", c.subscriptions, "" if c.mapped else "italic"))
    return lines
