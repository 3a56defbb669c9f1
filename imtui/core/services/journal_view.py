"""The audit journal as the journal screen and ``imtui journal list|verify|export`` read it:
``services.journal_view``.

Writing entries is ``services.journal.record`` (the money path and every change); this module reads: the
entries newest first with their filters, the chain's check, and the export of one client's entries for a
customer-facing audit, written atomically (the old file or the new one, never half). No Textual here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from imtui.core.errors import ServiceError
from imtui.core.files import atomic_write

if TYPE_CHECKING:  # the journal module is imported when first used, not when imtui starts
    from imtui.core.journal import Entry, JournalFilter, Verification
    from imtui.core.services import Services

__all__ = [
    "EXPORT_FORMATS", "LIST_COLUMNS", "ExportResult", "JournalView", "chain_words", "describe_entry", "entry_columns", "filter_choices",
]

EXPORT_FORMATS = ("csv", "json")
#: the columns of the journal's list (the CLI's table, the screen's table), in order
LIST_COLUMNS = (
    "time", "account", "client", "customer", "action", "outcome", "order", "po_number", "correlation_id", "error",
)


def entry_columns(entry: Entry) -> dict[str, str]:
    """An entry as the list shows it, by :data:`LIST_COLUMNS`: time in UTC to the second, the customer's name
    (its id when the name is unknown), the order's number (its id when it has none)."""
    return {
        "time": entry.time.replace("T", " ")[:19],
        "account": entry.account,
        "client": entry.client,
        "customer": entry.customer_name or entry.customer_id,
        "action": entry.action,
        "outcome": entry.outcome,
        "order": entry.order_number or entry.order_id,
        "po_number": entry.po_number,
        "correlation_id": entry.correlation_id,
        "error": " ".join(entry.error.split()),  # one line
    }


def filter_choices(entries: Iterable[Entry]) -> dict[str, list[str]]:
    """The values each filter can take among ``entries``: clients, accounts, actions, outcomes (sorted)."""
    seen: dict[str, set[str]] = {"client": set(), "account": set(), "action": set(), "outcome": set()}
    for entry in entries:
        for name, values in seen.items():
            value = getattr(entry, name)
            if value:
                values.add(value)
    return {name: sorted(values, key=str.casefold) for name, values in seen.items()}


def chain_words(result: Verification) -> str:
    """The chain's state in one line for the screen: intact with its count, or the first broken line."""
    if result.ok:
        noun = "entry" if result.entries == 1 else "entries"
        return f"Hash chain intact: {result.entries} {noun}, none edited, deleted or reordered."
    return result.summary()


def describe_entry(entry: Entry) -> list[str]:
    """Every field of an entry in words, line by line (what the journal screen shows on enter)."""
    customer = " ".join(p for p in (entry.customer_name, f"({entry.customer_id})" if entry.customer_id else "") if p)
    order = " ".join(p for p in (entry.order_number, f"(id {entry.order_id})" if entry.order_id else "") if p)
    fields = [
        ("Time", entry.time.replace("T", " ").replace("Z", " UTC")),
        ("Action", entry.action),
        ("Outcome", entry.outcome),
        ("Account", entry.account),
        ("Client", entry.client),
        ("Customer", customer),
        ("Order", order),
        ("PO number", entry.po_number),
        ("Correlation id", entry.correlation_id),
        ("Error", entry.error),
        ("Estimate shown", entry.estimate),
    ]
    out = [f"{label:<15} {value}" for label, value in fields if value]
    if entry.asked:
        out.append("What was asked")
        out += [f"  {key} = {value}" for key, value in entry.asked.items()]
    by = " ".join(p for p in (entry.user, f"on {entry.host}" if entry.host else "") if p)
    out.append(f"{'By':<15} {by or 'unknown'}" + (f", imtui {entry.version}" if entry.version else ""))
    out.append(f"{'Entry':<15} {entry.seq}, hash {entry.hash[:16]}…, previous {entry.prev[:16]}…")
    return out


@dataclass(frozen=True)
class ExportResult:
    """An export written: where, how many entries, for which client."""

    path: Path
    entries: int
    client: str
    format: str

    def summary(self) -> str:
        noun = "entry" if self.entries == 1 else "entries"
        return f"Exported {self.entries} journal {noun} of {self.client} to {self.path} ({self.format.upper()})."


class JournalView:
    """``services.journal_view``. Every method reads the file: blocking, call it in a thread from the UI."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def path(self) -> Path:
        return self.services.paths.journal_file

    def version(self) -> tuple[int, int] | None:
        """The file's size and change time (None: no journal yet): it changed if this did."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (stat.st_size, stat.st_mtime_ns)

    def entries(self, where: JournalFilter | None = None, *, newest_first: bool = True) -> list[Entry]:
        """The entries (newest first unless said), those ``where`` keeps."""
        return list(self.services.journal.entries(newest_first=newest_first, where=where))

    def verify(self) -> Verification:
        """The chain's check: intact, or the first broken line and why."""
        return self.services.journal.verify()

    def export_text(self, client: str, format: Literal["csv", "json"] | str) -> tuple[str, int]:
        """One client's entries, oldest first, as CSV or JSON text, and how many there are.

        ``ServiceError`` for an unknown format, no client, or a client no entry names (a typo would
        otherwise hand a customer an empty audit)."""
        from imtui.core.journal import JournalFilter, render_csv, render_json

        if format not in EXPORT_FORMATS:
            raise ServiceError(f"Export as csv or json, not {format!r}.")
        client = client.strip()
        if not client:
            raise ServiceError("Name the client whose entries to export.")
        entries = self.entries(JournalFilter(client=client), newest_first=False)
        if not entries:
            known = filter_choices(self.entries())["client"]
            hint = f" Clients in the journal: {', '.join(known[:10])}." if known else " The journal holds no client yet."
            raise ServiceError(f"No journal entry names the client {client!r}.{hint}")
        text = render_csv(entries) if format == "csv" else render_json(entries)
        return text, len(entries)

    def export_file(self, client: str, format: Literal["csv", "json"] | str, path: str | os.PathLike[str]) -> ExportResult:
        """Write one client's entries to ``path`` atomically (the old file or the new one, never half)."""
        from imtui.core.formats.exports import export_path

        target = export_path(path)  # the same checks as every export: a file, in a folder that exists
        text, count = self.export_text(client, format)
        try:
            atomic_write(target, text.encode("utf-8"), mode=0o644)
        except OSError as exc:
            raise ServiceError(f"Could not write {target}: {exc.strerror or exc}.") from None
        return ExportResult(target.absolute(), count, client.strip(), format)
