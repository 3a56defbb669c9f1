"""The config store: loads and saves one ``config.toml`` safely.

- a missing file is an empty config;
- a broken file (bad TOML, or a value the model refuses) raises :class:`ConfigError` naming the line and
  the field, and is never overwritten: a store whose load failed refuses to save;
- saves are atomic (:func:`imtui.core.files.atomic_write`) and keep the previous version as
  ``config.toml.bak``;
- if another program (another imtui) changed the file since this store read it, :meth:`ConfigStore.save`
  raises :class:`ConfigConflictError` and writes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from imtui.core.config.errors import ConfigConflictError, ConfigError
from imtui.core.config.models import Config
from imtui.core.config.toml import dump_config, parse_config
from imtui.core.files import atomic_write

__all__ = ["ConfigStore", "FileIdentity"]


@dataclass(frozen=True)
class FileIdentity:
    """What the config file was when last read or written."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path, content: bytes) -> FileIdentity:
        stat = path.stat()
        return cls(stat.st_mtime_ns, stat.st_size, hashlib.sha256(content).hexdigest())


class ConfigStore:
    """Loads and saves one ``config.toml`` safely. One per process (per file)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._loaded = False
        self._identity: FileIdentity | None = None  # None after a load: the file did not exist
        self._broken: ConfigError | None = None

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    @property
    def broken(self) -> ConfigError | None:
        """The error of the last load, if it failed (then :meth:`save` refuses to write)."""
        return self._broken

    def load(self) -> Config:
        """Read the file (a missing file is an empty config) and remember what was read, or why it
        could not be read (then :meth:`save` refuses to write)."""
        self._loaded = True
        self._identity = None
        self._broken = None
        try:
            return self._read()
        except ConfigError as exc:
            self._broken = exc
            raise

    def _read(self) -> Config:
        try:
            content = self.path.read_bytes()
        except FileNotFoundError:
            return Config()
        except OSError as exc:
            raise ConfigError(self.path, None, f"cannot be read ({exc.strerror or exc})") from None
        try:
            self._identity = FileIdentity.of(self.path, content)
        except OSError:
            self._identity = FileIdentity(0, len(content), hashlib.sha256(content).hexdigest())
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            raise ConfigError(self.path, line, "is not UTF-8 text") from None
        return parse_config(text, self.path)

    def reload(self) -> Config:
        """Accept the version on disk (e.g. after a :class:`ConfigConflictError`)."""
        return self.load()

    def changed_on_disk(self) -> bool:
        """True if the file is no longer what this store last read or wrote."""
        current = self._read_current()
        return _digest(current) != (self._identity.sha256 if self._identity else None)

    def save(self, config: Config) -> None:
        """Write ``config`` atomically, keeping the previous version as ``config.toml.bak``.

        Raises the load's :class:`ConfigError` if the file was broken (it is never overwritten), and
        :class:`ConfigConflictError` if the file changed on disk since this store read it.
        """
        if self._broken is not None:
            raise self._broken
        text = dump_config(config)
        # What we write must load again; a bug in a caller must not produce a file imtui cannot open.
        # Re-validating the model's data catches that cheaply (callers append to lists, which skips
        # validation); only when it fails is the text parsed, to name the line in the error.
        try:
            Config.model_validate(config.model_dump(mode="python"))
        except ValidationError:
            parse_config(text, self.path)
            raise
        content = text.encode("utf-8")

        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _locked(directory):
            current = self._read_current()
            if not self._loaded and current is not None:
                raise ConfigConflictError(self.path, "exists but was not read by this imtui before saving")
            if _digest(current) != (self._identity.sha256 if self._identity else None):
                raise ConfigConflictError(self.path)
            if current is not None:
                atomic_write(self.backup_path, current)
            atomic_write(self.path, content)
        self._loaded = True
        try:
            self._identity = FileIdentity.of(self.path, content)
        except OSError:
            self._identity = FileIdentity(0, len(content), hashlib.sha256(content).hexdigest())

    def _read_current(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None


def _digest(content: bytes | None) -> str | None:
    return None if content is None else hashlib.sha256(content).hexdigest()


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise savers in other processes (POSIX flock on the directory; best effort elsewhere)."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


