"""One refresh at a time per data dir: an advisory lock on a file beside the snapshot.

``flock`` locks belong to the open file, so a second ``imtui sync``, the app's own refresh, or a second
:class:`SyncLock` in the same process are all refused, and the kernel drops the lock when the holder exits
or crashes (no stale lock to clean up). The holder's pid is written into the file for the error message.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


class SnapshotBusyError(Exception):
    """Another refresh or sync of the same data is running; said in words."""


class SyncLock:
    """An exclusive, non-blocking, re-entrant (within this object) lock on ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._depth = 0
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        with self._guard:
            if self._fd is not None:
                self._depth += 1
                return
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                _lock(fd)
            except OSError:
                holder = _read_pid(fd)
                os.close(fd)
                who = f" (process {holder})" if holder else ""
                raise SnapshotBusyError(
                    f"another imtui sync or refresh is already running on {self.path.parent}{who}; "
                    "wait for it to finish and try again"
                ) from None
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd, self._depth = fd, 1

    def release(self) -> None:
        with self._guard:
            if self._fd is None:
                return
            self._depth -= 1
            if self._depth > 0:
                return
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
                _unlock(fd)
            finally:
                os.close(fd)

    def __enter__(self) -> "SyncLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _read_pid(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""
