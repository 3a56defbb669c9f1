"""The export dialog: which format, which file, a byte-order mark for Excel. It only asks; the app writes
through ``services.exports`` (the same code as ``imtui export``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from imtui.tui.dialogs.base import Dialog


@dataclass(frozen=True)
class ExportChoice:
    format: str  # "csv" or "json"
    path: str
    bom: bool


class ExportDialog(Dialog[ExportChoice]):
    """Asks where to write ``rows`` rows of ``what``; the path starts as ``default_path``."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Export nothing")]
    AUTO_FOCUS = "#path"

    def __init__(self, what: str, rows: int, default_path: str) -> None:
        super().__init__(f"Export {what}", classes="export-dialog")
        self.what = what
        self.rows = rows
        self.default_path = default_path

    def compose_body(self) -> ComposeResult:
        yield Static(
            f"{self.rows:,} row{'s' if self.rows != 1 else ''}, as on screen. In CSV a name starting with "
            "= + - @ is written as text, never a formula.",
            id="dialog-body", markup=False,
        )
        with RadioSet(id="format"):
            yield RadioButton("CSV", value=True, id="csv")
            yield RadioButton("JSON", id="json")
        yield Label("File", classes="field-label")
        yield Input(self.default_path, id="path")
        yield Checkbox("Byte-order mark (for Excel)", id="bom")
        yield Static("", id="dialog-error", classes="field-message", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Export", id="confirm", variant="primary")

    @property
    def format(self) -> str:
        pressed = self.query_one("#format", RadioSet).pressed_button
        return pressed.id if pressed is not None and pressed.id else "csv"

    @on(RadioSet.Changed, "#format")
    def _format_changed(self) -> None:
        """The file's extension follows the format, unless the user named it otherwise."""
        field = self.query_one("#path", Input)
        path = Path(field.value)
        if path.suffix.lower() in (".csv", ".json"):
            field.value = str(path.with_suffix("." + self.format))
        self.query_one("#bom", Checkbox).disabled = self.format != "csv"

    @on(Input.Changed, "#path")
    def _path_changed(self, event: Input.Changed) -> None:
        message = self.query_one("#dialog-error", Static)
        target = Path(event.value.strip()).expanduser() if event.value.strip() else None
        message.remove_class("-error")
        if target is not None and target.is_file():
            message.update("That file exists: exporting replaces it.")
        else:
            message.update("")

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#confirm")
    def confirm(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            message = self.query_one("#dialog-error", Static)
            message.update("Type the path of the file to write.")
            message.add_class("-error")
            return
        bom = self.query_one("#bom", Checkbox).value and self.format == "csv"
        self.dismiss(ExportChoice(self.format, path, bom))
