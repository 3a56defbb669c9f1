"""FilterBar: the filter field above a screen's table, as the customers, subscriptions, orders and journal
screens all have it: each keystroke refills the table, enter hands the keys to the table, ``/`` takes them back.

A mixin (before ``AreaScreen`` in the bases); the screen gives ``filter_input``, ``table`` and ``refill()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

if TYPE_CHECKING:
    from imtui.tui.widgets.fast_table import FastTable

__all__ = ["FilterBar"]


class FilterBar:
    """Filter as you type; see the module's docstring."""

    filter_input: Input
    table: FastTable

    def refill(self) -> None:
        raise NotImplementedError

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.filter_input:
            self.refill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is self.filter_input:
            self.table.focus()

    def action_focus_filter(self) -> None:
        self.filter_input.focus()
