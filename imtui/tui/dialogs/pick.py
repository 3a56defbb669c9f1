"""PickDialog: choose one value of a list, filtered as you type (a customer, a client, an action...)."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from imtui.tui.dialogs.base import Dialog
from imtui.tui.widgets.table_rows import filter_words

ANY = ""  # the value of the "any" option: no filter


class PickDialog(Dialog[str]):
    """Type to narrow the list, up/down to move, enter to choose; ``""`` is "any" (the filter off).

    ``options`` are ``(value, label)`` pairs; labels are data, never markup. Escape chooses nothing (None).
    """

    AUTO_FOCUS = "#pick-filter"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel", tooltip="Close without changing the filter"),
        Binding("down", "move(1)", "Next", show=False, id="pick.next", tooltip="Next choice"),
        Binding("up", "move(-1)", "Previous", show=False, id="pick.previous", tooltip="Previous choice"),
    ]

    def __init__(self, title: str, options: Sequence[tuple[str, str]], *, current: str = ANY,
                 any_label: str = "any", note: str = "") -> None:
        super().__init__(title, classes="pick-dialog")
        self.options = [(ANY, any_label), *options]
        self.current = current
        self.note = note

    def compose_body(self) -> ComposeResult:
        if self.note:
            yield Static(self.note, id="dialog-body", markup=False)
        yield Input(placeholder="type to narrow the list", id="pick-filter")
        yield OptionList(id="pick-options")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, text: str) -> None:
        words = filter_words(text)
        options = self.query_one("#pick-options", OptionList)
        options.clear_options()
        shown = [
            (value, label) for value, label in self.options
            if value == ANY and not words or all(word in label.casefold() for word in words)
        ]
        options.add_options(
            Option(Content(label) if value != self.current else Content.assemble(label, ("  (now)", "dim")), id=str(i))
            for i, (value, label) in enumerate(shown)
        )
        self._shown = shown
        if shown:
            now = next((i for i, (value, _) in enumerate(shown) if value == self.current and not words), 0)
            options.highlighted = now

    @on(Input.Changed, "#pick-filter")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one("#pick-options", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    @on(Input.Submitted, "#pick-filter")
    def _submitted(self) -> None:
        highlighted = self.query_one("#pick-options", OptionList).highlighted
        if highlighted is not None and self._shown:
            self.dismiss(self._shown[highlighted][0])

    @on(OptionList.OptionSelected, "#pick-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._shown[event.option_index][0])
