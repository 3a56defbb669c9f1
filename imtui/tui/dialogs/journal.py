"""The journal screen's export dialog: one client's entries, CSV or JSON, to a file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from imtui.tui.dialogs.base import Dialog


@dataclass(frozen=True)
class JournalExportChoice:
    """What to export and where."""

    client: str
    format: str  # "csv" or "json"
    path: str


def default_file(folder: Path, client: str, fmt: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", client).strip("-").lower() or "client"
    return folder / f"imtui-journal-{slug}.{fmt}"


class JournalExportDialog(Dialog[JournalExportChoice]):
    """Client (one the journal names), format, file; each field says what is wrong as you type."""

    AUTO_FOCUS = "#export-client"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="journal.export.cancel", tooltip="Close without exporting")]

    def __init__(self, clients: Sequence[str], client: str, folder: Path) -> None:
        super().__init__("Export one client's journal", classes="journal-export-dialog")
        self.clients = list(clients)
        self.client = client
        self.folder = folder

    def compose_body(self) -> ComposeResult:
        yield Static(
            "Every journal entry of one client, oldest first, for a customer-facing audit: when, what was asked, "
            "the outcome, the order and PO numbers, the correlation ids. Written whole or not at all.",
            id="dialog-body",
        )
        yield Label("Client", classes="field-label")
        yield Input(self.client, placeholder="a client the journal names", id="export-client",
                    suggester=SuggestFromList(self.clients, case_sensitive=False))
        yield Static("", id="export-client-message", classes="field-message", markup=False)
        yield Label("Format", classes="field-label")
        with RadioSet(id="export-format"):
            yield RadioButton("CSV (opens in a spreadsheet)", value=True, id="format-csv")
            yield RadioButton("JSON", id="format-json")
        yield Label("File", classes="field-label")
        yield Input(str(default_file(self.folder, self.client, "csv")), id="export-path")
        yield Static("", id="export-path-message", classes="field-message", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Export", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self._check()

    @property
    def format(self) -> str:
        return "json" if self.query_one("#format-json", RadioButton).value else "csv"

    def _known_client(self, typed: str) -> str | None:
        return next((c for c in self.clients if c.casefold() == typed.strip().casefold()), None)

    def _check(self) -> bool:
        client = self.query_one("#export-client", Input).value
        path = self.query_one("#export-path", Input).value.strip()
        client_message = self.query_one("#export-client-message", Static)
        path_message = self.query_one("#export-path-message", Static)
        known = self._known_client(client)
        if not client.strip():
            client_says = "Type the client whose entries to export."
        elif known is None:
            client_says = "No journal entry names this client."
        else:
            client_says = ""
        client_message.update(client_says)
        client_message.set_class(bool(client_says), "-error")
        path_says = "" if path else "Type the file to write."
        if path and Path(path).expanduser().is_dir():
            path_says = "That is a folder; give a file name."
        path_message.update(path_says)
        path_message.set_class(bool(path_says), "-error")
        ok = not client_says and not path_says
        self.query_one("#confirm", Button).disabled = not ok
        return ok

    @on(Input.Changed, "#export-client")
    def _client_changed(self) -> None:
        known = self._known_client(self.query_one("#export-client", Input).value)
        path = self.query_one("#export-path", Input)
        if known is not None and path.value == str(default_file(self.folder, self.client, self.format)):
            self.client = known
            path.value = str(default_file(self.folder, known, self.format))  # the default follows the client
        self._check()

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self) -> None:
        path = self.query_one("#export-path", Input)
        other = "csv" if self.format == "json" else "json"
        if path.value.endswith(f".{other}"):
            path.value = path.value[: -len(other)] + self.format
        self._check()

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self._check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def submit(self) -> None:
        if not self._check():
            return
        client = self._known_client(self.query_one("#export-client", Input).value) or ""
        self.dismiss(JournalExportChoice(client, self.format, self.query_one("#export-path", Input).value.strip()))
