"""Serve a Sandbox over real HTTP (stdlib ``ThreadingHTTPServer``).

``serve(sb)`` starts a server in a daemon thread and returns ``(server, base_url)``;
stop it with ``server.shutdown(); server.server_close()``.  ``main_serve(argv)``
is what ``imtui sandbox serve ...`` delegates to: it builds a sandbox on the real
wall clock, prints the credentials and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Sequence, TextIO

from .app import Faults, Sandbox, SandboxAccount


class _Handler(BaseHTTPRequestHandler):
    server_version = "imtui-sandbox"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        sb: Sandbox = self.server.sandbox  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        latency = sb.faults.latency_ms
        if latency:
            time.sleep(latency / 1000.0)
        path, _, query = self.path.partition("?")
        resp = sb.handle(self.command, path, query, {k: v for k, v in self.headers.items()}, body)
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


def served_base_url(server: ThreadingHTTPServer, account: SandboxAccount) -> str:
    """The URL a client should use for ``account`` on this server."""
    host, port = server.server_address[:2]
    region = account.region
    root = f"http://{host}:{port}"
    return f"{root}/marketplace/{region}" if region else root


def serve(sb: Sandbox, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False):
    """Start serving ``sb`` in a daemon thread; returns ``(server, base_url)``.

    ``base_url`` is the first account's URL (``http://host:port/marketplace/<region>``).
    """
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    server.sandbox = sb  # type: ignore[attr-defined]
    server.verbose = verbose  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="imtui-sandbox-http", daemon=True)
    thread.start()
    server.thread = thread  # type: ignore[attr-defined]
    return server, served_base_url(server, sb.accounts[0])


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="imtui sandbox serve",
                                description="Serve the built-in fake of the Cloud Marketplace API over HTTP.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port (default 8765)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--customers", type=int, default=None, help="customers per account (default: demo size)")
    p.add_argument("--subscriptions", type=int, default=None, help="subscriptions per account (default: demo size)")
    p.add_argument("--token-ttl", type=int, default=1500)
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--rate-limit", type=int, default=None, help="requests per window per subscription key")
    p.add_argument("--window-s", type=float, default=60.0)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--error-field", choices=("message", "error"), default="message")
    p.add_argument("--username", help="override the first account's API username")
    p.add_argument("--password", help="override the first account's API password")
    p.add_argument("--subscription-key", help="override the first account's X-Subscription-Key")
    p.add_argument("--marketplace", help="override the first account's marketplace code")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def sandbox_from_args(args: argparse.Namespace) -> Sandbox:
    faults = Faults(latency_ms=args.latency_ms, rate_limit=args.rate_limit, window_s=args.window_s,
                    fault_rate=args.fault_rate, error_field=args.error_field)
    sb = Sandbox(seed=args.seed, customers=args.customers, subscriptions=args.subscriptions,
                 token_ttl=args.token_ttl, clock="real", faults=faults)
    first = sb.accounts[0]
    for attr in ("username", "password", "subscription_key", "marketplace"):
        value = getattr(args, attr)
        if value:
            setattr(first, attr, value)
    return sb


def run_serve(args: argparse.Namespace, out: TextIO | None = None, *, block: bool = True):
    """Serve as ``args`` say; prints the accounts, then blocks until KeyboardInterrupt.

    With ``block=False`` returns ``(server, sandbox)`` right after printing.
    """
    out = out or sys.stdout
    sb = sandbox_from_args(args)
    server, _ = serve(sb, args.host, args.port, verbose=args.verbose)
    print(f"imtui sandbox serving on http://{server.server_address[0]}:{server.server_address[1]} "
          f"(seed {args.seed}; Ctrl-C to stop)", file=out)
    for acc in sb.accounts:
        print(f"\n[{acc.name}]  currency {acc.currency}", file=out)
        print(f"  base URL          {served_base_url(server, acc)}", file=out)
        print(f"  marketplace       {acc.marketplace}", file=out)
        print(f"  username          {acc.username}", file=out)
        print(f"  password          {acc.password}", file=out)
        print(f"  subscription key  {acc.subscription_key}", file=out)
    out.flush()
    if not block:
        return server, sb
    try:
        while server.thread.is_alive():  # type: ignore[attr-defined]
            server.thread.join(0.5)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        print("\nstopping", file=out)
    finally:
        server.shutdown()
        server.server_close()
    return server, sb


def main_serve(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``imtui sandbox serve [flags]``."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    try:
        run_serve(args)
    except OSError as e:
        print(f"imtui sandbox: cannot serve on {args.host}:{args.port}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main_serve())
