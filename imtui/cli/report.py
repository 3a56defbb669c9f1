"""``imtui report costs|changes``: reports from the snapshot (no API call).

- ``costs``: per client, per currency, monthly recurring cost, price and margin, annual commitments apart
  (a yearly-billed line counts price/12 a month); totals per currency, never across currencies.
- ``changes``: what each account's last sync changed (what ``imtui sync`` printed).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_OK, hint, say
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.costs import CostReport
    from imtui.core.services import Services

NOTE = ("Monthly recurring amounts per currency (a yearly-billed line counts its price / 12 a month); "
        "inactive subscriptions left out; never summed across currencies.")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("report", help="cost report per client, what changed (from the snapshot)", parents=[common])
    actions = group.add_subparsers(dest="action", metavar="REPORT", required=True)
    costs = actions.add_parser("costs", parents=[common],
                               help="monthly cost, price and margin per client and currency, annual commitments apart")
    costs.add_argument("--account", metavar="NAME")
    costs.add_argument("--client", metavar="NAME")
    costs.add_argument("--format", choices=("table", "csv", "json"), default="table")
    costs.add_argument("--output", "-o", metavar="FILE", help="write csv/json to FILE (atomically)")
    costs.add_argument("--bom", action="store_true", help="start a CSV with a UTF-8 byte-order mark (for Excel)")
    costs.set_defaults(handler=report_costs)
    changes = actions.add_parser("changes", parents=[common], help="what the last sync of each account changed")
    changes.add_argument("--account", action="append", metavar="NAME")
    changes.add_argument("--format", choices=("text", "json"), default="text")
    changes.set_defaults(handler=report_changes)


def report_costs(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        if not services.snapshot.accounts():
            hint("nothing has been synced yet: run `imtui sync` first")
        report = services.reports.costs(account=args.account, client=args.client)
        if args.format == "table" and not args.output:
            for line in cost_table_lines(report):
                say(line)
            return EXIT_OK
        fmt = "csv" if args.format == "table" else args.format
        outcome = services.exports.write(services.reports.cost_table(report), fmt, args.output, bom=args.bom)
        if args.output:
            say(f"{outcome.summary()}.")
        return EXIT_OK

    return headless(args, work)


HEADER = ("CLIENT", "CURRENCY", "SUBS", "SEATS", "COST/MONTH", "PRICE/MONTH", "MARGIN/MONTH", "MARGIN %")


def cost_table_lines(report: CostReport) -> list[str]:
    """The report as aligned text: a section per commitment, each currency's total under it."""
    from imtui.core.costs import COMMITMENT_LABELS

    lines = [NOTE]
    if not report.groups:
        return lines + ["", "No active subscription with a price in the snapshot."]
    for commitment, groups, totals in report.sections():
        rows = [_cells(g.to_row()) for g in groups]
        total_rows = [_cells(t.to_row(), "Total") for t in totals]
        widths = [max(len(r[i]) for r in [HEADER, *rows, *total_rows]) for i in range(len(HEADER))]
        lines += ["", COMMITMENT_LABELS[commitment], _align(HEADER, widths)]
        lines += [_align(r, widths) for r in rows]
        lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
        lines += [_align(r, widths) for r in total_rows]
    unpriced = sum(g.unpriced for g in report.groups)
    if unpriced:
        lines += ["", f"{unpriced:,} line(s) without a known price or cost are left out of the sums."]
    return lines


def _cells(row: dict, client: str | None = None) -> tuple[str, ...]:
    from imtui.core.costs import amount_text

    return (client or row["client"], row["currency"], f"{row['subscriptions']:,}", str(row["seats"]),
            amount_text(row["monthly_cost"]), amount_text(row["monthly_price"]), amount_text(row["monthly_margin"]),
            row["margin_percent"] or "—")


def _align(cells: tuple[str, ...], widths: list[int]) -> str:
    first, *rest = cells
    return "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:]))]).rstrip()


def report_changes(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        report = services.sync.last_changes(args.account)
        if args.format == "json":
            say(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            for line in report.text_lines():
                say(line)
        return EXIT_OK

    return headless(args, work)
