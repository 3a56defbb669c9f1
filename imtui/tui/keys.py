"""Help lines made from bindings, so what a screen says about its keys stays true."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.binding import Binding
from textual.content import Content
from textual.dom import DOMNode


def help_line(node: DOMNode, ids: Sequence[str], *, lead: Iterable[tuple[str, str]] = ()) -> Content:
    """``key words`` for each binding of ``node`` named in ``ids``, in that order, after the ``lead``
    pairs (keys a widget handles, such as enter on a table). The key is shown as the footer shows it,
    the words are the binding's description."""
    by_id = {b.id: b for b in node.BINDINGS if isinstance(b, Binding) and b.id}
    parts = list(lead)
    for binding_id in ids:
        binding = by_id[binding_id]
        words = binding.description[:1].lower() + binding.description[1:]
        parts.append((node.app.get_key_display(binding), words))
    return Content("  ").join(Content.assemble((key, "bold"), " ", words) for key, words in parts)
