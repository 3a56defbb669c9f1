"""``imtui mappings export|import|auto``: customer to client mappings, headless. Customers are loaded
from every account first (as the mapping screen does); an account that fails is reported, the others
are used."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, say, write_rows
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import CustomerRow, Services


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("mappings", help="customer to client mappings (headless)", parents=[common])
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write the mapping table to standard output or a file", parents=[common])
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    export.set_defaults(handler=export_mappings)
    imp = actions.add_parser("import", help="import mappings from a CSV or JSON file", parents=[common])
    imp.add_argument("file")
    imp.set_defaults(handler=import_mappings)
    auto = actions.add_parser("auto", help="map customers whose names match a client", parents=[common])
    auto.add_argument("--dry-run", action="store_true", help="show what would be mapped, change nothing")
    auto.set_defaults(handler=auto_map)


async def load_customers(services: Services) -> tuple[list[CustomerRow], list[str]]:
    """Every account's customers; the accounts that failed are named on standard error."""
    rows, failed = await services.customers.load_all()
    for name, exc in failed.items():
        error(f"customers of {name} could not be loaded: {exc}")
    for account in services.config.accounts:
        report = services.customers.report(account.name)
        if report is not None and not report.ok and account.name not in failed:
            error(f"customers of {account.name}: {report.summary()}; the others were read")
    return rows, list(failed)


def export_mappings(args: argparse.Namespace) -> int:
    from imtui.core.formats import MAPPING_COLUMNS, mapping_table

    async def work(services: Services) -> int:
        rows, failed = await load_customers(services)
        write_rows(mapping_table(services.config, rows), MAPPING_COLUMNS, args.format, args.output)
        return EXIT_FAILED if failed else EXIT_OK

    return headless(args, work)


def import_mappings(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        _, failed = await load_customers(services)  # ids are checked against the accounts' customers
        result = services.mappings.import_mapping_file(args.file)
        for problem in result.errors:
            error(f"{Path(args.file).name} {problem.where}: {problem.reason} (skipped)")
        say(f"Imported {args.file}: {result.summary()}.")
        return EXIT_USAGE if result.errors else EXIT_FAILED if failed else EXIT_OK

    return headless(args, work)


def auto_map(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        rows, failed = await load_customers(services)
        plan = services.mappings.plan_auto(rows)
        say(plan.summary())
        for planned in plan.to_apply:
            c = planned.customer
            say(f"  map  {c.account}/{c.customer_id}  {c.name}  ->  {planned.client}  ({planned.how})")
        for conflict in plan.conflicts:
            c = conflict.customer
            say(f"  ask  {c.account}/{c.customer_id}  {c.name}: {conflict.reason}")
        if args.dry_run:
            say("Dry run: nothing was changed.")
        else:
            say(f"Mapped {services.mappings.apply_auto(plan)} customer(s).")
        return EXIT_FAILED if failed else EXIT_OK

    return headless(args, work)
