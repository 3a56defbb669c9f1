"""``imtui orders lookup|withdraw``: finding an order whose outcome was unknown, and withdrawing one that has not
completed. (``imtui orders list|show`` may join the same group through :func:`imtui.cli.groups.group_actions`.)"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from imtui.cli.groups import group_actions
from imtui.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, say
from imtui.cli.plans import EXIT_CODES_HELP, EXIT_UNKNOWN, add_money_flags, carry_out
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    actions = group_actions(commands, "orders", "orders: look one up by PO number, withdraw one", common)
    lookup = actions.add_parser(
        "lookup", help="is there an order with this PO number? (after an unknown outcome)", parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 found (it was placed), 1 not placed (it may be placed again with the same PO "
               "number), 2 bad input, 3 the lookup failed: still unknown",
    )
    lookup.add_argument("--account", metavar="A", required=True)
    lookup.add_argument("--customer", metavar="ID", required=True)
    lookup.add_argument("--po", metavar="PO", required=True)
    lookup.add_argument("--since", metavar="TIME",
                        help="orders created from this time (ISO 8601, UTC); default: the journal's last attempt")
    lookup.set_defaults(handler=lookup_order)

    withdraw = actions.add_parser("withdraw", help="withdraw an order that has not completed (dry run without --yes)",
                                  parents=[common], epilog=EXIT_CODES_HELP,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    withdraw.add_argument("id", metavar="ID", help="the order's id (or its number, when the snapshot holds it)")
    withdraw.add_argument("--account", metavar="A", help="the account of the order (found in the snapshot when left out)")
    add_money_flags(withdraw, wait=False)
    withdraw.set_defaults(handler=withdraw_order)


def lookup_order(args: argparse.Namespace) -> int:
    from imtui.core.services import Outcome

    async def work(services: Services) -> int:
        if args.since:
            try:
                since = datetime.fromisoformat(args.since.strip())
            except ValueError:
                error(f"--since {args.since!r}: give a time like 2026-11-28T09:30:00Z.")
                return EXIT_USAGE
            since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
        else:
            since = services.orders.last_attempt(args.account, args.customer, args.po)
            if since is None:
                error(f"the journal has no attempt with PO {args.po} for customer {args.customer}: give --since.")
                return EXIT_USAGE
        result = await services.orders.lookup(args.account, args.customer, args.po, since)
        text = result.words(args.customer, args.po)
        stamp = result.since.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        if result.outcome == Outcome.FOUND:
            say(f"Found: {text}. Do not place it again.")
            return EXIT_OK
        if result.outcome == Outcome.NOT_PLACED:
            say(f"Not placed: {text}. It may be placed again, with the same PO number {args.po}.")
            return EXIT_FAILED
        error(f"Still unknown (orders since {stamp}): {text}.")
        return EXIT_UNKNOWN

    return headless(args, work)


def withdraw_order(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        account, order_id = args.account, args.id
        known = services.orders_view.find(order_id, account)  # an order number, or no --account: the snapshot's
        if known is not None:
            account, order_id = known.account, known.id
        elif account is None:
            error(f"order {args.id} is not in the snapshot: name its --account (or refresh: imtui orders list --refresh)")
            return EXIT_USAGE
        plan = await services.orders.plan_withdraw(account, order_id)
        return await carry_out(services, plan, args)

    return headless(args, work)
