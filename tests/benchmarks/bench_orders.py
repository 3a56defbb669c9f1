"""Benchmark of the money path's own cost (a script, not a test).

    python tests/benchmarks/bench_orders.py [--lines 100000] [--rounds 30]

What imtui adds to one ``place()`` beyond the marketplace's answer: the never-twice check reads the journal
newest first for the PO number (every line, when the PO is new), the attempt and outcome entries are fsynced,
the per-order lock is taken. Measured on the in-process sandbox (no latency) with a journal of ``--lines``
entries against a baseline journal of 10 entries, in turns (side by side, so the shared machine's noise hits
both alike); prints the medians and their ratio, and the never-twice check alone at both sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_journal import build  # noqa: E402

from imtui.core.config import AccountConfig  # noqa: E402
from imtui.core.journal import Journal  # noqa: E402
from imtui.core.secrets import AccountSecrets  # noqa: E402
from imtui.core.services import Services  # noqa: E402
from imtui.core.services.order_guard import earlier_attempt  # noqa: E402
from imtui.sandbox import Sandbox  # noqa: E402
from tests.support import MemoryKeyring  # noqa: E402


def services_with_journal(lines: int, sandbox: Sandbox) -> Services:
    home = Path(tempfile.mkdtemp(prefix="imtui-bench-orders-"))
    services = Services.open(home, transport=sandbox.transport(), keyring_backend=MemoryKeyring())
    services.sandbox = sandbox
    account = sandbox.account("us-demo")
    services.accounts.put(
        AccountConfig(name=account.name, api_url=account.base_url, marketplace=account.marketplace,
                      username=account.username),
        AccountSecrets(password=account.password, subscription_key=account.subscription_key),
    )
    services.paths.data_dir.mkdir(parents=True, exist_ok=True)
    build(services.paths.journal_file, lines)
    return services


async def one_place(services: Services, customer: str, n: int) -> float:
    variant = await services.catalog.variant("us-demo", "CFQ7TTC0LH18:0001", "P1M", "P1M")
    plan = await services.orders.plan_purchase("us-demo", customer, variant, 1, po_number=f"PO-BENCH-{n}")
    started = time.perf_counter()
    outcome = await services.orders.place(plan)
    elapsed = time.perf_counter() - started
    assert outcome.placed, outcome.message
    return elapsed


async def run(lines: int, rounds: int) -> None:
    big_sb, small_sb = Sandbox(seed=5), Sandbox(seed=5)
    big, small = services_with_journal(lines, big_sb), services_with_journal(10, small_sb)
    customer = next(cid for cid, c in big_sb.state.account("us-demo").customers.items() if c["status"] == "active")
    times: dict[str, list[float]] = {"big": [], "small": []}
    for n in range(rounds):
        times["small"].append(await one_place(small, customer, n))
        times["big"].append(await one_place(big, customer, n))
    for name, services in (("big", big), ("small", small)):
        await services.aclose()
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"place() with a {lines:,}-line journal: median {med['big']:.1f} ms; with 10 lines: {med['small']:.1f} ms; "
          f"ratio {med['big'] / med['small']:.2f}")
    for size in (10, lines):
        path = Path(tempfile.mkdtemp()) / "journal.jsonl"
        build(path, size)
        journal = Journal(path)
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            earlier_attempt(journal, "uk-main", "1000001", "PO-NEW")
            samples.append(time.perf_counter() - started)
        print(f"never-twice check of a new PO, {size:,} lines: median {statistics.median(samples) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.lines, args.rounds))


if __name__ == "__main__":
    main()
