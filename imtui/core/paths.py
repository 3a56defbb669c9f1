"""Where imtui keeps its files.

Normally the platform's own places (``platformdirs``, app name ``imtui``): the config and the opt-in
secret vault in ``user_config_dir``, the sync snapshot and the journal in ``user_data_dir``.

``--config DIR`` on the command line, or the ``IMTUI_HOME`` environment variable, moves everything into
one directory: ``DIR/config.toml``, ``DIR/vault.bin`` and ``DIR/data/``. Tests always do this.

Nothing here touches the disk until :meth:`Paths.ensure` is called.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "imtui"
HOME_ENV_VAR = "IMTUI_HOME"

__all__ = ["APP_NAME", "HOME_ENV_VAR", "Paths", "resolve_paths"]


@dataclass(frozen=True)
class Paths:
    """The directories imtui uses, and the files inside them."""

    config_dir: Path
    data_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def vault_file(self) -> Path:
        """The encrypted secret vault (only exists if the user created one)."""
        return self.config_dir / "vault.bin"

    @property
    def journal_file(self) -> Path:
        """The append-only audit journal."""
        return self.data_dir / "journal.jsonl"

    @property
    def snapshot_dir(self) -> Path:
        """Where the local snapshot of the last sync lives."""
        return self.data_dir / "snapshot"

    def ensure(self) -> Paths:
        """Create the directories (private to the user where the platform allows it)."""
        for directory in (self.config_dir, self.data_dir):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    @classmethod
    def in_home(cls, home: str | os.PathLike[str]) -> Paths:
        """Everything in one directory, as ``--config DIR`` and ``IMTUI_HOME`` do."""
        root = Path(home).expanduser().absolute()
        return cls(config_dir=root, data_dir=root / "data")


def resolve_paths(
    override: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Paths:
    """The paths for this run.

    ``override`` (the CLI's ``--config DIR``) wins, then ``IMTUI_HOME``, then the platform's directories.
    ``env`` defaults to ``os.environ``.
    """
    environ = os.environ if env is None else env
    if override is not None and str(override) != "":
        return Paths.in_home(override)
    home = environ.get(HOME_ENV_VAR, "")
    if home:
        return Paths.in_home(home)
    return Paths(
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
    )
