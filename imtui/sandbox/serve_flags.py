"""The flags of ``imtui sandbox serve``: every one checked, a bad value exits 2 with one line
(``imtui sandbox: --port: must be a whole number from 0 to 65535, not '-1'``), ``--help`` lists them all."""

from __future__ import annotations

import argparse
import re
from typing import Callable, Sequence

from .accounts import default_accounts
from .app import DEMO_CUSTOMERS, DEMO_SUBSCRIPTIONS_PER_CUSTOMER, OrderTimings, Sandbox
from .clock import current_start, parse_start
from .gateway import Faults

N_DEMO_ACCOUNTS = len(default_accounts(0))

DESCRIPTION = f"""\
Serve the built-in fake of the Cloud Marketplace API over HTTP, on the wall clock, until Ctrl-C.
It prints each account's base URL and credentials. Its clock starts at the current time (seconds cut off), or
at --start; the data is generated relative to that start, the same for the same seed.

Sizes are per account: --customers and --subscriptions apply to each of the --accounts accounts
(us-demo, uk-demo, de-demo; default all {N_DEMO_ACCOUNTS}). The default is the demo size, {DEMO_CUSTOMERS} customers and
{round(DEMO_CUSTOMERS * DEMO_SUBSCRIPTIONS_PER_CUSTOMER)} subscriptions per account ({DEMO_CUSTOMERS * N_DEMO_ACCOUNTS} and \
{round(DEMO_CUSTOMERS * DEMO_SUBSCRIPTIONS_PER_CUSTOMER) * N_DEMO_ACCOUNTS} in all).
  2,000 customers and 20,000 subscriptions in all:
    --accounts 1 --customers 2000 --subscriptions 20000
  the same spread over two accounts:
    --accounts 2 --customers 1000 --subscriptions 10000
"""

EPILOG = """\
faults of POST /orders (one at a time), for "never place an order twice" tests:
  --order-504 created       the order is placed, the gateway answers 504 with an HTML body
  --order-hang not-created  nothing is placed, the socket stays silent (the client times out)
  --order-drop created      the order is placed, the connection closes without an answer

examples:
  imtui sandbox serve --port 8765 --latency-ms 30 --rate-limit 100 --window-s 1
  imtui sandbox serve --fault-rate 0.2 --malformed-json-rate 0.05 --rate-limit 60 --no-retry-after
  imtui sandbox serve --order-seconds 90 --order-504 created
"""


class _Parser(argparse.ArgumentParser):
    """Errors as one line, ``imtui sandbox: <flag>: <what is wrong>``, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = re.sub(r"^argument ", "", message)
        self.exit(2, f"imtui sandbox: {message}\n")


def _number(kind: type, lo: float, hi: float, *, above: bool = False) -> Callable[[str], float | int]:
    """A flag type: an int or float in [lo, hi] (or (lo, hi] with ``above``), else a message with the range."""
    what = "a whole number" if kind is int else "a number"

    def show(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else f"{x:g}"

    allowed = f"{what} above {show(lo)} and at most {show(hi)}" if above else f"{what} from {show(lo)} to {show(hi)}"

    def parse(raw: str):
        try:
            value = kind(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, not {raw!r}") from None
        if value != value or not (lo < value if above else lo <= value) or value > hi:  # NaN fails too
            raise argparse.ArgumentTypeError(f"must be {allowed}, not {raw!r}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _word(raw: str) -> str:
    if not raw or any(ch.isspace() for ch in raw):
        raise argparse.ArgumentTypeError(f"must be a non-empty value without spaces, not {raw!r}")
    return raw


def _outcome(raw: str) -> str:
    value = raw.strip().lower().replace("_", "-")
    if value not in ("created", "not-created"):
        raise argparse.ArgumentTypeError(f"must be created or not-created, not {raw!r}")
    return value.replace("-", "_")


def _start(raw: str):
    try:
        return parse_start(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date and time like 2026-11-20T09:00:00Z, not {raw!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="imtui sandbox serve", description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_argument_group("where and what")
    where.add_argument("--host", default="127.0.0.1", type=_word, help="address to listen on (default 127.0.0.1)")
    where.add_argument("--port", type=_number(int, 0, 65535), default=8765,
                       help="0 to 65535; 0 picks a free port (default 8765)")
    where.add_argument("--seed", type=_number(int, 0, 2**63 - 1), default=42,
                       help="same seed, same data (0 or more; default 42)")
    where.add_argument("--accounts", type=_number(int, 1, N_DEMO_ACCOUNTS), default=N_DEMO_ACCOUNTS,
                       help=f"how many of the demo accounts to serve, 1 to {N_DEMO_ACCOUNTS} (default {N_DEMO_ACCOUNTS})")
    where.add_argument("--customers", type=_number(int, 0, 100_000), default=None,
                       help=f"customers PER ACCOUNT, 0 to 100000 (default {DEMO_CUSTOMERS})")
    where.add_argument("--subscriptions", type=_number(int, 0, 1_000_000), default=None,
                       help="subscriptions PER ACCOUNT, 0 to 1000000 (default 2.5 per customer)")
    where.add_argument("--start", type=_start, default=None, metavar="TIME",
                       help="the sandbox clock's start, e.g. 2026-11-20T09:00:00Z (default: now, seconds cut off)")
    where.add_argument("--token-ttl", type=_number(int, 1, 86400), default=1500,
                       help="token lifetime in seconds, 1 to 86400 (default 1500)")
    gateway = p.add_argument_group("gateway")
    gateway.add_argument("--latency-ms", type=_number(float, 0, 60_000), default=0.0,
                         help="added to every request, 0 to 60000 ms (default 0)")
    gateway.add_argument("--rate-limit", type=_number(int, 1, 1_000_000), default=None,
                         help="requests allowed per window per subscription key, 1 to 1000000 (default: no limit)")
    gateway.add_argument("--window-s", type=_number(float, 0, 86400, above=True), default=60.0,
                         help="the rate limit's sliding window in seconds, above 0 and at most 86400 (default 60)")
    gateway.add_argument("--no-retry-after", action="store_true",
                         help="answer 429 without a Retry-After header (needs --rate-limit)")
    faults = p.add_argument_group("faults")
    faults.add_argument("--fault-rate", type=_number(float, 0, 1), default=0.0,
                        help="share of requests answered 500 or 503 before any effect, 0 to 1 (default 0)")
    faults.add_argument("--malformed-json-rate", type=_number(float, 0, 1), default=0.0,
                        help="share of 200 answers with a truncated JSON body, 0 to 1 (default 0)")
    faults.add_argument("--error-field", choices=("message", "error"), default="message",
                        help="error bodies say message/timeStamp (default) or error/timestamp")
    orders = p.add_argument_group("orders")
    orders.add_argument("--order-seconds", type=_number(float, 0, 3600), default=6.0,
                        help="seconds from submitted to completed, 0 to 3600; minutes are fine, e.g. 90 (default 6)")
    once = orders.add_mutually_exclusive_group()
    once.add_argument("--order-504", type=_outcome, metavar="created|not-created",
                      help="POST /orders answers 504 (HTML), with the order placed or not")
    once.add_argument("--order-hang", type=_outcome, metavar="created|not-created",
                      help="POST /orders gets no answer for --order-hang-seconds, then the socket closes")
    once.add_argument("--order-drop", type=_outcome, metavar="created|not-created",
                      help="POST /orders: the connection closes without an answer")
    orders.add_argument("--order-hang-seconds", type=_number(float, 1, 3600), default=300.0,
                        help="how long --order-hang keeps the socket silent, 1 to 3600 (default 300)")
    login = p.add_argument_group("the first account's login (defaults derive from --seed)")
    for flag, what in (("--username", "API username"), ("--password", "API password"),
                       ("--subscription-key", "X-Subscription-Key"), ("--marketplace", "marketplace code")):
        login.add_argument(flag, type=_word, help=f"override the first account's {what}")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and cross-check the flags; exits 2 with one line on a bad one."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.no_retry_after and args.rate_limit is None:
        parser.error("--no-retry-after: needs --rate-limit N (there is no 429 without a rate limit)")
    return args


def sandbox_from_args(args: argparse.Namespace) -> Sandbox:
    """The sandbox the flags describe, on the wall clock, starting now (or at ``--start``)."""
    faults = Faults(latency_ms=args.latency_ms, rate_limit=args.rate_limit, window_s=args.window_s,
                    rate_limit_retry_after=not args.no_retry_after, fault_rate=args.fault_rate,
                    malformed_json_rate=args.malformed_json_rate, error_field=args.error_field,
                    order_gateway_timeout=args.order_504, order_hang=args.order_hang,
                    order_hang_s=args.order_hang_seconds, order_drop=args.order_drop)
    sb = Sandbox(seed=args.seed, customers=args.customers, subscriptions=args.subscriptions,
                 token_ttl=args.token_ttl, clock="real", faults=faults,
                 accounts=default_accounts(args.seed)[: args.accounts],
                 order_timings=OrderTimings.lasting(args.order_seconds),
                 start=getattr(args, "start", None) or current_start())
    first = sb.accounts[0]
    for attr in ("username", "password", "subscription_key", "marketplace"):
        value = getattr(args, attr)
        if value:
            setattr(first, attr, value)
    return sb
