"""Sandbox build time and API throughput at production scale.

    python tests/benchmarks/bench_sandbox.py [--customers 2000] [--subscriptions 50000]

Builds one account of the given size (sizes are per account; an account is built on first use), then
pages through every customer and subscription over the in-process transport with the real client.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from imtui.core.api import MarketplaceClient
from imtui.sandbox import Sandbox


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--subscriptions", type=int, default=50000)
    args = parser.parse_args()

    started = time.perf_counter()
    sandbox = Sandbox(seed=1, customers=args.customers, subscriptions=args.subscriptions)
    account = sandbox.accounts[0]
    state = sandbox.state.account(account.name)  # builds the account's data
    built = time.perf_counter() - started
    print(f"build: {len(state.customers):,} customers, {len(state.subscriptions):,} subscriptions in {built:.2f} s")

    async with MarketplaceClient(
        account.base_url, account.marketplace, account.username, account.password, account.subscription_key,
        transport=sandbox.transport(),
    ) as client:
        for label, path in (("customers", "customers"), ("subscriptions", "subscriptions")):
            started = time.perf_counter()
            count = 0
            async for page in client.pages(path):
                count += len(page.items)
            elapsed = time.perf_counter() - started
            print(f"list {label}: {count:,} rows in {elapsed:.2f} s ({count / elapsed:,.0f} rows/s, pages of 500)")
        ids = [s async for s in client.iter_subscriptions()][:2000]
        started = time.perf_counter()
        details = await client.get_subscriptions([s.id for s in ids], concurrency=20)
        elapsed = time.perf_counter() - started
        print(f"details: {len(details):,} subscription details in {elapsed:.2f} s ({len(details) / elapsed:,.0f}/s)")


if __name__ == "__main__":
    asyncio.run(main())
