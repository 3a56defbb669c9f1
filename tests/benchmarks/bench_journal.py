"""Benchmark of the audit journal at 100,000 lines (a script, not a test).

    python tests/benchmarks/bench_journal.py [--lines 100000] [--appends 200]

Builds a journal of ``--lines`` realistic entries (a valid chain) and a baseline journal of 10 entries,
then appends to both in turns (side by side, so the shared machine's noise hits both alike) and prints
the median and 95th percentile of one append, and their ratio. Appends are measured twice: as they run
(with fsync, what the user waits for) and with fsync switched off (what reading the tail and encoding
cost, which is the part that could grow with the file). Also times ``verify()``, the first screenful
newest first, reading every entry, and one client's CSV export.

Exits 1 if an append (fsync off) on the big journal costs more than twice one on the small journal.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from imtui.core.journal import Journal, JournalFilter  # noqa: E402
from imtui.core.journal_chain import GENESIS, encode_line  # noqa: E402

CLIENTS = ["Contoso Ltd", "Fabrikam", "Northwind Dental", "Tailspin Motors", "Adatum Legal"]


def build(path: Path, lines: int) -> None:
    """A valid chain of ``lines`` entries, written in one go (no fsync per line: this is only the setup)."""
    prev, out = GENESIS, []
    for seq in range(1, lines + 1):
        body = {
            "action": "subscription.seats", "outcome": "ok" if seq % 7 else "failed", "account": "uk-main",
            "customer_id": str(1_000_000 + seq % 3000), "customer_name": f"CUSTOMER {seq % 3000} LIMITED",
            "client": CLIENTS[seq % len(CLIENTS)], "asked": {"quantity": seq % 50 + 1, "at_renewal": False},
            "order_id": f"ORD-{seq:08d}", "po_number": f"PO-{seq:08d}", "correlation_id": f"c-{seq:x}",
            "estimate": "110.00 USD a month, 1,320.00 USD for the term", "version": "0.1.0", "user": "bench",
        }
        line = encode_line(seq, f"2025-03-01T09:00:{seq % 60:02d}.000Z", body, prev)
        prev = hashlib.sha256(line).hexdigest()
        out.append(line)
    path.write_bytes(b"\n".join(out) + b"\n")


def append_times(journals: list[Journal], rounds: int) -> list[list[float]]:
    samples: list[list[float]] = [[] for _ in journals]
    for n in range(rounds):
        for index, journal in enumerate(journals):
            start = time.perf_counter()
            journal.record(action="order.place", outcome="ok", account="uk-main", client="Contoso Ltd",
                           asked={"quantity": n + 1, "mpn": "MS-M365-BP"}, po_number=f"PO-BENCH-{n}")
            samples[index].append((time.perf_counter() - start) * 1000)
    return samples


def describe(name: str, big: list[float], small: list[float]) -> float:
    ratio = statistics.median(big) / statistics.median(small)
    p95 = lambda values: sorted(values)[int(len(values) * 0.95) - 1]  # noqa: E731
    print(f"{name:<28} big: median {statistics.median(big):7.3f} ms, p95 {p95(big):7.3f} ms | "
          f"small: median {statistics.median(small):7.3f} ms, p95 {p95(small):7.3f} ms | ratio {ratio:.2f}")
    return ratio


def timed(name: str, work) -> object:
    start = time.perf_counter()
    result = work()
    print(f"{name:<40} {(time.perf_counter() - start) * 1000:9.1f} ms")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Journal(Path(tmp) / "big.jsonl"), Journal(Path(tmp) / "small.jsonl")
        timed(f"build {args.lines:,} lines", lambda: build(big.path, args.lines))
        build(small.path, 10)
        print(f"big journal: {big.path.stat().st_size / 1e6:.1f} MB")
        describe("append (with fsync)", *append_times([big, small], args.appends))
        real_fsync = os.fsync
        os.fsync = lambda fd: None
        try:
            ratio = describe("append (fsync off)", *append_times([big, small], args.appends))
        finally:
            os.fsync = real_fsync
        result = timed("verify()", big.verify)
        print(f"  -> {result.summary()}")
        timed("first 100 entries, newest first", lambda: [e for _, e in zip(range(100), big.entries(newest_first=True))])
        count = timed("read every entry", lambda: sum(1 for _ in big.entries()))
        print(f"  -> {count:,} entries")
        text = timed("CSV export of one client", lambda: big.export("csv", JournalFilter(client="Fabrikam")))
        print(f"  -> {len(text) / 1e6:.1f} MB")
    if ratio > 2.0:
        print(f"FAIL: an append on {args.lines:,} lines costs {ratio:.2f}x one on 10 lines")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
