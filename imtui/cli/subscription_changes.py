"""``imtui subscriptions seats|auto-renew|cancel``: the changes of a subscription, headless, through the one money
path (``services.orders``). Without ``--yes`` each prints what would happen, with the marketplace's estimate,
and changes nothing. ``imtui subscriptions list|show`` live in :mod:`imtui.cli.subscriptions`; both modules add
their actions to the one ``subscriptions`` group through :func:`imtui.cli.groups.group_actions`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from imtui.cli.groups import group_actions
from imtui.cli.plans import EXIT_CODES_HELP, add_money_flags, carry_out
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services

GROUP_HELP = "subscriptions: list, show, change seats, auto-renew, cancel"


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    actions = group_actions(commands, "subscriptions", GROUP_HELP, common)
    raw = argparse.RawDescriptionHelpFormatter

    seats = actions.add_parser(
        "seats", help="change the number of seats (dry run without --yes)", parents=[common], epilog=EXIT_CODES_HELP,
        formatter_class=raw,
        description="Change a subscription's seats to N (the new total). Prints the marketplace's estimate; "
                    "places the change order only with --yes.",
    )
    seats.add_argument("id", metavar="ID", help="subscription id")
    seats.add_argument("seats", metavar="N", help="the new total number of seats")
    seats.add_argument("--at-renewal", action="store_true",
                       help="schedule the change for the renewal date (a decrease on an annual term may need it)")
    _common_flags(seats)
    seats.set_defaults(handler=change_seats)

    renew = actions.add_parser("auto-renew", help="turn auto-renew on or off (dry run without --yes)",
                               parents=[common], epilog=EXIT_CODES_HELP, formatter_class=raw)
    renew.add_argument("id", metavar="ID", help="subscription id")
    renew.add_argument("state", choices=("on", "off"))
    renew.add_argument("--account", metavar="A", help="the account (default: the one that has the subscription)")
    add_money_flags(renew, wait=False)
    renew.set_defaults(handler=auto_renew)

    cancel = actions.add_parser(
        "cancel", help="cancel a subscription (dry run without --yes)", parents=[common], epilog=EXIT_CODES_HELP,
        formatter_class=raw,
        description="Cancel a subscription (a cancellation order). With --yes it asks you to type the client's "
                    "name; without a terminal give it with --confirm.",
    )
    cancel.add_argument("id", metavar="ID", help="subscription id")
    cancel.add_argument("--confirm", metavar="NAME", help="the client's name, typed out: needed with --yes "
                                                          "when there is no terminal to ask")
    _common_flags(cancel)
    cancel.set_defaults(handler=cancel_subscription)


def _common_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", metavar="A", help="the account (default: the one that has the subscription)")
    parser.add_argument("--po", metavar="PO", help="the PO number (default: a new one, e.g. IMTUI-20261128-7K3Q9A)")
    add_money_flags(parser)


def change_seats(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        account = await services.orders.account_of(args.id, args.account)
        plan = await services.orders.plan_seats(account, args.id, args.seats, at_renewal=args.at_renewal,
                                                po_number=args.po)
        return await carry_out(services, plan, args)

    return headless(args, work)


def auto_renew(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        account = await services.orders.account_of(args.id, args.account)
        plan = await services.orders.plan_auto_renew(account, args.id, args.state == "on")
        return await carry_out(services, plan, args)

    return headless(args, work)


def cancel_subscription(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        account = await services.orders.account_of(args.id, args.account)
        plan = await services.orders.plan_cancel(account, args.id, po_number=args.po)
        return await carry_out(services, plan, args)

    return headless(args, work)
