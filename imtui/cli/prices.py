"""``imtui prices list|set|remove``: your selling prices: a markup per account over cost, and per-product
overrides (``[[price_overrides]]`` in config.toml). The browser, the purchase estimate, the exports and the
cost report all price by them (override, else markup, else the marketplace's price)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_OK, EXIT_USAGE, error, say, write_rows, write_table
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services

COLUMNS = ("account", "mpn", "term", "billing", "price", "currency")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("prices", help="your markups and per-product prices", parents=[common])
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="markups per account and price overrides", parents=[common])
    listing.add_argument("--account", metavar="NAME")
    listing.add_argument("--format", choices=("table", "csv", "json"), default="table")
    listing.set_defaults(handler=list_prices)
    put = actions.add_parser("set", parents=[common],
                             help="sell a product at your price (--mpn --price), or set an account's markup (--markup)")
    put.add_argument("--account", metavar="NAME", required=True)
    put.add_argument("--mpn", metavar="MPN", help="the product's MPN")
    put.add_argument("--term", metavar="P1M|P1Y", help="only this term (default: every term of the MPN)")
    put.add_argument("--billing", metavar="P1M|P1Y", help="only this billing period (default: every one)")
    put.add_argument("--price", metavar="AMOUNT", help="your unit price per billing period, e.g. 12.50")
    put.add_argument("--currency", metavar="CODE", help="e.g. USD (default: the product's currency in the snapshot)")
    put.add_argument("--markup", metavar="PERCENT", help="the account's markup over cost, e.g. 15 (instead of --mpn)")
    put.set_defaults(handler=set_price)
    remove = actions.add_parser("remove", parents=[common], help="remove a price override, or an account's markup")
    remove.add_argument("--account", metavar="NAME", required=True)
    remove.add_argument("--mpn", metavar="MPN")
    remove.add_argument("--term", metavar="P1M|P1Y")
    remove.add_argument("--billing", metavar="P1M|P1Y")
    remove.add_argument("--markup", action="store_true", help="remove the account's markup instead")
    remove.set_defaults(handler=remove_price)


def list_prices(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        overrides = services.pricing.overrides(args.account)
        rows = [{"account": o.account, "mpn": o.mpn, "term": o.term or "", "billing": o.billing or "",
                 "price": str(o.price), "currency": o.currency} for o in overrides]
        if args.format != "table":
            write_rows(rows, COLUMNS, args.format, None)
            return EXIT_OK
        for account in services.config.accounts:
            if args.account in (None, account.name):
                markup = account.markup_percent
                say(f"{account.name}: " + (f"markup {markup.normalize():f}% over cost" if markup is not None
                                           else "no markup (the marketplace's price)"))
        if rows:
            say("")
            write_table(("ACCOUNT", "MPN", "TERM", "BILLING", "PRICE", "CURRENCY"),
                        [(r["account"], r["mpn"], r["term"] or "any", r["billing"] or "any", r["price"], r["currency"])
                         for r in rows])
        else:
            say("No price overrides.")
        return EXIT_OK

    return headless(args, work)


def set_price(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        if args.markup is not None:
            if args.mpn or args.price:
                error("give either --markup, or --mpn with --price, not both")
                return EXIT_USAGE
            account = services.pricing.set_markup(args.account, args.markup)
            markup = account.markup_percent
            say(f"{account.name}: " + (f"markup {markup.normalize():f}% over cost." if markup is not None else "no markup."))
            return EXIT_OK
        if not args.mpn or args.price is None:
            error("name the product and your price: --mpn MPN --price AMOUNT (or --markup PERCENT)")
            return EXIT_USAGE
        o = services.pricing.set_override(args.account, args.mpn, args.price, currency=args.currency,
                                          term=args.term, billing=args.billing)
        say(f"{o.account}: {o.mpn} ({o.term or 'any term'}, billed {o.billing or 'any period'}) "
            f"sells at {o.price} {o.currency}.")
        return EXIT_OK

    return headless(args, work)


def remove_price(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        if args.markup:
            services.pricing.set_markup(args.account, None)
            say(f"{args.account}: no markup.")
            return EXIT_OK
        if not args.mpn:
            error("name the product: --mpn MPN (or --markup to remove the account's markup)")
            return EXIT_USAGE
        services.pricing.remove_override(args.account, args.mpn, term=args.term, billing=args.billing)
        say(f"{args.account}: the price override of {args.mpn} is removed.")
        return EXIT_OK

    return headless(args, work)
