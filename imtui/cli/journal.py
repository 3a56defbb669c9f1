"""``imtui journal list|verify|export``: the audit journal, headless.

``verify`` exits 0 on an intact chain and 1 naming the first broken line; ``export`` writes one client's
entries (CSV or JSON) for a customer-facing audit, to standard output or, atomically, to a file.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_FAILED, EXIT_OK, error, say, write_table
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("journal", help="the audit journal of every change (headless)", parents=[common])
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="journal entries, newest first", parents=[common])
    listing.add_argument("--client", metavar="C", help="only entries of this client")
    listing.add_argument("--account", metavar="A", help="only entries of this account")
    listing.add_argument("--action", metavar="X", dest="what",
                         help="only this action (order.place) or family of actions (order, subscription)")
    listing.add_argument("--outcome", metavar="Y", help="only this outcome (ok, refused, failed, unknown, ...)")
    listing.add_argument("--format", choices=("table", "csv", "json"), default="table")
    listing.set_defaults(handler=list_entries)
    verify = actions.add_parser("verify", help="check the hash chain: exit 0 intact, 1 with the first broken line",
                                parents=[common])
    verify.set_defaults(handler=verify_journal)
    export = actions.add_parser("export", help="one client's entries as CSV or JSON, for the client", parents=[common])
    export.add_argument("--client", metavar="C", required=True, help="the client whose entries to export")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    export.set_defaults(handler=export_entries)


def list_entries(args: argparse.Namespace) -> int:
    from imtui.core.journal import JournalFilter, render_csv, render_json
    from imtui.core.services.journal_view import LIST_COLUMNS, entry_columns

    async def work(services: Services) -> int:
        where = JournalFilter(client=args.client, account=args.account, action=args.what, outcome=args.outcome)
        entries = services.journal_view.entries(where)
        if args.format == "table":
            write_table([c.upper() for c in LIST_COLUMNS], (entry_columns(e).values() for e in entries))
        else:
            sys.stdout.write(render_csv(entries) if args.format == "csv" else render_json(entries))
        return EXIT_OK

    return headless(args, work)


def verify_journal(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        result = services.journal_view.verify()
        if result.ok:
            say(result.summary())
            return EXIT_OK
        error(result.summary())
        for problem in result.problems[1:]:
            error(f"also {problem}")
        error(f"journal file: {result.path}")
        return EXIT_FAILED

    return headless(args, work)


def export_entries(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        view = services.journal_view
        if args.output:
            say(view.export_file(args.client, args.format, args.output).summary())
        else:
            text, _ = view.export_text(args.client, args.format)
            sys.stdout.write(text)
        return EXIT_OK

    return headless(args, work)
