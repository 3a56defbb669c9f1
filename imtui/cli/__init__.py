"""Command line: ``imtui`` opens the app; ``imtui GROUP ACTION`` runs headless.

Each command group is a module of this package with a ``register(commands, common)`` function; adding a
group is a new module and its name in :data:`COMMAND_GROUPS`. ``--config DIR`` is accepted before the
command and after it (``imtui accounts list --config DIR``). Imports are lazy: ``imtui --help``,
``--version`` and the headless commands never load Textual. Errors, exit codes and CSV/JSON output are
:mod:`imtui.cli.output`'s.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from imtui import __version__
from imtui.cli.output import Parser, quiet_on_broken_pipe

#: the command groups, in the order ``imtui --help`` lists them: one module of this package each
COMMAND_GROUPS = (
    "accounts", "mappings", "clients", "catalog", "buy", "subscriptions", "subscription_changes", "orders",
    "order_actions",
    "journal", "sync", "export", "prices", "report", "sandbox",
)

CONFIG_HELP = "keep config, data and vault in DIR instead of the user's folders (also: IMTUI_HOME)"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="imtui",
        description=(
            "Buy and manage cloud licences for your clients through the Ingram Micro Cloud Marketplace. "
            "Without a command, opens the app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"imtui {__version__}")
    parser.add_argument("--config", metavar="DIR", help=CONFIG_HELP)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the app on the built-in sandbox with demo accounts; writes nothing to your config",
    )
    # every command takes --config too; SUPPRESS keeps a value given before the command
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="DIR", default=argparse.SUPPRESS, help=CONFIG_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_GROUPS:
        importlib.import_module(f"imtui.cli.{name}").register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        return run_app(args)
    return quiet_on_broken_pipe(lambda: args.handler(args))


def run_app(args: argparse.Namespace) -> int:
    from imtui.tui.app import run

    return run(config_dir=args.config, demo=args.demo)
