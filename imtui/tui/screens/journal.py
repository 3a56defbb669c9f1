"""Journal: every change the user made or tried, newest first, with the hash chain's state.

Entries come from ``services.journal_view`` (read in a thread); the chain is checked in a thread too and its
state is shown above the table ("intact, N entries" or where it is broken). Filters by client, account,
action and outcome (each a pick list) and as you type; enter shows every field of an entry; ``e`` exports
one client's entries through the services (written atomically).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from imtui.core.errors import ServiceError
from imtui.core.journal import Entry, JournalFilter
from imtui.core.services.journal_view import chain_words, describe_entry, entry_columns, filter_choices
from imtui.tui.dialogs import MessageDialog
from imtui.tui.dialogs.journal import JournalExportChoice, JournalExportDialog
from imtui.tui.dialogs.pick import PickDialog
from imtui.tui.messages import AccountChosen, OrderPlaced, ServicesReady
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.filter_bar import FilterBar
from imtui.tui.screens.journal_rows import JOURNAL_COLUMNS, EntryLine
from imtui.tui.widgets.fast_table import FastTable
from imtui.tui.widgets.key_help import KeyHelp
from imtui.tui.widgets.table_rows import NarrowingFilter, with_account_width

HELP_KEYS = (
    "journal.filter", "journal.client", "journal.account", "journal.action", "journal.outcome", "journal.export",
    "journal.verify", "journal.reload",
)
#: the filters: key in JournalFilter, what the pick list asks, the binding's id
FILTERS = {
    "client": "Entries of which client?",
    "account": "Entries of which account?",
    "action": "Entries of which action?",
    "outcome": "Entries with which outcome?",
}


class JournalScreen(FilterBar, AreaScreen):
    """The journal's entries, its filters, the chain's state, one entry's detail and the export."""

    TITLE = "Journal"

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", show=False, id="journal.filter", tooltip="Filter as you type"),
        Binding("c", "pick('client')", "Client", show=False, id="journal.client", tooltip="Only one client's entries"),
        Binding("a", "pick('account')", "Account", show=False, id="journal.account", tooltip="Only one account's entries"),
        Binding("x", "pick('action')", "Action", show=False, id="journal.action",
                tooltip="Only one action (order.place...) or family of actions (order, subscription)"),
        Binding("o", "pick('outcome')", "Outcome", show=False, id="journal.outcome",
                tooltip="Only one outcome (ok, refused, failed, unknown...)"),
        Binding("e", "export", "Export", show=False, id="journal.export",
                tooltip="Export one client's entries to CSV or JSON for a customer-facing audit"),
        Binding("v", "verify", "Verify", show=False, id="journal.verify", tooltip="Check the hash chain again"),
        Binding("r", "reload", "Reload", show=False, id="journal.reload", tooltip="Read the journal again"),
    ]

    table = getters.query_one("#journal-table", FastTable)
    filter_input = getters.query_one("#journal-filter", Input)
    counts = getters.query_one("#journal-counts", Static)
    chain = getters.query_one("#journal-chain", Static)

    def __init__(self) -> None:
        super().__init__(classes="journal-screen")
        self.entries: list[Entry] = []  # newest first
        self.filters: dict[str, str | None] = dict.fromkeys(FILTERS)
        self.choices: dict[str, list[str]] = {name: [] for name in FILTERS}
        self._read_version: tuple[int, int] | None | bool = False  # the file's version when last read
        self._filter: NarrowingFilter[EntryLine] = NarrowingFilter()
        self._lines: dict[str, EntryLine] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="journal-bar"):
            yield Input(placeholder="filter: client, customer, order, PO, correlation id, error… (/)", id="journal-filter")
            yield Static("", id="journal-counts")
        yield Static("Checking the chain…", id="journal-chain", markup=False)
        yield FastTable(JOURNAL_COLUMNS, id="journal-table", zebra_stripes=True)
        yield KeyHelp(id="journal-help")
        yield Footer(compact=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed in a way it did not expect: said once, in a dialog, instead of vanishing."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.imtui.show_error("The journal screen met an unexpected error", event.worker.error)

    def on_mount(self) -> None:
        self.query_one("#journal-help", KeyHelp).show(self.key_help(HELP_KEYS, lead=[("enter", "entry")]))
        self.table.focus()

    def on_services_ready(self, _: ServicesReady) -> None:
        self.table.set_columns(with_account_width(JOURNAL_COLUMNS, [a.name for a in self.services.config.accounts]))
        self.load()

    def on_screen_resume(self) -> None:
        """Entries written meanwhile (an order placed, a seat change) are shown when the screen comes back."""
        if self._read_version is not False and self.services.journal_view.version() != self._read_version:
            self.load()

    def on_account_chosen(self, message: AccountChosen) -> None:
        """"Use account X" from the palette: only X's entries (a, then "any account", shows them all again)."""
        self.filters["account"] = message.account
        if self.is_mounted:
            self.refill()

    def on_order_placed(self, _: OrderPlaced) -> None:
        if self.is_current:
            self.load()

    # ------------------------------------------------------------ reading and checking

    @work(exclusive=True, group="journal-load", exit_on_error=False)
    async def load(self) -> None:
        view = self.services.journal_view
        version = view.version()
        try:
            entries = await asyncio.to_thread(view.entries)
        except OSError as exc:
            self.chain.update(f"The journal cannot be read: {exc}")
            self.chain.set_classes("-error")
            return
        self._read_version = version
        self.entries = entries
        self.choices = filter_choices(entries)
        self._filter.forget()
        self._lines = {}
        self.refill()
        self.verify()

    @work(exclusive=True, group="journal-verify", exit_on_error=False)
    async def verify(self) -> None:
        self.chain.update("Checking the chain…")
        self.chain.set_classes("")
        try:
            result = await asyncio.to_thread(self.services.journal_view.verify)
        except OSError as exc:
            self.chain.update(f"The journal cannot be read: {exc}")
            self.chain.set_classes("-error")
            return
        self.chain.update(chain_words(result))
        self.chain.set_classes("-ok" if result.ok else "-error")

    # ------------------------------------------------------------ rows and filters

    def _line(self, entry: Entry) -> EntryLine:
        key = f"{entry.seq}\x1f{entry.hash}"
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = EntryLine(entry, entry_columns(entry))
        return line

    def _where(self) -> JournalFilter:
        return JournalFilter(**self.filters)

    def refill(self) -> None:
        where = self._where()
        lines = self._filter.apply(
            self.filter_input.value,
            (len(self.entries), tuple(self.filters.items())),
            lambda: [self._line(e) for e in self.entries if where.matches(e)],
        )
        self.table.replace_rows(lines)
        parts = [f"{self.table.row_count:,} of {len(self.entries):,}"]
        parts += [f"{name} {value}" for name, value in self.filters.items() if value]
        self.counts.update(" · ".join(parts))

    def key_escape(self) -> None:
        if self.filter_input.has_focus:
            self.table.focus()

    def _options(self, name: str) -> list[tuple[str, str]]:
        values = self.choices.get(name, [])
        if name != "action":
            return [(v, v) for v in values]
        families = sorted({v.split(".")[0] for v in values}, key=str.casefold)
        return [(f, f"{f} (every {f}.… action)") for f in families] + [(v, v) for v in values]

    def action_pick(self, name: str) -> None:
        def chosen(value: str | None) -> None:
            if value is not None:
                self.filters[name] = value or None
                self.refill()

        self.app.push_screen(
            PickDialog(FILTERS[name], self._options(name), current=self.filters[name] or "", any_label=f"any {name}"),
            chosen,
        )

    # ------------------------------------------------------------ entry, export

    @on(DataTable.RowSelected, "#journal-table")
    def _row_chosen(self) -> None:
        line = self.table.selected
        if isinstance(line, EntryLine):
            entry = line.entry
            self.app.push_screen(MessageDialog(f"Journal entry {entry.seq}", "\n".join(describe_entry(entry))))

    def action_verify(self) -> None:
        self.verify()

    def action_reload(self) -> None:
        self.load()

    def action_export(self) -> None:
        clients = self.choices.get("client", [])
        if not clients:
            self.notify("No journal entry names a client yet: there is nothing to export.", title="Export")
            return
        selected = self.table.selected
        client = self.filters["client"] or (selected.entry.client if isinstance(selected, EntryLine) else "") or clients[0]

        def chosen(choice: JournalExportChoice | None) -> None:
            if choice is not None:
                self.export(choice)

        self.app.push_screen(JournalExportDialog(clients, client, Path.cwd()), chosen)

    @work(exclusive=True, group="journal-export", exit_on_error=False)
    async def export(self, choice: JournalExportChoice) -> None:
        try:
            result = await asyncio.to_thread(
                self.services.journal_view.export_file, choice.client, choice.format, choice.path
            )
        except ServiceError as exc:
            self.notify(f"Nothing exported: {exc}", title="Export", severity="error", timeout=10, markup=False)
            return
        self.notify(result.summary(), title="Export", markup=False, timeout=10)
