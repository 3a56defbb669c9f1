"""The snapshot at browser scale: 20,000 subscriptions across 3 accounts.

    python tests/benchmarks/bench_snapshot.py [--subscriptions 20000] [--accounts 3] [--runs 7]

1. Loads every account from the in-process sandbox with the real refresh (first, full) and reports the time,
   the requests, and how long the one write transaction took.
2. Refreshes two days later with nothing changed, then changes 1% of the subscriptions (seats +1, modified
   today) two more days later and refreshes again: requests against the minimum (list pages + the changed
   details) and the changes found.
3. Reads every subscription back as row objects (what the browser paints first), cold (a new Snapshot) and
   warm, against a baseline run side by side: ``json.loads`` of the same rows as JSON text (the cheapest way
   to get 20,000 records into Python). Prints the median times and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the tree this script is in, not the installed one

from imtui.core.api import MarketplaceClient
from imtui.core.refresh import Phase, refresh_account
from imtui.core.snapshot import Snapshot
from imtui.sandbox import Sandbox


def client_for(sandbox: Sandbox, name: str) -> MarketplaceClient:
    a = sandbox.account(name)
    return MarketplaceClient(a.base_url, a.marketplace, a.username, a.password, a.subscription_key,
                             transport=sandbox.transport())


async def load(sandbox: Sandbox, snapshot: Snapshot, label: str) -> None:
    for account in sandbox.accounts:
        saving = {}

        def listener(event):
            if event.phase in (Phase.SAVING, Phase.DONE):
                saving[event.phase] = time.perf_counter()

        async with client_for(sandbox, account.name) as client:
            started = time.perf_counter()
            result = await refresh_account(client, account.name, snapshot, now=sandbox.clock.now(),
                                           concurrency=20, listener=listener)
            elapsed = time.perf_counter() - started
        print(f"  {label} {account.name}: {result.subscriptions:,} subscriptions, {result.requests:,} requests "
              f"({result.details_fetched:,} details) in {elapsed:.2f} s; write transaction "
              f"{(saving[Phase.DONE] - saving[Phase.SAVING]) * 1000:.0f} ms; changes {result.counts or '-'}")


def change_one_percent(sandbox: Sandbox) -> int:
    changed = 0
    today = sandbox.clock.now().date()
    for account in sandbox.accounts:
        subs = [s for s in sandbox.state.account(account.name).subscriptions.values() if s.lines and s.status == "active"]
        for sub in subs[:: 100]:
            sub.lines[0].quantity += 1
            sub.last_modified = today
            changed += 1
    return changed


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def reads(directory: Path, today, runs: int) -> None:
    def cold():
        with Snapshot(directory) as snap:
            return snap.subscriptions(today=today)

    warm_snapshot = Snapshot(directory)
    warm_snapshot.subscriptions(today=today)
    cold_time, rows = timed(cold, runs)
    warm_time, _ = timed(lambda: warm_snapshot.subscriptions(today=today), runs)
    text = json.dumps([
        {f: (str(v) if v is not None and not isinstance(v, (int, str, bool)) else v)
         for f in r.__slots__ for v in (getattr(r, f),)}
        for r in rows
    ])
    baseline, _ = timed(lambda: json.loads(text), runs)
    tracemalloc.start()
    kept = warm_snapshot.subscriptions(today=today)
    size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    print(f"read {len(rows):,} subscription rows: cold {cold_time * 1000:.0f} ms, warm {warm_time * 1000:.0f} ms "
          f"(median of {runs})")
    print(f"baseline json.loads of the same {len(text) / 1e6:.1f} MB: {baseline * 1000:.0f} ms -> "
          f"cold read = {cold_time / baseline:.1f}x, warm read = {warm_time / baseline:.1f}x the baseline")
    print(f"rows in memory: {size / 1e6:.1f} MB (peak while reading {peak / 1e6:.1f} MB)")
    warm_snapshot.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=20_000, help="in total, across the accounts")
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    per_account = args.subscriptions // args.accounts
    sandbox = Sandbox(seed=1, customers=max(1, per_account // 10), subscriptions=per_account)
    sandbox.accounts = sandbox.accounts[: args.accounts]
    with tempfile.TemporaryDirectory() as home:
        directory = Path(home) / "snapshot"
        with Snapshot(directory) as snapshot:
            print(f"first refresh, {args.accounts} accounts x {per_account:,} subscriptions (in-process sandbox):")
            await load(sandbox, snapshot, "first")
            sandbox.clock.advance(timedelta(days=2).total_seconds())
            print("second refresh two days later, nothing changed (re-reads what the seed dated near its start):")
            await load(sandbox, snapshot, "second")
            sandbox.clock.advance(timedelta(days=2).total_seconds())
            changed = change_one_percent(sandbox)
            before = len(sandbox.requests)
            print(f"third refresh two days later, {changed} subscriptions changed (1%):")
            await load(sandbox, snapshot, "third")
            got = [r for r in sandbox.requests[before:] if r.method == "GET"]
            pages = sum(1 for r in got if r.path in ("/customers", "/subscriptions", "/orders"))
            print(f"  requests {len(got):,} (logins aside); minimum = {pages} list pages + {changed} changed details "
                  f"= {pages + changed:,}; ratio {len(got) / (pages + changed):.2f}")
            today = sandbox.clock.now().date()
        reads(directory, today, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
