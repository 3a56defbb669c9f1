"""``imtui sync``: customers, subscriptions and orders of every account (or some) into the local snapshot,
then what changed since the previous sync. Made for a daily timer (see the README: cron, systemd).

Exit codes: 0 every account synced; 1 some did (each failed one named on standard error with the reason);
2 none did (or a bad argument); 75 another sync of the same data is running (nothing was done: try later;
75 is ``EX_TEMPFAIL``, which schedulers read as "temporary"); 130 interrupted (Ctrl-C: accounts not yet saved
keep their previous snapshot).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from imtui.cli.output import EXIT_OK, error, say
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.services import Services, SyncResult

EXIT_BUSY = 75
EXIT_INTERRUPTED = 130


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    sync = commands.add_parser(
        "sync", parents=[common],
        help="load every account into the local snapshot and say what changed (for a daily timer)",
        description="Load customers, subscriptions and orders of every account (or --account) into the local "
        "snapshot, then print what changed since the previous sync. Exit 0 all synced, 1 some accounts failed, "
        "2 none synced, 75 another sync is running.",
    )
    sync.add_argument("--account", action="append", metavar="NAME", help="only this account (repeatable)")
    sync.add_argument("--json", action="store_true", help="print a JSON summary on standard output")
    sync.add_argument("--quiet", "-q", action="store_true",
                      help="print nothing but errors (failed accounts still go to standard error)")
    sync.add_argument("--full", action="store_true", help="read every subscription's detail again")
    sync.add_argument("--rate", type=_rate, metavar="N",
                      help="the subscription keys allow N requests a second: pace to it (default: each account's "
                      "requests_per_second in config.toml, else slow down on 429s)")
    sync.set_defaults(handler=run_sync)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of requests a second, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of requests a second above 0, not {text!r}")
    return value


def run_sync(args: argparse.Namespace) -> int:
    try:
        return headless(args, lambda services: _sync(services, args))
    except KeyboardInterrupt:
        error("interrupted; accounts not yet saved keep their previous snapshot")
        return EXIT_INTERRUPTED


async def _sync(services: Services, args: argparse.Namespace) -> int:
    from imtui.cli.progress import TerminalProgress
    from imtui.core.snapshot import SnapshotBusyError

    names = services.sync.names(args.account)  # an unknown name: ServiceError, exit 2, before anything runs
    if not names:
        error("there is no account to sync; add one with `imtui accounts add` or in the app")
        return 2
    progress = TerminalProgress(names, sys.stderr) if not args.quiet and sys.stderr.isatty() else None
    try:
        result = await services.sync.run(
            names, full=args.full, rate=args.rate,
            listener=progress.event if progress else None, on_retry=progress.retry if progress else None,
        )
    except SnapshotBusyError as exc:
        error(f"{exc}. Nothing was synced.")
        return EXIT_BUSY
    if progress is not None:
        progress.finish(result.failed)
    for name in result.accounts:
        if name in result.failed:
            error(f"{name} was not synced: {result.failed[name]}")
    if args.json:
        say(json.dumps(result.to_dict(services.config), indent=2, ensure_ascii=False))
    elif not args.quiet:
        for line in summary_lines(services, result):
            say(line)
    return result.exit_code if result.accounts else EXIT_OK


def summary_lines(services: Services, result: SyncResult) -> list[str]:
    """What the run did per account, then what changed, grouped by kind and client."""
    done = len(result.refreshed)
    lines = [f"Synced {done} of {len(result.accounts)} account{'s' if len(result.accounts) != 1 else ''} "
             f"in {result.duration:.1f} s ({result.requests:,} requests)."]
    for name in result.accounts:
        refresh = result.refreshed.get(name)
        if refresh is None:
            lines.append(f"  {name}: not synced (see above)")
            continue
        retries = result.retries.get(name)
        waits = f", {retries.rate_limited:,} waits for the rate limit" if retries and retries.rate_limited else ""
        again = f", {retries.transient:,} retries" if retries and retries.transient else ""
        lines.append(
            f"  {name}: {refresh.customers:,} customers, {refresh.subscriptions:,} subscriptions "
            f"({refresh.details_fetched:,} details read), {refresh.orders:,} orders; "
            f"{refresh.requests:,} requests{waits}{again} in {refresh.duration:.1f} s"
        )
        lines += [f"    warning: {w}" for w in refresh.warnings]
    lines.append("")
    lines.append("What changed")
    lines += result.report(services.config).text_lines()
    return lines
