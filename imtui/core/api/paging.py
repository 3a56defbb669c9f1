"""Paging through the API's lists, and the report of what a list could not give.

Rules (MARKETPLACE_API.md, "Conventions"): ask ``offset``/``limit``, move on by ``offset += len(data)``.

- A short page while ``total`` says more is not the end: the next page is asked from where it stopped.
- Without ``total``, a page shorter than the limit the server echoes (or than the one asked) is the end.
- Paging stops on an empty page, on ``offset >= total``, on a page that holds only ids already seen
  (warning), and when the server echoes an offset other than the one asked (warning).
- A page that repeats some ids (a row inserted at the head of a newest-first list while paging shifts the
  rest) keeps its new rows and drops the repeats, with a warning.

A :class:`ListReport` collects the warnings and the rows that could not be read (how many, which ids), so
services can show them; one unreadable row never costs the rest of the list. Warnings are logged too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imtui.core.api.errors import ApiError

log = logging.getLogger("imtui.api")


@dataclass(frozen=True)
class SkippedRow:
    """A list row that could not be read: where, which id (when it had one) and why, in plain words."""

    path: str
    index: int  # position in the whole list, from 0
    id: str | None
    reason: str

    def __str__(self) -> str:
        which = f"id {self.id}" if self.id else f"row {self.index + 1}"
        return f"{self.path}: {which}: {self.reason}"


@dataclass
class ListReport:
    """What one or more list calls could not deliver: unreadable rows skipped, paging warnings.

    Pass one to any ``list_*``/``iter_*``/``rows``/``pages`` call (or reuse one for a whole sync); without
    one, skipped rows and warnings are only logged."""

    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    rows: int = 0  # rows read (skipped ones not counted)

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.warnings

    def skipped_ids(self) -> list[str]:
        return [row.id or f"row {row.index + 1}" for row in self.skipped]

    def warn(self, text: str) -> None:
        log.warning("%s", text)
        self.warnings.append(text)

    def skip(self, row: SkippedRow) -> None:
        log.warning("skipped an unreadable row: %s", row)
        self.skipped.append(row)

    def summary(self) -> str:
        """One line for a status bar or a CLI: empty when nothing was lost."""
        parts = []
        if self.skipped:
            ids = self.skipped_ids()
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            noun = "row" if len(ids) == 1 else "rows"
            parts.append(f"{len(ids)} unreadable {noun} skipped ({shown})")
        parts.extend(self.warnings)
        return "; ".join(parts)

    def __str__(self) -> str:
        return self.summary() or "complete"


def row_id(row: Any) -> str | None:
    if isinstance(row, dict):
        value = row.get("id")
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class PageWalk:
    """The paging state of one list: what was asked, what was seen, whether to go on."""

    def __init__(self, path: str, offset: int, limit: int, report: ListReport) -> None:
        self.path = "/" + path.lstrip("/")
        self.offset = offset
        self.limit = limit
        self.report = report
        self.seen: set[str] = set()
        self.done = False

    def take(self, body: dict[str, Any]) -> tuple[list[Any], int | None]:
        """Read one page's body; returns the rows to hand on (repeats dropped) and the total."""
        rows: list[Any] = body["data"]
        pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else {}
        total = _int(pagination.get("total"))
        echoed_offset = _int(pagination.get("offset"))
        echoed_limit = _int(pagination.get("limit"))
        asked = self.offset
        self.report.pages += 1
        fresh = self._fresh(rows)
        if not rows:
            self.done = True
        elif echoed_offset is not None and echoed_offset != asked:
            self.report.warn(
                f"{self.path}: asked for offset {asked:,} but the server answered offset {echoed_offset:,}; "
                "stopped paging here, the list may be incomplete"
            )
            self.done = True
        elif not fresh:
            self.report.warn(
                f"{self.path}: the page at offset {asked:,} repeats rows already read; stopped paging here, "
                "the list may be incomplete"
            )
            self.done = True
        self.offset += len(rows)
        if not self.done:
            if total is not None:
                self.done = self.offset >= total
            else:
                page_size = min(self.limit, echoed_limit) if echoed_limit else self.limit
                self.done = len(rows) < page_size
        return fresh, total

    def _fresh(self, rows: list[Any]) -> list[Any]:
        fresh = []
        repeats = 0
        for row in rows:
            rid = row_id(row)
            if rid is not None:
                if rid in self.seen:
                    repeats += 1
                    continue
                self.seen.add(rid)
            fresh.append(row)
        if repeats and fresh:
            self.report.warn(
                f"{self.path}: {repeats} row(s) at offset {self.offset:,} were already read (the list changed "
                "while paging); kept them once"
            )
        return fresh


def parse_rows(
    rows: list[Any],
    parse: Callable[[Any], Any],
    path: str,
    report: ListReport,
    first_index: int = 0,
) -> list[Any]:
    """Parse every row it can; an unreadable one goes into the report (with its id) and the rest are kept."""
    parsed = []
    for index, row in enumerate(rows, start=first_index):
        try:
            parsed.append(parse(row))
        except ApiError as exc:
            report.skip(SkippedRow("/" + path.lstrip("/"), index, row_id(row), exc.message or "unreadable"))
    report.rows += len(parsed)
    return parsed
