"""Serve a Sandbox over real HTTP (stdlib ``ThreadingHTTPServer``).

``serve(sb)`` starts a server in a daemon thread and returns ``(server, base_url)``;
stop it with ``server.shutdown(); server.server_close()``.  ``main_serve(argv)``
is what ``imtui sandbox serve ...`` delegates to: it builds a sandbox on the real
wall clock, prints the credentials and serves until Ctrl-C.  Its flags are in :mod:`.serve_flags`.

One thread per connection; latency is slept in that thread before the sandbox lock is taken, so concurrent
connections wait together. A hung ``POST /orders`` (``Faults.order_hang``) keeps its socket silent for
``order_hang_s`` seconds (or until the server stops) and then closes it; a dropped one closes at once.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Sequence, TextIO

from .accounts import SandboxAccount
from .app import Sandbox
from .serve_flags import build_parser, parse_args, sandbox_from_args

__all__ = ["SandboxHTTPServer", "build_parser", "main_serve", "run_serve", "sandbox_from_args", "serve",
           "served_base_url"]


class _Handler(BaseHTTPRequestHandler):
    server_version = "imtui-sandbox"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    #: headers and body go out in two writes: without TCP_NODELAY the body waits for the client's delayed ACK
    #: (about 40 ms per answer on a kept-alive connection)
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        sb: Sandbox = self.server.sandbox  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        latency = sb.faults.latency_ms
        if latency:
            time.sleep(latency / 1000.0)
        path, _, query = self.path.partition("?")
        resp = sb.handle(self.command, path, query, {k: v for k, v in self.headers.items()}, body)
        if resp.fault:
            if resp.fault == "hang":
                self.server.stopping.wait(resp.hang_s)  # type: ignore[attr-defined]
            self.close_connection = True  # no answer: the socket closes with nothing sent
            return
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


class SandboxHTTPServer(ThreadingHTTPServer):
    """A thread per connection, a deep accept queue (dozens of clients connect at once), daemon threads."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, verbose: bool = False) -> None:
        self.sandbox = sandbox
        self.verbose = verbose
        #: set on shutdown: ends hung POST /orders connections
        self.stopping = threading.Event()
        super().__init__(address, _Handler)

    def shutdown(self) -> None:
        self.stopping.set()
        super().shutdown()


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
    server = SandboxHTTPServer((host, port), sb, verbose)
    thread = threading.Thread(target=server.serve_forever, name="imtui-sandbox-http", daemon=True)
    thread.start()
    server.thread = thread  # type: ignore[attr-defined]
    return server, served_base_url(server, sb.accounts[0])


def run_serve(args, out: TextIO | None = None, *, block: bool = True, freeze: bool = False):
    """Serve as ``args`` say; builds every account's data first, prints the accounts, then blocks until
    KeyboardInterrupt. With ``block=False`` returns ``(server, sandbox)`` right after printing. ``freeze``
    (the command line's choice, the process is the server's alone) moves everything built so far out of the
    garbage collector's sight: a full collection over 20,000 subscriptions stalls every connection."""
    out = out or sys.stdout
    sb = sandbox_from_args(args)
    started = time.perf_counter()
    built = sb.state.all_accounts()
    customers = sum(len(st.customers) for st in built)
    subscriptions = sum(len(st.subscriptions) for st in built)
    elapsed = time.perf_counter() - started
    if freeze:
        gc.freeze()
    server, _ = serve(sb, args.host, args.port, verbose=args.verbose)
    print(f"imtui sandbox serving on http://{server.server_address[0]}:{server.server_address[1]} "
          f"(seed {args.seed}; its clock started {sb.clock.start:%Y-%m-%d %H:%M} UTC; Ctrl-C to stop)", file=out)
    print(f"{len(built)} account(s), {customers:,} customers and {subscriptions:,} subscriptions in all "
          f"(built in {elapsed:.1f} s)", file=out)
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
    """Entry point for ``imtui sandbox serve [flags]``: 0 after Ctrl-C, 1 when it cannot serve, 2 on a bad
    flag (one line on stderr starting ``imtui sandbox:``)."""
    args = parse_args(list(argv) if argv is not None else None)
    try:
        run_serve(args, freeze=True)
    except OSError as e:
        print(f"imtui sandbox: cannot serve on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main_serve())
