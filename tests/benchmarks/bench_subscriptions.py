"""Benchmark of the subscription browser (key 3) at MSP scale, against a demo-size baseline run side by side.

    python tests/benchmarks/bench_subscriptions.py [--subscriptions 20000] [--accounts 3] [--word "microsoft 365 e3"]

Builds a sandbox of ~20,000 subscriptions across 3 accounts (manual clock) and loads it into a snapshot with
the app's own loader (``services.subscriptions.load``). Then serves that sandbox over HTTP on 127.0.0.1 and
opens the app headless at 140x45 on the subscriptions screen **in a child process** (so its memory is the
app's alone), which measures:

- rows on screen from the snapshot: from the app's start until the table shows the snapshot's rows (the
  background refresh, over HTTP, starts after that; it is awaited before the keystrokes are timed);
- per-keystroke filter latency, key→screen: from the key press until the screen was redrawn after the table
  was refilled (a word typed char by char, deleted char by char, another typed);
- the filter and sort keys (s status, t term, w renewing within, R renewals, o sort, O reverse, x clear);
- memory: the app process's resident set once the rows are in, and its peak (VmHWM).

The baseline is the same run on a demo-size sandbox (360 subscriptions), just before: the machine is shared,
so the ratio says more than the absolute numbers. Exits 1 when a budget is broken (median keystroke 50 ms,
worst 100 ms, rows on screen 1 s, memory 400 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the tree this script is in, not the installed one

SIZE = (140, 45)
BUDGET = {"median_ms": 50.0, "worst_ms": 100.0, "rows_s": 1.0, "rss_mb": 400.0}


def rss_mb() -> float:
    """The process's resident set now, in MB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stats(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered), p95, ordered[-1]


async def build(per_account: int, accounts: int, home: Path):
    """The sandbox and a snapshot of it in ``home`` (loaded in process); returns (sandbox, seconds)."""
    from imtui.core.config import AccountConfig, ConfigStore
    from imtui.core.paths import Paths
    from imtui.core.secrets import AccountSecrets, SecretStore
    from imtui.core.services import Services
    from imtui.sandbox import Sandbox

    sandbox = Sandbox(seed=7, customers=max(48, per_account // 10), subscriptions=per_account, clock="manual")
    sandbox.accounts = sandbox.accounts[:accounts]
    paths = Paths.in_home(home).ensure()
    services = Services(paths=paths, store=ConfigStore(paths.config_file),
                        secrets=SecretStore(paths, env={}, use_keyring=False),  # never the real keyring
                        transport=sandbox.transport(), sandbox=sandbox)
    services.config = services.store.load()
    for account in sandbox.accounts:
        services.accounts.put(
            AccountConfig(name=account.name, api_url=account.base_url, marketplace=account.marketplace,
                          username=account.username),
            AccountSecrets(password=account.password, subscription_key=account.subscription_key),
        )
    started = time.perf_counter()
    result = await services.subscriptions.load()
    assert result.exit_code == 0, result.failed
    elapsed = time.perf_counter() - started
    await services.aclose()
    return sandbox, elapsed


def measure_in_child(sandbox, home: Path, word: str, second: str) -> dict:
    """Serve ``sandbox`` over HTTP, point ``home``'s accounts at it, run the app in a child process."""
    from imtui.core.config import ConfigStore
    from imtui.core.paths import Paths
    from imtui.core.secrets import env_var_names
    from imtui.sandbox.server import serve, served_base_url

    server, _ = serve(sandbox)
    env = dict(os.environ, IMTUI_HOME=str(home))
    env.pop("NO_COLOR", None)
    try:
        store = ConfigStore(Paths.in_home(home).config_file)
        config = store.load()
        for account in sandbox.accounts:
            password_var, key_var = env_var_names(account.name)
            env[password_var], env[key_var] = account.password, account.subscription_key
        config.accounts = [a.model_copy(update={"api_url": served_base_url(server, sandbox.account(a.name))})
                           for a in config.accounts]
        store.save(config)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(home), "--word", word, "--second-word", second],
            env=env, capture_output=True, text=True, timeout=900,
        )
    finally:
        server.shutdown()
        server.server_close()
    if child.returncode != 0:
        raise SystemExit(f"the app's run failed:\n{child.stderr}")
    return json.loads(child.stdout.splitlines()[-1])


async def run_app(home: str, word: str, second: str) -> dict:
    """In the child process: the app on ``home``'s config and snapshot, the sandbox over HTTP."""
    from imtui.core.services import Services
    from imtui.tui.app import ImtuiApp
    from imtui.tui.screens.subscriptions import SubscriptionsScreen

    out: dict = {"rss_before": rss_mb()}
    services = Services.open(home, headless=True)
    app = ImtuiApp(services, start_in="subscriptions")
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        while not isinstance(app.screen, SubscriptionsScreen):
            await pilot.pause()
        screen = app.screen
        while screen.table.row_count == 0:
            await asyncio.sleep(0.005)  # poll, leaving the reader's thread the interpreter as an idle app would
        out["rows_on_screen"] = time.perf_counter() - start
        while not screen.opened:
            await asyncio.sleep(0.005)
        out["all_rows"] = time.perf_counter() - start
        await app.workers.wait_for_complete()  # the background refresh, then the rows read again
        await pilot.pause()
        out["rows"] = screen.table.row_count
        assert not services.subscriptions.describe_freshness().count("STALE"), services.subscriptions.describe_freshness()
        out["refreshed"] = time.perf_counter() - start
        out["rss_loaded"] = rss_mb()

        marks: dict[str, float | None] = {"refilled": None, "drawn": None}
        refill, redraw = screen.refill, screen._compositor_refresh

        def timed_refill() -> None:
            refill()
            marks["refilled"] = time.perf_counter()

        def timed_redraw() -> None:
            redraw()
            if marks["refilled"] is not None and marks["drawn"] is None:
                marks["drawn"] = time.perf_counter()

        screen.refill = timed_refill
        screen._compositor_refresh = timed_redraw

        async def keys(pressed: list[str]) -> list[float]:
            samples = []
            for key in pressed:
                marks["refilled"] = marks["drawn"] = None
                t = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                assert marks["refilled"] is not None, f"{key!r} did not refill the table"
                drawn = marks["drawn"] if marks["drawn"] is not None else marks["refilled"]
                samples.append((drawn - t) * 1000)
            return samples

        await pilot.press("slash")
        await pilot.pause()
        out["type"] = await keys(list(word))
        out["left_after_word"] = screen.table.row_count
        out["delete"] = await keys(["backspace"] * len(word))
        assert screen.table.row_count == out["rows"]
        out["type2"] = await keys(list(second))
        await keys(["ctrl+u"])
        await pilot.press("enter")
        await pilot.pause()
        out["filter_keys"] = {}
        for key in ("s", "t", "w", "R", "o", "O", "x"):
            out["filter_keys"][key] = (await keys([key]))[0]
        out["rss_peak"] = peak_rss_mb()
    return out


def report(big: dict, small: dict, loaded: tuple[float, float]) -> list[str]:
    every_big = big["type"] + big["delete"] + big["type2"]
    every_small = small["type"] + small["delete"] + small["type2"]
    lines = [
        f"\nSubscription browser, 140x45: {big['rows']:,} subscriptions against the baseline of {small['rows']:,}\n",
        f"  {'':<44} {'baseline':>12} {'at scale':>12} {'ratio':>7}",
        f"  {'snapshot loaded by services.subscriptions.load':<44} {loaded[1]:>10.2f} s {loaded[0]:>10.2f} s "
        f"{loaded[0] / loaded[1]:>6.1f}x",
        f"  {'first rows on screen from the snapshot':<44} {small['rows_on_screen'] * 1000:>9.0f} ms "
        f"{big['rows_on_screen'] * 1000:>9.0f} ms {big['rows_on_screen'] / small['rows_on_screen']:>6.1f}x",
        f"  {'every row on screen (the browser usable)':<44} {small['all_rows'] * 1000:>9.0f} ms "
        f"{big['all_rows'] * 1000:>9.0f} ms {big['all_rows'] / small['all_rows']:>6.1f}x",
        f"  {'background refresh over HTTP done':<44} {small['refreshed']:>10.2f} s {big['refreshed']:>10.2f} s",
    ]
    for name, key in (("type", "type"), ("delete", "delete"), ("type another", "type2")):
        sm, bm = statistics.median(small[key]), statistics.median(big[key])
        lines.append(f"  {'keystroke median, ' + name:<44} {sm:>9.1f} ms {bm:>9.1f} ms {bm / sm:>6.1f}x")
    sm, sp, sw = stats(every_small)
    bm, bp, bw = stats(every_big)
    lines += [
        f"  {'every filter keystroke: median':<44} {sm:>9.1f} ms {bm:>9.1f} ms {bm / sm:>6.1f}x",
        f"  {'every filter keystroke: p95':<44} {sp:>9.1f} ms {bp:>9.1f} ms {bp / sp:>6.1f}x",
        f"  {'every filter keystroke: worst':<44} {sw:>9.1f} ms {bw:>9.1f} ms {bw / sw:>6.1f}x",
    ]
    for key, value in big["filter_keys"].items():
        base = small["filter_keys"][key]
        lines.append(f"  {'key ' + key:<44} {base:>9.1f} ms {value:>9.1f} ms {value / base:>6.1f}x")
    lines += [
        f"  {'app process RSS with the rows loaded':<44} {small['rss_loaded']:>9.0f} MB {big['rss_loaded']:>9.0f} MB "
        f"{big['rss_loaded'] / small['rss_loaded']:>6.1f}x",
        f"  {'app process peak RSS':<44} {small['rss_peak']:>9.0f} MB {big['rss_peak']:>9.0f} MB "
        f"{big['rss_peak'] / small['rss_peak']:>6.1f}x",
        f"\n  {len(every_big)} keystrokes; the word left {big['left_after_word']:,} rows at scale",
    ]
    return lines


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=20_000, help="in total, across the accounts")
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--word", default="microsoft 365 e3")
    parser.add_argument("--second-word", default="acme p1y")
    parser.add_argument("--child", metavar="HOME", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(await run_app(args.child, args.word, args.second_word)))
        return 0
    homes = [Path(tempfile.mkdtemp(prefix="imtui-bench-")) for _ in range(2)]
    try:
        small_sandbox, small_load = await build(120, 3, homes[0])
        small = measure_in_child(small_sandbox, homes[0], args.word, args.second_word)
        big_sandbox, big_load = await build(args.subscriptions // args.accounts, args.accounts, homes[1])
        big = measure_in_child(big_sandbox, homes[1], args.word, args.second_word)
    finally:
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)
    for line in report(big, small, (big_load, small_load)):
        print(line)
    every = big["type"] + big["delete"] + big["type2"]
    if os.environ.get("BENCH_VERBOSE"):
        print("  every keystroke at scale:", " ".join(f"{x:.0f}" for x in every))
    median, _, worst = stats(every)
    failures = []
    if median >= BUDGET["median_ms"]:
        failures.append(f"median keystroke {median:.1f} ms (budget {BUDGET['median_ms']:.0f} ms)")
    if worst >= BUDGET["worst_ms"]:
        failures.append(f"slowest keystroke {worst:.1f} ms (budget {BUDGET['worst_ms']:.0f} ms)")
    if big["rows_on_screen"] >= BUDGET["rows_s"]:
        failures.append(f"rows on screen after {big['rows_on_screen']:.2f} s (budget {BUDGET['rows_s']:.0f} s)")
    if big["rss_peak"] >= BUDGET["rss_mb"]:
        failures.append(f"peak memory {big['rss_peak']:.0f} MB (budget {BUDGET['rss_mb']:.0f} MB)")
    print()
    for failure in failures:
        print("  FAIL:", failure)
    if not failures:
        print("  OK: keystrokes, first rows and memory within budget")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
