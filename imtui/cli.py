"""Command line: ``imtui`` opens the app; sub-commands run headless.

Imports are lazy so that ``imtui --help``, ``--version`` and the headless commands never load Textual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from imtui import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imtui",
        description=(
            "Buy and manage cloud licences for your clients through the Ingram Micro Cloud Marketplace. "
            "Without a command, opens the app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"imtui {__version__}")
    parser.add_argument(
        "--config",
        metavar="DIR",
        help="keep config, data and vault in DIR instead of the user's folders (also: IMTUI_HOME)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the app on the built-in sandbox with demo accounts; writes nothing to your config",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sandbox = commands.add_parser("sandbox", help="the built-in fake Marketplace API")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    sandbox_commands.add_parser(
        "serve", help="serve the sandbox over HTTP on loopback", add_help=False, prefix_chars="\0"
    ).add_argument("rest", nargs=argparse.REMAINDER)

    accounts = commands.add_parser("accounts", help="marketplace accounts (headless)")
    accounts_commands = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    accounts_commands.add_parser("list", help="list configured accounts")
    add = accounts_commands.add_parser(
        "add",
        help="add an account; secrets come from IMTUI_<NAME>_PASSWORD / IMTUI_<NAME>_SUBSCRIPTION_KEY or stdin",
    )
    add.add_argument("name")
    add.add_argument("--url", required=True, help="API URL, e.g. https://api.cloud.im/marketplace/eu")
    add.add_argument("--marketplace", required=True, help="marketplace code, e.g. uk")
    add.add_argument("--username", required=True, help="API username (usually ends in .api)")
    add.add_argument("--read-only", action="store_true", help="never place orders from this account")
    add.add_argument("--no-test", action="store_true", help="save without testing the connection first")
    test = accounts_commands.add_parser("test", help="log in and read one customer page")
    test.add_argument("name")
    remove = accounts_commands.add_parser("remove", help="remove an account and its secrets")
    remove.add_argument("name")

    mappings = commands.add_parser("mappings", help="customer to client mappings (headless)")
    mappings_commands = mappings.add_subparsers(dest="mappings_command", metavar="ACTION", required=True)
    export = mappings_commands.add_parser("export", help="write the mapping table to standard output or a file")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    imp = mappings_commands.add_parser("import", help="import mappings from a CSV or JSON file")
    imp.add_argument("file")
    auto = mappings_commands.add_parser("auto", help="map customers whose names match a client")
    auto.add_argument("--dry-run", action="store_true", help="show what would be mapped, change nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)

    if args.command == "sandbox":
        from imtui.sandbox.server import main_serve

        return main_serve(args.rest)
    if args.command == "accounts":
        from imtui.commands import accounts_command

        return accounts_command(args)
    if args.command == "mappings":
        from imtui.commands import mappings_command

        return mappings_command(args)
    return run_app(args)


def run_app(args: argparse.Namespace) -> int:
    from imtui.tui.app import run

    return run(config_dir=args.config, demo=args.demo)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
