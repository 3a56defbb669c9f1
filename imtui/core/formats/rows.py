"""A row of an imported file that was skipped, and why."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RowError"]


@dataclass(frozen=True)
class RowError:
    """A row that was skipped: its 1-based line number (``unit`` "line") or, in a JSON list, its item
    number (``unit`` "item"), and why, in words."""

    line: int
    reason: str
    unit: str = "line"

    @property
    def where(self) -> str:
        """ "line 3" or "item 3"."""
        return f"{self.unit} {self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"
