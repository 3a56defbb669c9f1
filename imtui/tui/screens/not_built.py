"""An honest placeholder for an area a later stage fills."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from imtui.tui.screens.base import AreaScreen


class NotBuiltScreen(AreaScreen):
    """Says plainly that the area is not built yet, and what it will hold."""

    def __init__(self, area: str, promise: str) -> None:
        super().__init__(classes="not-built")
        self.area = area
        self.promise = promise
        self.title = area

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            f"[b]{self.area}[/b] is not built yet.\n\n{self.promise}\n\n"
            "Press [b]F1[/b] for accounts or [b]F2[/b] for customers and mappings.",
            id="not-built-text",
        )
        yield Footer(compact=True)
