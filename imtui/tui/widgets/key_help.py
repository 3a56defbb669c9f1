"""KeyHelp: a line of ``key words`` made from bindings, wrapped between entries on a narrow terminal.

Made from the bindings (their keys as the footer shows them, their descriptions as words), so what a
screen says about its keys stays true; wrapped between entries, never inside one, so no key is cut off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.binding import Binding
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Static

GAP = 2  # spaces between entries


def binding_help(node: DOMNode, ids: Sequence[str], *, lead: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """``(key, words)`` for each binding of ``node`` named in ``ids``, in that order, after the ``lead``
    pairs (keys a widget handles, such as enter on a table)."""
    by_id = {b.id: b for b in node.BINDINGS if isinstance(b, Binding) and b.id}
    parts = list(lead)
    for binding_id in ids:
        binding = by_id[binding_id]
        parts.append((node.app.get_key_display(binding), binding.description[:1].lower() + binding.description[1:]))
    return parts


def help_content(parts: Sequence[tuple[str, str]], width: int | None = None) -> Content:
    """The entries on one line, or on as many lines of at most ``width`` cells as they need."""
    lines: list[list[Content]] = [[]]
    used = 0
    for key, words in parts:
        entry = Content.assemble((key, "bold"), " ", words)
        needed = entry.cell_length + (GAP if lines[-1] else 0)
        if width and lines[-1] and used + needed > width:
            lines.append([])
            used, needed = 0, entry.cell_length
        lines[-1].append(entry)
        used += needed
    return Content("\n").join(Content(" " * GAP).join(line) for line in lines)


class KeyHelp(Static):
    """The help line of a screen or dialog; give it ``binding_help(...)`` parts."""

    def __init__(self, parts: Sequence[tuple[str, str]] = (), **kwargs) -> None:
        kwargs.setdefault("classes", "help")
        super().__init__(**kwargs)
        self.parts = list(parts)

    def show(self, parts: Sequence[tuple[str, str]]) -> None:
        self.parts = list(parts)
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        self.update(help_content(self.parts, self.size.width or None))

    @property
    def text(self) -> str:
        """What it says, as plain text."""
        return help_content(self.parts).plain
