"""The audit journal: an append-only, hash-chained record of every change the user made or tried.

One JSON object per line (UTF-8, ``\\n``-terminated) at :attr:`imtui.core.paths.Paths.journal_file`::

    {"seq":7,"time":"2025-03-01T10:15:02.113Z","action":"subscription.seats","outcome":"ok",
     "account":"uk-main","customer_id":"1000027","customer_name":"CONTOSO LIMITED","client":"Contoso Ltd",
     "asked":{"quantity":12,"at_renewal":false},"order_id":"...","version":"0.1.0","user":"ann","host":"pc1",
     "prev":"<sha256 of line 6>","hash":"<sha256 of this line up to its hash field>"}

- ``seq`` counts entries from 1; ``prev`` is sha256 over the previous line's exact bytes (without its
  ``\\n``), :data:`GENESIS` for the first line; ``hash`` is sha256 over this line's bytes before
  ``,"hash":"…"}`` followed by ``}``. So an edited, deleted, inserted or reordered line, or a torn last
  line, is found by :meth:`Journal.verify`. (Anyone who rewrites the whole file and recomputes every hash
  is not, nor are entries cut off the end of the file: keep :attr:`Verification.head` somewhere else if
  that matters.)
- Entries are built from an allowlist (the keyword arguments of :meth:`Journal.record`); ``asked`` holds
  plain scalars under names that do not look like secrets, and every string passes the
  :class:`SecretScrubber` (secrets the caller registered, bearer tokens, JWTs) before it is written.
- :meth:`Journal.record` appends under an exclusive lock on the file (two imtui processes may write at
  once), reads only the tail to find the last hash, and returns after ``fsync`` of the file (and of the
  directory when the file was created). Any failure raises :class:`JournalWriteError`: the caller must
  then tell the user the change is not journalled.

No Textual here: the journal screen and ``imtui journal list|verify|export`` share this module. The line
format, the file locking and the checks live in :mod:`imtui.core.journal_chain`; the scrubber in
:mod:`imtui.core.redact`. ``record`` blocks on fsync: call it from a worker thread, not the UI loop.
"""

from __future__ import annotations

import contextlib
import csv
import getpass
import io
import json
import mmap
import os
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Literal

from imtui import __version__
from imtui.core.journal_chain import (
    GENESIS,
    Problem,
    Verification,
    decode_line,
    encode_line,
    fsync_directory,
    lines_backwards,
    lines_forward,
    locked,
    read_at,
    tail_state,
    verify_lines,
)
from imtui.core.redact import SecretScrubber, looks_secret

__all__ = [
    "EXPORT_COLUMNS", "GENESIS", "Action", "Entry", "Journal", "JournalError", "JournalFilter",
    "JournalWriteError", "Outcome", "Problem", "SecretScrubber", "UnsafeEntryError", "Verification",
    "render_csv", "render_json", "spreadsheet_safe",
]

MAX_TEXT = 2000  # characters kept of one string (a 504's HTML body is not an error message)
MAX_ASKED = 40  # keys in ``asked``
_NAME = re.compile(r"[a-z][a-z_]*")
_ACTION = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)+")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")


class Action(StrEnum):
    """The actions the services record (others may be added: ``area.verb`` in lower case)."""

    SUBSCRIPTION_SEATS = "subscription.seats"
    SUBSCRIPTION_AUTO_RENEW = "subscription.auto_renew"
    SUBSCRIPTION_CANCEL = "subscription.cancel"
    ORDER_PLACE = "order.place"
    ORDER_WITHDRAW = "order.withdraw"
    ORDER_LOOKUP = "order.lookup"


class Outcome(StrEnum):
    """How it ended (others may be added: lower case words). The money path
    (:mod:`imtui.core.services.orders`) writes the words of ``imtui.core.services.plans.Outcome``."""

    PENDING = "pending"  # about to be sent (written before the request; an outcome entry follows)
    OK = "ok"
    BLOCKED = "blocked"  # imtui stopped it before anything was sent (read-only, a limit, a pending change)
    REFUSED = "refused"  # the marketplace said no (a business rule, a 4xx): nothing changed
    FAILED = "failed"  # certainly not done (nothing was sent, the login failed, 429)
    UNKNOWN = "unknown"  # no answer: the order may or may not exist (a lookup follows)
    FOUND = "found"  # the lookup found the order
    NOT_FOUND = "not_found"  # the lookup showed it was not placed
    COMPLETED = "completed"  # an order imtui placed, followed until it completed
    ERROR = "error"  # ... until it ended in error
    WITHDRAWN = "withdrawn"  # ... until it was withdrawn
    DRY_RUN = "dry_run"  # shown, not sent (no --yes)
    CANCELLED = "cancelled"  # the user said no at the confirmation


class JournalError(Exception):
    """Base of the journal's errors."""


class UnsafeEntryError(JournalError, ValueError):
    """An entry the journal refuses to hold (a secret-looking key, a value that is not a plain scalar)."""


class JournalWriteError(JournalError):
    """The entry could not be made durable; nothing was reported as journalled."""

    def __init__(self, path: Path, cause: BaseException) -> None:
        self.path = path
        reason = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
        super().__init__(f"could not write to the audit journal {path}: {reason}")


# --------------------------------------------------------------------------- entries

Scalar = str | int | bool | None


@dataclass(frozen=True)
class Entry:
    """One line of the journal."""

    seq: int
    time: str  # UTC, ISO 8601 with a Z
    action: str
    outcome: str
    account: str = ""
    customer_id: str = ""
    customer_name: str = ""
    client: str = ""
    asked: Mapping[str, Scalar] = field(default_factory=dict, hash=False)
    order_id: str = ""
    order_number: str = ""
    po_number: str = ""
    correlation_id: str = ""
    error: str = ""
    estimate: str = ""  # what the confirmation showed, amounts with their currency
    version: str = ""
    user: str = ""
    host: str = ""
    prev: str = ""
    hash: str = ""

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.time)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        """Tolerant of missing fields (older lines); unknown fields are ignored."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in data:
                continue
            value = data[item.name]
            if item.name == "seq":
                values["seq"] = value
            elif item.name == "asked":
                values["asked"] = dict(value) if isinstance(value, Mapping) else {}
            else:
                values[item.name] = "" if value is None else str(value)
        values.setdefault("seq", 0)
        values.setdefault("time", "")
        values.setdefault("action", "")
        values.setdefault("outcome", "")
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"asked": dict(self.asked)}


_BODY_ORDER = (
    "action", "outcome", "account", "customer_id", "customer_name", "client", "asked", "order_id",
    "order_number", "po_number", "correlation_id", "error", "estimate", "version", "user", "host",
)


def _ordered(body: Mapping[str, Any]) -> dict[str, Any]:
    """The body's fields in the file's order, empty ones left out (lines stay short)."""
    return {key: body[key] for key in _BODY_ORDER if body.get(key) not in ("", None, {})}


def _clean(text: str, limit: int = MAX_TEXT) -> str:
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be written
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(name: str, value: object, scrub: Callable[[str], str]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise UnsafeEntryError(f"journal field {name!r} must be text, not {type(value).__name__}")
    return scrub(_clean(str(value)))


def _scalar(key: str, value: object, scrub: Callable[[str], str]) -> Scalar:
    if value is None or isinstance(value, bool | int):
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        return scrub(_clean(value, 500))
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise UnsafeEntryError(
        f"asked[{key!r}] must be a plain value (text, whole number, yes/no, Decimal or date), "
        f"not {type(value).__name__}"
    )


def _asked(asked: Mapping[str, object] | None, scrub: Callable[[str], str]) -> dict[str, Scalar]:
    if not asked:
        return {}
    if len(asked) > MAX_ASKED:
        raise UnsafeEntryError(f"asked holds {len(asked)} values; the journal keeps at most {MAX_ASKED}")
    clean: dict[str, Scalar] = {}
    for key, value in asked.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise UnsafeEntryError(f"asked key {key!r} is not a plain name")
        if looks_secret(key):
            raise UnsafeEntryError(f"asked key {key!r} looks like a secret; the journal never holds one")
        clean[key] = _scalar(key, value, scrub)
    return clean


# --------------------------------------------------------------------------- reading and export


@dataclass(frozen=True)
class JournalFilter:
    """Which entries to show or export; every criterion given must hold. Text matches ignore case."""

    client: str | None = None
    account: str | None = None
    customer_id: str | None = None
    action: str | None = None  # "subscription.seats", or a family: "subscription"
    outcome: str | None = None
    since: datetime | None = None  # inclusive; a naive time is taken as UTC
    until: datetime | None = None  # exclusive

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))

    def matches(self, entry: Entry) -> bool:
        for wanted, value in ((self.client, entry.client), (self.account, entry.account),
                              (self.customer_id, entry.customer_id), (self.outcome, entry.outcome)):
            if wanted is not None and wanted.casefold() != value.casefold():
                return False
        if self.action is not None and not (entry.action == self.action
                                            or entry.action.startswith(self.action + ".")):
            return False
        if self.since is not None or self.until is not None:
            try:
                when = entry.when
            except ValueError:
                return False
            if (self.since is not None and when < self.since) or (self.until is not None and when >= self.until):
                return False
        return True


EXPORT_COLUMNS = (
    "seq", "time", "account", "customer_id", "customer_name", "client", "action", "asked", "outcome",
    "order_id", "order_number", "po_number", "correlation_id", "error", "estimate", "version", "user",
    "host", "hash",
)


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: ``=``, ``+``, ``-``, ``@`` (tab, CR) at the start get a ``'``."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(entries: Iterable[Entry]) -> str:
    """CSV with a header row (:data:`EXPORT_COLUMNS`); ``asked`` as compact JSON; formula-safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        row = entry.to_json() | {"asked": json.dumps(dict(entry.asked), ensure_ascii=False)}
        writer.writerow([spreadsheet_safe(str(row[column])) for column in EXPORT_COLUMNS])
    return out.getvalue()


def render_json(entries: Iterable[Entry]) -> str:
    """A JSON array of entries, every field present."""
    return json.dumps([entry.to_json() for entry in entries], ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- the journal


def _needles(having: Mapping[str, str] | None) -> list[bytes]:
    """How ``key: value`` reads inside a line (the encoder's own JSON form), for a search without parsing."""
    return [f'"{key}":{json.dumps(value, ensure_ascii=False)}'.encode() for key, value in (having or {}).items()]


def _host_user() -> tuple[str, str]:
    try:
        user = getpass.getuser()
    except Exception:  # no login name on some containers
        user = ""
    return user, socket.gethostname()


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Journal:
    """The audit journal at ``path`` (normally ``Paths.journal_file``)."""

    def __init__(self, path: str | os.PathLike[str], *, scrubber: SecretScrubber | None = None,
                 clock: Callable[[], datetime] = _now) -> None:
        self.path = Path(path)
        self.scrubber = scrubber or SecretScrubber()
        self._clock = clock
        self._user, self._host = _host_user()

    def register_secrets(self, *secrets: str | None) -> None:
        """Secrets (an account's password, subscription key) that must never reach the file."""
        self.scrubber.register(*secrets)

    def record(
        self, *, action: str, outcome: str, account: str = "", customer_id: str | int = "",
        customer_name: str = "", client: str = "", asked: Mapping[str, object] | None = None,
        order_id: str | int = "", order_number: str | int = "", po_number: str = "",
        correlation_id: str = "", error: str = "", estimate: str = "",
    ) -> Entry:
        """Append one entry, durable (fsync) when this returns.

        Raises :class:`UnsafeEntryError` for an entry it will not hold and :class:`JournalWriteError`
        when the disk refused.
        """
        if not isinstance(action, str) or not _ACTION.fullmatch(action):
            raise UnsafeEntryError(f"journal action {action!r} is not of the form area.verb")
        if not isinstance(outcome, str) or not _NAME.fullmatch(outcome):
            raise UnsafeEntryError(f"journal outcome {outcome!r} is not a lower-case word")
        scrub = self.scrubber.scrub
        texts = {"account": account, "customer_id": customer_id, "customer_name": customer_name,
                 "client": client, "order_id": order_id, "order_number": order_number,
                 "po_number": po_number, "correlation_id": correlation_id, "error": error,
                 "estimate": estimate}
        body: dict[str, Any] = {name: _text(name, value, scrub) for name, value in texts.items()}
        body |= {"action": str(action), "outcome": str(outcome), "asked": _asked(asked, scrub),
                 "version": __version__, "user": scrub(self._user), "host": scrub(self._host)}
        return self._append(body)

    def _append(self, body: dict[str, Any]) -> Entry:
        try:
            made_dir = not self.path.parent.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_BINARY", 0)
            try:
                fd, created = os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o600), True
            except FileExistsError:
                fd, created = os.open(self.path, flags), False
            try:
                with locked(fd, self.path):
                    prev, seq, torn = tail_state(fd, os.fstat(fd).st_size)
                    line = encode_line(seq + 1, _stamp(self._clock()), _ordered(body), prev)
                    data = (b"\n" if torn else b"") + line + b"\n"  # a torn line is sealed, and stays visible
                    while data:
                        data = data[os.write(fd, data):]
                    os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                fsync_directory(self.path.parent)
            if made_dir:
                fsync_directory(self.path.parent.parent)
        except OSError as exc:
            raise JournalWriteError(self.path, exc) from exc
        return Entry.from_json(json.loads(line))

    @contextlib.contextmanager
    def _reading(self) -> Iterator[tuple[BinaryIO, int]]:
        """The file and its size at a moment no writer was half-way through a line."""
        try:
            handle = open(self.path, "rb")
        except FileNotFoundError:
            yield io.BytesIO(), 0
            return
        with handle:
            with locked(handle.fileno(), self.path, shared=True):
                size = os.fstat(handle.fileno()).st_size
            yield handle, size

    def verify(self) -> Verification:
        """Walk the whole file; :attr:`Verification.ok`, or the first broken line and why."""
        with self._reading() as (handle, size):
            return verify_lines(self.path, lines_forward(handle, size))

    def entries(self, *, newest_first: bool = False, where: JournalFilter | None = None,
                having: Mapping[str, str] | None = None) -> Iterator[Entry]:
        """The entries that parse (``verify`` reports the rest), oldest first unless ``newest_first``.
        ``having``: only entries whose text fields hold exactly these values (``{"po_number": "PO-1"}``); lines
        that cannot match are skipped before they are parsed, so a search of 100,000 lines stays quick."""
        needles = _needles(having)
        with self._reading() as (handle, size):
            if size == 0:
                return
            if newest_first:
                end = size - 1 if read_at(handle.fileno(), size - 1, 1) == b"\n" else size
                raws: Iterable[bytes] = lines_backwards(handle.fileno(), end)
                if end == size:  # the last line is torn: skip it
                    raws = iter(raws)
                    next(raws, None)
            else:
                raws = (raw for raw, terminated in lines_forward(handle, size) if terminated)
            for raw in raws:
                if needles and not all(needle in raw for needle in needles):
                    continue
                data = decode_line(raw)
                if data is not None:
                    entry = Entry.from_json(data)
                    if (where is None or where.matches(entry)) and all(
                            getattr(entry, key) == value for key, value in (having or {}).items()):
                        yield entry

    def mentions(self, **having: str) -> bool:
        """Whether some line may hold all these field values (``po_number="PO-1"``): a byte search of the file,
        nothing parsed. False means :meth:`entries` with ``having`` finds nothing (a quick "never seen")."""
        needles = _needles(having)
        with self._reading() as (handle, size):
            if size == 0:
                return False
            with mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ) as data:
                return all(data.find(needle) >= 0 for needle in needles)

    def export(self, format: Literal["csv", "json"], where: JournalFilter | None = None) -> str:
        """One client's (or any filter's) entries, oldest first, as CSV or JSON text for a customer."""
        entries = self.entries(where=where)
        return render_csv(entries) if format == "csv" else render_json(entries)
