"""Regenerate the images in ``screenshots/`` from the real app on the demo sandbox.

    python -m imtui.tui.screenshots [--out screenshots]

Writes an SVG of each screen and, when ``resvg-py`` is installed (``pip install resvg-py``), a PNG beside
it. The demo's secrets never reach a screenshot: password fields are masked and the form starts empty.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from imtui.core.services import Services
from imtui.sandbox import Sandbox
from imtui.tui.app import ImtuiApp

SIZE = (130, 38)


async def _wait(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _mapping(pilot: Pilot) -> None:
    await _wait(pilot)


async def _triage(pilot: Pilot) -> None:
    await _wait(pilot)
    await pilot.press("n")
    await pilot.pause()


async def _auto_map(pilot: Pilot) -> None:
    await _wait(pilot)
    await pilot.press("a")
    await pilot.pause()


async def _accounts(pilot: Pilot) -> None:
    await _wait(pilot)
    await pilot.press("1")
    await pilot.pause()
    pilot.app.screen.query_one("#account-table").focus()
    await pilot.press("enter")  # edit the first account: its stored secrets are never put in the fields
    await pilot.pause()


async def _orders(pilot: Pilot) -> None:
    """Key 4 (the first visit refreshes the snapshot), a change order's detail with its signed seat delta."""
    await _wait(pilot)
    await pilot.press("4")
    await _wait(pilot)
    screen = pilot.app.screen
    line = next(
        (r for r in screen.table.shown_rows if r.view.type == "change" and r.view.lines), None  # type: ignore[attr-defined]
    )
    if line is not None:
        screen.table.move_to(line.key)  # type: ignore[attr-defined]
    await pilot.press("enter")
    await _wait(pilot)


async def _journal(pilot: Pilot) -> None:
    """Key 5 on a demo journal: entries recorded through the journal as the money path records them."""
    services = pilot.app.services  # type: ignore[attr-defined]
    journal = services.journal
    journal.record(action="order.place", outcome="ok", account="us-demo", customer_id="1000101",
                   customer_name="Acme Inc", client="Acme Inc", asked={"quantity": 5, "mpn": "CFQ7TTC0LCHC:0002"},
                   order_id="1500300", order_number="SO000300", po_number="IMTUI-20261120-7K3Q9A",
                   correlation_id="a8n-4f2c9e0d", estimate="110.00 USD a month, 1,320.00 USD for the term")
    journal.record(action="subscription.seats", outcome="failed", account="uk-demo", customer_id="2000101",
                   customer_name="Acme Ltd", client="Acme Ltd", asked={"quantity": 3}, correlation_id="a8n-77d1e2aa",
                   error="Order #CH000205 in status Scheduled for the renewal date(SC) blocks this change")
    journal.record(action="order.withdraw", outcome="ok", account="us-demo", customer_id="1000101",
                   customer_name="Acme Inc", client="Acme Inc", order_id="1500300", order_number="SO000300")
    await _wait(pilot)
    await pilot.press("5")
    await _wait(pilot)


async def _subscriptions(pilot: Pilot) -> None:
    await _wait(pilot)
    await pilot.press("3")
    await _wait(pilot)


async def _subscription_details(pilot: Pilot) -> None:
    await _subscriptions(pilot)
    screen = pilot.app.screen
    screen.table.move_to("us-demo\x1f1200009")  # an active annual subscription of the seed
    await pilot.press("enter")
    await _wait(pilot)


async def _renewals(pilot: Pilot) -> None:
    await _subscriptions(pilot)
    await pilot.press("R")
    await _wait(pilot)


async def _seat_change(pilot: Pilot) -> None:
    """The confirmation of five more seats, as the money path plans it (the marketplace's own estimate)."""
    from imtui.tui.dialogs.plan import PlanDialog

    await _subscriptions(pilot)
    screen = pilot.app.screen
    screen.table.move_to("us-demo\x1f1200009")  # an active annual subscription of the seed
    seats = screen.current_view().seats
    await pilot.press("e")
    await pilot.pause()
    await pilot.press(*str(seats + 5), "enter")
    for _ in range(200):  # planning reads the subscription and asks for the estimate
        await pilot.pause()
        if isinstance(pilot.app.screen, PlanDialog):
            break


async def _until(pilot: Pilot, ready: Callable[[], object]) -> None:
    """Pause until ``ready()`` (a dialog is open and filled): a purchase's worker waits on its dialog, so
    waiting for every worker to finish would wait for ever."""
    for _ in range(400):
        if ready():
            break
        await pilot.pause(0.02)
    for field in pilot.app.screen.query("Input"):
        field.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


async def _catalog(pilot: Pilot) -> None:
    """b on the orders screen: the catalog of the account in use, searched for "microsoft 365"."""
    from imtui.tui.dialogs.catalog import CatalogDialog

    await _wait(pilot)
    await pilot.press("4")
    await _wait(pilot)
    await pilot.press("b")
    await _until(pilot, lambda: isinstance(pilot.app.screen, CatalogDialog) and pilot.app.screen.lines)
    await pilot.press(*"microsoft 365", "down", "down")
    await _until(pilot, lambda: True)


async def _purchase(pilot: Pilot) -> None:
    """b on a customer, the Business Premium of a year billed monthly, 5 seats: the marketplace's estimate."""
    from imtui.tui.dialogs.catalog import CatalogDialog
    from imtui.tui.dialogs.purchase import PurchaseDialog

    await _wait(pilot)
    app = pilot.app
    screen = app.screen
    screen.table.move_to(next(line.key for line in screen.table.shown_rows  # type: ignore[attr-defined]
                              if (line.customer.account, str(line.customer.customer.id)) == ("us-demo", "1000101")))
    await pilot.press("b")
    await _until(pilot, lambda: isinstance(app.screen, CatalogDialog) and app.screen.lines)
    await pilot.press(*"business premium", "down", "enter")
    await _until(pilot, lambda: isinstance(app.screen, PurchaseDialog))
    app.screen.po.value = "IMTUI-20261120-7K3Q9A"  # type: ignore[attr-defined]  (a new one each time otherwise)
    app.screen.quantity.focus()  # type: ignore[attr-defined]
    await pilot.press("5")
    await _until(pilot, lambda: app.screen.plan is not None)  # type: ignore[attr-defined]


async def _purchase_confirm(pilot: Pilot) -> None:
    """The purchase's confirmation: the plan's sentence, focus on Cancel, y places it."""
    from imtui.tui.dialogs.plan import PlanDialog

    await _purchase(pilot)
    await pilot.press("enter")
    await _until(pilot, lambda: isinstance(pilot.app.screen, PlanDialog))


async def _synced_with_changes(pilot: Pilot) -> None:
    """Two syncs of the demo with changes upstream between them: seats, auto-renew, a price, a removal."""
    await _wait(pilot)
    services = pilot.app.services
    sandbox = services.sandbox
    await services.sync.run()
    state = sandbox.state.account("us-demo")
    subs = [s for s in sorted(state.subscriptions.values(), key=lambda s: s.id) if s.status == "active" and s.lines]
    sandbox.modify_subscription(subs[0].id, quantity=subs[0].lines[0].quantity + 5)
    sandbox.modify_subscription(subs[1].id, renewal_status=not subs[1].renewal_status)
    sandbox.modify_subscription(subs[2].id, unit_price="99.99")
    sandbox.remove_subscription(subs[3].id)
    sandbox.clock.advance(3600)
    await services.sync.run()


async def _what_changed(pilot: Pilot) -> None:
    await _synced_with_changes(pilot)
    pilot.app.action_what_changed()
    await _wait(pilot)


async def _cost_report(pilot: Pilot) -> None:
    await _synced_with_changes(pilot)
    pilot.app.action_cost_report()
    await _wait(pilot)


SHOTS: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "mapping": _mapping,
    "triage": _triage,
    "auto-map": _auto_map,
    "accounts": _accounts,
    "subscriptions": _subscriptions,
    "subscription-details": _subscription_details,
    "renewals": _renewals,
    "seat-change": _seat_change,
    "orders": _orders,
    "catalog": _catalog,
    "purchase": _purchase,
    "purchase-confirm": _purchase_confirm,
    "journal": _journal,
    "what-changed": _what_changed,
    "cost-report": _cost_report,
}


async def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, steps in SHOTS.items():
        services = Services.open_demo(Sandbox(seed=42, clock="manual"))
        app = ImtuiApp(services)
        async with app.run_test(size=SIZE) as pilot:
            await steps(pilot)
            svg = app.export_screenshot(title=f"imtui: {name}")
        path = out / f"{name}.svg"
        path.write_text(svg, encoding="utf-8")
        written.append(path)
        try:
            import resvg_py
        except ImportError:
            continue
        png = resvg_py.svg_to_bytes(svg_string=svg, monospace_family="DejaVu Sans Mono")
        png_path = path.with_suffix(".png")
        png_path.write_bytes(bytes(png))
        written.append(png_path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", type=Path)
    args = parser.parse_args()
    for path in asyncio.run(shoot(args.out)):
        print(path)


if __name__ == "__main__":
    main()
