"""``imtui subscriptions list|show``: the subscriptions in the local snapshot, headless (``--refresh`` loads it
first, the same way the app does: ``services.subscriptions.load``).

``seats``, ``auto-renew`` and ``cancel`` are in :mod:`imtui.cli.subscription_changes`; both modules add their
actions to the one ``subscriptions`` group through :func:`imtui.cli.groups.group_actions`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from imtui.cli.groups import group_actions
from imtui.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, say, write_table
from imtui.cli.session import headless
from imtui.cli.subscription_changes import GROUP_HELP

if TYPE_CHECKING:
    from collections.abc import Sequence

    from imtui.core.formats.exports import ExportTable
    from imtui.core.services import Services
    from imtui.core.services.subscription_views import SubscriptionView
    from imtui.core.services.subscriptions import SubscriptionDetails

TABLE_HEADER = ("ACCOUNT", "ID", "CLIENT", "PRODUCT", "SEATS", "TERM", "BILLING", "STATUS", "RENEWAL", "DAYS",
                "AUTO-RENEW", "PRICE", "COST", "MARGIN", "CURRENCY")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    actions = group_actions(commands, "subscriptions", GROUP_HELP, common)
    listing = actions.add_parser("list", help="list subscriptions, filtered", parents=[common])
    listing.add_argument("--account", metavar="A", help="only this account")
    listing.add_argument("--client", metavar="C", help="only this client (its name, the Ingram name, or the customer id)")
    listing.add_argument("--status", metavar="S", help="only this status (active, suspended, ...; 'inactive': ended ones)")
    listing.add_argument("--term", choices=("P1M", "P1Y"), type=str.upper, help="only monthly or annual terms")
    listing.add_argument("--renewing-within", metavar="DAYS", type=_days, help="active ones renewing within DAYS days")
    listing.add_argument("--format", choices=("table", "csv", "json"), default="table")
    listing.add_argument("--refresh", action="store_true", help="load from the marketplace first")
    listing.set_defaults(handler=list_subscriptions)
    show = actions.add_parser("show", help="every field of one subscription, its lines and orders", parents=[common])
    show.add_argument("id", metavar="ID")
    show.add_argument("--account", metavar="A", help="the account (when the id is in several)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(handler=show_subscription)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if days < 0:
        raise argparse.ArgumentTypeError("the number of days cannot be negative")
    return days


async def refresh(services: Services, accounts: list[str] | None = None) -> bool:
    """Load the snapshot from the marketplace; failed accounts are named on standard error. False if any failed."""
    result = await services.subscriptions.load(accounts=accounts)
    for name, reason in result.failed.items():
        error(f"{name} was not refreshed: {reason}; showing its snapshot")
    return not result.failed


def stale_warnings(services: Services, accounts: list[str] | None = None) -> None:
    """Say on standard error which accounts' data is old because the last refresh failed, or was never loaded."""
    now = services.now()
    for name, fresh in services.subscriptions.freshness().items():
        if accounts and name not in accounts:
            continue
        if fresh.error or fresh.refreshed_at is None:
            error(f"{name}: {fresh.describe(now)}" + ("" if fresh.refreshed_at else "; run with --refresh, or `imtui sync`"))


def list_subscriptions(args: argparse.Namespace) -> int:
    from imtui.core.services.subscription_views import SubscriptionFilter

    async def work(services: Services) -> int:
        if args.account and services.config.account(args.account) is None:
            error(f"there is no account called {args.account}; see `imtui accounts list`.")
            return EXIT_USAGE
        accounts = [args.account] if args.account else None
        ok = await refresh(services, accounts) if args.refresh else True
        stale_warnings(services, accounts)
        wanted = SubscriptionFilter(status=args.status, term=args.term, renewing_within=args.renewing_within,
                                    account=args.account, client=args.client)
        views = services.subscriptions.list(wanted)
        if args.format == "table":
            write_table(TABLE_HEADER, (_table_row(v) for v in views))
        else:  # the rows of `imtui export subscriptions`: the same columns, spreadsheet-safe cells
            services.exports.write(export_table(services, views), args.format, None)
        return EXIT_OK if ok else EXIT_FAILED

    return headless(args, work)


def export_table(services: Services, views: Sequence[SubscriptionView]) -> ExportTable:
    from imtui.core.formats.exports import subscription_rows

    return subscription_rows(services.config, services.prices, [v.row for v in views])


def _table_row(view: SubscriptionView) -> list[object]:
    row = view.row
    status = row.status if view.active else f"{row.inactive_reason} {row.inactive_since or ''}".strip()
    return [
        row.account, row.id, view.client, row.name, "" if row.seats is None else row.seats, row.term, row.billing,
        status, row.renewal_date or "", row.days_to_renewal if view.active and row.days_to_renewal is not None else "",
        "" if row.auto_renew is None else "on" if row.auto_renew else "off",
        *(("" if m is None else m.amount) for m in (view.unit_price, view.unit_cost, view.margin)),
        view.currency or "",
    ]


def show_subscription(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        details = services.subscriptions.detail(args.id, args.account)
        if details is None:
            where = f" of account {args.account}" if args.account else ""
            error(f"there is no subscription {args.id}{where} in the snapshot; `imtui subscriptions list --refresh` "
                  "loads it")
            return EXIT_USAGE
        stale_warnings(services, [details.view.account])
        if args.format == "json":
            json.dump(detail_record(services, details), sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            for line in detail_lines(services, details):
                say(line)
        return EXIT_OK

    return headless(args, work)


def _money(money) -> dict[str, str] | None:
    return None if money is None else {"amount": str(money.amount), "currency": money.currency}


def detail_record(services: Services, details: SubscriptionDetails) -> dict[str, Any]:
    """The subscription's row (as ``list --format json`` and ``imtui export`` have it) with its lines,
    parameters and orders."""
    record = details.record
    out = dict(export_table(services, [details.view]).rows[0])
    out.update({
        "billing_model": record.billing_model, "first_seen": _iso(record.first_seen),
        "lines": [
            {"line": line.line_no, "product_id": line.product_id, "mpn": line.mpn, "vendor": line.vendor,
             "name": line.name, "quantity": _quantity(line.quantity), "unit_price": _money(line.unit_price),
             "unit_cost": _money(line.unit_cost), "extended_price": _money(line.extended_price),
             "vendor_subscription_id": line.vendor_subscription_id}
            for line in record.lines
        ],
        "parameters": record.parameters,
        "orders": [
            {"id": o.id, "number": o.number, "type": o.type, "status": o.status, "status_code": o.status_code,
             "pending": o.pending, "created_at": o.created_at.isoformat() if o.created_at else None,
             "po_number": o.po_number, "total": _money(o.total)}
            for o in record.orders
        ],
    })
    return out


def detail_lines(services: Services, details: SubscriptionDetails) -> list[str]:
    """The subscription in words, one field a line, then its lines, parameters and orders."""
    data = detail_record(services, details)
    skip = {"lines", "parameters", "orders"}
    width = max(len(k) for k in data if k not in skip)
    out = [f"{key:<{width}}  {'' if value is None else value}" for key, value in data.items() if key not in skip]
    out.append(f"lines ({len(data['lines'])}):")
    for line in details.record.lines:
        out.append(f"  {line.line_no}. {line.name} {line.mpn} x {line.quantity} unit {line.unit_price or '-'} "
                   f"cost {line.unit_cost or '-'} vendor subscription id {line.vendor_subscription_id or '-'}")
    out.append(f"parameters ({len(data['parameters'])}):")
    out += [f"  {p.get('kind', '')}: {p.get('name', '')} = {p.get('value', '')}" for p in data["parameters"]]
    out.append(f"orders ({len(data['orders'])}, pending first):")
    out += [f"  {o['number'] or o['id']} {o['type']} {o['status']} {o['created_at'] or ''} {o['po_number'] or ''}".rstrip()
            for o in data["orders"]]
    return out


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _quantity(value) -> int | str | None:
    return value if value is None or isinstance(value, int) else str(value)
