"""``imtui catalog``: what an account can buy, one row per product variant (MPN, term, billing), searchable."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_FAILED, EXIT_OK, error, write_rows, write_table
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services, Variant

COLUMNS = ("account", "vendor", "name", "mpn", "term", "billing", "min", "max", "price", "cost", "currency",
           "tiers", "setup_fee")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    catalog = commands.add_parser("catalog", help="products an account can buy, one row per term and billing",
                                  parents=[common])
    catalog.add_argument("--account", metavar="A", help="one account (default: every account)")
    catalog.add_argument("--search", metavar="TEXT", help="words in the name, MPN or vendor")
    catalog.add_argument("--format", choices=("table", "csv", "json"), default="table")
    catalog.set_defaults(handler=list_catalog)


def row(variant: Variant) -> dict[str, object]:
    price, cost = variant.price, variant.cost
    setup = variant.setup_prices[0].amount if variant.setup_prices else None
    return {
        "account": variant.account, "vendor": variant.vendor or "", "name": variant.name, "mpn": variant.mpn,
        "term": variant.term, "billing": variant.billing,
        "min": "" if variant.minimum is None else variant.minimum, "max": "" if variant.maximum is None else variant.maximum,
        "price": "" if price is None else f"{price.amount:.2f}", "cost": "" if cost is None else f"{cost.amount:.2f}",
        "currency": (price or cost).currency if (price or cost) else "",
        "tiers": "; ".join(f"{t.lower_limit}+: {t.amount.amount:.2f}" for t in variant.prices) if variant.tiered else "",
        "setup_fee": "" if setup is None else f"{setup.amount:.2f}",
    }


def list_catalog(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        names = [args.account] if args.account else [a.name for a in services.config.accounts]
        rows, failed = [], False
        for name in names:
            try:
                rows += [row(v) for v in await services.catalog.variants(name, args.search)]
            except Exception as exc:  # noqa: BLE001 - one account failing leaves the others listed
                from imtui.core.api import ApiError
                from imtui.core.errors import ServiceError

                if not isinstance(exc, ApiError | ServiceError) or len(names) == 1:
                    raise
                error(f"the catalog of {name} could not be read: {exc}")
                failed = True
        if args.format == "table":
            write_table([c.upper() for c in COLUMNS], ([r[c] for c in COLUMNS] for r in rows))
        else:
            write_rows(rows, COLUMNS, args.format, None)
        return EXIT_FAILED if failed else EXIT_OK

    return headless(args, work)
