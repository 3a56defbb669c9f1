"""``imtui sync`` against ``imtui sandbox serve`` over HTTP, held to the bound its rate budget allows.

    python tests/benchmarks/bench_sync.py [--customers 2000] [--subscriptions 20000] [--latency-ms 30]
                                          [--rate 100] [--changed 0.01] [--sample 300] [--port 8881]

1. Serves the sandbox in a subprocess: ``imtui sandbox serve --accounts 1 --customers N --subscriptions M
   --latency-ms L --rate-limit R --window-s 1`` (a key may send R requests in any second).
2. Full sync: ``imtui sync --rate R --json`` in a subprocess (the real command, start-up included): wall time
   against the bound the budget allows (requests ÷ R; the login counted).
3. One request at a time, the baseline: measured on a sample (``--sample`` details and 10 list pages, each
   sent only after the previous answer), extrapolated to the full sync's requests. Said so in the table.
4. ``--changed`` (1%) of the subscriptions get one seat more through change orders (as another tool would),
   which complete on the sandbox's order clock; then a second ``imtui sync --rate R --json``: its requests
   against the minimum, list pages + changed details. ``lastModifiedDate`` is a date without time, so any
   client must also re-read every subscription dated on or after the previous sync's day (a change made
   later that day carries the same date): the table shows that floor apart, and the ratio to both.

Exit 0 when the full sync is within 1.2x of the bound and the second sync within 1.1x of its floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the tree this script is in, not the installed one

from imtui.core.api import MarketplaceClient, OrderRequest, RateBudgets  # noqa: E402
from imtui.core.api.errors import ApiError  # noqa: E402
from imtui.core.paths import Paths  # noqa: E402
from imtui.core.refresh import ORDER_MARGIN  # noqa: E402
from imtui.core.snapshot import Snapshot  # noqa: E402

ACCOUNT = "bench"
PAGE = 500


def serve(args) -> tuple[subprocess.Popen, dict[str, str]]:
    command = [sys.executable, "-m", "imtui.cli", "sandbox", "serve", "--port", str(args.port), "--accounts", "1",
               "--customers", str(args.customers), "--subscriptions", str(args.subscriptions),
               "--latency-ms", str(args.latency_ms), "--rate-limit", str(args.rate), "--window-s", "1"]
    print("$ " + " ".join(["imtui", *command[3:]]))
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found: dict[str, str] = {}
    for line in server.stdout:  # type: ignore[union-attr]
        m = re.match(r"\s+(base URL|marketplace|username|password|subscription key)\s+(\S+)", line)
        if m:
            found[m.group(1)] = m.group(2)
        if len(found) == 5:
            return server, found
    raise SystemExit("the sandbox did not start: " + line)


def cli(home: str, env: dict[str, str], *argv: str) -> tuple[float, dict | str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "imtui.cli", *argv], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env, "IMTUI_HOME": home})
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"imtui {' '.join(argv)} exited {done.returncode}: {done.stderr}")
    try:
        return elapsed, json.loads(done.stdout)
    except ValueError:
        return elapsed, done.stdout


def client(creds: dict[str, str], rate: float | None = None) -> MarketplaceClient:
    budgets = RateBudgets()
    c = MarketplaceClient(creds["base URL"], creds["marketplace"], creds["username"], creds["password"],
                          creds["subscription key"], budgets=budgets)
    if rate:
        c.budget.configure_limit(rate)
    return c


async def one_at_a_time(creds: dict[str, str], sample: int) -> tuple[float, float]:
    """Seconds per list page and per detail, each request sent after the previous answer."""
    async with client(creds) as c:
        await c.login()
        await asyncio.sleep(1.1)  # the server's window forgets the login
        started = time.perf_counter()
        pages, ids = 0, []
        async for page in c.pages("subscriptions"):
            ids += [row["id"] for row in page.items]
            pages += 1
            if pages == 10:
                break
        per_page = (time.perf_counter() - started) / pages
        started = time.perf_counter()
        for sid in ids[:sample]:
            await c.get_subscription(sid)
        per_detail = (time.perf_counter() - started) / min(sample, len(ids))
    return per_page, per_detail


async def change_seats(creds: dict[str, str], snapshot: Snapshot, share: float, rate: float) -> set[str]:
    """One seat more on ``share`` of the subscriptions, by change orders (refused ones are replaced)."""
    rows = [r for r in snapshot.subscriptions(ACCOUNT) if r.active and r.status == "active" and r.mpn
            and isinstance(r.seats, int)]
    pending = {o.subscription_id for o in snapshot.orders(ACCOUNT, unfinished_only=True) if o.subscription_id}
    wanted = math.ceil(len(snapshot.subscriptions(ACCOUNT)) * share)
    changed: set[str] = set()
    async with client(creds, rate) as c:
        for row in rows:
            if len(changed) == wanted:
                break
            if row.id in pending:
                continue
            try:
                await c.place_order(OrderRequest.change(row.customer_id, row.id, row.mpn, row.seats + 1))
            except ApiError:
                continue  # at the product's maximum, a pending change upstream...: take another
            changed.add(row.id)
    return changed


async def list_floor(creds: dict[str, str], since, cursor, held: bool) -> tuple[int, set[str]]:
    """List pages a sync must read, and the subscriptions dated on or after ``since`` (read with our own
    client: not counted)."""
    async with client(creds) as c:
        customers = (await c.customers_page(limit=1))[1] or 0
        subs = await c.list_subscriptions()
        stamp = (cursor.strftime("%Y-%m-%dT%H:%M:%SZ")) if cursor else None
        new_orders = [o async for o in c.iter_orders(created_from=stamp)] if stamp else []
    dated = {s.id for s in subs if s.last_modified_date is not None and s.last_modified_date >= since}
    pages = math.ceil(customers / PAGE) + math.ceil(len(subs) / PAGE) + max(1, math.ceil(len(new_orders) / PAGE))
    pages += 2 if held else 0  # orders held as unfinished are followed in the lists of submitted and processing ones
    return pages, dated


def row(label: str, requests: int, seconds: float | None, bound: float | None, note: str = "") -> str:
    wall = f"{seconds:8.1f}" if seconds is not None else "       —"
    b = f"{bound:8.1f}" if bound is not None else "       —"
    ratio = f"{seconds / bound:5.2f}x" if seconds is not None and bound else "     —"
    return f"| {label:<44} | {requests:>8,} | {wall} | {b} | {ratio} | {note} |"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--subscriptions", type=int, default=20000)
    p.add_argument("--latency-ms", type=float, default=30.0)
    p.add_argument("--rate", type=int, default=100)
    p.add_argument("--changed", type=float, default=0.01)
    p.add_argument("--sample", type=int, default=300)
    p.add_argument("--port", type=int, default=8881)
    args = p.parse_args()
    server, creds = serve(args)
    home = tempfile.mkdtemp(prefix="imtui-bench-sync-")
    env = {"IMTUI_BENCH_PASSWORD": creds["password"], "IMTUI_BENCH_SUBSCRIPTION_KEY": creds["subscription key"]}
    try:
        cli(home, env, "accounts", "add", ACCOUNT, "--url", creds["base URL"], "--marketplace", creds["marketplace"],
            "--username", creds["username"], "--no-test")
        time.sleep(1.1)
        full_s, full = cli(home, env, "sync", "--rate", str(args.rate), "--json")
        acc = full["accounts"][ACCOUNT]
        requests = acc["requests"] + 1  # and the login
        bound = requests / args.rate
        per_page, per_detail = asyncio.run(one_at_a_time(creds, args.sample))
        lists = requests - acc["details_fetched"] - acc["order_details_fetched"]
        serial = lists * per_page + (requests - lists) * per_detail
        snapshot = Snapshot(Paths.in_home(Path(home)).snapshot_dir)
        state = snapshot.sync_state(ACCOUNT)[ACCOUNT]
        held = bool(snapshot.orders(ACCOUNT, unfinished_only=True))
        changed = asyncio.run(change_seats(creds, snapshot, args.changed, args.rate * 0.95))
        time.sleep(7.5)  # the sandbox completes an order 6 s after it was placed
        pages, dated = asyncio.run(list_floor(creds, state.last_sync_day, state.orders_cursor - ORDER_MARGIN, held))
        time.sleep(1.1)
        second_s, second = cli(home, env, "sync", "--rate", str(args.rate), "--json")
        acc2 = second["accounts"][ACCOUNT]
        requests2 = acc2["requests"] + 1
        seats = acc2["changes"].get("seats", 0)
        minimum = pages + len(changed) + 1
        floor = pages + len(changed | dated) + 1
    finally:
        server.terminate()
        server.wait(10)

    print(f"\nmachine: {platform.node()}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; sandbox: {args.customers:,} customers, {args.subscriptions:,} "
          f"subscriptions, {args.latency_ms:g} ms latency, {args.rate} requests/s per key\n")
    print("| run | requests | wall s | bound s | ratio | note |")
    print("|---|---:|---:|---:|---:|---|")
    print(row("full sync, `imtui sync --rate 100`", requests, full_s, bound, "bound = requests ÷ 100/s"))
    print(row("one request at a time (extrapolated)", requests, serial, bound,
              f"from {args.sample} details ({per_detail * 1000:.0f} ms each) and 10 list pages "
              f"({per_page * 1000:.0f} ms each); full sync is {serial / full_s:.1f}x faster"))
    print(row(f"second sync, {len(changed):,} subscriptions changed", requests2, second_s, requests2 / args.rate,
              f"{acc2['details_fetched']:,} details read, {seats:,} seat changes found"))
    print(f"\nsecond sync: minimum = {pages} list pages + {len(changed):,} changed details + 1 login = {minimum:,} "
          f"-> {requests2 / minimum:.2f}x;\n  with the {len(dated - changed):,} other subscriptions the API dates on "
          f"or after the previous sync's day ({state.last_sync_day}), which any client must re-read: {floor:,} "
          f"-> {requests2 / floor:.2f}x")
    ok = full_s <= 1.2 * bound and requests2 <= 1.1 * floor and seats >= len(changed)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
