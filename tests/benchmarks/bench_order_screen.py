"""The orders screen at scale: tens of thousands of orders across 3 accounts.

    python tests/benchmarks/bench_order_screen.py [--customers 1000] [--subscriptions 7000] [--runs 5]

1. Loads the sandbox (``--customers`` and ``--subscriptions`` per account) into a snapshot with the real sync.
2. Reads every order as the screen and the CLI do (``services.orders_view.rows()``: the snapshot's rows joined
   with the clients and Ingram names) against a baseline run side by side: the snapshot's own
   ``Snapshot.orders()`` (the SQL query and its row objects). Prints the medians and the ratio.
3. Opens the orders screen on that snapshot (time to rows on screen) and types a filter key by key, timing
   each keystroke from the key to the redrawn table (median and worst), against typing the same keys in the
   customers screen's filter on the same app as a baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the tree this script is in, not the installed one

from imtui.core.services import Services
from imtui.sandbox import Sandbox
from imtui.tui.app import ImtuiApp


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def reads(services: Services, runs: int) -> None:
    ours, base = [], []
    for _ in range(runs):  # side by side, so a busy machine slows both
        t = time.perf_counter()
        base_rows = services.snapshot.orders()
        base.append(time.perf_counter() - t)
        t = time.perf_counter()
        rows = services.orders_view.rows()
        ours.append(time.perf_counter() - t)
    assert len(rows) == len(base_rows)
    print(f"read {len(rows):,} orders: orders_view.rows {median_ms(ours):.0f} ms, "
          f"Snapshot.orders {median_ms(base):.0f} ms, ratio {statistics.median(ours) / statistics.median(base):.2f}")


async def keystrokes(pilot, table, keys: str) -> list[float]:
    times = []
    for key in keys:
        t = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        times.append(time.perf_counter() - t)
    assert table.row_count >= 0
    return times


async def screen(services: Services) -> None:
    from imtui.tui.screens.orders import OrdersScreen

    OrdersScreen.poll_first = OrdersScreen.poll_most = 3600.0  # no polling while measuring
    app = ImtuiApp(services, start_in="customers")
    async with app.run_test(size=(140, 45)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        t = time.perf_counter()
        await pilot.press("4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        orders = app.screen
        print(f"orders screen: {orders.table.row_count:,} rows on screen in {(time.perf_counter() - t) * 1000:.0f} ms")
        await pilot.press("slash")
        ours = await keystrokes(pilot, orders.table, "so0001")
        shown = orders.table.row_count
        await pilot.press("2", "slash")
        await pilot.pause()
        base = await keystrokes(pilot, app.screen.table, "acme l")
    print(f"filter keystroke (orders, {shown:,} rows left): median {median_ms(ours):.0f} ms, worst {max(ours) * 1000:.0f} ms;"
          f" customers screen: median {median_ms(base):.0f} ms, worst {max(base) * 1000:.0f} ms;"
          f" ratio {statistics.median(ours) / statistics.median(base):.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--subscriptions", type=int, default=7000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    services = Services.open_demo(Sandbox(seed=11, customers=args.customers, subscriptions=args.subscriptions))
    t = time.perf_counter()
    result = await services.sync.run()
    assert result.exit_code == 0, result.failed
    print(f"sync of 3 accounts: {time.perf_counter() - t:.1f} s")
    await reads(services, args.runs)
    await screen(services)
    await services.aclose()


if __name__ == "__main__":
    asyncio.run(main())
