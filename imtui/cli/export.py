"""``imtui export customers|subscriptions|orders|mappings``: what the last sync loaded, as CSV or JSON.

From the snapshot only (no API call; run ``imtui sync`` first), with mapped client names, ISO terms and money
as amount and currency columns. ``-o FILE`` is written atomically; without it the file goes to standard
output. ``--bom`` starts a CSV with a UTF-8 byte-order mark so that Excel reads accents right.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_OK, hint, say
from imtui.cli.session import headless
from imtui.core.formats.exports import EXPORT_KINDS, FORMATS

if TYPE_CHECKING:
    from imtui.core.services import Services


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    export = commands.add_parser(
        "export", parents=[common], help="customers, subscriptions, orders or mappings to CSV/JSON (from the snapshot)",
        description="Write what the last `imtui sync` loaded to CSV or JSON: client names from your mappings, "
        "terms as P1M/P1Y, money as amount and currency columns. Spreadsheet-safe: a name starting with = + - @ "
        "is written as text.",
    )
    export.add_argument("kind", choices=EXPORT_KINDS)
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--account", metavar="NAME", help="only this account")
    export.add_argument("--client", metavar="NAME", help="only customers mapped to this client")
    export.add_argument("--output", "-o", metavar="FILE", help="write FILE (atomically) instead of standard output")
    export.add_argument("--bom", action="store_true", help="start a CSV with a UTF-8 byte-order mark (for Excel)")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        if not services.snapshot.accounts():
            hint("nothing has been synced yet: run `imtui sync` first (the export has only its header)")
        outcome = services.exports.export(
            args.kind, args.format, args.output, account=args.account, client=args.client, bom=args.bom
        )
        if args.output:
            say(f"{outcome.summary()}.")
        return EXIT_OK

    return headless(args, work)
