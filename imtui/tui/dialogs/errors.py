"""ErrorDialog: an error too long for a toast, with the correlation id Ingram support asks for."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Static

from imtui.core.api import ApiError
from imtui.tui.dialogs.base import Dialog


def explain(error: BaseException | str) -> tuple[str, str | None]:
    """An error in words (what failed, the marketplace's own words, what to do) and its correlation id."""
    if not isinstance(error, ApiError):
        return str(error), None
    where = error.where
    lines = [error.title + (f" ({where})" if where else "") + "."]
    if error.message:
        said = error.message.rstrip()
        lines.append(f"The marketplace said: {said}" + ("" if said.endswith((".", "!", "?")) else "."))
    lines.append(error.advice)
    return "\n".join(lines), error.correlation_id


class ErrorList(Vertical):
    """The errors of an ErrorDialog, each with its heading (when there are several) and correlation id."""

    def __init__(self, errors: list[tuple[str, BaseException | str]]) -> None:
        super().__init__(id="error-list")
        self.errors = errors  # the dialog's own list: an error added to it shows at the next recompose

    def compose(self) -> ComposeResult:
        for heading, error in self.errors:
            words, correlation_id = explain(error)
            with Vertical(classes="error-section"):
                if len(self.errors) > 1:  # one error: the dialog's title is its heading
                    yield Static(heading, classes="error-heading", markup=False)
                yield Static(words, classes="error-words", markup=False)
                if correlation_id:
                    yield Static(f"Correlation id: {correlation_id}", classes="correlation-id", markup=False)


class ErrorDialog(Dialog[None]):
    """What failed, in words, and the correlation id: shown on its own line (select it with the mouse)
    and copied to the clipboard by ``c``. Errors arriving while it is open are added to it
    (``add``), so a network failure on three accounts is one dialog, not three."""

    BINDINGS = [
        Binding("c", "copy_id", "Copy id", id="dialog.copy_id", tooltip="Copy the correlation id to the clipboard"),
        Binding("enter", "cancel", "Close", id="dialog.close", tooltip="Close"),
    ]
    AUTO_FOCUS = "#close"

    def __init__(self, heading: str, error: BaseException | str) -> None:
        super().__init__(heading, classes="error-dialog")
        self.errors: list[tuple[str, BaseException | str]] = [(heading, error)]

    @property
    def correlation_ids(self) -> list[str]:
        return [cid for _, error in self.errors if (cid := explain(error)[1])]

    def compose_body(self) -> ComposeResult:
        yield ErrorList(self.errors)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Copy id (c)", id="copy", disabled=not self.correlation_ids)
        yield Button("Close (esc)", id="close", variant="primary")

    def add(self, heading: str, error: BaseException | str) -> None:
        """One more error, below the others. (Parts not composed yet show it when they are.)"""
        self.errors.append((heading, error))
        self.dialog_title = f"{len(self.errors)} errors"
        for title in self.query("#dialog-title").results(Static):
            title.update(self.dialog_title)
        for errors in self.query(ErrorList):
            errors.refresh(recompose=True)
        for button in self.query("#copy").results(Button):
            button.disabled = not self.correlation_ids
    def action_copy_id(self) -> None:
        ids = self.correlation_ids
        if not ids:
            self.notify("There is no correlation id to copy.", title="Error")
            return
        self.app.copy_to_clipboard("\n".join(ids))
        noun = "Correlation id" if len(ids) == 1 else f"{len(ids)} correlation ids"
        self.notify(f"{noun} copied to the clipboard.", title="Error")

    @on(Button.Pressed, "#copy")
    def _copy_pressed(self) -> None:
        self.action_copy_id()

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
