"""How old something is, in the words a status line uses ("just now", "2 min ago", "3 h ago").

One rule for every screen and command that shows data that may be stale (the customers kept after a
failed reload, the snapshot's age): plain Python, no Textual.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["ago"]


def ago(then: datetime, now: datetime) -> str:
    """``then`` as seen from ``now``: "just now" under a minute, then minutes, hours, days, else the date."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    days = hours // 24
    if days < 14:
        return f"{days} days ago"
    return f"on {then.date().isoformat()}"
