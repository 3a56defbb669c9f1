"""``imtui clients import FILE``: the MSP's clients from a PSA's CSV export, headless (what ctrl+o does
on the customers screen): rows that match clients already there are named, bad rows are skipped by line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_OK, EXIT_USAGE, error, say
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("clients", help="your own client list (headless)", parents=[common])
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="add clients from a CSV exported by your PSA", parents=[common])
    imp.add_argument("file")
    imp.set_defaults(handler=import_clients)


def import_clients(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        result = services.mappings.import_clients_csv_file(args.file)
        say(f"{len(result.added)} client(s) added from {args.file}.")
        for parsed, client in result.matched:
            say(f"  line {parsed.line}: {parsed.name} is {client} (not added again)")
        for problem in result.errors:
            error(f"{args.file} {problem.where}: {problem.reason} (skipped)")
        return EXIT_USAGE if result.errors else EXIT_OK

    return headless(args, work)
