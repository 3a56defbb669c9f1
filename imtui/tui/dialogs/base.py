"""Dialog: the one skeleton of every modal (title, a body that scrolls, a row of buttons that stays)."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal returning its result with ``dismiss(value)``; ``None`` means cancelled.

    Subclasses give ``compose_body`` (what it says and asks) and, if they need more than Cancel,
    ``compose_buttons``. The body scrolls when the terminal is small; the title and buttons stay on
    screen. Escape cancels. Focus starts on Cancel (``AUTO_FOCUS``): a dialog that should start
    elsewhere (a field to type in) says so with its own ``AUTO_FOCUS``.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without doing anything")]
    AUTO_FOCUS = "#cancel"

    def __init__(self, title: str, *, classes: str = "") -> None:
        super().__init__(classes=f"dialog {classes}".strip())
        self.dialog_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.dialog_title, id="dialog-title", markup=False)  # names are data, not markup
            with VerticalScroll(id="dialog-scroll"):
                yield from self.compose_body()
            with Horizontal(id="dialog-buttons"):
                yield from self.compose_buttons()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def compose_buttons(self) -> ComposeResult:
        yield Button("Cancel (esc)", id="cancel")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
