"""Detail fetches under the per-key rate budget, over real HTTP (a script, not a test).

    python tests/benchmarks/bench_client_budget.py [--details 600] [--rate 100] [--latency-ms 30] [--port 0]

Serves a sandbox on 127.0.0.1 (ThreadingHTTPServer, real clock) that allows ``--rate`` requests a second
per subscription key (a sliding 1 s window) and adds ``--latency-ms`` to every answer, then fetches the same
``--details`` subscription details three ways with the real client:

- one at a time (the baseline),
- with the proactive budget at ``--fraction`` (95%) of the server's rate (``budget.configure(rate=..., burst=5)``),
  concurrency chosen by the budget,
- without a proactive budget at concurrency 20 (429s are waited out on the shared pause).

For each: wall time, the bound the rate allows (requests ÷ rate), the ratio, 429s seen and time waited.
The budgeted run should be within 1.2× of the bound; how far it is from one-at-a-time depends on the
latency (at 30 ms one-at-a-time already runs ~30/s, so 100/s can only be ~3× faster).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from imtui.core.api import MarketplaceClient, RateBudgets  # noqa: E402
from imtui.sandbox import Faults, Sandbox  # noqa: E402
from imtui.sandbox.server import serve, served_base_url  # noqa: E402


async def fetch(base_url, account, ids, *, rate=None, concurrency=None):
    budgets = RateBudgets()  # a fresh registry per run: each run starts with an unused budget
    budget = budgets.for_key(account.subscription_key)
    if rate:
        budget.configure(rate=rate, burst=5)
    async with MarketplaceClient(
        base_url, account.marketplace, account.username, account.password, account.subscription_key,
        budgets=budgets,
    ) as client:
        await client.login()
        await asyncio.sleep(1.1)  # let the server's window forget the login
        budget.reset_stats()
        started = time.perf_counter()
        results = await client.get_subscriptions(ids, concurrency=concurrency)
        elapsed = time.perf_counter() - started
    failed = [r for r in results if isinstance(r, Exception)]
    return elapsed, budget.stats(), failed


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--details", type=int, default=600)
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second the server allows")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fraction", type=float, default=0.95, help="the client's budget as a share of the server's rate")
    args = parser.parse_args()

    sandbox = Sandbox(seed=3, customers=300, subscriptions=args.details, clock="real",
                      faults=Faults(latency_ms=args.latency_ms))
    server, _ = serve(sandbox, port=args.port)
    try:
        account = sandbox.accounts[0]
        base_url = served_base_url(server, account)
        async with MarketplaceClient(
            base_url, account.marketplace, account.username, account.password, account.subscription_key,
            budgets=RateBudgets(),
        ) as client:
            ids = [s.id for s in await client.list_subscriptions()][: args.details]
        sandbox.faults.rate_limit, sandbox.faults.window_s = int(args.rate), 1.0
        bound = len(ids) / args.rate
        print(f"{len(ids)} details, server allows {args.rate:g}/s per key, {args.latency_ms:g} ms latency; "
              f"bound = requests / rate = {bound:.2f} s")
        runs = {}
        for label, kwargs in (
            ("one at a time", {"concurrency": 1}),
            (f"budget {args.fraction * args.rate:g}/s", {"rate": args.fraction * args.rate}),
            ("no budget, concurrency 20", {"concurrency": 20}),
        ):
            elapsed, stats, failed = await fetch(base_url, account, ids, **kwargs)
            runs[label] = elapsed
            print(f"  {label:<28} {elapsed:7.2f} s  {elapsed / bound:5.2f}x bound  {stats}"
                  + (f"  FAILED {len(failed)}" if failed else ""))
        serial = runs["one at a time"]
        budgeted = runs[f"budget {args.fraction * args.rate:g}/s"]
        print(f"budgeted vs bound: {budgeted / bound:.2f}x; one-at-a-time vs budgeted: {serial / budgeted:.1f}x faster")
        return 0 if budgeted <= 1.2 * bound else 1
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
