"""``imtui orders list|show``: orders from the local snapshot, headless. (``imtui orders lookup|withdraw``, the
money path's, are :mod:`imtui.cli.order_actions`: the same group, through :func:`imtui.cli.groups.group_actions`.)

``list`` reads the snapshot (``--refresh`` refreshes it first, as ``imtui sync`` does); CSV and JSON are the
same rows as ``imtui export orders``. ``show`` reads the order's detail from the marketplace when the snapshot
lacks its lines or it is still in progress (and says so when it cannot).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from imtui.cli.groups import group_actions
from imtui.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, hint, say, write_table
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services
    from imtui.core.services.order_reads import OrderView

FORMATS = ("table", "csv", "json")
TABLE_HEADER = ("ACCOUNT", "ORDER", "NUMBER", "TYPE", "STATUS", "CREATED", "UPDATED", "PO", "CLIENT", "CUSTOMER", "TOTAL")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from imtui.core.order_status import ORDER_STATUSES, UNFINISHED

    actions = group_actions(commands, "orders", "orders: list, show, look one up by PO number, withdraw one", common)
    listing = actions.add_parser("list", help="orders from the local snapshot, unfinished first", parents=[common])
    listing.add_argument("--account", metavar="A", help="only this account's orders")
    listing.add_argument("--client", metavar="C", help="only orders of customers mapped to this client")
    listing.add_argument("--customer", metavar="ID", help="only this Ingram customer's orders")
    listing.add_argument("--status", metavar="S", type=str.lower, choices=(*ORDER_STATUSES, UNFINISHED),
                         help=f"one of {', '.join(ORDER_STATUSES)}, or {UNFINISHED} (submitted or processing)")
    listing.add_argument("--type", metavar="T", type=str.lower, help="sales, change, cancellation, renewal, transfer")
    listing.add_argument("--format", choices=FORMATS, default="table")
    listing.add_argument("--refresh", action="store_true", help="refresh the snapshot from the marketplace first")
    listing.set_defaults(handler=list_orders)
    show = actions.add_parser("show", help="one order: its lines, seats, money, PO and journal", parents=[common])
    show.add_argument("order", metavar="ID", help="the order's id or number (e.g. 1500216 or SO000216)")
    show.add_argument("--account", metavar="A", help="the account that holds it")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(handler=show_order)


def _headless(args: argparse.Namespace, work: Callable[[Services], Awaitable[int]]) -> int:
    """``session.headless``, and a snapshot that is busy (another sync) or unusable said in one line."""

    async def run(services: Services) -> int:
        from imtui.core.snapshot import SnapshotBusyError, SnapshotError

        try:
            return await work(services)
        except SnapshotBusyError as exc:  # as imtui sync says it: try later
            from imtui.cli.sync import EXIT_BUSY

            error(f"{exc}")
            return EXIT_BUSY
        except SnapshotError as exc:
            error(f"{exc}")
            return EXIT_USAGE

    return headless(args, run)


def _check_account(services: Services, account: str | None) -> None:
    from imtui.core.errors import ServiceError

    if account is not None and services.config.account(account) is None:
        raise ServiceError(f"There is no account called {account}; see `imtui accounts list`.")


def _say_never_refreshed(services: Services, account: str | None) -> None:
    names = [account] if account else [a.name for a in services.config.accounts]
    known = services.snapshot.sync_state()
    never = [n for n in names if n not in known or known[n].last_sync_at is None]
    if never:
        hint(f"the snapshot holds nothing of {', '.join(never)} yet: add --refresh (or run a sync) to load it")


def list_orders(args: argparse.Namespace) -> int:
    from imtui.core.formats.exports import write_export
    from imtui.core.services.order_reads import ORDER_TYPES, OrderFilter

    async def work(services: Services) -> int:
        _check_account(services, args.account)
        code = EXIT_OK
        if args.refresh:
            result = await services.sync.run([args.account] if args.account else None)
            for name, reason in result.failed.items():
                error(f"{name} could not be refreshed: {reason} (its last snapshot is shown)")
            code = EXIT_FAILED if result.failed else EXIT_OK
        else:
            _say_never_refreshed(services, args.account)
        every = services.orders_view.rows(OrderFilter(account=args.account))
        if args.type and args.type not in ORDER_TYPES and args.type not in {v.type for v in every}:
            error(f"no order type {args.type!r}; types are {', '.join(ORDER_TYPES)}")
            return EXIT_USAGE
        where = OrderFilter(args.account, args.customer, args.client, args.status, args.type)
        views = [v for v in every if where.matches(v)]
        if args.format == "table":
            write_table(TABLE_HEADER, (_table_row(v) for v in views))
        else:  # the rows of imtui export orders
            write_export(services.orders_view.export_table(views), args.format, None)
        return code

    return _headless(args, work)


def _table_row(view: OrderView) -> tuple[str, ...]:
    return (
        view.account, view.id, view.number, view.type, view.status_text, view.created_text, view.updated_text,
        view.po_number, view.client, view.customer_name or view.customer_id, str(view.total) if view.total else "",
    )


async def _find(services: Services, order: str, account: str | None) -> tuple[OrderView | None, str]:
    """The order, its detail read from the marketplace when the snapshot lacks it or it is still in
    progress; and, when that read failed, why (the snapshot's row is used)."""
    from imtui.core.api import ApiError

    view = services.orders_view.find(order, account)
    if view is not None and view.details_loaded and view.finished:
        return view, ""
    if view is None and account is None:
        return None, ""
    try:
        return await services.orders_view.detail(view.account if view else account, view.id if view else order), ""
    except ApiError as exc:
        if view is None:
            raise
        return view, f"the marketplace could not be asked ({exc}); this is the snapshot's copy"


def show_order(args: argparse.Namespace) -> int:
    from imtui.core.services.order_reads import describe

    async def work(services: Services) -> int:
        _check_account(services, args.account)
        view, problem = await _find(services, args.order, args.account)
        if view is None:
            error(f"order {args.order} is not in the snapshot; refresh it (`imtui orders list --refresh`) or name its --account")
            return EXIT_USAGE
        if problem:
            error(problem)
        entries = services.orders_view.journal_entries(view)
        if args.format == "json":
            data = services.orders_view.export_table([view]).rows[0]
            data["lines"] = [line.to_dict() for line in view.lines] if view.details_loaded else None
            data["journal"] = [
                {"time": e.time, "action": e.action, "outcome": e.outcome, "correlation_id": e.correlation_id or None,
                 "error": e.error or None} for e in entries
            ]
            say(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            for line in describe(view, entries, lines_note="" if view.details_loaded else "not loaded (see above)"):
                say(line)
        return EXIT_OK

    return _headless(args, work)
