"""What changed: the last sync's changes per account, grouped by kind and client, with client names.

Opened over any area by ``app.action_what_changed()`` (command palette: "What changed"; the subscriptions
area binds a key to it), and by the app after a sync it ran. Given a report it shows that one (a sync that
just ran); without, it reads each account's last successful sync from the snapshot (in a worker thread).
"""

from __future__ import annotations

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from imtui.core.formats.exports import ExportTable
from imtui.core.services.changes import KIND_SHORT, ChangeLine, ChangeReport, change_table
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.exportable import Exportable
from imtui.tui.widgets.fast_table import FastTable
from imtui.tui.widgets.key_help import KeyHelp
from imtui.tui.widgets.table_rows import Cell, ColumnSpec, TableRow

#: at 80 columns every one still shows (the client and the subscription narrower); below, the account goes
COLUMNS = (
    ColumnSpec("account", "Account", width=8, priority=1),
    ColumnSpec("kind", "Change", width=12),
    ColumnSpec("client", "Client", share=4, min_width=12),
    ColumnSpec("subject", "Subscription, customer or order", share=6, min_width=14),
    ColumnSpec("what", "Before → after", share=3, min_width=20),
)
HELP_KEYS = ("changes.close", "app.export")


class ChangeRow(TableRow):
    __slots__ = ("line",)

    def __init__(self, key: str, line: ChangeLine) -> None:
        c = line.change
        # a customer not mapped to a client: its Ingram name, dimmed (the heading says what dim means)
        who = line.client or c.customer_name or c.customer_id or ""
        style = "" if line.client else "dim italic"
        super().__init__(key, (Cell(c.account), Cell(KIND_SHORT.get(c.kind, c.kind)), Cell(who, style),
                               Cell(line.subject), Cell(line.what)))
        self.line = line


class ChangesScreen(AreaScreen, Exportable):
    """The "What changed" view."""

    TITLE = "What changed"
    export_what = "changes"

    BINDINGS = [
        Binding("escape", "close", "Back", id="changes.close", tooltip="Back to where you were"),
    ]

    table = getters.query_one("#changes-table", FastTable)
    heading = getters.query_one("#changes-heading", Static)

    def __init__(self, report: ChangeReport | None = None, *, title: str = "Since the last sync") -> None:
        super().__init__(classes="changes-screen")
        self.report = report
        self.heading_title = title

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.heading_title, id="changes-title", classes="pane-title", markup=False)
        yield Static("Reading the snapshot…", id="changes-heading", markup=False)
        yield FastTable(COLUMNS, id="changes-table", zebra_stripes=True)
        yield KeyHelp(id="changes-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        app_bindings = {b.id: b for b in self.app.BINDINGS if getattr(b, "id", None)}
        parts = self.key_help(HELP_KEYS[:1])
        if "app.export" in app_bindings:
            parts.append((self.app.get_key_display(app_bindings["app.export"]), "export"))
        self.query_one("#changes-help", KeyHelp).show(parts)
        self.table.focus()
        if self.report is not None:
            self.show(self.report)
        else:
            self.load()

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def load(self) -> None:
        report = self.services.sync.last_changes()
        self.app.call_from_thread(self.show, report)

    def show(self, report: ChangeReport) -> None:
        self.report = report
        lines = [a.headline() for a in report.accounts] or ["No account yet: press 1 to add one."]
        if any(not line.client for a in report.accounts for line in a.lines):
            lines.append("Names in dim italics are Ingram customers not mapped to a client yet.")
        self.heading.update("\n".join(lines))
        rows = []
        for account in report.accounts:
            for _, clients in account.groups():
                for _, group in clients:
                    rows += [ChangeRow(f"{len(rows)}", line) for line in group]
        self.table.replace_rows(rows)

    def export_table(self) -> ExportTable | None:
        return change_table(self.report) if self.report is not None else None

    def action_close(self) -> None:
        self.app.pop_screen()
