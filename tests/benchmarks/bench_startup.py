"""Start-up of `imtui --demo` against a Textual hello-world, side by side, in a real terminal (tmux).

    python tests/benchmarks/bench_startup.py [--runs 7] [--size 120x36]

The baseline is a Textual app with a Header, a DataTable with a few rows and a Footer: what any Textual app
pays to show its first screen. Each round starts the baseline and imtui one after the other in a detached
tmux session and polls the pane until the first screen is drawn (and, for imtui, until every demo customer
is shown). imtui's first screen is the customers table with its header, drawn before the services and
the sandbox are opened (in a thread, after that paint); "all customers" is when the last account's are in. Both run with PYTHONDONTWRITEBYTECODE unset after one warm run of each, so compiled modules are
cached as on a user's machine. The machine is shared: only the ratio of the medians is meaningful.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELLO = '''
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Hello(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Account", "Ingram customer", "Client")
        for n in range(20):
            table.add_row("us-demo", f"Customer {n}", f"Client {n}")

Hello().run()
'''

SESSION = "imtui-bench-startup"
#: a tmux server of its own (``-L``): it starts with this script's environment (a shared server would give
#: the apps its own, e.g. PYTHONDONTWRITEBYTECODE or another PYTHONPATH) and dies with the session
TMUX = ["tmux", "-L", SESSION]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("NO_COLOR", None)
    return env


def one_run(command: str, marker: str, size: tuple[int, int], full_marker: str | None = None) -> tuple[float, float | None]:
    subprocess.run([*TMUX, "kill-session", "-t", SESSION], capture_output=True)
    start = time.perf_counter()
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", SESSION, "-c", os.getcwd(), "-x", str(size[0]), "-y", str(size[1]), command],
        check=True, env=_env(),
    )
    first = None
    try:
        while time.perf_counter() - start < 30:
            screen = subprocess.run([*TMUX, "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True).stdout
            now = time.perf_counter() - start
            if first is None and marker in screen:
                first = now
                if full_marker is None:
                    return first, None
            if first is not None and full_marker is not None and full_marker in screen:
                return first, now
            time.sleep(0.005)
        raise SystemExit(f"{command!r} did not show {marker!r} within 30 s")
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", SESSION], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", default="120x36")
    args = parser.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("needs tmux")
    size = tuple(int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        home = Path(tmp) / "home"
        baseline = f"{sys.executable} {hello}"
        imtui = f"IMTUI_HOME={home} {sys.executable} -m imtui.cli --demo"
        one_run(baseline, "Customer 3", size)  # warm runs: compiled modules cached, files in the page cache
        one_run(imtui, "Ingram customer", size)
        hellos, firsts, fulls = [], [], []
        for n in range(args.runs):
            h, _ = one_run(baseline, "Customer 3", size)
            first, full = one_run(imtui, "Ingram customer", size, full_marker="de-demo: 48")
            hellos.append(h)
            firsts.append(first)
            fulls.append(full)
            print(f"round {n + 1}: hello-world {h * 1000:.0f} ms | imtui first screen {first * 1000:.0f} ms, "
                  f"all demo customers {full * 1000:.0f} ms")
    h, f, a = (statistics.median(v) for v in (hellos, firsts, fulls))
    print(f"median: hello-world {h * 1000:.0f} ms, imtui first screen {f * 1000:.0f} ms "
          f"(ratio {f / h:.2f}), all customers {a * 1000:.0f} ms (ratio {a / h:.2f})")


if __name__ == "__main__":
    main()
