"""``imtui buy``: a purchase, headless, through the one money path (``services.orders``). Without ``--yes`` it
prints the marketplace's estimate and the sentence of the confirmation, and places nothing."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_USAGE, error
from imtui.cli.plans import EXIT_CODES_HELP, add_money_flags, carry_out
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    buy = commands.add_parser(
        "buy", help="buy licences for a customer (dry run without --yes)", parents=[common],
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Buy a product of the catalog for a customer. Prints the marketplace's estimate and what will "
                    "happen; places the order only with --yes. An unknown outcome (a timeout, a 504) is looked "
                    "up by PO number, never sent again.",
    )
    buy.add_argument("--account", metavar="A", required=True, help="the marketplace account")
    buy.add_argument("--customer", metavar="ID", required=True, help="the Ingram customer id")
    buy.add_argument("--mpn", required=True, help="the product's MPN (see `imtui catalog`)")
    buy.add_argument("--term", required=True, metavar="P1M|P1Y", help="the term, e.g. P1Y")
    buy.add_argument("--billing", required=True, metavar="P1M|P1Y", help="the billing period, e.g. P1M")
    buy.add_argument("--vendor", help="the vendor, when one MPN is sold by several")
    buy.add_argument("--quantity", required=True, metavar="N", help="how many seats or units")
    buy.add_argument("--po", metavar="PO", help="the PO number (default: a new one, e.g. IMTUI-20261128-7K3Q9A)")
    buy.add_argument("--param", metavar="KEY=VALUE", action="append", default=[],
                     help="an activation parameter the product needs, e.g. domain=example.com (repeatable)")
    add_money_flags(buy)
    buy.set_defaults(handler=buy_product)


def parse_params(items: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            error(f"--param {item!r}: give it as KEY=VALUE, e.g. domain=example.com.")
            return None
        params[key.strip()] = value.strip()
    return params


def buy_product(args: argparse.Namespace) -> int:
    params = parse_params(args.param)
    if params is None:
        return EXIT_USAGE

    async def work(services: Services) -> int:
        variant = await services.catalog.variant(args.account, args.mpn, args.term, args.billing, args.vendor)
        plan = await services.orders.plan_purchase(args.account, args.customer, variant, args.quantity,
                                                   po_number=args.po, parameters=params)
        return await carry_out(services, plan, args)

    return headless(args, work)
