"""How long `imtui --demo` takes to its first screen, in a real terminal (tmux), as a user sees it.

    python tests/benchmarks/bench_startup.py [--runs 5]

Starts the app in a detached tmux session and polls the screen until the customer table shows its
header and first rows; prints each run and the median. Needs tmux.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def one_run(marker: str, rows_marker: str) -> tuple[float, float]:
    session = "imtui-bench"
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    start = time.perf_counter()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", f"{sys.executable} -m imtui.cli --demo"],
        check=True,
    )
    first = None
    try:
        while time.perf_counter() - start < 20:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
            if first is None and marker in screen:
                first = time.perf_counter() - start
            if first is not None and rows_marker in screen:
                return first, time.perf_counter() - start
            time.sleep(0.01)
        raise SystemExit("the app did not show its first screen within 20 s")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("needs tmux")
    firsts, fulls = [], []
    for n in range(args.runs):
        first, full = one_run("Ingram customer", "de-demo: 48")
        firsts.append(first)
        fulls.append(full)
        print(f"run {n + 1}: first screen {first * 1000:.0f} ms, all demo customers shown {full * 1000:.0f} ms")
    print(f"median: first screen {statistics.median(firsts) * 1000:.0f} ms, customers {statistics.median(fulls) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
