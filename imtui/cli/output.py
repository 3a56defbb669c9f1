"""The one place for what the command line prints: error lines (each starts with ``imtui:``), exit codes,
argument errors in one line, CSV/JSON to standard output or a file, and a quiet exit when the reader of
a pipe goes away (``imtui mappings export | head``).

Exit codes: 0 done; 1 the marketplace refused or could not be reached (or some account failed to
load); 2 bad input (including rows skipped on import), a broken config, or nowhere to keep secrets.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "Parser", "error", "guarded", "hint", "quiet_on_broken_pipe", "say", "write_rows", "write_table"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def error(message: object) -> None:
    """An error on standard error: every line starts with ``imtui:``."""
    for line in str(message).splitlines() or [""]:
        print(f"imtui: {line}" if line.strip() else "imtui:", file=sys.stderr)


def hint(message: object) -> None:
    """Advice on standard error (the value is allowed, but probably a mistake)."""
    error(f"hint: {message}")


def say(message: object = "") -> None:
    """A result on standard output."""
    print(message)


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one ``imtui:`` line and exit 2, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        error(f"{message} (see `{self.prog} --help`)")
        sys.exit(EXIT_USAGE)


def guarded(run: Callable[[], int]) -> int:
    """Run a command; every failure a user can meet becomes ``imtui:`` lines and an exit code, never a
    traceback, and never pydantic's own wording."""
    from pydantic import ValidationError

    from imtui.core.api import ApiError
    from imtui.core.config import ConfigError, describe_validation_error
    from imtui.core.errors import ServiceError
    from imtui.core.secrets import SecretStoreError

    try:
        return run()
    except BrokenPipeError:
        raise  # quiet_on_broken_pipe's job
    except ApiError as exc:
        error(exc)
        return EXIT_FAILED
    except (ServiceError, ConfigError, SecretStoreError) as exc:
        error(exc)
        return EXIT_USAGE
    except ValidationError as exc:  # a ValueError too: before the generic case
        error(describe_validation_error(exc))
        return EXIT_USAGE
    except OSError as exc:
        error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else (exc.strerror or str(exc)))
        return EXIT_USAGE
    except (UnicodeError, ValueError) as exc:
        error(exc)
        return EXIT_USAGE


def quiet_on_broken_pipe(run: Callable[[], int]) -> int:
    """Run a command whose reader may stop reading early (``| head``): then exit quietly with 0."""
    try:
        code = run()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit: point stdout at nothing first
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        finally:
            os.close(devnull)
        return EXIT_OK


def write_rows(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str, output: str | None) -> None:
    """Rows as CSV (a header row, then one line per row) or a JSON list, to ``output`` or standard output."""
    out = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        if fmt == "json":
            json.dump(list(rows), out, indent=2, ensure_ascii=False)
            out.write("\n")
        else:
            writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if out is not sys.stdout:
            out.close()


def write_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A table for people and for ``cut -f``: a header row, then one line per row, tab-separated."""
    say("\t".join(header))
    for row in rows:
        say("\t".join(str(cell) for cell in row))
