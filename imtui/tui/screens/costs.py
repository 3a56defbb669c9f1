"""The cost report: per client, per currency, monthly cost, price and margin; annual commitments apart.

Opened over any area by ``app.action_cost_report()`` (command palette: "Cost report"; the subscriptions
area binds a key to it). Read from the snapshot in a worker thread by ``services.reports.costs`` (the rules are
:mod:`imtui.core.costs`: a yearly-billed line counts price/12 a month, never a sum across currencies).
"""

from __future__ import annotations

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from imtui.core.costs import ALL_CLIENTS, COMMITMENT_SHORT, CostGroup, CostReport, amount_text
from imtui.core.formats.exports import ExportTable
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.exportable import Exportable
from imtui.tui.widgets.fast_table import FastTable
from imtui.tui.widgets.key_help import KeyHelp
from imtui.tui.widgets.table_rows import Cell, ColumnSpec, TableRow

COLUMNS = (
    ColumnSpec("client", "Client", share=1, min_width=16),
    ColumnSpec("currency", "Cur", width=4),
    ColumnSpec("subscriptions", "Subs", width=5, priority=2),
    ColumnSpec("seats", "Seats", width=7, priority=1),
    ColumnSpec("cost", "Cost/month", width=12),
    ColumnSpec("price", "Price/month", width=12),
    ColumnSpec("margin", "Margin/month", width=12),
    ColumnSpec("percent", "Margin %", width=8, priority=3),
)
NOTE = ("Monthly recurring amounts per currency; a yearly-billed line counts price/12 a month. Annual "
        "commitments (terms of a year or more) apart; inactive subscriptions left out; never summed across currencies.")


class Amount(Cell):
    """A number, right-aligned in its column."""

    __slots__ = ()

    def __rich__(self) -> Text:
        if self._text is None:
            self._text = Text(self.value, style=self.style, no_wrap=True, overflow="ellipsis", end="", justify="right")
        return self._text


class CostRow(TableRow):
    __slots__ = ()

    @classmethod
    def of(cls, key: str, group: CostGroup, *, total: bool = False) -> "CostRow":
        row = group.to_row()
        style = "bold" if total else ""
        client = f"Total {group.currency}" if total else group.client
        cells = (Cell(client, style), Cell(group.currency, style), Amount(f"{row['subscriptions']:,}", style),
                 Amount(str(row["seats"]), style), Amount(amount_text(row["monthly_cost"]), style),
                 Amount(amount_text(row["monthly_price"]), style), Amount(amount_text(row["monthly_margin"]), style),
                 Amount(row["margin_percent"] or "—", style))
        return cls(key, cells)

    @classmethod
    def heading(cls, key: str, text: str) -> "CostRow":
        return cls(key, (Cell(text, "bold underline"), *(Cell("") for _ in COLUMNS[1:])))


class CostReportScreen(AreaScreen, Exportable):
    """The "Cost report" view."""

    TITLE = "Cost report"
    export_what = "costs"

    BINDINGS = [
        Binding("escape", "close", "Back", id="costs.close", tooltip="Back to where you were"),
    ]

    table = getters.query_one("#costs-table", FastTable)
    summary = getters.query_one("#costs-summary", Static)

    def __init__(self) -> None:
        super().__init__(classes="costs-screen")
        self.report: CostReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(NOTE, id="costs-note", markup=False)
        yield FastTable(COLUMNS, id="costs-table", zebra_stripes=True)
        yield Static("Reading the snapshot…", id="costs-summary", markup=False)
        yield KeyHelp(id="costs-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        parts = self.key_help(("costs.close",))
        export = next((b for b in self.app.BINDINGS if getattr(b, "id", None) == "app.export"), None)
        if export is not None:
            parts.append((self.app.get_key_display(export), "export"))
        self.query_one("#costs-help", KeyHelp).show(parts)
        self.table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="costs", exit_on_error=False)
    def load(self) -> None:
        report = self.services.reports.costs()
        self.app.call_from_thread(self.show, report)

    def show(self, report: CostReport) -> None:
        self.report = report
        rows: list[CostRow] = []
        for commitment, groups, totals in report.sections():
            rows.append(CostRow.heading(f"h-{commitment}", COMMITMENT_SHORT[commitment]))
            # each currency's total first (a glance, without scrolling), then the clients
            rows += [CostRow.of(f"{commitment}-{ALL_CLIENTS}-{t.currency}", t, total=True) for t in totals]
            rows += [CostRow.of(f"{commitment}-{g.client}-{g.currency}", g) for g in groups]
        self.table.replace_rows(rows)
        clients = len({g.client for g in report.groups})
        unpriced = sum(g.unpriced for g in report.groups)
        text = (f"{clients:,} client{'s' if clients != 1 else ''} in {', '.join(report.currencies()) or 'no currency'}"
                if report.groups else "No active subscription with a price in the snapshot: sync first.")
        if unpriced:
            text += f" · {unpriced:,} line(s) without a known price or cost left out"
        if report.left_out:
            text += f" · {report.left_out:,} inactive subscription(s) left out"
        self.summary.update(text)

    def export_table(self) -> ExportTable | None:
        if self.report is None:
            return None
        return self.services.reports.cost_table(self.report)

    def action_close(self) -> None:
        self.app.pop_screen()
