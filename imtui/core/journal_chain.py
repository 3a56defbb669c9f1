"""The journal's chain on disk: how a line is encoded and hashed, how the file is locked and read from either
end, and how :func:`verify_lines` finds the first broken line. :mod:`imtui.core.journal` is the public face.

A line is a compact JSON object whose last two fields are ``prev`` (sha256 over the previous line's exact
bytes, without ``\\n``; :data:`GENESIS` for the first line) and ``hash`` (sha256 over this line's bytes
before ``,"hash":"…"}`` followed by ``}``), so the check needs no re-serialisation.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from imtui.core.files import fsync_directory

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "GENESIS", "Problem", "Verification", "decode_line", "encode_line", "fsync_directory", "lines_backwards",
    "lines_forward", "locked", "read_at", "tail_state", "verify_lines",
]

#: what the first entry's ``prev`` holds
GENESIS = hashlib.sha256(b"imtui audit journal v1").hexdigest()
_BLOCK = 64 * 1024
_HASH_SUFFIX = len(',"hash":"') + 64 + len('"}')


def encode_line(seq: int, time: str, body: Mapping[str, Any], prev: str) -> bytes:
    """The line's bytes (without ``\\n``): seq, time, the body's fields in order, prev, then its own hash."""
    data: dict[str, Any] = {"seq": seq, "time": time, **body, "prev": prev}
    head = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    own = hashlib.sha256(head).hexdigest()
    return head[:-1] + f',"hash":"{own}"}}'.encode("ascii")


def decode_line(raw: bytes) -> dict[str, Any] | None:
    """The object on a line, or None if it is not a journal entry."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    seq, prev = data.get("seq"), data.get("prev")
    if type(seq) is not int or not isinstance(prev, str) or not isinstance(data.get("hash"), str):
        return None
    return data


def own_hash_ok(raw: bytes) -> bool:
    tail = raw[-_HASH_SUFFIX:]
    if len(raw) <= _HASH_SUFFIX or not tail.startswith(b',"hash":"') or not tail.endswith(b'"}'):
        return False
    return hashlib.sha256(raw[:-_HASH_SUFFIX] + b"}").hexdigest().encode("ascii") == tail[9:-2]


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------- files


@contextlib.contextmanager
def locked(fd: int, path: Path, *, shared: bool = False) -> Iterator[None]:
    """Serialise writers across processes: flock on POSIX, a byte lock on a side file on Windows."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return
    import msvcrt  # pragma: no cover - Windows
    import time as _time

    lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                msvcrt.locking(lock_fd, msvcrt.LK_NBLCK, 1)
                break
            except OSError:
                _time.sleep(0.005)
        try:
            yield
        finally:
            os.lseek(lock_fd, 0, os.SEEK_SET)
            msvcrt.locking(lock_fd, msvcrt.LK_UNLCK, 1)
    finally:
        os.close(lock_fd)


def read_at(fd: int, offset: int, size: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    chunks, left = [], size
    while left > 0:
        chunk = os.read(fd, left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def lines_backwards(fd: int, end: int) -> Iterator[bytes]:
    """The lines of the first ``end`` bytes, last first, without ``\\n``; reads 64 KiB blocks from the end."""
    pos, tail = end, b""
    while pos > 0:
        step = min(_BLOCK, pos)
        pos -= step
        parts = (read_at(fd, pos, step) + tail).split(b"\n")
        tail = parts[0]
        yield from reversed(parts[1:])
    if end > 0:
        yield tail


def lines_forward(handle: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """``(line without \\n, had a \\n)`` for the first ``size`` bytes."""
    done = 0
    while done < size:
        raw = handle.readline(size - done)
        if not raw:
            return
        done += len(raw)
        yield (raw[:-1], True) if raw.endswith(b"\n") else (raw, False)


def tail_state(fd: int, size: int) -> tuple[str, int, bool]:
    """``(hash of the last line, last sequence number, last line lacks its \\n)`` without reading the file."""
    if size == 0:
        return GENESIS, 0, False
    torn = read_at(fd, size - 1, 1) != b"\n"
    lines = lines_backwards(fd, size if torn else size - 1)
    last = next(lines)
    for raw in itertools.chain((last,), lines if decode_line(last) is None else ()):
        data = decode_line(raw)
        if data is not None:
            return sha(last), data["seq"], torn
    return sha(last), 0, torn


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Problem:
    """What is wrong on one line (1-based, as an editor counts)."""

    line: int
    kind: Literal["edited", "deleted", "inserted", "reordered", "not_json", "truncated"]
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class Verification:
    """The result of :meth:`Journal.verify`: ``ok``, or the problems found, first one first."""

    path: Path
    entries: int  # lines that are whole journal entries
    lines: int
    head: str  # sha256 of the last line: the next entry chains to it
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        if self.ok:
            return f"The journal is intact: {self.entries} entries, last hash {self.head[:16]}."
        more = len(self.problems) - 1
        extra = f" ({more} more problem{'s' if more != 1 else ''} after it)" if more else ""
        first = self.problems[0]
        return f"The journal is broken at line {first.line}: {first.reason}{extra}."


@dataclass
class _Anchor:
    """The entry the next line must follow: the highest sequence number seen so far."""

    hash: str = GENESIS
    seq: int = 0
    line: int = 0
    damaged: bool = False  # its own hash failed: the next line's link to it cannot match
    before: str = ""  # the hash its own predecessor had


def _link_problem(number: int, data: Mapping[str, Any], anchor: _Anchor, raw_prev: str,
                  peek: Mapping[str, Any] | None, after_swap: bool) -> Problem | None:
    """What is wrong with how line ``number`` follows the chain so far, if anything."""
    seq, prev, expected = data["seq"], data["prev"], anchor.seq + 1
    next_seq = peek["seq"] if peek is not None else None
    if seq == expected:
        if prev in (anchor.hash, raw_prev) or anchor.damaged:
            return None
        if next_seq == seq:
            return Problem(number, "inserted", f"entry {seq} appears twice (here and on line {number + 1}): "
                                               "this one does not follow the chain (inserted)")
        if anchor.line == 0:
            return Problem(number, "edited", "the first entry does not start the chain: it was edited or replaced")
        return Problem(anchor.line, "edited",
                       f"this entry was edited: its hash no longer matches the one line {number} recorded")
    if seq > expected:
        if next_seq == expected:
            return Problem(number, "reordered", f"entry {seq} comes before entry {expected} (line {number + 1})")
        missing = f"entry {expected} is" if seq == expected + 1 else f"entries {expected} to {seq - 1} are"
        return Problem(number, "deleted", f"{missing} missing before this line (deleted)")
    if after_swap:
        return Problem(number, "reordered", f"entry {seq} comes after entry {anchor.seq} (line {number - 1})")
    if seq == anchor.seq and prev == anchor.before and anchor.line:
        return Problem(anchor.line, "inserted", f"this entry {seq} was inserted: line {number} holds the real one")
    return Problem(number, "inserted", f"entry {seq} repeats or goes back after entry {anchor.seq} (inserted)")


def verify_lines(path: Path, lines: Iterable[tuple[bytes, bool]]) -> Verification:
    """Every problem of the file's lines (``(bytes without \\n, had a \\n)``, first line first), by line."""
    problems: list[Problem] = []
    anchor, raw_prev, count, number = _Anchor(), GENESIS, 0, 0
    decoded = ((raw, ended, decode_line(raw) if ended else None) for raw, ended in lines)
    current = next(decoded, None)
    while current is not None:
        number += 1
        (raw, ended, data), current = current, next(decoded, None)
        if not ended:
            problems.append(Problem(number, "truncated", "the last line is cut short (a write was interrupted)"))
        elif data is None:
            problems.append(Problem(number, "not_json", "this line is not a journal entry (not JSON)"))
        elif not own_hash_ok(raw):
            count += 1
            problems.append(Problem(number, "edited", "this entry was edited: its own hash does not match"))
            anchor = _Anchor(sha(raw), anchor.seq + 1, number, True, anchor.hash)  # it holds the next place
        else:
            count += 1
            after_swap = bool(problems) and problems[-1].kind == "reordered" and problems[-1].line == number - 1
            problem = _link_problem(number, data, anchor, raw_prev, current[2] if current else None, after_swap)
            if problem is not None:
                problems.append(problem)
            if data["seq"] > anchor.seq:
                anchor = _Anchor(sha(raw), data["seq"], number, False, anchor.hash)
        raw_prev = sha(raw)
    problems.sort(key=lambda problem: problem.line)
    return Verification(path, count, number, raw_prev, tuple(problems))
