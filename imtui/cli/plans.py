"""What every money command prints and how it ends: the plan (a dry run without ``--yes``), the outcome, following
the order with ``--wait``, and the exit codes. ``imtui buy`` and ``imtui subscriptions seats|auto-renew|cancel``
(and ``imtui orders withdraw``) all go through :func:`carry_out`.

Exit codes of the money commands:

====  =======================================================================================================
0     done: placed (or found placed by the lookup), completed with ``--wait``; a dry run that could be placed
1     the marketplace refused it or it failed (nothing changed; a lookup showed it was not placed)
2     bad input, or refused by imtui before anything was sent (read-only, limits, a pending change, placed before)
3     the outcome is unknown even after the lookup: look it up (``imtui orders lookup``) before trying again
4     ``--wait``: the order ended in error or was withdrawn
====  =======================================================================================================
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, hint, say

if TYPE_CHECKING:
    from imtui.core.api.models import Order
    from imtui.core.services import OrderOutcome, OrderPlan, Services

__all__ = ["EXIT_CODES_HELP", "EXIT_ORDER_ERROR", "EXIT_UNKNOWN", "add_money_flags", "carry_out", "show_plan"]

EXIT_UNKNOWN = 3
EXIT_ORDER_ERROR = 4

EXIT_CODES_HELP = """\
exit codes:
  0  done (placed, or found placed by the lookup; completed with --wait); a dry run that could be placed
  1  the marketplace refused it or it failed: nothing changed (or the lookup showed it was not placed)
  2  bad input, or refused by imtui before anything was sent (read-only, limits, a pending change, placed before)
  3  the outcome is unknown even after looking it up: run `imtui orders lookup` before trying again
  4  --wait: the order ended in error or was withdrawn
"""


def add_money_flags(parser: argparse.ArgumentParser, *, wait: bool = True) -> None:
    parser.add_argument("--yes", action="store_true", help="act; without it, print what would happen and change nothing")
    if wait:
        parser.add_argument("--wait", action="store_true", help="follow the order until it completes or fails")


def show_plan(plan: OrderPlan) -> None:
    """The plan as the confirmation dialog shows it: the sentence, who, the PO number, the money, warnings."""
    say(plan.sentence if plan.sentence.endswith(".") else plan.sentence + ".")
    customer = f"{plan.customer_name or '?'} ({plan.customer_id})"
    if plan.client and plan.client != plan.customer_name:
        customer += f", client {plan.client}"
    rows = [("account", plan.account), ("customer", customer)]
    if plan.po_number and plan.sends_order:
        rows.append(("PO number", plan.po_number))
    rows += [(line.label, line.text) for line in plan.money]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        say(f"  {label:<{width}}  {value}")
    for warning in plan.warnings:
        hint(warning)
    if plan.offers_at_renewal:
        hint("add --at-renewal to schedule the change for the renewal date.")


def show_outcome(outcome: OrderOutcome) -> None:
    (say if outcome.placed else error)(outcome.message)
    for warning in outcome.warnings:
        error(warning)


def exit_code(outcome: OrderOutcome) -> int:
    from imtui.core.services import Outcome

    return {
        Outcome.PLACED: EXIT_OK, Outcome.FOUND: EXIT_OK, Outcome.BLOCKED: EXIT_USAGE, Outcome.UNKNOWN: EXIT_UNKNOWN,
    }.get(outcome.outcome, EXIT_FAILED)


def confirmed_by_typing(plan: OrderPlan, typed: str | None) -> bool:
    """A destructive plan's deliberate step: ``--confirm NAME``, or typing it at a terminal."""
    if not plan.confirm_phrase:
        return True
    if typed is None and sys.stdin.isatty():
        typed = input(f"Type the client's name ({plan.confirm_phrase}) to confirm: ")
    if typed is None:
        error(f"to cancel without a terminal, give --yes and --confirm {plan.confirm_phrase!r}.")
        return False
    if " ".join(typed.split()).casefold() != " ".join(plan.confirm_phrase.split()).casefold():
        error(f"{typed!r} is not {plan.confirm_phrase!r}: nothing was changed.")
        return False
    return True


async def carry_out(services: Services, plan: OrderPlan, args: argparse.Namespace) -> int:
    """Print the plan; without ``--yes`` stop there (a dry run: nothing is sent); else place it, print the
    outcome, and with ``--wait`` follow the order to its end."""
    show_plan(plan)
    if plan.refusal:
        error(f"refused: {plan.refusal}")
        return EXIT_USAGE
    if not args.yes:
        keep = f"; add --po {plan.po_number} to keep this PO number" if plan.sends_order and plan.po_number else ""
        confirm = f" and --confirm {plan.confirm_phrase!r}" if plan.confirm_phrase else ""
        say(f"Dry run: nothing was sent. Run again with --yes{confirm} to do it{keep}.")
        return EXIT_OK
    if not confirmed_by_typing(plan, getattr(args, "confirm", None)):
        return EXIT_USAGE
    outcome = await services.orders.place(plan)
    show_outcome(outcome)
    code = exit_code(outcome)
    if outcome.unsure_po:  # an earlier attempt (this PO or another) is unknown: it must be looked up first
        hint("look the order up before placing it again: imtui orders lookup --account "
             f"{plan.account} --customer {plan.customer_id} --po {outcome.unsure_po!r}")
    if code != EXIT_OK or not getattr(args, "wait", False) or outcome.order is None or not plan.sends_order:
        return code
    return await wait_for(services, plan.account, outcome.order)


async def wait_for(services: Services, account: str, order: Order) -> int:
    """Follow an order, one line per change of status; 0 when it completes (or waits for the renewal date)."""
    def update(now: Order) -> None:
        code = f" ({now.status_code})" if now.status_code else ""
        say(f"  order {now.order_number or now.id}: {now.status}{code}")

    final = await services.orders.watch(account, order.id or "", update)
    number = final.order_number or final.id
    if final.status == "completed":
        say(f"Order {number} completed.")
        return EXIT_OK
    if not final.finished:
        say(f"Order {number} is scheduled for the renewal date; it completes then (not waiting months for it).")
        return EXIT_OK
    error(f"order {number} ended {final.status}" + (f" ({final.status_code})" if final.status_code else "") + ".")
    return EXIT_ORDER_ERROR
